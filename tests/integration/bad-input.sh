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

# the file's structure: truncated at each section, counts and lengths no
# file could hold, tensor data outside the file, overlapping or misaligned,
# vocabulary of 0, weights that are not finite numbers
for d in trunc-header trunc-kv trunc-info tensors-huge kv-huge string-long \
    offset-outside overlap misaligned vocab-zero nan inf; do
	$TINY "$TMP/$d.gguf" $d
done
expect 1 "trunc-header.gguf: truncated in header" info -m "$TMP/trunc-header.gguf"
expect 1 "trunc-kv.gguf: header: n_kv 16 and n_tensors 20 cannot fit in a [0-9]+-byte file" info -m "$TMP/trunc-kv.gguf"
expect 1 "trunc-info.gguf: truncated in tensor info #19 'blk.1.ffn_down.weight'" info -m "$TMP/trunc-info.gguf"
expect 1 "tensors-huge.gguf: header: n_tensors 1099511627776 cannot fit in a [0-9]+-byte file" info -m "$TMP/tensors-huge.gguf"
expect 1 "kv-huge.gguf: header: n_kv 1099511627776 cannot fit" info -m "$TMP/kv-huge.gguf"
expect 1 "string-long.gguf: kv #0: key length 1099511627776 extends past the end of the file" info -m "$TMP/string-long.gguf"
expect 1 "offset-outside.gguf: tensor 'blk.1.ffn_down.weight': data \[offset 1099511627776, 8192 bytes\] extends past the end of the file" info -m "$TMP/offset-outside.gguf"
expect 1 "overlap.gguf: tensor '.*': data \[offset 0, [0-9]+ bytes\] overlaps tensor" info -m "$TMP/overlap.gguf"
expect 1 "misaligned.gguf: tensor 'blk.0.attn_q.weight': offset 4 is not a multiple of the alignment 32" info -m "$TMP/misaligned.gguf"
expect 1 "vocab-zero.gguf: key 'tokenizer.ggml.tokens': 0 tokens is out of range" info -m "$TMP/vocab-zero.gguf"
expect 1 "nan.gguf: tensor 'blk.1.ffn_gate.weight': weight 5 \(row 0, column 5\) is not a finite number" run -m "$TMP/nan.gguf" -p a
expect 1 "inf.gguf: tensor 'token_embd.weight': weight 3 \(row 0, column 3\) is not a finite number" info -m "$TMP/inf.gguf"
# nothing in a file makes qcmp allocate beyond the file and its working
# memory: the same one-line errors under a 256 MB address-space limit (not
# in a sanitizer build, whose shadow memory alone is larger)
limits="tensors-huge kv-huge string-long offset-outside"
if ! ( ulimit -v 262144 && "$QCMP" --version ) > /dev/null 2>&1; then
	echo "note: this build cannot run under ulimit -v 256 MB at all (sanitizers); the limit checks are left out"
	limits=""
fi
for d in $limits; do
	( ulimit -v 262144 && "$QCMP" info -m "$TMP/$d.gguf" ) > /dev/null 2> "$TMP/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && grep -q "$d.gguf: " "$TMP/err" &&
	    ok "$d.gguf under ulimit -v 256 MB: one line, status 1" ||
	    fail "$d.gguf under ulimit -v: rc $rc $(cat "$TMP/err")"
done

# llama2.c checkpoints: a size that disagrees with the header, a tokenizer
# of the wrong vocabulary, an empty file
head -c 1000000 "$MODELS/stories260K.bin" > "$TMP/short.bin"
expect 1 "short.bin: file size 1000000 does not match the header" info -m "$TMP/short.bin" -z "$MODELS/tok512.bin"
cp "$MODELS/stories260K.bin" "$TMP/nan.bin"
printf '\000\000\300\177' | dd of="$TMP/nan.bin" bs=1 seek=1000 conv=notrunc 2>/dev/null
expect 1 "nan.bin: weight 243 \(byte 1000\) is not a finite number" info -m "$TMP/nan.bin" -z "$MODELS/tok512.bin"
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

# the history database: a path that cannot be created, a corrupt file,
# another program's SQLite file, a newer schema; each left as it was
M="$MODELS/stories260K.gguf"
: > "$TMP/plainfile"
expect 1 "plainfile/h.db" run -m "$M" -p hi -n 2 --db "$TMP/plainfile/h.db"
head -c 4096 /dev/urandom > "$TMP/corrupt.db"
cp "$TMP/corrupt.db" "$TMP/corrupt.orig"
expect 1 "corrupt.db: .*(not a database|corrupt)" run -m "$M" -p hi -n 2 --db "$TMP/corrupt.db"
cmp -s "$TMP/corrupt.db" "$TMP/corrupt.orig" && ok "the corrupt database is left as it was" ||
    fail "the corrupt database was changed"
if command -v sqlite3 >/dev/null; then
	sqlite3 "$TMP/other.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
	expect 1 "other.db: .*not a qcmp" run -m "$M" -p hi -n 2 --db "$TMP/other.db"
	sqlite3 "$TMP/newer.db" 'PRAGMA application_id = 1902341488; PRAGMA user_version = 99;
	    CREATE TABLE future (x);'
	expect 1 "newer.db: .*newer" report --db "$TMP/newer.db"
fi

finish
