#!/bin/sh
# setup.sh: the README's quick start.  Installs what is missing on Debian
# (apt-get, with sudo when not root), bootstraps, configures and builds, then
#   ./setup.sh run [QCMP ARGS]   runs qcmp (the main job) with QCMP ARGS
#   ./setup.sh test              runs the whole test suite (make check, which
#                                includes the integration tests, distcheck,
#                                make check again with the sanitizers, and
#                                every fuzz harness for a minute)
# Safe to run again: it installs and rebuilds only what is missing or stale.
set -eu

cd "$(dirname "$0")"
mode=${1:-run}
[ $# -gt 0 ] && shift

PACKAGES="build-essential autoconf automake libtool pkg-config
libncurses-dev libreadline-dev libsqlite3-dev libopenblas-dev libcmocka-dev
python3 sqlite3 tmux clang libclang-rt-14-dev
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "setup.sh: need root or sudo to install:$missing" >&2
		exit 1
	fi
	echo "setup.sh: installing$missing" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
    ./bootstrap
[ -f Makefile ] && [ Makefile -nt configure ] || ./configure -q
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs"

if [ -d ../shared ] && [ -z "${QCMP_SHARED:-}" ]; then
	QCMP_SHARED=$(cd ../shared && pwd)
	export QCMP_SHARED
fi

case $mode in
run)
	exec ./qcmp "$@"
	;;
test)
	if ! make -s -j"$jobs" check; then
		cat test-suite.log >&2 || true
		exit 1
	fi
	make -s -j"$jobs" distcheck
	# the whole suite again in a second build from the release tarball,
	# with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer
	san=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-sanitize.XXXXXX")
	tar -xzf qcmp-*.tar.gz -C "$san"
	(cd "$san"/qcmp-* && ./configure -q --enable-sanitizers &&
	    make -s -j"$jobs" &&
	    make -s -j"$jobs" check ||
	    { cat test-suite.log >&2; exit 1; })
	rm -rf "$san"
	make -s fuzz && fuzz/run.sh 60
	;;
*)
	echo "usage: ./setup.sh run [QCMP ARGS] | ./setup.sh test" >&2
	exit 2
	;;
esac
