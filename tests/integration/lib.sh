# lib.sh: what the integration scripts share: where the binary and the
# shared test data are, loud skips, and failure reports.  Sourced, not run.
set -u
QCMP=${QCMP_BIN:-./qcmp}
SHARED=${QCMP_SHARED:-../shared}
MODELS=$SHARED/models
REF=$SHARED/reference
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qcmp-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
nfail=0

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $* (CI=true: test data must be present)" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

# need FILE...: every file must exist under $SHARED
need() {
	for f in "$@"; do
		[ -r "$SHARED/$f" ] || skip "test data $SHARED/$f is missing; set QCMP_SHARED"
	done
}

fail() {
	echo "FAIL: $*" >&2
	nfail=$((nfail + 1))
}

ok() {
	echo "ok: $*"
}

finish() {
	[ "$nfail" -eq 0 ] || { echo "$nfail check(s) failed" >&2; exit 1; }
	exit 0
}
