#!/bin/sh
#
# cross-neon.sh: builds the kernel twin test (tests/test-kern-simd.c) for
# AArch64 with a cross compiler and runs it under qemu-user, so the NEON
# kernels are held against the scalar references on an x86 machine.  The
# autotools build is bypassed (it would need arm64 ncurses, sqlite and
# openblas); only the kernels, qerr.c and the test are compiled, against a
# generated config.h and the cmocka stand-in in tests/cross/.  As in the
# real build, only kernels/neon/ gets the dotprod/fp16 -march; the rest is
# plain armv8-a.  A second run on a CPU without dotprod checks that the
# scalar fallback is taken and still passes.
#
# Exit 77 (skip) when the cross compiler or qemu is missing, unless
# CI=true, where that is a failure.  Environment: CROSS_CC (default
# aarch64-linux-gnu-gcc), QEMU (default qemu-aarch64), CROSS_SYSROOT
# (default /usr/aarch64-linux-gnu), CFLAGS_EXTRA.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
qemu=${QEMU:-qemu-aarch64}
sysroot=${CROSS_SYSROOT:-/usr/aarch64-linux-gnu}

missing=
command -v "$cc" >/dev/null 2>&1 || missing="$missing $cc"
command -v "$qemu" >/dev/null 2>&1 || missing="$missing $qemu"
[ -d "$sysroot" ] || missing="$missing $sysroot"
if [ -n "$missing" ]; then
	echo "cross-neon: missing:$missing (Debian: apt-get install" \
	    "gcc-aarch64-linux-gnu qemu-user libc6-dev-arm64-cross)"
	if [ "${CI:-}" = true ]; then
		exit 1
	fi
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cross-neon.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' \
    "$top/configure.ac" | head -n 1)
cat >"$tmp/config.h" <<EOF
/* config.h for the AArch64 cross build of tests/cross-neon.sh */
#define PACKAGE "qcmp"
#define PACKAGE_NAME "qcmp"
#define PACKAGE_TARNAME "qcmp"
#define PACKAGE_VERSION "${version:-0}"
#define PACKAGE_STRING "qcmp ${version:-0}"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""
#define VERSION "${version:-0}"
#define HAVE_LIBM 1
#define STDC_HEADERS 1
#define QCMP_KERNELS_NEON 1
EOF

common="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wshadow \
-Wmissing-prototypes -Wstrict-prototypes -I$tmp -I$top/tests/cross \
-I$top/src -I$top/kernels -I$top/tests ${CFLAGS_EXTRA:-}"
base="-march=armv8-a"
neon="-march=armv8.2-a+dotprod+fp16"

start=$(date +%s)
objs=
n=0
for src in "$top"/kernels/*.c "$top"/kernels/ref/*.c "$top"/src/qerr.c \
    "$top"/tests/test-kern-simd.c "$top"/kernels/neon/*.c; do
	case $src in
	*/kernels/neon/*) arch=$neon ;;
	*) arch=$base ;;
	esac
	# test-kern-simd.c's fixtures take a state they do not use
	extra=
	case $src in
	*/tests/*) extra=-Wno-unused-parameter ;;
	esac
	n=$((n + 1))
	obj="$tmp/$n-$(basename "$src" .c).o"
	# shellcheck disable=SC2086
	if ! "$cc" $common $arch $extra -c "$src" -o "$obj"; then
		echo "cross-neon: FAIL: compiling $src"
		exit 1
	fi
	objs="$objs $obj"
done
# shellcheck disable=SC2086
if ! "$cc" -o "$tmp/test-kern-simd" $objs -lm -pthread; then
	echo "cross-neon: FAIL: linking"
	exit 1
fi
built=$(date +%s)
echo "cross-neon: built in $((built - start)) s with $("$cc" -dumpversion)"

echo "cross-neon: running under $qemu -cpu max (NEON + dotprod)"
"$qemu" -cpu max -L "$sysroot" "$tmp/test-kern-simd"
rc=$?
ran=$(date +%s)
echo "cross-neon: -cpu max exit $rc in $((ran - built)) s"
if [ $rc -ne 0 ]; then
	echo "cross-neon: FAIL"
	exit 1
fi

# A CPU without dotprod must not get the neon table, and must not fault.
echo "cross-neon: running under $qemu -cpu cortex-a53 (no dotprod)"
out=$("$qemu" -cpu cortex-a53 -L "$sysroot" "$tmp/test-kern-simd")
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
	echo "cross-neon: FAIL: cortex-a53 run exited $rc"
	exit 1
fi
if ! echo "$out" | grep -q '^# neon: not available here'; then
	echo "cross-neon: FAIL: cortex-a53 has no dotprod yet neon was used"
	exit 1
fi
echo "cross-neon: PASS in $(($(date +%s) - start)) s"
exit 0
