#!/bin/sh
# setup-model.sh: where the model comes from when -m is not given:
# $QCMP_MODEL, else the first *.gguf in ./models/, else a how-to and exit 2.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf models/order-qa-1M.gguf
QCMP_ABS=$(cd "$(dirname "$QCMP")" && pwd)/$(basename "$QCMP")
MODELS_ABS=$(cd "$MODELS" && pwd)

mkdir "$TMP/empty" "$TMP/withmodels" "$TMP/withmodels/models"
(cd "$TMP/empty" && env -u QCMP_MODEL "$QCMP_ABS" info > out 2> err; echo $? > rc)
[ "$(cat "$TMP/empty/rc")" -eq 2 ] && ok "no model: exit 2" || fail "no model: exit $(cat "$TMP/empty/rc")"
grep -q "no model: pass -m FILE, set QCMP_MODEL, or put a GGUF file in ./models/" "$TMP/empty/err" &&
    ok "no model: says how to get one" || fail "no model: stderr was $(cat "$TMP/empty/err")"

ln -s "$MODELS_ABS/stories260K.gguf" "$TMP/withmodels/models/b.gguf"
ln -s "$MODELS_ABS/order-qa-1M.gguf" "$TMP/withmodels/models/a.gguf"
(cd "$TMP/withmodels" && env -u QCMP_MODEL "$QCMP_ABS" info > out 2>&1)
grep -q "^file: *models/a.gguf" "$TMP/withmodels/out" && ok "first *.gguf in ./models/ by name" ||
    fail "./models/ lookup: $(head -2 "$TMP/withmodels/out")"

(cd "$TMP/withmodels" && QCMP_MODEL="$MODELS_ABS/stories260K.gguf" "$QCMP_ABS" info > out 2>&1)
grep -q "^file: .*stories260K.gguf" "$TMP/withmodels/out" && ok "QCMP_MODEL beats ./models/" ||
    fail "QCMP_MODEL ignored: $(head -1 "$TMP/withmodels/out")"

(cd "$TMP/withmodels" && QCMP_MODEL="$MODELS_ABS/stories260K.gguf" "$QCMP_ABS" info -m models/b.gguf > out 2>&1)
grep -q "^file: *models/b.gguf" "$TMP/withmodels/out" && ok "-m beats QCMP_MODEL" ||
    fail "-m ignored: $(head -1 "$TMP/withmodels/out")"

finish
