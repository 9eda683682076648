#!/bin/sh
# lint.sh -- `make lint`: the checks a compiler does not make.
#   1. cppcheck (warning, performance, portability) over lib/ and src/;
#   2. layering: lib/ never includes a src/ header; the engine's stages
#      include only upstream stages (DESIGN.md: decode knows nothing of
#      flows, flow nothing of sinks), by the table in layer_allowed below,
#      checked on every file of lib/ and include/p2ptrace/;
#   2b. header/source pairing: include/p2ptrace/X.h is the header of
#      lib/.../X.c or of the folder lib/X/;
#   3. banned calls in lib/ and src/: unbounded string functions (sprintf,
#      vsprintf, strcpy, strcat, strncat, gets, atoi, strtok); in lib/ also
#      printing/exiting (printf, puts, perror, exit, fprintf to
#      stdout/stderr): the engine reports through struct pt_err and never
#      prints; src/AREA/ includes only include/p2ptrace/, its own folder
#      and src/tool.h;
#   3b'. no `x_close(a) || y_close(b)` chains (a failed close skips the
#      rest, whose data is then lost);
#   3c. sizes (scripts/fnlen.sh): no function over 120 lines, no file over
#      800 lines in src/, lib/ and include/;
#   4. symbol clashes: the global symbols defined by build/libp2ptrace.a
#      (and build/libp2ptool.a) against each other and against the shared
#      libraries the tool links (libpcap, libndpi, libfixbuf, libxgboost,
#      glib, libgcrypt, libc, libm): with static archives a clash is not a
#      link error, one definition silently wins.
# Informational only (never fails): files clang-format (.clang-format)
# would change.
# Exit status: 0 all checks passed, 1 otherwise. Environment: BUILD (build
# dir holding libp2ptrace.a, default build; built when missing).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
fails=0
tmp=$(mktemp -d /tmp/p2pt-lint.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
	echo "lint: $*"
	fails=$((fails + 1))
}

# ---- 1. cppcheck -------------------------------------------------------------

if command -v cppcheck >/dev/null 2>&1; then
	if ! cppcheck -q --std=c11 --enable=warning,performance,portability \
		--error-exitcode=1 --inline-suppr -Iinclude -Isrc \
		-D_DEFAULT_SOURCE -D_GNU_SOURCE lib src >"$tmp/cppcheck" 2>&1; then
		cat "$tmp/cppcheck"
		fail "cppcheck found problems (above)"
	fi
else
	fail "cppcheck not installed (run 'make deps')"
fi

# ---- 2. layering --------------------------------------------------------------

# The p2ptrace/ headers a file may include directly (after "p2ptrace/"),
# "*" for any; an empty answer means the file is not restricted. Together
# with the headers' own rows this bounds what a stage sees transitively.
# The utilities (err.h, clock.h, netns.h: lib/util/) sit below every stage.
UTIL="err.h clock.h netns.h"
layer_allowed() {
	case $1 in
	include/p2ptrace/err.h | include/p2ptrace/pkt.h) echo "$UTIL" ;;
	include/p2ptrace/u64map.h | include/p2ptrace/clock.h | include/p2ptrace/netns.h | lib/util/*)
		echo "$UTIL u64map.h" ;;
	include/p2ptrace/source.h | lib/source/*) echo "$UTIL pkt.h source.h" ;;
	include/p2ptrace/decode.h | lib/decode/*) echo "$UTIL pkt.h decode.h" ;;
	include/p2ptrace/flow.h | include/p2ptrace/flowtab.h | lib/flow/*)
		echo "$UTIL pkt.h decode.h flow.h flowtab.h" ;;
	include/p2ptrace/node.h | include/p2ptrace/hosts.h | lib/features/*)
		echo "$UTIL pkt.h decode.h flow.h flowtab.h node.h hosts.h" ;;
	include/p2ptrace/flowfeat.h | include/p2ptrace/forest.h | include/p2ptrace/model.h | lib/model/*)
		echo "$UTIL pkt.h decode.h flow.h flowtab.h u64map.h flowfeat.h forest.h model.h" ;;
	include/p2ptrace/catalog.h | lib/label/catalog.c) echo "$UTIL pkt.h catalog.h" ;;
	include/p2ptrace/ndpi.h | lib/label/ndpi.c) echo "$UTIL pkt.h source.h decode.h ndpi.h" ;;
	include/p2ptrace/sink.h | lib/sink/*)
		echo "$UTIL pkt.h decode.h flow.h flowtab.h node.h sink.h" ;;
	include/p2ptrace/engine.h | lib/engine.c | lib/engine_par.c | lib/engine_int.h)
		echo "$UTIL pkt.h source.h decode.h flow.h flowtab.h node.h hosts.h engine.h catalog.h" ;;
	*) echo "" ;;
	esac
}

srchdrs=$(cd src && find . -name '*.h' | sed 's|^\./||')
for f in $(find lib include -name '*.[ch]' | sort); do
	dir=$(dirname "$f")
	allowed=$(layer_allowed "$f")
	grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
		sed -n 's/^\([0-9]*\):[^"<]*\(["<]\)\([^">]*\)[">].*/\1 \2 \3/p' >"$tmp/inc"
	while read -r line q hdr; do
		# lib/ and include/ never see the tool's headers
		for s in $srchdrs; do
			if [ "$hdr" = "$s" ] || [ "${hdr##*/}" = "$s" ] ||
				case $hdr in *src/*) true ;; *) false ;; esac; then
				fail "$f:$line: includes the tool's header \"$hdr\" (lib/ must not depend on src/)"
				continue 2
			fi
		done
		case $hdr in
		p2ptrace/*)
			h=${hdr#p2ptrace/}
			[ -f "include/p2ptrace/$h" ] || fail "$f:$line: \"$hdr\" is not in include/p2ptrace/"
			[ -z "$allowed" ] && continue
			case " $allowed " in
			*" $h "*) ;;
			*) fail "$f:$line: includes \"$hdr\": this stage may include only: $allowed (downstream or unknown stage; see layer_allowed in scripts/lint.sh)" ;;
			esac
			;;
		*)
			# a private header must sit next to the file, inside lib/
			[ "$q" = '"' ] || continue
			case $f in
			lib/*) [ -f "$dir/$hdr" ] || fail "$f:$line: \"$hdr\" is not a header of $dir" ;;
			include/*) fail "$f:$line: public header includes \"$hdr\" (only p2ptrace/ headers)" ;;
			esac
			;;
		esac
	done <"$tmp/inc"
done

# ---- 2b. header and source names pair: include/p2ptrace/X.h is the header
# of lib/.../X.c or of the folder lib/X/ (source.h, sink.h, decode.h); pkt.h
# only declares the packet every stage passes on --------------------------------

for h in include/p2ptrace/*.h; do
	b=$(basename "$h" .h)
	[ "$b" = pkt ] && continue
	[ -d "lib/$b" ] && continue
	[ -n "$(find lib -name "$b.c" | head -1)" ] && continue
	fail "$h: no lib/.../$b.c nor lib/$b/ (name a public header after its source file or folder)"
done

# ---- 3. banned calls in lib/ and src/ -------------------------------------------

# Lines that are comments (" * ...", "// ...", "/* ...") are skipped.
grep -rnE '\b(v?sprintf|strcpy|strn?cat|gets|atoi|strtok)[[:space:]]*\(' lib src |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|//|/\*)' >"$tmp/banned"
if [ -s "$tmp/banned" ]; then
	cat "$tmp/banned"
	fail "unbounded string functions (above): use snprintf, memcpy with a length, strtoul/strtol, strtok_r"
fi

# ---- 3b. the tool's rooms: src/AREA/ includes only include/p2ptrace/, its own
# folder and src/tool.h (no other area's headers); every .c name is unique
# under src/ (a static archive keeps one member per name) -------------------------

for f in $(find src -mindepth 2 -name '*.[ch]' | sort); do
	area=$(echo "$f" | cut -d/ -f2)
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed -n 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/p' >"$tmp/sinc"
	while read -r line hdr; do
		case $hdr in
		p2ptrace/* | tool.h | "$area"/*) ;;
		*) fail "$f:$line: includes \"$hdr\": src/$area/ may include only p2ptrace/, $area/ and tool.h" ;;
		esac
	done <"$tmp/sinc"
done
dupnames=$(find src -name '*.c' -exec basename {} \; | sort | uniq -d | tr '\n' ' ')
[ -z "$dupnames" ] || fail "two files under src/ share a name (ar keeps one): $dupnames"
grep -rnE '(^|[^_a-zA-Z0-9])(printf|vprintf|puts|perror|exit|_exit)[[:space:]]*\(|fprintf[[:space:]]*\([[:space:]]*std(out|err)' lib |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|//|/\*)' >"$tmp/print"
if [ -s "$tmp/print" ]; then
	cat "$tmp/print"
	fail "lib/ prints or exits (above): return a PT_E code with struct pt_err"
fi

# ---- 3b'. no chains of closes (`a_close(x) || b_close(y)`): when one fails
# the rest are never flushed; close each and collect the errors -------------------

find src lib -name '*.c' | sort | xargs awk '
FNR == 1 { stmt = "" }
{
	if (stmt == "")
		start = FNR
	stmt = stmt " " $0
	if ($0 ~ /[;{}][[:space:]]*$/) {
		if (stmt ~ /close\([^;]*\)[^;]*(\|\||&&)[^;]*close\(/)
			print FILENAME ":" start ":" stmt
		stmt = ""
	}
}' >"$tmp/closes"
if [ -s "$tmp/closes" ]; then
	cat "$tmp/closes"
	fail "closes chained with || or && (above): a failing close skips the others"
fi

# ---- 3c. sizes: functions <= 120 lines, files <= 800 (scripts/fnlen.sh) ----------

sh scripts/fnlen.sh || fail "functions or files too long (above): split them along their steps"

# ---- 4. symbol clashes ------------------------------------------------------------

if [ ! -f "$BUILD/libp2ptrace.a" ]; then
	make -s BUILD="$BUILD" "$BUILD/libp2ptrace.a" >"$tmp/make" 2>&1 ||
		{ tail -5 "$tmp/make"; fail "cannot build $BUILD/libp2ptrace.a for the symbol check"; }
fi
archives=""
for a in "$BUILD/libp2ptrace.a" "$BUILD/libp2ptool.a"; do
	[ -f "$a" ] && archives="$archives $a"
done
if [ -n "$archives" ]; then
	# shellcheck disable=SC2086
	nm -g --defined-only $archives 2>/dev/null | awk 'NF == 3 { print $3 }' |
		sort >"$tmp/ours.all"
	uniq -d "$tmp/ours.all" >"$tmp/dups"
	if [ -s "$tmp/dups" ]; then
		fail "symbols defined twice in$archives: $(tr '\n' ' ' <"$tmp/dups")"
	fi
	uniq "$tmp/ours.all" >"$tmp/ours"
	checked=""
	for l in libpcap.so libndpi.so libfixbuf.so libxgboost.so libglib-2.0.so \
		libgcrypt.so libc.so.6 libm.so.6; do
		p=$(readlink -f "$(cc -print-file-name="$l")")
		if [ ! -f "$p" ] || ! nm -D --defined-only "$p" >"$tmp/nm" 2>/dev/null; then
			case $l in
			libpcap.so | libndpi.so | libfixbuf.so | libxgboost.so)
				fail "$l not found or not readable by nm (run 'make deps')" ;;
			esac
			continue
		fi
		awk '{ sub(/@.*/, "", $NF); print $NF }' "$tmp/nm" | sort -u >"$tmp/theirs"
		comm -12 "$tmp/ours" "$tmp/theirs" >"$tmp/clash"
		if [ -s "$tmp/clash" ]; then
			fail "global symbols also defined by $p: $(tr '\n' ' ' <"$tmp/clash")"
		fi
		checked="$checked ${l%%.so*}"
	done
	echo "lint: symbols: $(wc -l <"$tmp/ours") globals of$archives checked against$checked"
fi

# ---- informational: formatting ------------------------------------------------------

if command -v clang-format >/dev/null 2>&1 && [ -f .clang-format ]; then
	n=0
	for f in $(find lib src include -name '*.[ch]'); do
		clang-format "$f" | cmp -s - "$f" || n=$((n + 1))
	done
	echo "lint: note: clang-format would change $n file(s) (not an error)"
fi

if [ "$fails" -gt 0 ]; then
	echo "lint: $fails problem(s)"
	exit 1
fi
echo "lint: ok"
