#!/bin/sh
# run-golden.sh: greedy text from qcmp run on stories260K (GGUF, and the
# llama2.c checkpoint with its tokenizer) must equal, byte for byte, the text
# llama2.c printed (confirmed by llama.cpp) in ../shared/reference/README.md.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf models/stories260K.bin models/tok512.bin \
    reference/README.md

# expected PROMPT: the indented block after "Prompt `PROMPT`:" in the README
expected() {
	awk -v p="Prompt \`$1\`:" '
	    $0 == p { on = 1; next }
	    on && /^    / { sub(/^    /, ""); print; started = 1; next }
	    on && started && !/^    / { exit }' "$REF/README.md"
}

check() {	# check LABEL PROMPT ARGS...
	label=$1 prompt=$2
	shift 2
	expected "$prompt" > "$TMP/want"
	[ -s "$TMP/want" ] || { fail "$label: no reference text for '$prompt'"; return; }
	# llama2.c counts 128 positions, BOS and prompt included: --ctx 128
	if ! "$QCMP" run "$@" -p "$prompt" --temp 0 --ctx 128 > "$TMP/got" 2> "$TMP/err"; then
		fail "$label: qcmp run failed: $(cat "$TMP/err")"
		return
	fi
	if cmp -s "$TMP/want" "$TMP/got"; then
		ok "$label: '$prompt'"
	else
		fail "$label: '$prompt' differs from the reference"
		diff "$TMP/want" "$TMP/got" | head -10 >&2
	fi
}

for prompt in "Once upon a time" "Lily and Tom went to the park"; do
	check gguf "$prompt" -m "$MODELS/stories260K.gguf"
	check llama2c "$prompt" -m "$MODELS/stories260K.bin" -z "$MODELS/tok512.bin"
done

# without -z the tokenizer is found beside the checkpoint (tok512.bin)
check "llama2c, tokenizer found" "Once upon a time" -m "$MODELS/stories260K.bin"

# -n bounds the answer; -t does not change greedy output
"$QCMP" run -m "$MODELS/stories260K.gguf" -p "Once upon a time" --temp 0 -n 5 -v \
    > "$TMP/n5" 2> "$TMP/n5.err" || fail "-n 5 failed"
grep -q "decode 5 tokens" "$TMP/n5.err" || fail "-n 5 -v: $(cat "$TMP/n5.err")"
expected "Once upon a time" | head -c "$(wc -c < "$TMP/n5" | tr -d ' ')" > "$TMP/n5.want"
# the first 5 tokens are a prefix of the 128-position text (minus the newline)
head -c "$(($(wc -c < "$TMP/n5") - 1))" "$TMP/n5" > "$TMP/n5.body"
expected "Once upon a time" > "$TMP/full"
case "$(cat "$TMP/full")" in
"$(cat "$TMP/n5.body")"*) ok "-n 5 is a prefix of the full text" ;;
*) fail "-n 5 output '$(cat "$TMP/n5.body")' is not a prefix of the reference" ;;
esac
"$QCMP" run -m "$MODELS/stories260K.gguf" -p "Once upon a time" --temp 0 --ctx 128 -t 1 \
    > "$TMP/t1" 2>&1 || fail "-t 1 failed"
expected "Once upon a time" | cmp -s - "$TMP/t1" && ok "-t 1 greedy text" ||
    fail "-t 1 changes greedy output"

# sampling: the same seed gives the same text, another seed another text
for s in 1 1 2; do
	"$QCMP" run -m "$MODELS/stories260K.gguf" -p "Once upon a time" --temp 1 \
	    --seed $s -n 40 > "$TMP/s$s.$$.$(date +%N)" 2>&1 || fail "--seed $s failed"
done
set -- "$TMP"/s1.*
cmp -s "$1" "$2" && ok "same seed, same text" || fail "--seed 1 twice gave different texts"
cmp -s "$1" "$TMP"/s2.* && fail "--seed 1 and --seed 2 gave the same text" || ok "another seed, another text"

finish
