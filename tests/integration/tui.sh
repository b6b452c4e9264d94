#!/bin/sh
# tui.sh: the workbench driven in a real terminal (tmux send-keys and
# capture-pane) on stories260K: answers streamed side by side equal
# llama2.c's text, ratings land in the database at once, blind mode hides
# the variants until all are rated, a resize mid-stream is survived,
# SIGTERM gives the terminal back, NO_COLOR leaves no colour, and the
# mouse wheel scrolls a pane.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf reference/README.md
command -v tmux >/dev/null || skip "tmux is needed to drive a terminal"
command -v sqlite3 >/dev/null || skip "sqlite3 is needed to read the database"
QCMP_ABS=$(cd "$(dirname "$QCMP")" && pwd)/$(basename "$QCMP")
MODEL=$(cd "$MODELS" && pwd)/stories260K.gguf
DB=$TMP/history.db
ENVS="LANG=C.UTF-8 TERM=xterm-256color HOME=$TMP XDG_DATA_HOME=$TMP/xdg INPUTRC=/dev/null"
n_sock=0

start() {	# start COLS ROWS ARGS...: qcmp tui in a new tmux server
	cols=$1 rows=$2
	shift 2
	n_sock=$((n_sock + 1))
	T="tmux -u -S $TMP/tmux.$n_sock"
	$T -f /dev/null new-session -d -x "$cols" -y "$rows" \
	    "env $ENVS ${EXTRA_ENV:-} $QCMP_ABS tui -m $MODEL --db $DB $*; echo EXIT=\$?; stty -a > $TMP/stty.$n_sock; sleep 60"
}
# the screen, with the line between panes as '|' (one byte, for cut and awk)
snap() { $T capture-pane -p 2>/dev/null | sed 's/\xe2\x94\x82/|/g' > "$TMP/pane"; }
wait_for() {	# wait_for REGEX [COUNT [SECONDS]]: until it matches COUNT times
	i=0
	while [ $i -lt $((${3:-20} * 10)) ]; do
		snap
		[ "$(grep -Eo -- "$1" "$TMP/pane" | wc -l)" -ge "${2:-1}" ] &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# pane_text FIRST LAST COL0 COL1: the body lines of a pane, joined
pane_text() {
	sed -n "$1,$2p" "$TMP/pane" | cut -c"$3-$4" | sed 's/ *$//' |
	    grep -v '^$' | tr '\n' ' ' | sed 's/ $//'
}
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }

awk -v p='Prompt `Once upon a time`:' '
    $0 == p { on = 1; next }
    on && /^    / { sub(/^    /, ""); print; started = 1; next }
    on && started && !/^    / { exit }' "$REF/README.md" | tr '\n' ' ' |
    sed 's/ $//' > "$TMP/want"
[ -s "$TMP/want" ] || fail "no reference text in $REF/README.md"

# 1. two panes side by side at 160x40; llama2.c's 128 positions: --ctx 128
start 160 40 --variants f32,q8_0 --temp 0 --ctx 128
wait_for '^>' || fail "no prompt line: $(cat "$TMP/pane")"
grep -q ' 1 f32  32 b/w' "$TMP/pane" && grep -q '2 q8_0  8.5 b/w' "$TMP/pane" &&
    ok "pane headers name each variant with its bits/weight" ||
    fail "pane headers: $(head -3 "$TMP/pane")"
$T send-keys -l "Once upon a time"
$T send-keys Enter
wait_for ' context' 2 || fail "answers did not finish: $(cat "$TMP/pane")"
# rows: 1 title, 2 headers, 3..36 text, 38 footers; pane 1 is columns 1-79
pane_text 3 36 1 79 > "$TMP/got"
if cmp -s "$TMP/want" "$TMP/got"; then
	ok "the f32 pane shows llama2.c's text exactly"
else
	fail "f32 pane differs from the reference"
	diff "$TMP/want" "$TMP/got" >&2
fi
pane_text 3 36 81 160 > "$TMP/got2"
[ -s "$TMP/got2" ] && ok "the q8_0 pane has its answer" || fail "q8_0 pane is empty"
sed -n 38p "$TMP/pane" | grep -Eq '^ 1[0-9]+ tok  ttft [0-9]+ ms  [0-9.]+ t/s +reference' &&
    ok "footer: tokens, time to first token, tokens/s" ||
    fail "footer: $(sed -n 38p "$TMP/pane")"
awk 'length($0) > 160 { bad = 1 } END { exit bad }' "$TMP/pane" &&
    ok "nothing wider than the terminal" || fail "a line overflows"

# rate both panes: f32 correct, q8_0 wrong with a note
$T send-keys Tab c
wait_for '\[correct\]' || fail "rating not shown: $(cat "$TMP/pane")"
$T send-keys Tab w n
wait_for '^note for 2:' || fail "no note prompt: $(tail -2 "$TMP/pane")"
$T send-keys -l "too short"
$T send-keys Enter
wait_for 'note saved' || fail "note not saved: $(tail -2 "$TMP/pane")"
# the ratings are in the database while qcmp still runs
got=$(sql "SELECT v.name, r.verdict, coalesce(r.note, ''), r.blind, r.source
    FROM ratings r JOIN answers a ON a.id = r.answer_id
    JOIN variants v ON v.id = a.variant_id ORDER BY r.id" | tr '\n' ';')
[ "$got" = "f32|correct||0|human;q8_0|wrong||0|human;q8_0|wrong|too short|0|human;" ] &&
    ok "ratings committed at once (verdict, note, blind flag, source)" ||
    fail "ratings in the database: $got"
got=$(sql "SELECT p.front_end, p.text, count(*) FROM answers a
    JOIN prompts p ON p.id = a.prompt_id GROUP BY p.id")
[ "$got" = "tui|Once upon a time|2" ] && ok "prompt and both answers recorded" ||
    fail "answers in the database: $got"
sql "SELECT a.text FROM answers a JOIN variants v ON v.id = a.variant_id
    WHERE v.name = 'f32'" | tr '\n' ' ' | sed 's/ $//' > "$TMP/dbtext"
printf 'Once upon a time%s' "$(cat "$TMP/dbtext")" | cmp -s - "$TMP/want" &&
    ok "the recorded f32 answer is the reference continuation" ||
    fail "recorded text: $(cat "$TMP/dbtext")"

# slash commands, help, report and history views (Esc alone: a pause
# after it, or it would start an Alt- key)
$T send-keys Escape
sleep 0.2
$T send-keys -l "/temp 0.5"
$T send-keys Enter
wait_for '^ qcmp  stories260K\.gguf  temp 0\.5' && ok "/temp changes the sampler" ||
    fail "/temp: $(head -1 "$TMP/pane")"
$T send-keys -l "/bogus"
$T send-keys Enter
wait_for 'unknown command /bogus' && ok "unknown command reported" ||
    fail "unknown command: $(tail -2 "$TMP/pane")"
# UTF-8 in and out: accented and double-width text (byte-fallback tokens)
$T send-keys -l "Un café à Paris 日本"
$T send-keys Enter
wait_for 'Un café à Paris 日本' 2 && ok "UTF-8 prompt shown in every pane" ||
    fail "UTF-8: $(sed -n 3p "$TMP/pane")"
wait_for ' context' 2 || fail "UTF-8 prompt not answered"
$T send-keys '?'
wait_for 'qcmp keys' && wait_for '/variants LIST' &&
    ok "? shows every key and command" || fail "help overlay: $(cat "$TMP/pane")"
$T send-keys x
$T send-keys -l "/report"
$T send-keys Enter
wait_for '^q8_0 +8\.5 +2 +1 ' && ok "/report shows the per-variant table" ||
    fail "/report: $(cat "$TMP/pane")"
$T send-keys q
$T send-keys -l "/history"
$T send-keys Enter
wait_for '2/2 rated  Once upon a time' && ok "/history lists the prompts" ||
    fail "/history: $(cat "$TMP/pane")"
$T send-keys Down Enter
wait_for 'earlier prompt: Once upon a time' && wait_for '\[correct\]' &&
    ok "a history entry opens as panes with its ratings" ||
    fail "history entry: $(cat "$TMP/pane")"
$T send-keys q q C-d
wait_for '^EXIT=0' && ok "Ctrl-D quits with status 0" || fail "no clean exit: $(cat "$TMP/pane")"
grep -qx 'Once upon a time' "$TMP/xdg/qcmp/prompts" &&
    ok "the prompt history is kept across runs" || fail "no prompt history file"
$T kill-server 2>/dev/null

# 2. blind mode: shuffled, names hidden until every answer is rated
start 160 40 --variants f32,q8_0,q4_0 --temp 0 -n 20 --blind
wait_for '^>' || fail "no prompt line"
$T send-keys -l "Lily went"
$T send-keys Enter
wait_for ' length' 3 || fail "blind answers did not finish: $(cat "$TMP/pane")"
sed -n 2p "$TMP/pane" | grep -Eq '^ A .* B .* C ' &&
    ! sed -n 2p "$TMP/pane" | grep -Eq 'f32|q8_0|q4_0|b/w' &&
    ! grep -q 't/s' "$TMP/pane" &&
    ok "blind panes are labelled A, B, C with names and figures hidden" ||
    fail "blind headers: $(sed -n 2p "$TMP/pane")"
$T send-keys Tab c Tab w
sleep 0.3
snap
! sed -n 2p "$TMP/pane" | grep -Eq 'f32|q8_0|q4_0' &&
    ok "still hidden with one answer unrated" || fail "revealed too early"
$T send-keys Tab p
wait_for 'revealed' || fail "not revealed: $(tail -2 "$TMP/pane")"
sed -n 2p "$TMP/pane" | grep -q 'f32' && sed -n 2p "$TMP/pane" | grep -q 'q8_0' &&
    sed -n 2p "$TMP/pane" | grep -q 'q4_0' &&
    ok "every variant revealed once all are rated" || fail "after reveal: $(sed -n 2p "$TMP/pane")"
got=$(sql "SELECT count(*), sum(r.blind) FROM ratings r JOIN answers a
    ON a.id = r.answer_id JOIN prompts p ON p.id = a.prompt_id
    WHERE p.text = 'Lily went'")
[ "$got" = "3|3" ] && ok "blind ratings stored with the blind flag" ||
    fail "blind ratings: $got"
$T send-keys Escape
sleep 0.2
$T send-keys C-d
wait_for '^EXIT=0' || fail "blind run did not quit"
$T kill-server 2>/dev/null

# 3. resizes while four variants stream, down to below the minimum
start 120 30 --temp 0 -n 1500
wait_for '^>' || fail "no prompt line"
$T send-keys -l "Once upon a time"
$T send-keys Enter
for size in "90 26" "70 20" "200 50" "80 24" "130 35" "60 10" "120 30"; do
	set -- $size
	$T resize-window -x "$1" -y "$2"
	sleep 0.05
done
snap
wait_for ' length' 4 || fail "answers did not finish after resizes: $(cat "$TMP/pane")"
sed -n 1p "$TMP/pane" | grep -q '^ qcmp  stories260K.gguf' &&
    sed -n 2p "$TMP/pane" | grep -q 't2m' &&
    awk 'length($0) > 120 { bad = 1 } END { exit bad }' "$TMP/pane" &&
    ok "the screen is whole after resizes mid-stream" ||
    fail "after resizes: $(cat "$TMP/pane")"
$T resize-window -x 70 -y 20
wait_for 'needs 80x24; this terminal is 70x20' &&
    ok "below 80x24 the screen says so" || fail "small terminal: $(cat "$TMP/pane")"
$T resize-window -x 120 -y 30
wait_for '^ qcmp  stories260K' && ok "back to the workbench at 120x30" ||
    fail "did not come back: $(cat "$TMP/pane")"

# Esc mid-stream stops every answer; what came is kept, recorded as stopped
$T send-keys -l "Once upon a time"
$T send-keys Enter
sleep 0.1
$T send-keys Escape
wait_for ' stopped' 4 && ok "Esc stops every answer, each marked stopped" ||
    fail "Esc: $(cat "$TMP/pane")"
got=$(sql "SELECT count(*), min(n_tokens) > 0, max(n_tokens) < 1500 FROM answers
    WHERE finish = 'stopped'")
[ "$got" = "4|1|1" ] && ok "stopped answers recorded with their tokens so far" ||
    fail "stopped answers in the database: $got"
# a prompt of two lines (Alt-Enter), then other variants
$T send-keys -l "/n 8"
$T send-keys Enter
$T send-keys -l "Once upon"
$T send-keys M-Enter
$T send-keys -l "a time"
$T send-keys Enter
wait_for ' length' 4 || fail "two-line prompt not answered: $(cat "$TMP/pane")"
got=$(sql "SELECT count(*) FROM prompts WHERE text = 'Once upon' || char(10) || 'a time'")
[ "$got" = 1 ] && ok "Alt-Enter puts a newline in the prompt" || fail "two-line prompt: $got"
# scoring runs in the background, oldest prompt first; /variants waits for it
wait_for 'KLD' 3 120 || fail "divergence not scored: $(cat "$TMP/pane")"
$T send-keys -l "/variants f32,q4_0"
$T send-keys Enter
wait_for 'variants: f32,q4_0' && sed -n 2p "$TMP/pane" | grep -q '1 f32' &&
    sed -n 2p "$TMP/pane" | grep -q '2 q4_0' && ! sed -n 2p "$TMP/pane" | grep -q 't2m' &&
    ok "/variants rebuilds the panes" || fail "/variants: $(head -3 "$TMP/pane")"
$T send-keys -l "/variants f32,nope"
$T send-keys Enter
wait_for "unknown format 'nope'" && ok "/variants with a bad format is refused" ||
    fail "/variants nope: $(tail -2 "$TMP/pane")"
$T send-keys -l "/n 1500"
$T send-keys Enter

# 4. SIGTERM mid-stream: the terminal is given back, sane
$T send-keys -l "Lily and Tom went to the park"
$T send-keys Enter
sleep 0.2
pkill -TERM -f "^$QCMP_ABS tui -m $MODEL --db $DB --temp 0 -n 1500"
wait_for '^EXIT=143' && ok "SIGTERM ends qcmp with status 143" ||
    fail "SIGTERM: $(cat "$TMP/pane")"
sleep 0.3
grep -Eq '(^| )icanon( |$)' "$TMP/stty.$n_sock" && grep -Eq '(^| )echo( |$)' "$TMP/stty.$n_sock" &&
    ok "the terminal is back in cooked mode with echo" ||
    fail "terminal state after SIGTERM: $(cat "$TMP/stty.$n_sock" 2>/dev/null)"
[ "$(sql 'PRAGMA integrity_check')" = ok ] && ok "database intact after SIGTERM" ||
    fail "integrity_check failed"
$T kill-server 2>/dev/null

# 5. kill -9 while four variants stream, after a rating: the database
# opens cleanly with every finished answer (all its tokens) and the rating
start 120 30 --temp 0 -n 1500
wait_for '^>' || fail "no prompt line"
$T send-keys -l "Lily went"
$T send-keys Enter
wait_for ' length' 4 60 || fail "first answers did not finish"
$T send-keys Tab c
wait_for '\[correct\]' || fail "rating not shown before the kill"
rated=$(sql "SELECT count(*) FROM ratings")
done_before=$(sql "SELECT count(*) FROM answers")
$T send-keys Escape
sleep 0.2
$T send-keys -l "Once upon a time"
$T send-keys Enter
sleep 0.3
pkill -KILL -f "^$QCMP_ABS tui -m $MODEL --db $DB --temp 0 -n 1500"
sleep 0.3
[ "$(sql 'PRAGMA integrity_check')" = ok ] && ok "after kill -9 the database opens cleanly" ||
    fail "integrity_check after kill -9"
got=$(sql "SELECT count(*) FROM ratings")
[ "$got" = "$rated" ] && ok "the rating made before the kill is kept" ||
    fail "ratings: $got, had $rated"
got=$(sql "SELECT count(*) FROM answers a WHERE a.n_tokens <>
    (SELECT count(*) FROM tokens t WHERE t.answer_id = a.id)")
n=$(sql "SELECT count(*) FROM answers")
[ "$got" = 0 ] && [ "$n" -ge "$done_before" ] &&
    ok "every recorded answer is whole ($n answers, each with all its tokens)" ||
    fail "half-written answers: $got of $n"
$T kill-server 2>/dev/null

# 6. NO_COLOR: the same screen without a colour, set apart by attributes
# (capture-pane -e keeps the escape sequences: SGR 30-37, 40-47, 90-107
# and 38/48 are colours; 1, 4 and 7 bold, underline and reverse)
colours() { grep -Eoc '(\[|;)(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;|m)' "$TMP/esc"; }
for nc in "" 1; do
	EXTRA_ENV=${nc:+NO_COLOR=$nc}
	start 100 30 --temp 0 -n 8
	wait_for 'Enter: ask' 1 20 || fail "NO_COLOR=$nc: no prompt line"
	$T send-keys Tab
	sleep 0.3
	$T capture-pane -e -p > "$TMP/esc"
	if [ -z "$nc" ]; then
		[ "$(colours)" -gt 0 ] && ok "in colour, the screen uses colours" ||
		    fail "no colour escape sequences without NO_COLOR"
	else
		[ "$(colours)" -eq 0 ] &&
		    grep -Eq '(\[|;)(1|4|7)(;|m)' "$TMP/esc" &&
		    ok "NO_COLOR=1: no colour at all, bold/underline/reverse instead" ||
		    fail "NO_COLOR=1: $(colours) colour sequences"
	fi
	$T kill-server 2>/dev/null
done
EXTRA_ENV=

# 7. the mouse wheel (xterm's SGR reports, as a terminal sends them)
# scrolls the pane under the pointer, only that one, and back (the pane
# bodies, rows 3-26, are compared: the footers change as divergence is
# scored)
start 100 30 --variants f32,q8_0 --temp 0 -n 1500
wait_for 'Enter: ask' 1 20 || fail "wheel: no prompt line"
$T send-keys -l "Once upon a time"
$T send-keys Enter
wait_for ' (length|eos|context)( |$)' 2 60 || fail "wheel: answers did not finish"
snap
cp "$TMP/pane" "$TMP/before"
body() { cut -d'|' -f"$2" "$1" | sed -n '3,26p'; }
$T send-keys -l "$(printf '\033[<64;10;10M')"
i=0
while snap && [ "$(body "$TMP/pane" 1)" = "$(body "$TMP/before" 1)" ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(body "$TMP/pane" 1)" != "$(body "$TMP/before" 1)" ] &&
    [ "$(body "$TMP/pane" 2)" = "$(body "$TMP/before" 2)" ] &&
    ok "the wheel scrolls the pane under the pointer, and only it" ||
    fail "wheel up: the left pane did not move alone"
$T send-keys -l "$(printf '\033[<65;10;10M')"
i=0
while snap && [ "$(sed -n '3,26p' "$TMP/pane")" != \
    "$(sed -n '3,26p' "$TMP/before")" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(sed -n '3,26p' "$TMP/pane")" = "$(sed -n '3,26p' "$TMP/before")" ] &&
    ok "wheel down scrolls it back" ||
    fail "wheel down did not restore the pane's text"
$T send-keys C-d
$T kill-server 2>/dev/null

# 8. not a terminal: a clear error
"$QCMP" tui -m "$MODEL" --db "$DB" < /dev/null > "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q 'must be a terminal' "$TMP/err" &&
    ok "without a terminal: one line and status 2" || fail "no terminal: rc $rc $(cat "$TMP/err")"
finish
