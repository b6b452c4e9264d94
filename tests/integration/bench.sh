#!/bin/sh
# bench.sh: qcmp bench -m measures every variant and thread count it is
# asked for, in every output format (what it measures is timing, so only
# the shape of the output and the errors are checked here).
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf
M=$MODELS/stories260K.gguf

"$QCMP" bench -m "$M" -t 1,2 -r 1 -p 8 -n 4 --variants f32,q4_0 --format csv \
    > "$TMP/csv" 2> "$TMP/err" || fail "bench csv: $(cat "$TMP/err")"
python3 - "$TMP/csv" > "$TMP/chk" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["variant"], r["threads"], r["test"]) for r in rows)
want = sorted((v, t, x) for v in ("f32", "q4_0") for t in ("1", "2")
              for x in ("pp8", "tg4"))
ok = got == want and all(float(r["tps_min"]) <= float(r["tps_median"]) <=
                         float(r["tps_max"]) and float(r["tps_min"]) > 0
                         for r in rows)
print("ok" if ok else "bad %r" % got)
PY
[ "$(cat "$TMP/chk")" = ok ] && ok "csv: pp8 and tg4 for each variant and thread count, min <= median <= max" ||
    fail "csv: $(cat "$TMP/chk") $(cat "$TMP/csv")"
"$QCMP" bench -m "$M" -t 1 -r 1 -p 0 -n 4 --variants q8_0 --format json > "$TMP/json" ||
    fail "bench json"
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(r)==1 and r[0]["test"]=="tg4" and r[0]["variant"]=="q8_0" and r[0]["bits_per_weight"]==8.5 else 1)' "$TMP/json" &&
    ok "json: -p 0 leaves prompt processing out" || fail "json: $(cat "$TMP/json")"
"$QCMP" bench -m "$M" -t 1 -r 1 -p 4 -n 0 --variants f32 --format md > "$TMP/md"
grep -q '^| stories260K.gguf | f32 | 32 | 1.19 | 1 | pp4 |' "$TMP/md" &&
    ok "md: a Markdown table" || fail "md: $(cat "$TMP/md")"
"$QCMP" bench -m "$M" -r 1 -p 4 -n 4 --variants f32 > "$TMP/table"
[ "$(grep -c 'stories260K.gguf' "$TMP/table")" = 4 ] && ok "table: default threads 1,2" ||
    fail "table: $(cat "$TMP/table")"
"$QCMP" bench -m "$M" -p 0 -n 0 2> "$TMP/err"
[ $? -eq 2 ] && grep -q 'nothing to time' "$TMP/err" && ok "-p 0 -n 0 refused" || fail "-p 0 -n 0"
"$QCMP" bench -m "$M" -n 99999 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "exceed the model's context of 2048" "$TMP/err" && ok "too long for the context" ||
    fail "-n 99999: $(cat "$TMP/err")"
"$QCMP" bench -m "$M" --format xml 2> "$TMP/err"
[ $? -eq 2 ] && ok "unknown --format refused" || fail "--format xml"
"$QCMP" bench -m "$M" --variants f32,nope 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "unknown format 'nope'" "$TMP/err" && ok "unknown variant refused" ||
    fail "--variants nope: $(cat "$TMP/err")"
finish
