#!/bin/sh
# bad-input.sh: the catalogue of bad inputs qcmp must refuse with one clear
# line naming the file or option and the right exit code, never a crash.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to write the bad files"
need models/stories260K.gguf models/stories260K.bin models/tok512.bin
TINY="python3 ${QCMP_SRCDIR:-.}/tests/tools/gguf-tiny.py"

# expect CODE PATTERN QCMP-ARGS...: exit status CODE and exactly one line on
# stderr matching the extended regex PATTERN
expect() {
	code=$1 pat=$2
	shift 2
	"$QCMP" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
	rc=$?
	lines=$(wc -l < "$TMP/err" | tr -d ' ')
	if [ "$rc" -ne "$code" ]; then
		fail "qcmp $*: exit $rc, expected $code; stderr: $(cat "$TMP/err")"
	elif [ "$lines" -ne 1 ]; then
		fail "qcmp $*: $lines lines on stderr, expected 1: $(cat "$TMP/err")"
	elif ! grep -Eiq -- "$pat" "$TMP/err"; then
		fail "qcmp $*: stderr '$(cat "$TMP/err")' does not match '$pat'"
	else
		ok "$(cat "$TMP/err")"
	fi
}

$TINY "$TMP/good.gguf" || skip "gguf-tiny.py failed"
"$QCMP" info -m "$TMP/good.gguf" > /dev/null 2>&1 || fail "the tiny model itself does not load"
"$QCMP" run -m "$TMP/good.gguf" -p a -n 3 --temp 0 > /dev/null 2>&1 || fail "the tiny model does not run"

for d in arch missing-tensor shape type-q4k no-vocab vocab-mismatch \
    bad-head-count truncated magic version; do
	$TINY "$TMP/$d.gguf" $d
done
expect 1 "arch.gguf: unsupported architecture 'gpt2'" info -m "$TMP/arch.gguf"
expect 1 "missing-tensor.gguf: missing tensor 'blk.1.ffn_up.weight'" info -m "$TMP/missing-tensor.gguf"
expect 1 "shape.gguf: tensor 'blk.1.attn_q.weight': shape .* does not match" info -m "$TMP/shape.gguf"
expect 1 "type-q4k.gguf: tensor 'blk.1.attn_q.weight': type Q4_K is not supported" run -m "$TMP/type-q4k.gguf" -p x
expect 1 "no-vocab.gguf: .*tokenizer.ggml" info -m "$TMP/no-vocab.gguf"
expect 1 "vocab-mismatch.gguf: .*(40|41)" info -m "$TMP/vocab-mismatch.gguf"
expect 1 "bad-head-count.gguf: key 'llama.attention.head_count_kv'" info -m "$TMP/bad-head-count.gguf"
expect 1 "truncated.gguf: .*(past the end|truncated)" info -m "$TMP/truncated.gguf"
expect 1 "magic.gguf: not a GGUF file" info -m "$TMP/magic.gguf"
expect 1 "version.gguf: .*version 7" info -m "$TMP/version.gguf"

# llama2.c checkpoints: a size that disagrees with the header, a tokenizer
# of the wrong vocabulary, an empty file
head -c 1000000 "$MODELS/stories260K.bin" > "$TMP/short.bin"
expect 1 "short.bin: file size 1000000 does not match the header" info -m "$TMP/short.bin" -z "$MODELS/tok512.bin"
need models/tokenizer.bin
expect 1 "tokenizer.bin" info -m "$MODELS/stories260K.bin" -z "$MODELS/tokenizer.bin"
: > "$TMP/empty.gguf"
expect 1 "empty.gguf: file is empty" info -m "$TMP/empty.gguf"
expect 1 "nonexistent.gguf: No such file" info -m "$TMP/nonexistent.gguf"
expect 1 "is a directory|not a regular file" info -m "$TMP"

# prompts and options
expect 2 "prompt: [0-9]+ tokens do not fit in the context of 8" run -m "$MODELS/stories260K.gguf" \
    -p "Once upon a time there was a little girl named Lily" --ctx 8
expect 2 "invalid UTF-8" run -m "$MODELS/stories260K.gguf" -p "$(printf 'bad \377 byte')"
expect 2 "--ctx: 100000 is more than the model's context length 2048" run -m "$MODELS/stories260K.gguf" -p hi --ctx 100000
expect 2 "--temp: must be >= 0" run -m "$MODELS/stories260K.gguf" -p hi --temp -1
expect 2 "--top-p: must be in \(0, 1\]" run -m "$MODELS/stories260K.gguf" -p hi --top-p 0
expect 2 "--n-predict: 'x' is not a whole number" run -m "$MODELS/stories260K.gguf" -p hi -n x
expect 2 "--chat-template: unknown template 'nope'" run -m "$MODELS/stories260K.gguf" -p hi --chat-template nope
expect 2 "unknown command 'frobnicate'" frobnicate

finish
