#!/bin/sh
# ppl.sh: qcmp ppl on stories260K: the reference compared with itself moves
# nothing, q8_0 departs far less than t2m, the figures do not depend on the
# thread count, progress goes to stderr, and bad input is one line naming
# the file with the documented exit code.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf models/stories260K.bin models/tok512.bin \
    models/order-qa-1M.gguf
M=$MODELS/stories260K.gguf

cat > "$TMP/story.txt" <<'STORY'
Once upon a time, there was a little girl named Lily. She loved to play in the park with her red ball. One day, she saw a big dog under a tree. The dog was sad because he was lost.
Lily said, "Do not be sad, dog. I will help you find your home." The dog wagged his tail and licked her hand. They walked together past the pond and the big slide.
Soon they met a kind old man. He smiled and said, "That is my dog, Max! Thank you for finding him." Lily was very happy. The man gave her a cookie, and she shared it with her mom.
The next day, Tom came to the park. Tom was Lily's friend. He had a blue kite. "Can I fly your kite?" asked Lily. Tom said, "Yes, we can fly it together!" The wind was strong, and the kite went up high in the sky.
They laughed and ran on the green grass. Then the kite got stuck in a tree. Tom was sad. Lily had an idea. She asked the old man and Max to help. The man used a long stick and got the kite down.
Tom and Lily said thank you. They played until the sun went down. Then they went home, and they were tired but happy. Lily knew that helping others makes everyone feel good.
STORY

# get KEY LINE: a field of one JSON object
get() {
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"
}
row() {	# row VARIANT FILE: the first object of that variant
	grep "\"variant\":\"$1\"" "$2" | head -n 1
}

# the reference twice: the second row is the reference, to the last bit
if "$QCMP" ppl -q --json -m "$M" -f "$TMP/story.txt" --ctx 128 \
    --variants f32,f32 > "$TMP/same" 2> "$TMP/same.err"; then
	second=$(sed -n 2p "$TMP/same")
	[ "$(wc -l < "$TMP/same" | tr -d ' ')" = 2 ] || fail "f32,f32: not 2 rows"
	[ "$(get kld "$second")" = 0 ] && [ "$(get same_top1 "$second")" = 1 ] &&
	    [ "$(get dp_p1 "$second")" = 0 ] && [ "$(get dp_p99 "$second")" = 0 ] &&
	    [ "$(get ppl "$second")" = "$(get ppl "$(sed -n 1p "$TMP/same")")" ] &&
	    ok "f32,f32: KLD 0, same top-1 100%, no probability moves" ||
	    fail "f32,f32: $second"
	[ "$(get positions "$second")" = 189 ] && [ "$(get chunks "$second")" = 3 ] &&
	    ok "505 tokens, ctx 128: 3 chunks, 63 positions each" ||
	    fail "positions/chunks: $second"
else
	fail "f32,f32 failed: $(cat "$TMP/same.err")"
fi

# the default variants: q8_0 departs far less than t2m
if "$QCMP" ppl -q --json -m "$M" -f "$TMP/story.txt" --ctx 128 -t 2 \
    > "$TMP/def" 2> "$TMP/def.err"; then
	[ "$(cut -d, -f1 "$TMP/def" | tr '\n' ' ')" = \
	    '{"variant":"f32" {"variant":"q8_0" {"variant":"q4_0" {"variant":"t2m" ' ] &&
	    ok "default variants: ref,q8_0,q4_0,t2m" || fail "default variants: $(cat "$TMP/def")"
	k8=$(get kld "$(row q8_0 "$TMP/def")") kt=$(get kld "$(row t2m "$TMP/def")")
	t8=$(get same_top1 "$(row q8_0 "$TMP/def")")
	awk -v a="$k8" -v b="$kt" -v t="$t8" \
	    'BEGIN { exit !(a > 0 && a * 100 < b && t > 0.95) }' &&
	    ok "KLD q8_0 $k8 << t2m $kt; q8_0 same top-1 $t8" ||
	    fail "KLD q8_0 $k8, t2m $kt, q8_0 top-1 $t8"
else
	fail "default variants failed: $(cat "$TMP/def.err")"
fi
"$QCMP" ppl -q --json -m "$M" -f "$TMP/story.txt" --ctx 128 -t 1 > "$TMP/t1" 2>&1 &&
    cmp -s "$TMP/def" "$TMP/t1" && ok "-t 1 and -t 2 give the same figures" ||
    fail "-t 1 differs from -t 2"

# several -m files: the GGUF and the llama2.c checkpoint are the same weights
if "$QCMP" ppl -q -m "$M" -m "$MODELS/stories260K.bin" -f "$TMP/story.txt" \
    --ctx 128 > "$TMP/files" 2> "$TMP/files.err"; then
	grep -q '^stories260K\.bin  *32\.00 .* 0\.000000  *100\.00 ' "$TMP/files" &&
	    ok "-m gguf -m bin: the same figures" || fail "-m twice: $(cat "$TMP/files")"
else
	fail "-m twice failed: $(cat "$TMP/files.err")"
fi

# the table, and the progress line on stderr (not a terminal: plain)
if "$QCMP" ppl -m "$M" -f "$TMP/story.txt" --ctx 128 --variants f32,q8_0 \
    > "$TMP/table" 2> "$TMP/progress"; then
	head -n 1 "$TMP/table" | grep -q 'variant  *bits/w  *PPL' &&
	    grep -q '^q8_0  *8\.50 ' "$TMP/table" && ok "table" ||
	    fail "table: $(cat "$TMP/table")"
	grep -qx 'ppl: 3/3 (100%), [0-9]* tok/s, ETA 0:00' "$TMP/progress" &&
	    ok "progress: $(tail -n 1 "$TMP/progress")" ||
	    fail "progress: $(cat "$TMP/progress")"
else
	fail "table run failed: $(cat "$TMP/progress")"
fi
"$QCMP" ppl -q -m "$M" -f "$TMP/story.txt" --ctx 128 --variants f32 \
    > /dev/null 2> "$TMP/quiet" && [ ! -s "$TMP/quiet" ] &&
    ok "--quiet: nothing on stderr" || fail "--quiet: $(cat "$TMP/quiet")"
"$QCMP" ppl --help | grep -q "only its second half is" &&
    ok "--help says only the second half is scored" || fail "--help"

# bad input: CODE LABEL WORD ARGS...: exit CODE, one line on stderr with WORD
bad() {
	code=$1 label=$2 word=$3
	shift 3
	"$QCMP" ppl -q -m "$M" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	if [ "$rc" = "$code" ] && [ "$(wc -l < "$TMP/err" | tr -d ' ')" = 1 ] &&
	    grep -qF -- "$word" "$TMP/err" && [ ! -s "$TMP/out" ]; then
		ok "$label: exit $code, $(cat "$TMP/err")"
	else
		fail "$label: exit $rc (want $code): $(cat "$TMP/err")"
	fi
}
: > "$TMP/empty.txt"
printf 'Once upon\000 a time\n' > "$TMP/nul.txt"
printf 'Once \377 upon\n' > "$TMP/bad-utf8.txt"
bad 1 "missing file" "$TMP/none.txt" -f "$TMP/none.txt"
bad 1 "a directory" "$TMP" -f "$TMP"
bad 1 "NUL byte" "$TMP/nul.txt" -f "$TMP/nul.txt"
bad 2 "empty text" "$TMP/empty.txt" -f "$TMP/empty.txt"
bad 2 "invalid UTF-8" "$TMP/bad-utf8.txt" -f "$TMP/bad-utf8.txt"
bad 2 "--ctx 1" "--ctx" -f "$TMP/story.txt" --ctx 1
bad 2 "unknown variant" "q9_9" -f "$TMP/story.txt" --variants f32,q9_9
bad 2 "-m of another shape" "differs" -f "$TMP/story.txt" \
    -m "$MODELS/order-qa-1M.gguf"
bad 2 "-m twice with --variants" "not both" -f "$TMP/story.txt" \
    -m "$M" --variants f32
"$QCMP" ppl -m "$M" > /dev/null 2> "$TMP/err"
[ $? = 2 ] && grep -q -- "-f FILE" "$TMP/err" && ok "no -f: exit 2" ||
    fail "no -f: $(cat "$TMP/err")"
finish
