#!/bin/sh
# quantize.sh: qcmp quantize writes GGUF files that a second reader and the
# independent Python quantizers (tests/tools/ggml_quants.py, written from
# the GGUF block layouts) agree with: the metadata copied, file_type set,
# data aligned, every block decoding to its weight within the format's
# bound; and loading the file answers exactly as the in-memory variant.
. "$(dirname "$0")/lib.sh"
need models/order-qa-1M.gguf models/stories260K.gguf reference/order-prompts.jsonl
SRC=${QCMP_SRCDIR:-.}
GEN=${QCMP_BUILDDIR:-.}/bench/gen-model
[ -x "$GEN" ] || skip "bench/gen-model is not built (make check builds it)"
OQ=$MODELS/order-qa-1M.gguf
answer() {	# answer ARGS...: the greedy answer's text (and token ids)
	"$QCMP" run "$@" --temp 0 --no-history --json-tokens | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(repr([r["id"] for r in rows if r["event"] == "token"]),
      repr([r["text"] for r in rows if r["event"] == "answer"]))'
}

# check.py IN OUT TYPE [absmean]: the file against its source
cat > "$TMP/check.py" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
import ggml_quants as gq

def read(path):
    d = open(path, 'rb').read()
    p = [0]
    def get(f):
        v = struct.unpack_from(f, d, p[0]); p[0] += struct.calcsize(f)
        return v[0]
    def s():
        n = get('<Q'); v = d[p[0]:p[0] + n]; p[0] += n
        return v
    sc = {0: '<B', 1: '<b', 2: '<H', 3: '<h', 4: '<I', 5: '<i', 6: '<f',
          7: '<?', 10: '<Q', 11: '<q', 12: '<d'}
    def val(t):
        if t in sc: return get(sc[t])
        if t == 8: return s()
        et, n = get('<I'), get('<Q')
        return tuple(val(et) for _ in range(n))
    assert d[:4] == b'GGUF'
    p[0] = 4
    ver, nt, nkv = get('<I'), get('<Q'), get('<Q')
    kv = {}
    for _ in range(nkv):
        k = s(); t = get('<I'); kv[k] = (t, val(t))
    align = kv.get(b'general.alignment', (4, 32))[1]
    ts = []
    for _ in range(nt):
        name = s(); nd = get('<I'); ne = [get('<Q') for _ in range(nd)]
        ts.append((name, ne, get('<I'), get('<Q')))
    base = (p[0] + align - 1) // align * align
    return d, kv, align, base, ts

names = {0: 'f32', 1: 'f16', 2: 'q4_0', 8: 'q8_0', 30: 'bf16', 34: 'tq1_0',
         35: 'tq2_0'}
_, src, dst, want = sys.argv[1:5]
absmean = len(sys.argv) > 5
di, kvi, ai, bi, ti = read(src)
do, kvo, ao, bo, to = read(dst)
ftype = {'q8_0': 7, 'q4_0': 2, 'tq1_0': 36, 'tq2_0': 37}[want]
fails = []
if kvo.pop(b'general.file_type', None) != (4, ftype):
    fails.append('file_type')
kvi.pop(b'general.file_type', None)
if kvi != kvo:
    fails.append('metadata differs')
if ai != ao or bo % ao:
    fails.append('alignment')
quantized = kept = 0
worst = 0.0
same = total = 0
for (n1, ne1, t1, o1), (n2, ne2, t2, o2) in zip(ti, to):
    if n1 != n2 or ne1 != ne2 or o2 % ao:
        fails.append('tensor %s' % n2); continue
    count = 1
    for x in ne1: count *= x
    blk, nb = gq.TYPES[names[t1]][1:]
    a = di[bi + o1:bi + o1 + count // blk * nb]
    blk2, nb2 = gq.TYPES[names[t2]][1:]
    b = do[bo + o2:bo + o2 + count // blk2 * nb2]
    if t2 == t1:
        if a != b: fails.append('%s changed' % n2)
        kept += len(ne1) == 2
        continue
    quantized += 1
    x = gq.dequantize(names[t1], a, count)
    y = gq.dequantize(names[t2], b, count)
    if absmean and names[t2] == 'tq2_0':
        for r in range(count // ne1[0]):
            xs = x[r * ne1[0]:(r + 1) * ne1[0]]
            ys = y[r * ne1[0]:(r + 1) * ne1[0]]
            g = sum(abs(v) for v in xs) / len(xs)
            mags = set(abs(v) for v in ys if v != 0)
            ok = len(mags) <= 1 and all(abs(v - gq._f16(g) *
                max(-1, min(1, gq._round_away(u / g)))) <= 1e-6 * g
                for u, v in zip(xs, ys)) and (not mags or
                abs(mags.pop() - gq._f16(g)) <= 1e-6 * g)
            if not ok:
                fails.append('row %d of %s' % (r, n2)); break
        continue
    mine = gq.quantize(names[t2], x)
    same += sum(1 for i in range(len(b)) if b[i] == mine[i]); total += len(b)
    bw = gq.TYPES[names[t2]][1]
    for i in range(0, count, bw):
        xs, ys = x[i:i + bw], y[i:i + bw]
        amax = max(abs(v) for v in xs) or 1.0
        # q8_0: half a step of amax/127, plus 127 times the fp16
        # rounding of that step (2^-11); q4_0: a step of amax/8 (its
        # scale comes from the signed extreme); ternary: half the scale
        step = {'q8_0': amax / 127 * (0.5 + 127 / 2048.0),
                'q4_0': amax / 8}.get(names[t2], amax / 2 * (1 + 1 / 1024.0))
        e = max(abs(u - v) for u, v in zip(xs, ys)) / step
        worst = max(worst, e)
if absmean:
    print('rows-ternary-absmean', 'ok' if not fails else 'bad')
print('quantized', quantized, 'kept', kept, 'worst', '%.3f' % worst,
      'same-bytes', '%.5f' % (same / total if total else 1.0),
      'fails', ' '.join(fails) or 'none')
PY

for t in q8_0 q4_0; do
	"$QCMP" quantize "$OQ" "$TMP/oq-$t.gguf" --type $t > "$TMP/out" 2> "$TMP/err" ||
	    fail "quantize $t: $(cat "$TMP/err")"
	grep -q "^wrote $TMP/oq-$t.gguf: 36 matrices in $t" "$TMP/out" ||
	    fail "quantize $t said: $(cat "$TMP/out")"
	python3 "$TMP/check.py" "$SRC/tests/tools" "$OQ" "$TMP/oq-$t.gguf" $t > "$TMP/chk"
	if grep -Eq '^quantized 36 kept 0 worst (0\.|1\.00)[0-9]* same-bytes (1\.00000|0\.999[0-9]*) fails none$' "$TMP/chk"; then
		ok "$t file: metadata, alignment and every block agree with the Python quantizer ($(cat "$TMP/chk"))"
	else
		fail "$t file: $(cat "$TMP/chk")"
	fi
done

# the file answers as the in-memory variant: 40 graded prompts
python3 - "$REF/order-prompts.jsonl" > "$TMP/prompts" <<'PY'
import json, sys
for line in list(open(sys.argv[1]))[:40]:
    print(json.loads(line)["prompt"])
PY
for t in q8_0 q4_0; do
	n=0 bad=0
	while IFS= read -r p; do
		a=$(answer -m "$OQ" --variants $t -p "$p")
		b=$(answer -m "$TMP/oq-$t.gguf" -p "$p")
		[ "$a" = "$b" ] || { bad=$((bad + 1)); echo "$t: '$p': '$a' vs '$b'" >&2; }
		n=$((n + 1))
	done < "$TMP/prompts"
	[ $n -eq 40 ] && [ $bad -eq 0 ] && ok "$t file answers 40 prompts as the in-memory $t variant" ||
	    fail "$t file differs from the in-memory variant on $bad of $n prompts"
done

# ternary on a model whose rows fit 256-weight blocks
"$GEN" tiny256 "$TMP/tiny.gguf" 7 || fail "gen-model tiny256"
for t in tq2_0 tq1_0; do
	"$QCMP" quantize "$TMP/tiny.gguf" "$TMP/tiny-$t.gguf" --type $t > "$TMP/out" 2>&1 ||
	    fail "quantize $t: $(cat "$TMP/out")"
	python3 "$TMP/check.py" "$SRC/tests/tools" "$TMP/tiny.gguf" "$TMP/tiny-$t.gguf" $t > "$TMP/chk"
	grep -Eq '^quantized 15 kept 0 worst (0\.|1\.00)[0-9]* same-bytes (1\.00000|0\.999[0-9]*) fails none$' "$TMP/chk" &&
	    ok "$t file agrees with the Python quantizer ($(cat "$TMP/chk"))" ||
	    fail "$t file: $(cat "$TMP/chk")"
	a=$(answer -m "$TMP/tiny.gguf" --variants $t -p "hello" -n 24)
	b=$(answer -m "$TMP/tiny-$t.gguf" -p "hello" -n 24)
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "$t file answers as the in-memory $t variant" ||
	    fail "$t: '$a' vs '$b'"
done
"$QCMP" quantize "$TMP/tiny.gguf" "$TMP/tiny-am.gguf" --type tq2_0 --ternary absmean > "$TMP/out" 2>&1 ||
    fail "absmean: $(cat "$TMP/out")"
# absmean: each row is ternary times one scale, the mean |w| of its row
python3 "$TMP/check.py" "$SRC/tests/tools" "$TMP/tiny.gguf" "$TMP/tiny-am.gguf" tq2_0 absmean > "$TMP/chk"
grep -q 'rows-ternary-absmean ok' "$TMP/chk" && grep -q 'fails none' "$TMP/chk" &&
    ok "absmean tq2_0: every row ternary times its mean |w| ($(tr "\n" " " < "$TMP/chk"))" ||
    fail "absmean: $(cat "$TMP/chk")"
"$QCMP" run -m "$TMP/tiny-am.gguf" -p "hello" -n 8 --temp 0 --no-history > /dev/null &&
    ok "an absmean tq2_0 file loads and answers" || fail "absmean file does not run"

# rows that fit no block are kept and listed; bad arguments
"$QCMP" quantize "$MODELS/stories260K.gguf" "$TMP/s.gguf" --type q8_0 > "$TMP/out" 2>&1
[ "$(grep -c '^kept F32: blk\.[0-4]\.ffn_down\.weight (rows of 172 weights are not whole q8_0 blocks of 32)$' "$TMP/out")" = 5 ] &&
    "$QCMP" run -m "$TMP/s.gguf" -p "Once upon a time" -n 8 --temp 0 --no-history > /dev/null &&
    ok "rows of 172 keep F32, listed; the file runs" || fail "kept rows: $(cat "$TMP/out")"
"$QCMP" quantize "$OQ" "$TMP/x.gguf" --type q5_0 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "'q5_0' is not one of" "$TMP/err" && ok "unknown --type refused" ||
    fail "--type q5_0: $(cat "$TMP/err")"
"$QCMP" quantize "$OQ" "$TMP/x.gguf" --type q8_0 --ternary absmean 2> "$TMP/err"
[ $? -eq 2 ] && ok "--ternary only for ternary types" || fail "--ternary with q8_0"
"$QCMP" quantize "$TMP/nope.gguf" "$TMP/x.gguf" --type q8_0 2> "$TMP/err"
[ $? -eq 1 ] && [ ! -e "$TMP/x.gguf" ] && ok "a missing input: status 1, nothing written" ||
    fail "missing input: $(cat "$TMP/err")"
mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
if [ "$(id -u)" -ne 0 ]; then
	"$QCMP" quantize "$OQ" "$TMP/ro/x.gguf" --type q8_0 2> "$TMP/err"
	[ $? -eq 1 ] && grep -q 'cannot write' "$TMP/err" && ok "an unwritable output: status 1" ||
	    fail "unwritable: $(cat "$TMP/err")"
fi
"$QCMP" quantize "$OQ" "$TMP/no/such/dir/x.gguf" --type q8_0 2> "$TMP/err"
[ $? -eq 1 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && grep -q 'cannot write' "$TMP/err" &&
    ok "an output that cannot be created: status 1, one line" ||
    fail "bad output path: $(cat "$TMP/err")"
finish
