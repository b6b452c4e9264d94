#!/bin/sh
# bench/run.sh: the speed figures quoted in issue closing notes, from a
# built tree (run ./setup.sh test or make first).  Timings on shared
# machines drift by 10-30%; compare figures taken in the same run.
#   bench/run.sh kernels    kernel throughput per format, ISA, L2/DRAM, threads
#   bench/run.sh variants   building q8_0, q4_0 and t2m variants of a
#                           random-weight SmolLM2-135M-shaped model
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
*)
	echo "usage: bench/run.sh kernels|variants" >&2
	exit 2
	;;
esac
