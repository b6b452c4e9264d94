#!/bin/sh
# batch.sh: qcmp batch on order-qa-1M's graded prompts: answers and auto
# verdicts in the history agree with the expected answers in the prompt
# file (the f32 reference gets all of them right, as order-qa.sh checks
# independently), a run interrupted by Ctrl-C or kill -9 continues with
# --run NAME without asking anything twice, and malformed lines are named.
. "$(dirname "$0")/lib.sh"
need models/order-qa-1M.gguf reference/order-prompts.jsonl
command -v sqlite3 >/dev/null || skip "sqlite3 is needed to read the database"
MODEL=$MODELS/order-qa-1M.gguf
DB=$TMP/history.db
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
wait_prompts() {	# wait_prompts RUN N: until run RUN has N prompt rows
	i=0
	while [ $i -lt 400 ] && [ "$(sql "SELECT count(*) FROM prompts p
	    JOIN runs r ON r.id = p.run_id WHERE r.name = '$1'")" -lt "$2" ]; do
		sleep 0.02
		i=$((i + 1))
	done
}
head -40 "$REF/order-prompts.jsonl" > "$TMP/p40.jsonl"

# 1. forty prompts, four variants, graded
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run first "$TMP/p40.jsonl" \
    > "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 0 ] && ok "batch exits 0" || fail "batch: rc $rc $(cat "$TMP/err")"
got=$(sql "SELECT count(*), count(DISTINCT p.item) FROM answers a
    JOIN prompts p ON p.id = a.prompt_id JOIN runs r ON r.id = p.run_id
    WHERE r.name = 'first' AND p.front_end = 'batch'")
[ "$got" = "160|40" ] && ok "40 prompts x 4 variants recorded under the run" ||
    fail "answers: $got"
# every verdict is auto and agrees with a grading done here from the file
python3 - "$TMP/p40.jsonl" "$DB" <<'PY' > "$TMP/check" 2>&1
import json, sqlite3, sys
want = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    want[o["id"]] = o["expected"].strip()
db = sqlite3.connect(sys.argv[2])
bad = 0
rows = db.execute("""SELECT p.item, v.name, a.text, r.verdict, r.source
    FROM answers a JOIN prompts p ON p.id = a.prompt_id
    JOIN variants v ON v.id = a.variant_id
    JOIN ratings r ON r.answer_id = a.id""").fetchall()
for item, var, text, verdict, source in rows:
    mine = "correct" if text.strip() == want[item] else "wrong"
    if verdict != mine or source != "auto":
        bad += 1
        print("mismatch", item, var, repr(text), verdict, source)
ref = db.execute("""SELECT count(*) FROM answer_verdicts
    WHERE is_reference = 1 AND verdict = 'correct'""").fetchone()[0]
print("rows", len(rows), "bad", bad, "ref-correct", ref)
PY
grep -q '^rows 160 bad 0 ref-correct 40$' "$TMP/check" &&
    ok "160 auto verdicts agree with the expected answers; f32 gets 40/40" ||
    fail "grading: $(cat "$TMP/check")"
grep -Eq '^f32 +32 +40 +40 +0\.0%' "$TMP/out" &&
    grep -q '^run first: 40 prompts answered, 0 answered before' "$TMP/out" &&
    ok "the summary is the run's report" || fail "summary: $(cat "$TMP/out")"
grep -q '^first: 40/40 (100%)' "$TMP/err" &&
    ok "progress lines on a non-terminal stderr" || fail "progress: $(cat "$TMP/err")"

# the same run again: nothing is asked twice
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run first --quiet \
    "$TMP/p40.jsonl" > "$TMP/out" 2> "$TMP/err"
grep -q '^run first: 0 prompts answered, 40 answered before (skipped)' "$TMP/out" &&
    [ "$(sql 'SELECT count(*) FROM answers')" = 160 ] &&
    ok "a finished run continued asks nothing" || fail "rerun: $(cat "$TMP/out")"
# a new variant in the same run answers every prompt, and only it
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run first --quiet \
    --variants ref,q8_0,q4_0,t2m,tq2_0 "$TMP/p40.jsonl" > "$TMP/out" 2>&1
got=$(sql "SELECT v.name, count(*), sum(a.is_reference) FROM answers a
    JOIN variants v ON v.id = a.variant_id GROUP BY v.name ORDER BY v.name" |
    tr '\n' ' ')
[ "$got" = "f32|40|40 q4_0|40|0 q8_0|40|0 t2m|40|0 tq2_0|40|0 " ] &&
    ok "an added variant answers only what it lacks" || fail "added variant: $got"
"$QCMP" report --db "$DB" --run first --format csv > "$TMP/csv" 2>&1
[ "$(grep -c order-qa "$TMP/csv")" = 5 ] && ok "qcmp report --run NAME" ||
    fail "report --run: $(cat "$TMP/csv")"

# 2. Ctrl-C: the prompt being answered is finished and written; resume
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run second \
    "$REF/order-prompts.jsonl" > "$TMP/out" 2> "$TMP/err" &
pid=$!
wait_prompts second 3
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && grep -q '^stopped: continue with --run second' "$TMP/out" &&
    ok "Ctrl-C stops with status 130 and says how to continue" ||
    fail "Ctrl-C: rc $rc $(tail -3 "$TMP/out") $(cat "$TMP/err")"
got=$(sql "SELECT count(*) FROM (SELECT p.item FROM prompts p JOIN runs r
    ON r.id = p.run_id JOIN answers a ON a.prompt_id = p.id
    WHERE r.name = 'second' GROUP BY p.item HAVING count(*) <> 4)")
n2=$(sql "SELECT count(DISTINCT p.item) FROM prompts p JOIN runs r
    ON r.id = p.run_id WHERE r.name = 'second'")
[ "$got" = 0 ] && [ "$n2" -ge 3 ] && [ "$n2" -lt 200 ] &&
    ok "interrupted after $n2 prompts, each with all four answers" ||
    fail "after Ctrl-C: $got incomplete items of $n2"
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run second --quiet \
    "$REF/order-prompts.jsonl" > "$TMP/out" 2> "$TMP/err"
got=$(sql "SELECT count(*), count(DISTINCT p.item || '/' || a.variant_id)
    FROM prompts p JOIN runs r ON r.id = p.run_id
    JOIN answers a ON a.prompt_id = p.id WHERE r.name = 'second'")
[ "$got" = "800|800" ] && grep -q "answered, $n2 answered before (skipped)" "$TMP/out" &&
    ok "resumed: 200 prompts x 4 variants, none twice" ||
    fail "resume: $got $(tail -1 "$TMP/out")"

# 3. kill -9 mid-prompt: the variants that had not finished answer on resume
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run third --quiet \
    "$REF/order-prompts.jsonl" > /dev/null 2>&1 &
pid=$!
wait_prompts third 5
kill -9 $pid
wait $pid 2>/dev/null
[ "$(sql 'PRAGMA integrity_check')" = ok ] && ok "database intact after kill -9" ||
    fail "integrity_check after kill -9"
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --run third --quiet \
    "$REF/order-prompts.jsonl" > "$TMP/out" 2> "$TMP/err"
got=$(sql "SELECT count(*), count(DISTINCT p.item || '/' || a.variant_id),
    sum(a.is_reference) FROM prompts p JOIN runs r ON r.id = p.run_id
    JOIN answers a ON a.prompt_id = p.id WHERE r.name = 'third'")
[ "$got" = "800|800|200" ] && ok "after kill -9 and resume: every answer once" ||
    fail "after kill -9: $got"

# 4. malformed lines
printf '%s\n' '{"prompt": "Q: max 1 2? A:", "expected": "2"}' \
    '{"prompt": 5}' '' 'not json' \
    '{"prompt": "Q: min 3 4? A:", "expected": "^ *3$", "match": "regex", "id": 7}' \
    '{"prompt": "x", "match": "fuzzy", "expected": "a"}' > "$TMP/bad.jsonl"
before=$(sql 'SELECT count(*) FROM prompts')
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" "$TMP/bad.jsonl" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 2 ] && [ "$(cat "$TMP/err")" = "qcmp: $TMP/bad.jsonl:2: column 12: 'prompt' must be a string" ] &&
    [ "$(sql 'SELECT count(*) FROM prompts')" = "$before" ] &&
    ok "a malformed line: one line naming it, status 2, nothing run" ||
    fail "malformed: rc $rc $(cat "$TMP/err")"
"$QCMP" batch -m "$MODEL" --temp 0 --db "$DB" --skip-bad --quiet --run bad \
    "$TMP/bad.jsonl" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c 'skipped)$' "$TMP/err")" = 3 ] &&
    grep -q "bad.jsonl:4: column 1: expected a JSON object ('{') (skipped)" "$TMP/err" &&
    grep -q "bad.jsonl:6: 'match' must be exact, contains or regex, not 'fuzzy' (skipped)" "$TMP/err" &&
    grep -q '^run bad: 2 prompts answered, 0 answered before (skipped), 3 bad lines skipped' "$TMP/out" &&
    ok "--skip-bad goes on and counts the bad lines" ||
    fail "--skip-bad: rc $rc $(cat "$TMP/err") $(tail -1 "$TMP/out")"
got=$(sql "SELECT p.item, r.verdict FROM prompts p JOIN runs u ON u.id = p.run_id
    JOIN answer_verdicts r ON r.prompt_id = p.id
    WHERE u.name = 'bad' AND r.is_reference = 1 ORDER BY p.id" | tr '\n' ' ')
[ "$got" = "line 1|correct 7|correct " ] &&
    ok "items keyed by id or line number; regex graded" || fail "bad run: $got"
"$QCMP" batch -m "$MODEL" --db "$DB" "$TMP/nope.jsonl" 2> "$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "nope.jsonl: cannot open" "$TMP/err" &&
    ok "a missing prompt file: status 1" || fail "missing file: rc $rc"
"$QCMP" batch -m "$MODEL" --db "$DB" 2> "$TMP/err"
[ $? -eq 2 ] && ok "no prompt file: usage error" || fail "no file"
finish
