#!/bin/sh
# types.sh: qcmp runs every weight type it reads natively, reading the
# bytes exactly as the format defines them.  For each type, gguf-tiny.py
# writes a model whose matrices are stored in that type and its F32 twin
# holding the weights an independent Python decoder (ggml_quants.py) reads
# from the same bytes.  Re-encoding decoded blocks reproduces them bit for
# bit, so the file run as it is and the twin re-encoded by qcmp in that type
# (--variants TYPE) must print the same text, greedy and sampled.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to write the typed models"
TOOLS=${QCMP_SRCDIR:-.}/tests/tools

python3 "$TOOLS/ggml_quants.py" > "$TMP/selftest" 2>&1 ||
    fail "ggml_quants.py self-test: $(cat "$TMP/selftest")"

# gen MODEL: the texts of the runs compared, one block per run.  One greedy
# and one sampled run are what a user sees; the longer runs at several
# seeds are there because a greedy tiny model shrugs off most small weight
# errors, and many sampled tokens make a wrongly decoded weight show.
gen() {
	for args in "--temp 0 -n 20" "--temp 0.9 --seed 3 -n 20" "--temp 0 -n 60" \
	    "--temp 0.9 -n 60 --seed 1" "--temp 0.9 -n 60 --seed 2" \
	    "--temp 0.9 -n 60 --seed 4" "--temp 0.9 -n 60 --seed 5" \
	    "--temp 0.9 -n 60 --seed 6" "--temp 0.9 -n 60 --seed 7"; do
		echo "== $args"
		# shellcheck disable=SC2086
		"$QCMP" run -m "$1" -p ab $args ${2:-} 2>> "$TMP/err" ||
		    echo "qcmp run -m $1 $args: exit $?" >> "$TMP/err"
		echo
	done
}

# 2 layers of q, k, v, o, gate, up, down (dim 256, hidden 256, kv dim 128)
# and a 64-token embedding: 2 * (5 * 256*256 + 2 * 256*128) + 64*256
NW=802816
for t in f16 bf16 q8_0 q4_0 tq2_0 tq1_0; do
	case $t in
	f16) T=F16 bpw=16.0000 ;;
	bf16) T=BF16 bpw=16.0000 ;;
	q8_0) T=Q8_0 bpw=8.5000 ;;
	q4_0) T=Q4_0 bpw=4.5000 ;;
	tq2_0) T=TQ2_0 bpw=2.0625 ;;
	tq1_0) T=TQ1_0 bpw=1.6875 ;;
	esac
	# ternary files keep the 64x256 embedding in Q8_0
	case $t in
	tq*) nt=14 nw=$((NW - 64 * 256)) ;;
	*) nt=15 nw=$NW ;;
	esac
	a=$TMP/$t.gguf b=$TMP/$t-f32.gguf
	if ! python3 "$TOOLS/gguf-tiny.py" "$a" --type $t --twin "$b" 2> "$TMP/err"; then
		fail "gguf-tiny.py --type $t: $(cat "$TMP/err")"
		continue
	fi

	"$QCMP" info -m "$a" > "$TMP/info" 2>&1 || fail "info $t: $(cat "$TMP/info")"
	pat="^  $T +$nt tensors +$nw weights .* $bpw bits/weight$"
	grep -Eq "$pat" "$TMP/info" && ok "info $t: $T, $nt tensors, $bpw bits/weight" ||
	    fail "info $t: no line matching '$pat' in: $(grep -A3 '^weights by type' "$TMP/info")"
	grep -Eq '^  F32 +5 tensors +1280 weights' "$TMP/info" ||
	    fail "info $t: the 5 norms are not listed as F32"
	"$QCMP" info -m "$b" > "$TMP/info" 2>&1
	grep -Eq '^  F32 +20 tensors' "$TMP/info" || fail "info $t twin: not all F32"

	: > "$TMP/err"
	gen "$a" > "$TMP/$t.txt"
	gen "$b" "--variants $t" > "$TMP/$t-f32.txt"
	[ -s "$TMP/err" ] && fail "$t: $(cat "$TMP/err")"
	# q8_0 variants multiply in the 16-row interleaved layout, the file
	# in its own: their SIMD kernels may round the float sums of blocks
	# differently, the scalar references (the same arithmetic, in the same
	# order) may not, so those are what must print the same texts
	if [ $t = q8_0 ]; then
		QCMP_ISA=scalar gen "$a" > "$TMP/$t.txt"
		QCMP_ISA=scalar gen "$b" "--variants $t" > "$TMP/$t-f32.txt"
		[ -s "$TMP/err" ] && fail "$t (scalar): $(cat "$TMP/err")"
	fi
	if cmp -s "$TMP/$t.txt" "$TMP/$t-f32.txt"; then
		ok "$t: texts equal those of its F32 twin re-encoded ($(sed -n 2p "$TMP/$t.txt"))"
	else
		fail "$t: texts differ from the F32 twin's re-encoded in $t:"
		diff "$TMP/$t.txt" "$TMP/$t-f32.txt" >&2
	fi
	# at least 3 different tokens: every piece is at most 2 characters,
	# so 6 different characters after the echoed prompt
	nc=$(sed -n 2p "$TMP/$t.txt" | tail -c +3 | fold -w1 | sort -u | wc -l | tr -d ' ')
	[ "$nc" -ge 6 ] && ok "$t: greedy text uses $nc different characters" ||
	    fail "$t: greedy text '$(sed -n 2p "$TMP/$t.txt")' is degenerate ($nc characters)"
done

# TQ1_0 and TQ2_0 store the same ternary weights in two layouts: their
# scalar references (which add block sums in the same order; SIMD twins
# may round differently) must print the same texts
QCMP_ISA=scalar gen "$TMP/tq1_0.gguf" > "$TMP/tq1_0.ref"
QCMP_ISA=scalar gen "$TMP/tq2_0.gguf" > "$TMP/tq2_0.ref"
[ -s "$TMP/tq1_0.ref" ] && cmp -s "$TMP/tq1_0.ref" "$TMP/tq2_0.ref" &&
    ok "tq1_0 and tq2_0 give the same texts" || fail "tq1_0 and tq2_0 texts differ"
# and the types are told apart: 4 bits cost this model its greedy text
cmp -s "$TMP/q4_0.txt" "$TMP/f16.txt" && fail "q4_0 and f16 texts are equal: the test cannot see weight errors"

finish
