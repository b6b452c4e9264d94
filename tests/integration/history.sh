#!/bin/sh
# history.sh: what `qcmp run` records and what rate, history, show and
# report make of it, checked against the database itself (the sqlite3
# shell and Python's sqlite3), the run's own JSON, and figures computed
# here from the verdicts given; a reader and a second writer while qcmp
# writes; kill -9 in the middle of a comparison; and files qcmp must
# refuse without touching them.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf models/order-qa-1M.gguf
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is needed to read the history"
command -v python3 >/dev/null || skip "python3 is needed"
python3 -c 'import sqlite3' 2>/dev/null || skip "python3 has no sqlite3 module"

# the model paths as qcmp records them: absolute, links resolved
M260=$(cd "$MODELS" && pwd -P)/stories260K.gguf
MQA=$(cd "$MODELS" && pwd -P)/order-qa-1M.gguf
SHA260=270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d
SHAQA=4101bdfafaea998e2e19357cf9892c47f945a1e61c667c4610acae539982bc16
EIGHT=f32,q8_0,q4_0,t2m,f16,bf16,tq1_0,tq2_0
# every command names its database; the default one must stay untouched
XDG_DATA_HOME=$TMP/xdg
HOME=$TMP/home
export XDG_DATA_HOME HOME

q() {	# q DB SQL: the sqlite3 shell's answer
	sqlite3 "$1" "$2"
}

# one_line FILE: FILE holds exactly one line, naming $2
one_line() {
	[ "$(wc -l < "$1")" -eq 1 ] && grep -qF "$2" "$1"
}

# ---- qcmp run records: rows, tokens, texts and ids ----
DB=$TMP/run/sub/history.db
"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 24 -t 1 \
    --variants f32,q8_0,t2m --json-tokens --db "$DB" > "$TMP/json" 2> "$TMP/err" ||
    fail "run --json: exit $?: $(cat "$TMP/err")"
[ -s "$TMP/err" ] && fail "run --json wrote to stderr: $(cat "$TMP/err")"
n=$(q "$DB" 'select count(*) from prompts')/$(q "$DB" 'select count(*) from answers')
[ "$n" = 1/3 ] && ok "one run: 1 prompt, 3 answers (directory made)" ||
    fail "prompts/answers after one run: $n"
n=$(q "$DB" 'select count(*) from answers a where n_tokens > 0 and n_tokens =
    (select count(*) from tokens t where t.answer_id = a.id)')
[ "$n" = 3 ] && ok "n_tokens token rows for each answer" || fail "answers with n_tokens token rows: $n of 3"
python3 - "$DB" "$TMP/json" "$M260" "$SHA260" <<'PY' > "$TMP/py" 2>&1 &&
import json, sqlite3, sys
db, jf, model, sha = sys.argv[1:]
rows = [json.loads(l) for l in open(jf, encoding='utf-8')]
ans = [r for r in rows if r['event'] == 'answer']
tok = [r for r in rows if r['event'] == 'token']
c = sqlite3.connect(db)
m = c.execute('select path, sha256, file_size, architecture, n_vocab from models').fetchall()
assert m == [(model, sha, 1185376, 'llama', 512)], m
v = c.execute('select name, format, built, bits_per_weight from variants order by id').fetchall()
assert v == [('f32', 'f32', 0, 32.0), ('q8_0', 'q8_0', 1, 8.5), ('t2m', 't2m', 1, 2.5)], v
p = c.execute('select front_end, text, system, template, temperature, top_k, '
              'round(top_p, 6), seed, n_predict, n_prompt from prompts').fetchall()
assert p == [('run', 'Once upon a time', None, 'raw', 0.0, 40, 0.95, 42, 24,
              ans[0]['n_prompt'])], p
dba = c.execute('select a.id, v.name, a.slot, a.is_reference, a.text, a.n_tokens, '
                'a.finish, a.first_divergence, a.kld, a.top1_agree, a.confidence, '
                'a.mean_logprob from answers a join variants v on v.id = a.variant_id '
                'order by a.slot').fetchall()
assert len(ans) == 3 and len(dba) == 3
close = lambda a, b: (a is None and b is None) or abs(a - b) <= 1e-6 * max(1, abs(b))
for j, d in zip(ans, dba):
    assert j['answer_id'] == d[0], (j['answer_id'], d)
    assert (j['variant'], j['text'], j['n_tokens'], j['finish']) == (d[1], d[4], d[5], d[6]), (j, d)
    assert d[3] == (d[2] == 0)
    assert j['first_divergence'] == d[7], (j, d)
    for k, i in (('kld', 8), ('top1_agree', 9), ('confidence', 10), ('mean_logprob', 11)):
        assert close(j[k], d[i]), (k, j[k], d[i])
    t = c.execute('select idx, token_id, piece, logprob, top from tokens '
                  'where answer_id = ? order by idx', (d[0],)).fetchall()
    jt = [x for x in tok if x['variant'] == j['variant']]
    assert [x[0] for x in t] == list(range(d[5])), t
    assert ''.join(x[2] for x in t) == d[4]
    assert [x[1] for x in t] == [x['id'] for x in jt]
    assert [x[2] for x in t] == [x['piece'] for x in jt]
    for x, y in zip(t, jt):
        assert close(x[3], y['logprob']), (x, y)
        top = json.loads(x[4])
        assert [e[0] for e in top] == [e['id'] for e in y['top']], (top, y['top'])
        assert all(abs(e[1] - f['p']) < 1e-5 for e, f in zip(top, y['top']))
print(' '.join(str(d[0]) for d in dba))
PY
    ok "rows equal the run's JSON: model (sha256), variants, prompt, texts, ids, tokens" ||
    fail "db vs --json: $(cat "$TMP/py")"
set -- $(tail -n 1 "$TMP/py")
A1=${1:-0} A2=${2:-0} A3=${3:-0}

# the table's answer numbers and prompt number are the rows'
"$QCMP" run -m "$M260" -p "One day" -n 16 -t 1 -s 7 --variants f32,q8_0,t2m \
    --db "$DB" > "$TMP/table" 2> "$TMP/err" || fail "run (table): exit $?: $(cat "$TMP/err")"
got=$(awk '$1 ~ /^(f32|q8_0|t2m)$/ && NF == 14 { print $1, $4, $NF }' "$TMP/table")
want=$(q "$DB" "select v.name || ' ' || a.n_tokens || ' ' || a.id from answers a
    join variants v on v.id = a.variant_id where a.prompt_id = 2 order by a.slot")
[ -n "$got" ] && [ "$got" = "$want" ] && ok "table's answer numbers are the rows' ids" ||
    fail "table ids: '$got' vs db '$want': $(cat "$TMP/table")"
grep -q '^prompt 2; rate an answer with: qcmp rate ANSWER' "$TMP/table" &&
    [ "$(q "$DB" 'select max(id) from prompts')" = 2 ] && ok "table names prompt 2" ||
    fail "prompt line: $(tail -n 2 "$TMP/table")"
python3 - "$DB" "$TMP/table" <<'PY' > "$TMP/py" 2>&1 && ok "streamed texts are the stored texts" ||
import sqlite3, sys
out = open(sys.argv[2], encoding='utf-8').read()
for name, text in sqlite3.connect(sys.argv[1]).execute(
        'select v.name, a.text from answers a join variants v on v.id = a.variant_id '
        'where a.prompt_id = 2'):
    assert '==\nOne day' + text + '\n' in out, (name, text)
PY
    fail "table texts: $(cat "$TMP/py")"

# ---- rate, history, show ----
"$QCMP" rate "$A1" correct --db "$DB" > "$TMP/out" 2>&1 &&
    [ "$(cat "$TMP/out")" = "answer $A1: correct (rating 1)" ] && ok "rate prints the rating" ||
    fail "rate: $(cat "$TMP/out")"
"$QCMP" rate "$A2" wrong --note "lost the plot" --db "$DB" > /dev/null 2>&1 || fail "rate with a note"
"$QCMP" rate "$A2" partial --db "$DB" > /dev/null 2>&1 || fail "second rate"
got=$(q "$DB" "select answer_id || ':' || verdict || ':' || coalesce(note, '') || ':' ||
    source || ':' || blind from ratings order by id" | tr '\n' ' ')
[ "$got" = "$A1:correct::human:0 $A2:wrong:lost the plot:human:0 $A2:partial::human:0 " ] &&
    ok "ratings rows" || fail "ratings: $got"
"$QCMP" rate 9999 correct --db "$DB" > "$TMP/out" 2> "$TMP/err"
[ $? -eq 2 ] && one_line "$TMP/err" "$DB" && grep -q 9999 "$TMP/err" && [ ! -s "$TMP/out" ] &&
    ok "rating a missing answer: exit 2, one line" || fail "rate 9999: $(cat "$TMP/err")"
"$QCMP" rate "$A1" maybe --db "$DB" > /dev/null 2> "$TMP/err"
[ $? -eq 2 ] && [ "$(q "$DB" 'select count(*) from ratings')" = 3 ] &&
    ok "an unknown verdict is refused" || fail "rate maybe: $(cat "$TMP/err")"

"$QCMP" history --db "$DB" > "$TMP/hist" 2> "$TMP/err" || fail "history: $(cat "$TMP/err")"
python3 - "$TMP/hist" <<'PY' > "$TMP/py" 2>&1 && ok "history: newest first, rated counts, verdicts" ||
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
assert len(lines) == 2, lines
pat = r'^\s*(\d+)\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\s+(\d+)/(\d+) rated\s+(.*?)\s+(\S+:\S+ \S+:\S+ \S+:\S+)$'
a, b = (re.match(pat, l) for l in lines)
assert a and b, lines
assert a.groups() == ('2', '0', '3', 'One day', 'f32:- q8_0:- t2m:-'), a.groups()
assert b.groups() == ('1', '2', '3', 'Once upon a time', 'f32:correct q8_0:partial t2m:-'), b.groups()
PY
    fail "history: $(cat "$TMP/py")"
[ "$("$QCMP" history -l 1 --db "$DB" | wc -l)" -eq 1 ] && ok "history -l 1" || fail "history -l 1"

"$QCMP" show 1 --db "$DB" > "$TMP/show" 2> "$TMP/err" || fail "show: $(cat "$TMP/err")"
python3 - "$DB" "$TMP/show" "$TMP/json" "$M260" <<'PY' > "$TMP/py" 2>&1 && ok "show: prompt, settings, texts, figures, verdicts" ||
import json, sqlite3, sys
db, sf, jf, model = sys.argv[1:]
out = open(sf, encoding='utf-8').read()
c = sqlite3.connect(db)
lines = out.splitlines()
assert lines[0].startswith('prompt 1, ') and lines[0].endswith(', run, ' + model), lines[0]
assert lines[1] == 'template raw, temperature 0, top-k 40, top-p 0.95, seed 42, n 24', lines[1]
assert lines[3] == 'Once upon a time', lines[3]
ans = [json.loads(l) for l in open(jf) if '"event":"answer"' in l]
heads = {'f32': '(f32, 32 bits/weight), reference', 'q8_0': '(q8_0, 8.5 bits/weight)',
         't2m': '(t2m, 2.5 bits/weight)'}
verd = {'f32': '-- verdict: correct (human)', 'q8_0': '-- verdict: partial (human)',
        't2m': '-- verdict: unrated'}
for a in ans:
    h = '== answer %d: %s %s ==' % (a['answer_id'], a['variant'], heads[a['variant']])
    i = lines.index(h)
    assert lines[i + 1] == a['text'], (lines[i + 1], a['text'])
    fig = lines[i + 2]
    assert fig.startswith('-- %d tokens, %s; ' % (a['n_tokens'], a['finish'])), fig
    assert 'confidence %.3f' % a['confidence'] in fig, fig
    if a['kld'] is None:
        assert 'divergence' not in fig, fig
    else:
        assert 'first divergence %d, KLD %.5f, top-1 %.3f' % (
            a['first_divergence'], a['kld'], a['top1_agree']) in fig, fig
    assert lines[i + 3] == verd[a['variant']], lines[i + 3]
assert 'lost the plot' not in out     # the latest rating counts, note and all
PY
    fail "show: $(cat "$TMP/py")"
"$QCMP" show 99 --db "$DB" > "$TMP/out" 2> "$TMP/err"
[ $? -eq 2 ] && one_line "$TMP/err" "$DB: no prompt 99" && [ ! -s "$TMP/out" ] &&
    ok "show of a missing prompt: exit 2, one line naming the file" || fail "show 99: $(cat "$TMP/err")"
"$QCMP" history --db "$TMP/none/h.db" > /dev/null 2> "$TMP/err"
[ $? -ne 0 ] && one_line "$TMP/err" "$TMP/none/h.db" && [ ! -e "$TMP/none" ] &&
    ok "history of a missing database: one line, nothing created" || fail "history missing: $(cat "$TMP/err")"
"$QCMP" report --format csv --db "$DB" > "$TMP/csv" 2> "$TMP/err" || fail "report: $(cat "$TMP/err")"
python3 - "$TMP/csv" <<'PY' > "$TMP/py" 2>&1 && ok "report: 2 ratings are too few for an error rate" ||
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
assert [(x['variant'], x['answers'], x['rated'], x['error_rate']) for x in r] == [
    ('f32', '2', '1', ''), ('q8_0', '2', '1', ''), ('t2m', '2', '0', '')], r
PY
    fail "report csv: $(cat "$TMP/py")"

# ---- report figures from verdicts given here (order-qa-1M, greedy) ----
RDB=$TMP/report.db
: > "$TMP/rjson"
for p in "Q: next 45? A:" "Q: max 37 73? A:" "Q: min 12 5? A:" "Q: prev 10? A:" \
    "Q: sort 5 2 9? A:" "Q: next 8? A:"; do
	"$QCMP" run -m "$MQA" -p "$p" --temp 0 -t 1 --variants f32,q8_0,t2m --json \
	    --db "$RDB" >> "$TMP/rjson" 2> "$TMP/err" || fail "run '$p': $(cat "$TMP/err")"
done
# verdicts (f32, q8_0, t2m) per prompt; q8_0 on prompt 4 is first rated
# correct, then wrong: only the latest counts
python3 - "$TMP/rjson" > "$TMP/rates" <<'PY'
import json, sys
ans = [json.loads(l) for l in open(sys.argv[1])]
V = ['CCW', 'CCW', 'CCC', 'CcW', 'CWP', 'WWC']
word = {'C': 'correct', 'W': 'wrong', 'P': 'partial', 'c': 'correct'}
for i, a in enumerate(ans):
    v = V[i // 3][i % 3]
    if v == 'c':
        print(a['answer_id'], 'correct')
        v = 'W'
    print(a['answer_id'], word[v])
PY
[ "$(wc -l < "$TMP/rates")" -eq 19 ] || fail "rates: $(cat "$TMP/rates")"
while read -r id v; do
	"$QCMP" rate "$id" "$v" --db "$RDB" > /dev/null 2> "$TMP/err" || fail "rate $id $v: $(cat "$TMP/err")"
done < "$TMP/rates"
for f in csv json md table; do
	for p in wrong correct skip; do
		"$QCMP" report --format $f --partial $p --ascii --db "$RDB" > "$TMP/rep.$f.$p" 2> "$TMP/err" ||
		    fail "report --format $f --partial $p: $(cat "$TMP/err")"
	done
done
python3 - "$TMP" "$MQA" <<'PY' > "$TMP/py" 2>&1 && ok "report csv/json/md/table: error rates, Wilson intervals, flips, agreement, KLD" ||
import csv, json, math, sys
tmp, model = sys.argv[1:]
ans = [json.loads(l) for l in open(tmp + '/rjson')]
V = ['CCW', 'CCW', 'CCC', 'CWW', 'CWP', 'WWC']          # latest verdicts
names = ['f32', 'q8_0', 't2m']

def wilson(k, n, z=1.959964):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0.0 if k == 0 else c - h, 1.0 if k == n else c + h)

def expect(partial):
    val = {'C': 1, 'W': 0, 'P': {'wrong': 0, 'correct': 1, 'skip': None}[partial]}
    out = []
    for j, name in enumerate(names):
        ys = [val[v[j]] for v in V]
        rs = [val[v[0]] for v in V]
        rated = [y for y in ys if y is not None]
        k = len(rated) - sum(rated)
        lo, hi = wilson(k, len(rated))
        mine = [a for a in ans if a['variant'] == name]
        kl = [a['kld'] for a in mine if a['kld'] is not None]
        pairs = [(r, y) for r, y in zip(rs, ys) if j > 0 and r is not None and y is not None]
        out.append(dict(variant=name, answers=6, rated=len(rated),
            error_rate=k / len(rated), error_lo=lo, error_hi=hi,
            lost=sum(r == 1 and y == 0 for r, y in pairs),
            gained=sum(r == 0 and y == 1 for r, y in pairs), pairs=len(pairs),
            same=sum(a['first_divergence'] == -1 for a in mine) if j else 0,
            compared=6 if j else 0, kld=sum(kl) / len(kl) if kl else None,
            tps=sum(a['decode_tps'] for a in mine) / 6))
    return out

# hand-checked: partial counted wrong gives f32 1/6, q8_0 3/6 (lost 2),
# t2m 4/6 (lost 4: prompts 1 2 4 5, gained 1: prompt 6)
e = expect('wrong')
assert [(x['error_rate'], x['lost'], x['gained']) for x in e] == [
    (1 / 6, 0, 0), (3 / 6, 2, 0), (4 / 6, 4, 1)], e
e = expect('skip')
assert (e[2]['rated'], e[2]['error_rate'], e[2]['pairs']) == (5, 3 / 5, 5), e[2]

def num(s):
    return None if s in ('', None) else float(s)

for partial in ('wrong', 'correct', 'skip'):
    want = expect(partial)
    rows = list(csv.DictReader(open('%s/rep.csv.%s' % (tmp, partial))))
    js = [json.loads(l) for l in open('%s/rep.json.%s' % (tmp, partial))]
    md = [l for l in open('%s/rep.md.%s' % (tmp, partial)).read().splitlines()]
    assert md[1].startswith('|---') and len(md) == 5, md
    mdh = [c.strip() for c in md[0].strip('|').split('|')]
    mdrows = [dict(zip(mdh, (c.strip() for c in l.strip('|').split('|')))) for l in md[2:]]
    assert mdh == list(rows[0].keys()), (mdh, rows[0].keys())
    assert len(rows) == len(js) == 3
    for w, r, j, m in zip(want, rows, js, mdrows):
        ctx = (partial, w, r, j)
        assert r['model'] == model == j['model'] == m['model'], ctx
        assert r['variant'] == w['variant'] == j['variant'] == m['variant'], ctx
        for k in ('answers', 'rated', 'lost', 'gained', 'pairs', 'compared'):
            assert int(r[k]) == w[k] == j[k] == int(m[k]), (k, ctx)
        assert int(r['same_as_reference']) == w['same'] == j['same_as_reference'], ctx
        for k in ('error_rate', 'error_lo', 'error_hi'):
            assert abs(num(r[k]) - w[k]) < 6e-5 and abs(j[k] - w[k]) < 1e-6, (k, ctx)
            assert r[k] == m[k], (k, r[k], m[k])
        if w['kld'] is None:
            assert r['mean_kld'] == '' and j['mean_kld'] is None, ctx
        else:
            assert abs(num(r['mean_kld']) - w['kld']) < 6e-7 * max(1, w['kld']), ctx
        assert abs(num(r['decode_tps']) - w['tps']) < 0.01 + 1e-6 * w['tps'], ctx
        for k in ('ece', 'brier', 'auroc'):       # 6 rated: fewer than 20
            assert r[k] == '' and j[k] is None, (k, ctx)
        assert j['reference'] == (w['variant'] == 'f32') and len(j['bins']) == 10, ctx
        assert float(r['bits_per_weight']) == {'f32': 32, 'q8_0': 8.5, 't2m': 2.5}[w['variant']]

t = open(tmp + '/rep.table.wrong').read()
assert 'model ' + model in t, t
for w in expect('wrong'):
    line = [l for l in t.splitlines() if l.split()[:1] == [w['variant']]][0]
    ci = '%5.1f%% [%4.1f, %4.1f]' % (100 * w['error_rate'], 100 * w['error_lo'], 100 * w['error_hi'])
    assert ci in line, (ci, line)
    assert line.split(ci, 1)[1].split()[:2] == [str(w['lost']), str(w['gained'])], line
    assert 'too few ratings for calibration (6 of 20 needed)' in t
PY
    fail "report: $(cat "$TMP/py")"
for m in order-qa-1M.gguf "$MQA" 4101bdfa 1; do
	[ "$("$QCMP" report --format csv --model "$m" --db "$RDB" | wc -l)" -eq 4 ] ||
	    fail "report --model $m: not 3 rows"
done
[ "$("$QCMP" report --format csv --model stories260K.gguf --db "$RDB" | wc -l)" -eq 1 ] &&
    "$QCMP" report --model stories260K.gguf --db "$RDB" | grep -q '^no answers in the history match$' &&
    [ "$("$QCMP" report --format csv --since 2999-01-01 --db "$RDB" | wc -l)" -eq 1 ] &&
    [ "$("$QCMP" report --format csv --since 2000-01-01 --db "$RDB" | wc -l)" -eq 4 ] &&
    ok "report --model and --since select" || fail "report filters"

# ---- a reader and a second writer while qcmp writes ----
RW=$TMP/rw.db
"$QCMP" run -m "$M260" -p "x" -n 4 -t 1 --db "$RW" > /dev/null 2>&1 || fail "rw: first run"
base=$(q "$RW" 'select count(*) from answers')
"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 500 -c 512 -t 1 --isolated \
    --variants "$EIGHT" --db "$RW" > "$TMP/bg.out" 2> "$TMP/bg.err" &
pid=$!
# Every other read is a plain `sqlite3 DB QUERY`, which has no busy
# timeout: SQLite holds an exclusive lock for a moment when the last
# connection closes (checkpoint, WAL removed), so such a reader can see
# "database is locked" as qcmp exits; that is counted and shown, not
# failed.  Reads with a timeout must never fail.
polls=0 errs=0 plain=0 plainlocked=0 last=$base mid=0 back=0 seen=""
while kill -0 $pid 2>/dev/null && [ $polls -lt 3000 ]; do
	if [ $((polls % 2)) -eq 0 ]; then
		to=".timeout 2000"
	else
		to=""
		plain=$((plain + 1))
	fi
	if c=$(sqlite3 -cmd "$to" "$RW" 'select count(*) from answers' 2>&1) &&
	    [ -n "$c" ] && [ "$c" -eq "$c" ] 2>/dev/null; then
		[ "$c" -lt "$last" ] && back=$((back + 1))
		last=$c
		case " $seen " in *" $c "*) ;; *) seen="$seen $c" ;; esac
		if [ $mid -eq 0 ] && [ "$c" -gt "$base" ]; then
			# mid-run: another writer and qcmp's own readers
			mid=1
			"$QCMP" rate 1 correct --db "$RW" > /dev/null 2> "$TMP/err" ||
			    fail "rate during a run: $(cat "$TMP/err")"
			"$QCMP" history --db "$RW" > /dev/null 2> "$TMP/err" ||
			    fail "history during a run: $(cat "$TMP/err")"
			"$QCMP" report --db "$RW" > /dev/null 2> "$TMP/err" ||
			    fail "report during a run: $(cat "$TMP/err")"
		fi
	elif [ -z "$to" ] && [ "$c" = "Error: in prepare, database is locked (5)" ]; then
		plainlocked=$((plainlocked + 1))
	else
		errs=$((errs + 1))
		echo "reader${to:+ with $to}: $c" >&2
	fi
	polls=$((polls + 1))
	sleep 0.01
done
wait $pid
rc=$?
[ $rc -eq 0 ] && [ ! -s "$TMP/bg.err" ] || fail "run under readers: exit $rc: $(cat "$TMP/bg.err")"
final=$(q "$RW" 'select count(*) from answers')
[ "$errs" -eq 0 ] && [ "$back" -eq 0 ] && [ "$final" -eq $((base + 8)) ] && [ $polls -ge 3 ] &&
    ok "$polls sqlite3 reads during a run, none failed (counts seen:$seen)" ||
    fail "readers: $errs errors, $back decreases, $polls polls, final $final (base $base)"
[ $plainlocked -gt 0 ] &&
    echo "note: $plainlocked of $plain reads without a busy timeout saw 'database is locked'" >&2
[ $mid -eq 1 ] && [ "$(q "$RW" "select verdict from ratings where answer_id = 1")" = correct ] &&
    ok "rate, history and report during a run" ||
    fail "no rating made mid-run (mid=$mid; counts seen:$seen)"

# ---- kill -9 in the middle of a comparison ----
KD=$TMP/kill.db
"$QCMP" run -m "$M260" -p "Once upon a time" -n 8 -t 1 --variants f32,q8_0 --db "$KD" \
    > /dev/null 2>&1 || fail "kill: first run"
"$QCMP" rate 1 correct --db "$KD" > /dev/null && "$QCMP" rate 2 wrong --note "before the kill" \
    --db "$KD" > /dev/null || fail "kill: rating"
base=$(q "$KD" 'select count(*) from answers')
tries=0 got=0
while [ $tries -lt 4 ]; do
	tries=$((tries + 1))
	"$QCMP" run -m "$M260" -p "Once upon a time" --temp 0 -n 500 -c 512 -t 1 \
	    --isolated --variants "$EIGHT" --db "$KD" > /dev/null 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 3000 ] && kill -0 $pid 2>/dev/null; do
		c=$(sqlite3 "$KD" 'select count(*) from answers' 2>/dev/null)
		[ -n "$c" ] && [ "$c" -gt "$base" ] && break
		i=$((i + 1))
		sleep 0.005
	done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	got=$(($(q "$KD" 'select count(*) from answers') - base))
	base=$((base + got))
	[ $got -ge 1 ] && [ $got -lt 8 ] && break
	echo "kill -9 try $tries: $got new answers, not mid-stream; again" >&2
done
[ $got -ge 1 ] && [ $got -lt 8 ] && ok "killed with $got of 8 answers written" ||
    fail "could not kill mid-stream in $tries tries ($got answers)"
[ "$(q "$KD" 'PRAGMA integrity_check')" = ok ] && [ -z "$(q "$KD" 'PRAGMA foreign_key_check')" ] &&
    ok "integrity_check ok after kill -9" || fail "integrity after kill: $(q "$KD" 'PRAGMA integrity_check')"
n=$(q "$KD" 'select count(*) from answers a where n_tokens !=
    (select count(*) from tokens t where t.answer_id = a.id)')
e=$(q "$KD" 'select count(*) from prompts p where not exists
    (select 1 from answers a where a.prompt_id = p.id)')
[ "$n" = 0 ] && [ "$e" = 0 ] && ok "every answer has its n_tokens tokens; no prompt without answers" ||
    fail "after kill: $n answers with missing tokens, $e empty prompts"
[ "$(q "$KD" "select answer_id || verdict || coalesce(note, '') from ratings order by id" | tr '\n' ' ')" = \
    "1correct 2wrongbefore the kill " ] && ok "ratings made before the kill are kept" ||
    fail "ratings after kill: $(q "$KD" 'select * from ratings')"
last=$(q "$KD" 'select max(id) from answers')
lp=$(q "$KD" 'select max(id) from prompts')
"$QCMP" rate "$last" partial --db "$KD" > /dev/null 2>&1 &&
    "$QCMP" run -m "$M260" -p "after" -n 4 -t 1 --db "$KD" > /dev/null 2>&1 &&
    [ "$("$QCMP" show "$lp" --db "$KD" | grep -c '^== answer ')" -eq "$got" ] &&
    [ "$(q "$KD" 'PRAGMA integrity_check')" = ok ] &&
    ok "the killed database keeps working (rate, run, show)" || fail "after kill: qcmp no longer works"

# ---- files qcmp must refuse, untouched ----
python3 -c '
import random, sys
random.seed(7)
sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(16384)))' > "$TMP/corrupt.db"
head -c 20000 "$DB" > "$TMP/truncated.db"
sqlite3 "$TMP/newer.db" 'PRAGMA application_id = 1902341488; PRAGMA user_version = 99;
    CREATE TABLE future (x)'
sqlite3 "$TMP/foreign.db" 'CREATE TABLE contacts (name); INSERT INTO contacts VALUES (1)'
for kind in corrupt truncated newer foreign; do
	f=$TMP/$kind.db
	cp "$f" "$TMP/copy"
	for c in "run -m $M260 -p x -n 4 -t 1" "report" "history" "show 1" "rate 1 correct"; do
		"$QCMP" $c --db "$f" > "$TMP/out" 2> "$TMP/err"
		rc=$?
		[ $rc -ne 0 ] && one_line "$TMP/err" "$f" && [ ! -s "$TMP/out" ] ||
		    fail "$kind: qcmp ${c%% *}: exit $rc, stderr: $(cat "$TMP/err")"
		cmp -s "$f" "$TMP/copy" || fail "$kind: qcmp ${c%% *} changed the file"
	done
	[ "$kind" = newer ] && { grep -q "newer" "$TMP/err" || fail "newer: $(cat "$TMP/err")"; }
	ok "$kind database: run, report, history, show, rate refuse it in one line, file unchanged"
done
cp "$TMP/corrupt.db" "$TMP/copy"
"$QCMP" run -m "$M260" -p x -n 4 -t 1 --no-history --db "$TMP/corrupt.db" > /dev/null 2>&1 &&
    cmp -s "$TMP/corrupt.db" "$TMP/copy" && ok "--no-history never opens the database" ||
    fail "--no-history with a corrupt --db"
printf 'a file\n' > "$TMP/plain"
"$QCMP" run -m "$M260" -p x -n 4 --db "$TMP/plain/sub/h.db" > /dev/null 2> "$TMP/err"
[ $? -ne 0 ] && one_line "$TMP/err" "$TMP/plain/sub/h.db" &&
    ok "a directory that cannot be made: one line" || fail "under a file: $(cat "$TMP/err")"
if [ "$(id -u)" -eq 0 ]; then
	echo "SKIP: read-only database file (chmod 444): running as root, which ignores file modes" >&2
else
	f=$TMP/ro.db
	cp "$RDB" "$f"
	chmod 444 "$f"
	cp "$f" "$TMP/copy"
	for c in "run -m $M260 -p x -n 4 -t 1" "rate 1 correct"; do
		"$QCMP" $c --db "$f" > "$TMP/out" 2> "$TMP/err"
		rc=$?
		[ $rc -ne 0 ] && one_line "$TMP/err" "$f" && grep -q read-only "$TMP/err" ||
		    fail "read-only: qcmp ${c%% *}: exit $rc, stderr: $(cat "$TMP/err")"
	done
	# reading a read-only history is fine
	"$QCMP" report --db "$f" > /dev/null 2> "$TMP/err" && "$QCMP" history --db "$f" > /dev/null &&
	    "$QCMP" show 1 --db "$f" > /dev/null || fail "read-only: reading failed: $(cat "$TMP/err")"
	cmp -s "$f" "$TMP/copy" && ok "read-only database: writes refused in one line, reads work, file unchanged" ||
	    fail "read-only database file changed"
fi
[ ! -e "$XDG_DATA_HOME/qcmp" ] && [ ! -e "$HOME/.local" ] && ok "--db kept the default database untouched" ||
    fail "something was written to the default database"
finish
