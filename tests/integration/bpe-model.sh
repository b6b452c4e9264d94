#!/bin/sh
# bpe-model.sh: a model with a byte-level BPE vocabulary runs end to end:
# a tiny random-weight llama over SmolLM2's real vocabulary, merges and
# ChatML template, stored as a GGUF converter stores SmolLM2.  The prompt
# token count is checked against one computed in Python from Hugging
# Face's ids and an independent BPE over the same merges.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to write the BPE model"
need reference/smollm2-tokenizer.json reference/smollm2-bpe-vectors.json
TOOLS=${QCMP_SRCDIR:-.}/tests/tools
M=$TMP/bpe.gguf
PROMPT='What is 2+2?'

has() {	# has FILE REGEX
	grep -Eq "$2" "$1" && ok "$(basename "$1"): $2" || fail "$(basename "$1"): no line matching '$2'"
}

python3 "$TOOLS/gguf-tiny.py" "$M" --bpe "$REF/smollm2-tokenizer.json" 2> "$TMP/err" ||
    skip "gguf-tiny.py --bpe failed: $(cat "$TMP/err")"

"$QCMP" info -m "$M" > "$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
has "$TMP/info" '^vocab: +49152 tokens, bpe \(smollm\), bos 1, eos 2$'
has "$TMP/info" '^chat template: +chatml$'
has "$TMP/info" '^output: +tied to the token embedding'
has "$TMP/info" '^heads: +4 query, 2 key/value \(grouped-query\)'

# The prompt qcmp must feed in chat mode, counted without qcmp: ChatML
# around the prompt, no BOS (add_bos_token is false).  The prompt's ids are
# Hugging Face's; the pieces around it are split the way the pre-tokenizer
# splits them (letters, then the newline) and merged by a BPE written here.
python3 - "$REF/smollm2-tokenizer.json" "$REF/smollm2-bpe-vectors.json" "$PROMPT" \
    > "$TMP/count" 2> "$TMP/err" <<'EOF' || fail "counting the prompt in Python: $(cat "$TMP/err")"
import json
import sys

tj = json.load(open(sys.argv[1], encoding='utf-8'))
vectors = json.load(open(sys.argv[2], encoding='utf-8'))
prompt = sys.argv[3]
vocab = tj['model']['vocab']
special = {t['content']: t['id'] for t in tj['added_tokens']}
rank = {}
for i, m in enumerate(tj['model']['merges']):
    rank[tuple(m.split(' ') if isinstance(m, str) else m)] = i

# byte-level BPE's byte -> character table: printable Latin-1 bytes stand
# for themselves, the others for 256, 257, ... in byte order
keep = (list(range(ord('!'), ord('~') + 1)) + list(range(0xa1, 0xad)) +
        list(range(0xae, 0x100)))
byte_char = {}
extra = 0
for b in range(256):
    if b in keep:
        byte_char[b] = chr(b)
    else:
        byte_char[b] = chr(256 + extra)
        extra += 1


def bpe(piece):
    parts = [byte_char[b] for b in piece.encode('utf-8')]
    while len(parts) > 1:
        pairs = [(rank.get((parts[i], parts[i + 1]), 1 << 30), i)
                 for i in range(len(parts) - 1)]
        r, i = min(pairs)
        if r == 1 << 30:
            break
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return [vocab[p] for p in parts]


ids = [v['ids'] for v in vectors if v['text'] == prompt]
if len(ids) != 1:
    sys.exit('no vector for %r' % prompt)
body = ids[0]
# the BPE here agrees with Hugging Face on the prompt's own pieces
mine = []
for piece in ['What', ' is', ' ', '2', '+', '2', '?']:
    mine += bpe(piece)
if mine != body:
    sys.exit('python BPE %r != HF %r' % (mine, body))
im_start, im_end = special['<|im_start|>'], special['<|im_end|>']
seq = ([im_start] + bpe('user') + bpe('\n') + body + [im_end] + bpe('\n') +
       [im_start] + bpe('assistant') + bpe('\n'))
print(len(seq), len(body))
EOF
read -r nchat nraw < "$TMP/count" || { nchat=0 nraw=0; }

"$QCMP" run -m "$M" -p "$PROMPT" --temp 0 -n 10 -v > "$TMP/chat" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && ok "chat run exits 0" || fail "chat run: exit $rc: $(cat "$TMP/err")"
grep -q '<|im_start|>' "$TMP/chat" && fail "chat output shows <|im_start|>: $(cat "$TMP/chat")"
grep -qF "$PROMPT" "$TMP/chat" && fail "chat output echoes the prompt: $(cat "$TMP/chat")"
[ -s "$TMP/chat" ] || fail "chat run printed nothing"
grep -Eq "prompt $nchat tokens" "$TMP/err" && ok "chat prompt is $nchat tokens" ||
    fail "chat prompt: expected $nchat tokens: $(cat "$TMP/err")"

"$QCMP" run -m "$M" -p "$PROMPT" --temp 0 -n 10 -v --chat-template raw > "$TMP/raw" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || fail "raw run: exit $rc: $(cat "$TMP/err")"
case $(cat "$TMP/raw") in
"$PROMPT"?*) ok "raw run echoes the prompt, then continues" ;;
*) fail "raw output does not start with the prompt: $(cat "$TMP/raw")" ;;
esac
grep -Eq "prompt $nraw tokens" "$TMP/err" && ok "raw prompt is $nraw tokens" ||
    fail "raw prompt: expected $nraw tokens: $(cat "$TMP/err")"

finish
