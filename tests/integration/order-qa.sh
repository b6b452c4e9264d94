#!/bin/sh
# order-qa.sh: the f32 path must answer all 200 graded order-qa-1M prompts
# correctly with greedy decoding, as PyTorch and llama.cpp both did (see
# ../shared/reference/README.md).  Exercises GQA and tied embeddings.
. "$(dirname "$0")/lib.sh"
need models/order-qa-1M.gguf reference/order-prompts.jsonl
command -v python3 >/dev/null || skip "python3 is needed to read the JSONL"

python3 - "$REF/order-prompts.jsonl" > "$TMP/cases" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding='utf-8'):
    c = json.loads(line)
    print(c['id'] + '\t' + c['prompt'] + '\t' + c['expected'])
PY
right=0 total=0
while IFS="$(printf '\t')" read -r id prompt want; do
	total=$((total + 1))
	got=$("$QCMP" run -m "$MODELS/order-qa-1M.gguf" -p "$prompt" --temp 0 2>"$TMP/err")
	# raw template: the prompt is echoed, the answer follows it
	ans=$(printf '%s' "${got#"$prompt"}" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')
	if [ "$ans" = "$want" ]; then
		right=$((right + 1))
	else
		echo "wrong: $id '$prompt' expected '$want' got '$ans' $(cat "$TMP/err")" >&2
	fi
done < "$TMP/cases"
[ "$total" -eq 200 ] || fail "read $total cases, expected 200"
[ "$right" -eq "$total" ] && ok "$right/$total correct" || fail "$right/$total correct"
finish
