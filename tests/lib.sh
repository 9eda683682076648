# tests/lib.sh -- sourced by every shell test suite (tests/*/test_*.sh).
# A suite reports each case with ok/not_ok/skip; tests/run.sh adds them up.
#   ok NAME                 the case passed
#   not_ok NAME WHY         the case failed (WHY is printed)
#   skip NAME WHY           the case could not run here (WHY is printed)
#   check NAME CMD...       ok if CMD exits 0, else not_ok
#   expect_eq NAME GOT WANT ok if the two strings are equal
# Environment: P2PTRACE (binary under test), ROOT (repo), SHARED (shared
# pcap folder, empty when absent), P2PT_RESULTS (the tally file), TMPD (a
# scratch folder of the suite, removed by the runner).
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${P2PTRACE:=$ROOT/build/p2ptrace}"
: "${P2PT_RESULTS:=/dev/null}"
if [ -z "${SHARED+x}" ]; then
	SHARED=""
	[ -f "$ROOT/../shared/data/pcap/MANIFEST.tsv" ] && SHARED=$(cd "$ROOT/../shared/data/pcap" && pwd)
fi
: "${TMPD:=$(mktemp -d /tmp/p2pt-test.XXXXXX)}"
SUITE=${SUITE:-$(basename "$0" .sh)}
ok() { echo "PASS $SUITE: $1"; echo "PASS" >>"$P2PT_RESULTS"; }
not_ok() { echo "FAIL $SUITE: $1: $2"; echo "FAIL" >>"$P2PT_RESULTS"; }
skip() { echo "SKIP $SUITE: $1: $2"; echo "SKIP" >>"$P2PT_RESULTS"; }
check() { _n=$1; shift; if "$@" >"$TMPD/check.out" 2>&1; then ok "$_n"; else not_ok "$_n" "$(tail -3 "$TMPD/check.out" | tr '\n' ' ')"; fi; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }
need_root_netns() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	ip netns add p2pt-probe$$ 2>/dev/null || { echo "cannot create network namespaces"; return 1; }
	ip netns del p2pt-probe$$
	return 0
}
