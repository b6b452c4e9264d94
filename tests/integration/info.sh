#!/bin/sh
# info.sh: qcmp info reports the facts of the real test models, checked
# against ../shared/models/README.md and sizes computed by hand.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf models/stories260K.bin models/tok512.bin models/order-qa-1M.gguf

has() {	# has FILE REGEX
	grep -Eq "$2" "$1" && ok "$(basename "$1"): $2" || fail "$(basename "$1"): no line matching '$2'"
}

"$QCMP" info -m "$MODELS/stories260K.gguf" --tensors > "$TMP/g" 2>&1 || fail "info stories260K.gguf failed"
has "$TMP/g" '^format: +GGUF v3'
has "$TMP/g" '^architecture: +llama'
has "$TMP/g" '^parameters: .*\(292800\)'
has "$TMP/g" '^layers: +5$'
has "$TMP/g" '^embedding: +64$'
has "$TMP/g" '^feed-forward: +172$'
has "$TMP/g" '^heads: +8 query, 4 key/value \(grouped-query\), head size 8'
has "$TMP/g" '^context: +2048$'
has "$TMP/g" '^vocab: +512 tokens, spm'
has "$TMP/g" '^output: +its own matrix'
has "$TMP/g" '^  F32 +48 tensors +292800 weights .* 32\.0000 bits/weight'
has "$TMP/g" '^  blk\.4\.ffn_down\.weight +F32 +172 x 64 +44032 '
[ "$(grep -c '^  [a-z_.0-9]*weight ' "$TMP/g")" -eq 48 ] && ok "48 tensors listed" || fail "tensor table does not list 48 tensors"

# the llama2.c file shares its classifier: 292800 - 512*64 = 260032 weights
"$QCMP" info -m "$MODELS/stories260K.bin" > "$TMP/b" 2>&1 || fail "info stories260K.bin failed"
has "$TMP/b" '^format: +llama2.c checkpoint'
has "$TMP/b" '^tokenizer: .*tok512\.bin'
has "$TMP/b" '^parameters: .*\(260032\)'
has "$TMP/b" '^output: +tied to the token embedding'
has "$TMP/b" '^heads: +8 query, 4 key/value'
has "$TMP/b" '^context: +512$'

"$QCMP" info -m "$MODELS/order-qa-1M.gguf" > "$TMP/o" 2>&1 || fail "info order-qa-1M.gguf failed"
has "$TMP/o" '^parameters: .*\(959744\)'
has "$TMP/o" '^heads: +4 query, 2 key/value'
has "$TMP/o" '^context: +256$'
has "$TMP/o" '^vocab: +287 tokens, spm'
has "$TMP/o" '^output: +tied to the token embedding'

finish
