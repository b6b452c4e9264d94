#!/bin/sh
# variants.sh: qcmp run --variants answers with each precision in turn.
# On order-qa-1M the q8_0 variant must still answer like the f32 model
# (llama.cpp's Q8_0 file scores 200/200, see ../shared/reference), while a
# ternary variant is allowed to be wrong: it exists to show that.
. "$(dirname "$0")/lib.sh"
need models/order-qa-1M.gguf reference/order-prompts.jsonl
command -v python3 >/dev/null || skip "python3 is needed to read the JSONL"

python3 - "$REF/order-prompts.jsonl" > "$TMP/cases" <<'PY'
import json, sys
for line in list(open(sys.argv[1], encoding='utf-8'))[:40]:
    c = json.loads(line)
    print(c['prompt'] + '\t' + c['expected'])
PY
f32=0 q8=0 total=0
while IFS="$(printf '\t')" read -r prompt want; do
	total=$((total + 1))
	"$QCMP" run -m "$MODELS/order-qa-1M.gguf" -p "$prompt" --temp 0 \
	    --variants f32,q8_0,t2m > "$TMP/out" 2> "$TMP/err" ||
	    fail "'$prompt': exit $?: $(cat "$TMP/err")"
	# the answer of variant V: the line after its header, minus the prompt
	answer() {
		sed -n "/^== $1: /{n;p;}" "$TMP/out" | sed "s/^$(printf '%s' "$prompt" |
		    sed 's/[]\/$*.^[]/\\&/g')//;s/^[[:space:]]*//;s/[[:space:]]*$//"
	}
	[ "$(answer f32)" = "$want" ] && f32=$((f32 + 1))
	[ "$(answer q8_0)" = "$want" ] && q8=$((q8 + 1))
	grep -q '^== t2m: 2.5 bits/weight' "$TMP/out" || fail "no t2m header: $(cat "$TMP/out")"
done < "$TMP/cases"
[ "$f32" -eq "$total" ] && ok "f32 variant $f32/$total" || fail "f32 variant $f32/$total"
[ "$q8" -eq "$total" ] && ok "q8_0 variant $q8/$total" || fail "q8_0 variant $q8/$total"

# a variant's greedy answer: the same alone, together, and isolated
M260="$SHARED/models/stories260K.gguf"
if [ -r "$M260" ]; then
	"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 40 --variants q4_0 > "$TMP/alone"
	for mode in "" --isolated; do
		"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 40 $mode \
		    --variants f32,q8_0,q4_0,t2m > "$TMP/together" 2>&1
		sed -n '/^== q4_0: /{n;p;}' "$TMP/together" > "$TMP/q4"
		cmp -s "$TMP/alone" "$TMP/q4" && ok "q4_0 alone = q4_0 together ${mode:-(concurrent)}" ||
		    fail "q4_0 differs together ${mode:-(concurrent)}: $(cat "$TMP/q4") vs $(cat "$TMP/alone")"
	done
	# on 2 threads the last variant still running takes over the thread
	# pool mid-answer: whichever it is, its text is its text alone
	"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 200 -t 2 \
	    --variants f32,q8_0,q4_0,t2m --json > "$TMP/together.json"
	for v in f32 q8_0 q4_0 t2m; do
		"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 200 -t 2 \
		    --variants "$v" --json > "$TMP/alone.json"
		python3 - "$v" "$TMP/alone.json" "$TMP/together.json" <<'PY' &&
import json, sys
def text(path):
    rows = [json.loads(l) for l in open(path)]
    return [r["text"] for r in rows if r.get("event") == "answer" and
            r["variant"] == sys.argv[1]]
a, t = text(sys.argv[2]), text(sys.argv[3])
assert len(a) == 1 and a == t and len(a[0]) > 100, (a, t)
PY
		    ok "$v alone = $v together on 2 threads" ||
		    fail "$v differs together on 2 threads"
	done
fi

# default = ref,q8_0,q4_0,t2m, and ref of an all-f32 file is f32
"$QCMP" run -m "$MODELS/order-qa-1M.gguf" -p "Q: next 45? A:" --temp 0 --variants default \
    > "$TMP/def" 2>&1 || fail "--variants default: $(cat "$TMP/def")"
[ "$(grep '^== ' "$TMP/def" | cut -d: -f1 | tr '\n' ' ')" = "== f32 == q8_0 == q4_0 == t2m " ] &&
    ok "--variants default" || fail "--variants default: $(grep '^== ' "$TMP/def")"

# JSON Lines: one valid object per answer with the documented fields; the
# reference has no divergence, an identical answer diverges nowhere
"$QCMP" run -m "$MODELS/order-qa-1M.gguf" -p "Q: next 45? A:" --temp 0 \
    --variants f32,q8_0,t2m --json-tokens > "$TMP/json" 2> "$TMP/err" || fail "--json: $(cat "$TMP/err")"
python3 - "$TMP/json" <<'PY' && ok "JSON Lines" || fail "JSON Lines: $(head -c 600 "$TMP/json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
ans = [r for r in rows if r['event'] == 'answer']
tok = [r for r in rows if r['event'] == 'token']
assert [a['variant'] for a in ans] == ['f32', 'q8_0', 't2m'], ans
keys = {'variant', 'bits_per_weight', 'text', 'n_tokens', 'ttft_ms', 'decode_tps',
        'cpu_ms', 'mean_logprob', 'min_prob', 'mean_entropy', 'first_divergence',
        'kld', 'top1_agree'}
for a in ans:
    assert keys <= set(a), keys - set(a)
    assert a['n_tokens'] == sum(1 for t in tok if t['variant'] == a['variant'])
    assert a['text'] == ''.join(t['piece'] for t in tok if t['variant'] == a['variant'])
f32, q8, t2 = ans
assert f32['kld'] is None and f32['first_divergence'] is None
assert f32['text'].strip() == '46', f32['text']
assert q8['text'] == f32['text'] and q8['first_divergence'] == -1, q8
assert 0 <= q8['kld'] < t2['kld'], (q8['kld'], t2['kld'])
assert all(len(t['top']) == 5 and t['top'][0]['p'] >= t['top'][1]['p'] for t in tok)
PY

# several -m files of one model compare as variants: the llama2.c file
# and the GGUF of stories260K are the same network, so nothing diverges
if [ -r "$M260" ]; then
	"$QCMP" run -m "$M260" -m "$SHARED/models/stories260K.bin" -p "Once upon a time" \
	    --temp 0 -n 16 > "$TMP/files" 2> "$TMP/err" || fail "-m -m: $(cat "$TMP/err")"
	grep -Eq '^stories260K\.bin +32 .* none +0\.00000 +1\.000( +[0-9]+)?$' "$TMP/files" &&
	    ok "two files of one model: no divergence" || fail "two files: $(cat "$TMP/files")"
	"$QCMP" run -m "$M260" -m "$MODELS/order-qa-1M.gguf" -p x > /dev/null 2> "$TMP/err"
	[ $? -eq 2 ] && grep -q "order-qa-1M.gguf: embedding length 128 differs from .*stories260K.gguf's 64" "$TMP/err" &&
	    ok "files of different models refused" || fail "different models: $(cat "$TMP/err")"
fi

"$QCMP" run -m "$MODELS/order-qa-1M.gguf" -p x --variants q8_0,q3 > /dev/null 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "unknown format 'q3'" "$TMP/err" && ok "unknown variant refused" ||
    fail "unknown variant: $(cat "$TMP/err")"
finish
