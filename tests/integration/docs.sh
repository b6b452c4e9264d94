#!/bin/sh
# docs.sh: every option `qcmp --help` lists is documented in man/qcmp.1 and
# README.md too, and the man page renders without warnings.
. "$(dirname "$0")/lib.sh"
SRC=${QCMP_SRCDIR:-.}

"$QCMP" --help > "$TMP/help" || fail "qcmp --help failed"
grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u > "$TMP/opts"
[ -s "$TMP/opts" ] || fail "no options found in --help"
while read -r opt; do
	manopt=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$manopt" "$SRC/man/qcmp.1" || fail "$opt is in --help but not in man/qcmp.1"
	grep -q -- "$opt" "$SRC/README.md" || fail "$opt is in --help but not in README.md"
done < "$TMP/opts"
ok "$(wc -l < "$TMP/opts" | tr -d ' ') options documented in all three places"

# each command's help text appears word for word in the README
for cmd in tui run batch quantize rate history show report info ppl bench; do
	"$QCMP" $cmd --help | tail -n +2 > "$TMP/$cmd.help"
	while IFS= read -r line; do
		grep -qF -- "$line" "$SRC/README.md" ||
		    fail "README.md lacks this line of 'qcmp $cmd --help': $line"
	done < "$TMP/$cmd.help"
done
if command -v man >/dev/null 2>&1; then
	warn=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$SRC/man/qcmp.1" 2>&1 >/dev/null)
	[ -z "$warn" ] && ok "man page renders cleanly" || fail "man warnings: $warn"
fi
finish
