#!/bin/sh
# bench/run.sh: the speed figures quoted in issue closing notes, from a
# built tree (run ./setup.sh test or make first).  Timings on shared
# machines drift by 10-30%; compare figures taken in the same run.
#   bench/run.sh kernels    kernel throughput per format, ISA, L2/DRAM, threads
#   bench/run.sh variants   building q8_0, q4_0 and t2m variants of a
#                           random-weight SmolLM2-135M-shaped model
#   bench/run.sh engine     four variants of a stories42M-shaped model
#                           decoding together on 2 threads against one
#                           after another (--isolated): aggregate tokens/s
#   bench/run.sh models     qcmp bench (pp128 and tg128, 1 and 2 threads)
#                           on random-weight stories15M, stories42M and
#                           stories110M shapes: issue #9's speed table
#   bench/run.sh tui        the same four variants of a stories15M-shaped
#                           model streaming in the workbench (in tmux)
#                           against qcmp run: decode tokens/s of each, as
#                           recorded in their history databases, and the
#                           CPU the workbench's own thread took
set -eu
cd "$(dirname "$0")/.."
what=${1:-kernels}
case $what in
kernels)
	./qcmp bench kernels -r 5
	;;
variants)
	make -s bench/gen-model
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	./bench/gen-model smollm2-135M "$tmp/smollm2-135M.gguf"
	for i in 1 2 3; do
		./qcmp run -m "$tmp/smollm2-135M.gguf" -p t -n 1 --temp 0 \
		    --variants q8_0,q4_0,t2m -v 2>&1 >/dev/null | grep built
	done
	;;
engine)
	make -s bench/gen-model
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	./bench/gen-model stories42M "$tmp/stories42M.gguf"
	for mode in --isolated ""; do
		# shellcheck disable=SC2086
		./qcmp run -m "$tmp/stories42M.gguf" -p "Once upon a time" \
		    -n 128 --temp 0 -t 2 --variants f32,q8_0,q4_0,t2m --json \
		    $mode >"$tmp/out.json"
		python3 - "${mode:-together}" "$tmp/out.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[2])]
span = [r["ttft_ms"] + (r["n_tokens"] - 1) * 1000 / r["decode_tps"]
        for r in rows]
n = sum(r["n_tokens"] for r in rows)
wall = sum(span) if sys.argv[1] == "--isolated" else max(span)
print("%-10s %s  aggregate %.1f tok/s" % (sys.argv[1], "  ".join(
    "%s %.1f tok/s" % (r["variant"], r["decode_tps"]) for r in rows),
    n * 1000 / wall))
PY
	done
	;;
models)
	make -s bench/gen-model
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	for shape in stories15M stories42M stories110M; do
		./bench/gen-model "$shape" "$tmp/$shape.gguf"
		./qcmp bench -m "$tmp/$shape.gguf" -t 1,2 -p 128 -n 128 -r 5 \
		    --variants f32,q8_0,q4_0,t2m,tq2_0 --format md
		rm -f "$tmp/$shape.gguf"
	done
	;;
tui)
	command -v tmux >/dev/null || { echo "bench: tui needs tmux" >&2; exit 1; }
	make -s bench/gen-model
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-bench.XXXXXX")
	sock=$tmp/tmux.sock
	trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
	./bench/gen-model stories15M "$tmp/stories15M.gguf"
	args="-m $tmp/stories15M.gguf -n 256 --temp 0 -t 2 --variants f32,q8_0,q4_0,t2m"
	qcmp=$(pwd)/qcmp
	for round in 1 2 3; do
		# shellcheck disable=SC2086
		./qcmp run $args -p "Once upon a time" --json --db "$tmp/run.db" \
		    >/dev/null
		tmux -S "$sock" -f /dev/null new-session -d -x 160 -y 40 \
		    "LANG=C.UTF-8 exec $qcmp tui $args --db $tmp/tui.db"
		until tmux -S "$sock" capture-pane -p | grep -q 'Enter: ask'; do
			sleep 0.1
		done
		pid=$(tmux -S "$sock" list-panes -F '#{pane_pid}')
		# CPU ticks of the UI thread and of the whole process
		ui0=$(awk '{print $14 + $15}' /proc/$pid/task/$pid/stat)
		all0=$(awk '{print $14 + $15}' /proc/$pid/stat)
		tmux -S "$sock" send-keys -l "Once upon a time"
		tmux -S "$sock" send-keys Enter
		i=0
		while [ $i -lt 600 ] && [ "$(tmux -S "$sock" capture-pane -p |
		    grep -Eo ' (length|eos|context)( |$)' | wc -l)" -lt 4 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		ui1=$(awk '{print $14 + $15}' /proc/$pid/task/$pid/stat)
		all1=$(awk '{print $14 + $15}' /proc/$pid/stat)
		echo "round $round: the UI thread took $((ui1 - ui0)) of the" \
		    "process's $((all1 - all0)) CPU ticks while it streamed"
		tmux -S "$sock" send-keys C-d
		sleep 0.5
		tmux -S "$sock" kill-server 2>/dev/null || true
	done
	python3 - "$tmp/run.db" "$tmp/tui.db" <<'PY'
import sqlite3, statistics, sys
def tps(db):
    rows = sqlite3.connect(db).execute(
        "SELECT v.name, a.decode_tps FROM answers a "
        "JOIN variants v ON v.id = a.variant_id ORDER BY a.id").fetchall()
    out = {}
    for name, t in rows:
        out.setdefault(name, []).append(t)
    return out
run, tui = tps(sys.argv[1]), tps(sys.argv[2])
tot_r = tot_t = 0
for name in run:
    r, t = statistics.median(run[name]), statistics.median(tui.get(name, [0]))
    tot_r += r
    tot_t += t
    print("%-6s run %8.1f tok/s  tui %8.1f tok/s  tui/run %.3f  (runs %s | %s)" % (
        name, r, t, t / r, " ".join("%.0f" % x for x in run[name]),
        " ".join("%.0f" % x for x in tui.get(name, []))))
print("sum    run %8.1f tok/s  tui %8.1f tok/s  tui/run %.3f" % (
    tot_r, tot_t, tot_t / tot_r))
PY
	;;
*)
	echo "usage: bench/run.sh kernels|variants|engine|models|tui" >&2
	exit 2
	;;
esac
