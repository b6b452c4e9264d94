#!/bin/sh
# interactive.sh: `qcmp run` without a prompt on a terminal reads prompts
# with readline and answers each; driven in a real tmux terminal.
. "$(dirname "$0")/lib.sh"
need models/stories260K.gguf
command -v tmux >/dev/null || skip "tmux is needed to drive a terminal"
QCMP_ABS=$(cd "$(dirname "$QCMP")" && pwd)/$(basename "$QCMP")
MODEL=$(cd "$MODELS" && pwd)/stories260K.gguf
SOCK="$TMP/tmux.sock"
T="tmux -S $SOCK"

$T -f /dev/null new-session -d -x 120 -y 30 \
    "HOME=$TMP INPUTRC=/dev/null $QCMP_ABS run -m $MODEL --temp 0 -n 12; echo EXIT=\$?; sleep 30"
wait_for() {	# wait_for REGEX: poll the pane up to 10 s
	i=0
	while [ $i -lt 100 ]; do
		$T capture-pane -p > "$TMP/pane" 2>/dev/null
		grep -Eq -- "$1" "$TMP/pane" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
wait_for '^>' && ok "prompt shown" || fail "no '> ' prompt: $(cat "$TMP/pane")"
$T send-keys -l "Once upon a time"
$T send-keys Enter
wait_for 'Once upon a time, there was a little girl named Lily' &&
    ok "first answer streamed" || fail "no answer: $(cat "$TMP/pane")"
# readline history: Up recalls the last prompt
$T send-keys Up Enter
i=0
while [ $i -lt 100 ] && [ "$(grep -c 'girl named Lily' "$TMP/pane")" -lt 2 ]; do
	sleep 0.1
	$T capture-pane -p > "$TMP/pane"
	i=$((i + 1))
done
[ "$(grep -c 'girl named Lily' "$TMP/pane")" -ge 2 ] &&
    ok "Up recalled the prompt from history" || fail "history recall: $(cat "$TMP/pane")"
$T send-keys C-d
wait_for 'EXIT=0' && ok "Ctrl-D quits with status 0" || fail "no clean exit: $(cat "$TMP/pane")"
$T kill-server 2>/dev/null

# on a terminal, --variants puts the finished answers side by side
T="tmux -S $SOCK.2"
$T -f /dev/null new-session -d -x 120 -y 30 \
    "LANG=C.UTF-8 $QCMP_ABS run -m $MODEL -p 'Once upon a time' --temp 0 -n 30 --variants f32,q8_0,q4_0; echo EXIT=\$?; sleep 30"
wait_for 'EXIT=0' || fail "--variants on a terminal did not finish: $(cat "$TMP/pane")"
grep -Eq '^f32 \(32 b/w\) +\| q8_0 \(8\.5 b/w\) +\| q4_0 \(4\.5 b/w\)' "$TMP/pane" &&
    ok "column headers side by side" || fail "no column headers: $(cat "$TMP/pane")"
grep -Eq '^, there was a little girl named Lily\. +\| , there was a little girl named Lily\.' "$TMP/pane" &&
    ok "answers side by side" || fail "answers not side by side: $(cat "$TMP/pane")"
awk 'length($0) > 120 { bad = 1 } END { exit bad }' "$TMP/pane" &&
    ok "no line wider than the terminal" || fail "a line overflows 120 columns"
$T kill-server 2>/dev/null
finish
