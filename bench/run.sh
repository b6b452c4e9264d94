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
*)
	echo "usage: bench/run.sh kernels|variants|engine" >&2
	exit 2
	;;
esac
