#!/bin/sh
# tests/run.sh -- runs every test of p2ptrace and ends with one line
# "N passed, N failed, N skipped". Exit status 1 if anything failed.
#  1. unit tests (cmocka), in build/ and, unless P2PT_NO_SAN=1, in build/san/
#  2. shell suites tests/<area>/test_*.sh (integration, capture, lab,
#     report, classify), with build/p2ptrace; the integration suites run a
#     second time with the sanitizer binary.
# P2PT_ONLY=PATTERN runs only the suites whose path matches PATTERN.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
RES=$(mktemp /tmp/p2pt-results.XXXXXX)
export ROOT P2PT_RESULTS="$RES"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
SHARED=""
[ -f "$ROOT/../shared/data/pcap/MANIFEST.tsv" ] && SHARED=$(cd "$ROOT/../shared/data/pcap" && pwd)
export SHARED
[ -n "$SHARED" ] || echo "NOTE: ../shared/data/pcap not found: tests over the shared traces are skipped (they print why)"

unit() { # $1 = build dir
	for t in "$1"/tests/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1); rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0}; f=${f:-0}
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; printf '%s\n' "$out" | tail -20; fi
		[ "$f" != 0 ] && printf '%s\n' "$out" | grep -E 'FAILED|ERROR|Error|error' | head -20
		echo "unit $(basename "$t") [$1]: $p passed, $f failed"
		i=0; while [ $i -lt "$p" ]; do echo PASS >>"$RES"; i=$((i+1)); done
		i=0; while [ $i -lt "$f" ]; do echo FAIL >>"$RES"; i=$((i+1)); done
	done
}
suite() { # $1 = script, $2 = binary
	case "$1" in *${P2PT_ONLY:-}*) ;; *) return ;; esac
	d=$(mktemp -d /tmp/p2pt-suite.XXXXXX)
	echo "== $1 ($(basename "$(dirname "$2")")/$(basename "$2"))"
	TMPD=$d P2PTRACE=$2 SUITE=$(basename "$1" .sh) timeout 900 sh "$1" || {
		echo "FAIL $1: suite exited $?"; echo FAIL >>"$RES"; }
	rm -rf "$d"
}
[ -z "${P2PT_ONLY:-}" ] && unit build
[ -z "${P2PT_ONLY:-}" ] && [ "${P2PT_NO_SAN:-0}" != 1 ] && unit build/san
for s in tests/integration/test_*.sh tests/capture/test_*.sh tests/lab/test_*.sh \
	tests/report/test_*.sh tests/classify/test_*.sh tests/fuzz/test_*.sh; do
	[ -f "$s" ] || continue
	suite "$s" "$ROOT/build/p2ptrace"
done
if [ "${P2PT_NO_SAN:-0}" != 1 ]; then
	for s in tests/integration/test_*.sh tests/fuzz/test_*.sh; do
		[ -f "$s" ] || continue
		suite "$s" "$ROOT/build/san/p2ptrace"
	done
fi
P=$(grep -c '^PASS' "$RES"); F=$(grep -c '^FAIL' "$RES"); S=$(grep -c '^SKIP' "$RES")
rm -f "$RES"
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ] && [ "$P" -gt 0 ]
