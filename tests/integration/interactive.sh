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
finish
