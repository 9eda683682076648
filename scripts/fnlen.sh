#!/bin/sh
# fnlen.sh -- the size rules of docs/ARCHITECTURE.md, run by `make lint`:
# no function over 120 lines and no source file over 800 lines in src/ and
# lib/ (headers in include/ too). A long function is read as a whole before
# a change can be judged; splitting it along its steps (parse options, open
# inputs, run, close outputs) gives each step a name.
#
# usage: sh scripts/fnlen.sh [-v] [FILE...]   (default: every .c/.h under
# src/, lib/ and include/). Prints one line per offender,
#   fnlen: FILE:LINE: NAME: N lines (over 120)
#   fnlen: FILE: N lines (over 800)
# and exits 1 when there is one. -v also lists the 10 longest functions.
#
# A function is counted from the first line of its signature to its closing
# brace, as the code is laid out by .clang-format (Linux braces): its body
# opens with "{" alone at column 0 and closes with "}" at column 0. That
# layout is the project's style, so no parser is needed (universal-ctags
# gives the same figures: ctags --fields=+ne).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAXFN=${MAXFN:-120}
MAXFILE=${MAXFILE:-800}
verbose=0
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
if [ $# -gt 0 ]; then
	files="$*"
else
	files=$(find src lib include -name '*.[ch]' | sort)
fi
tmp=$(mktemp /tmp/p2pt-fnlen.XXXXXX)
trap 'rm -f "$tmp"' EXIT INT TERM

# shellcheck disable=SC2086
awk '
# a signature starts at a column-0 identifier after a blank line, a ";",
# a "}", a preprocessor line or the end of a comment
FNR == 1 { sig = 0; infn = 0 }
infn == 0 && /^{[[:space:]]*$/ {
	infn = 1
	start = sig ? sig : FNR
	name = signame
	sub(/\(.*/, "", name)
	sub(/.*[ *]/, "", name)
	next
}
infn == 1 && /^}/ {
	print FNR - start + 1, FILENAME ":" start ": " name "()"
	infn = 0
	sig = 0
	next
}
infn == 0 {
	if (sig == 0 && $0 ~ /^[A-Za-z_]/) {
		sig = FNR
		signame = $0
	} else if (sig && signame !~ /\(/) {
		signame = signame " " $0
	}
	if ($0 ~ /^[[:space:]]*$/ || $0 ~ /;[[:space:]]*$/ || $0 ~ /^}/ ||
	    $0 ~ /^#/ || $0 ~ /\*\/[[:space:]]*$/)
		sig = 0
}
' $files | sort -k1,1nr >"$tmp"

bad=0
while read -r n where; do
	[ "$n" -gt "$MAXFN" ] || break
	echo "fnlen: $where: $n lines (over $MAXFN)"
	bad=1
done <"$tmp"
for f in $files; do
	n=$(wc -l <"$f")
	if [ "$n" -gt "$MAXFILE" ]; then
		echo "fnlen: $f: $n lines (over $MAXFILE)"
		bad=1
	fi
done
if [ "$verbose" = 1 ]; then
	echo "fnlen: the longest functions:"
	head -10 "$tmp" | sed 's/^/  /'
fi
exit $bad
