#!/bin/sh
# fuzz/run.sh: runs every libFuzzer harness (built by `make fuzz`) for
# SECONDS each on a copy of its seed corpus (fuzz/corpus/ is never
# modified), and fails on any crash, leak, timeout or broken invariant,
# printing where the reproducer was saved (replay it with
# `fuzz/bin/fuzz-NAME FILE`).
#   fuzz/run.sh SECONDS [HARNESS...]
# Environment: QCMP_SHARED (default ../shared) holds the real vocabularies
# the tokenizer harnesses need; FUZZ_BIN the harness directory (default
# fuzz/bin); FUZZ_FLAGS extra libFuzzer flags (e.g. -runs=10000000).
set -u

here=$(cd "$(dirname "$0")" && pwd)
secs=${1:?usage: fuzz/run.sh SECONDS [HARNESS...]}
shift
list=${*:-gguf llama2c tok-spm tok-bpe batch-item}
bin=${FUZZ_BIN:-$here/bin}
shared=${QCMP_SHARED:-$here/../../shared}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-fuzz.XXXXXX")
failed="" skipped=""

# The tokenizers run over real vocabularies: Llama 2's tokenizer.bin, and
# SmolLM2's byte-level BPE made into a vocab-only GGUF here.
QCMP_FUZZ_SPM_VOCAB=$shared/models/tokenizer.bin
QCMP_FUZZ_BPE_VOCAB=$tmp/bpe-vocab.gguf
export QCMP_FUZZ_SPM_VOCAB QCMP_FUZZ_BPE_VOCAB
bpe_json=$shared/reference/smollm2-tokenizer.json
if [ -f "$bpe_json" ]; then
	python3 "$here/../tests/tools/make-vocab-gguf.py" "$bpe_json" \
	    "$QCMP_FUZZ_BPE_VOCAB" >/dev/null 2>"$tmp/bpe.err" ||
	    { echo "fuzz/run.sh: make-vocab-gguf.py failed: $(cat "$tmp/bpe.err")" >&2; exit 1; }
fi

for h in $list; do
	exe=$bin/fuzz-$h
	if [ ! -x "$exe" ]; then
		echo "fuzz/run.sh: $exe not built (run make fuzz)" >&2
		exit 1
	fi
	case $h in
	tok-spm) need=$QCMP_FUZZ_SPM_VOCAB ;;
	tok-bpe) need=$bpe_json ;;
	*) need="" ;;
	esac
	if [ -n "$need" ] && [ ! -f "$need" ]; then
		echo "fuzz/run.sh: SKIP $h: its vocabulary $need is missing (set QCMP_SHARED)" >&2
		skipped="$skipped $h"
		continue
	fi
	work=$tmp/$h
	mkdir -p "$work/corpus" "$work/artifacts"
	cp "$here/corpus/$h/"* "$work/corpus/" 2>/dev/null || true
	# shellcheck disable=SC2086
	"$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	    ${FUZZ_FLAGS:-} "$work/corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	# slow-unit-* files only report a slow input (a busy machine makes
	# them); a real hang is a timeout-* and a non-zero exit.
	rm -f "$work/artifacts/"slow-unit-*
	if [ "$rc" -ne 0 ] || [ -n "$(ls "$work/artifacts")" ]; then
		echo "fuzz/run.sh: FAIL $h (exit $rc after ${runs:-?} runs); log $work/log" >&2
		grep -E 'ERROR|invariant failed|SUMMARY' "$work/log" | head -5 >&2
		for a in "$work/artifacts/"*; do
			[ -e "$a" ] && echo "  reproducer: $a (replay: $exe $a)" >&2
		done
		failed="$failed $h"
	else
		echo "fuzz/run.sh: ok $h: ${runs:-?} runs in ${secs}s"
	fi
done

[ -n "$skipped" ] && echo "fuzz/run.sh: skipped (no vocabulary):$skipped" >&2
if [ -n "$failed" ]; then
	echo "fuzz/run.sh: findings in:$failed (kept in $tmp)" >&2
	exit 1
fi
rm -rf "$tmp"
