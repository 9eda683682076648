#!/bin/sh
# demo.sh -- what `make demo` runs: the paper's two experiments end to end.
#
#  1. As root with network namespaces: `p2ptrace lab run` on
#     examples/exp1-flood.lab (Experiment I on GNUnet, the flood-query
#     network that plays Winny's role; exp1-ranks.lab, the same on
#     BitTorrent, stays an example) and examples/exp2-apps.lab, shortened
#     (DEMO_DURATION seconds each, default 180; together under 10 minutes),
#     into demo/exp1 and demo/exp2; analyze's node table of each.
#  2. Otherwise (not root, no namespaces, no lab, or the lab failed) it says
#     why and uses an embedded default that always works: the shared traces
#     in ../shared/data/pcap labeled app=<MANIFEST.tsv's class> (a catalog is
#     written for them), else the repo's own fixture traces.
#  3. `p2ptrace report` -> demo/report.html, and its text summary of the
#     figures (per rank and mode) on stdout.
# Environment: DEMO_OUT (default demo), DEMO_DURATION, DEMO_LAB=0 (skip the
# lab), DEMO_NAME (lab name prefix, default p2pt-demo), P2PTRACE (binary;
# default BUILD/p2ptrace, BUILD as in make).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUT=${DEMO_OUT:-demo}
DUR=${DEMO_DURATION:-180}
P2PTRACE=${P2PTRACE:-$ROOT/${BUILD:-build}/p2ptrace}
[ -x "$P2PTRACE" ] || { echo "demo: $P2PTRACE is not built (run make)"; exit 2; }
mkdir -p "$OUT" || exit 2
say() { echo "demo: $*"; }

why_no_lab() {
	[ "${DEMO_LAB:-1}" != 0 ] || { echo "DEMO_LAB=0 (asked not to run the lab)"; return; }
	[ "$(id -u)" = 0 ] || { echo "not root (the lab needs root for network namespaces)"; return; }
	ns=p2pt-demo-probe$$
	if ! ip netns add "$ns" 2>/dev/null; then echo "cannot create network namespaces here"; return; fi
	ip netns del "$ns"
	[ -f examples/exp1-flood.lab ] || [ -f examples/exp2-apps.lab ] ||
		{ echo "the lab's examples (examples/exp1-flood.lab, exp2-apps.lab) are missing"; return; }
	"$P2PTRACE" lab --help >/dev/null 2>&1 || { echo "'p2ptrace lab' is not available in this build"; return; }
}

lab_run() { # $1 example, $2 out dir, $3 lab name
	rm -rf "$2"
	say "p2ptrace lab run $1 --duration $DUR --out $2"
	# the lab tears itself down; the timeout is a guard, lab down cleans up
	timeout $((DUR + 240)) "$P2PTRACE" lab run "$1" --name "$3" --duration "$DUR" --out "$2" >"$2.log" 2>&1
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$2/catalog.tsv" ]; then
		say "lab run $1 failed (exit $rc); last lines of $2.log:"
		tail -5 "$2.log" 2>/dev/null | sed 's/^/  | /'
		"$P2PTRACE" lab down "$3" >/dev/null 2>&1
		return 1
	fi
	# analyze's node table beside the traces (the report reads the same)
	(cd "$2" && "$P2PTRACE" analyze -q --catalog catalog.tsv --nodes nodes.csv \
		$(awk -F'\t' 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next}{print $h["trace"]}' catalog.tsv)) || return 1
	return 0
}

INPUTS=""
REASON=$(why_no_lab)
if [ -z "$REASON" ]; then
	# Each experiment that runs goes into the report; one that is missing
	# or fails is said and left out.
	for e in 1:exp1-flood 2:exp2-apps; do
		n=${e%%:*} f=examples/${e#*:}.lab
		if [ ! -f "$f" ]; then
			say "$f is missing: Experiment $n left out"
		elif lab_run "$f" "$OUT/exp$n" "${DEMO_NAME:-p2pt-demo}$n"; then
			INPUTS="$INPUTS $OUT/exp$n"
		fi
	done
	TITLE="p2ptrace demo: the paper's experiments in a namespace lab"
	[ -n "$INPUTS" ] || REASON="the lab runs failed (see $OUT/exp*.log)"
fi

if [ -z "$INPUTS" ]; then
	say "no lab run: $REASON"
	SH="$ROOT/../shared/data/pcap"
	if [ -f "$SH/MANIFEST.tsv" ]; then
		SH=$(cd "$SH" && pwd)
		D="$OUT/shared"
		mkdir -p "$D"
		# A catalog for the shared traces: node = file name, app = class;
		# traces the engine cannot read (link types it does not decode)
		# are left out and said.
		printf 'node\taddr\tlabels\ttrace\n' >"$D/catalog.tsv"
		: >"$D/left-out.txt"
		awk -F'\t' 'NR>1 && $1!="" {print $1 "\t" $8}' "$SH/MANIFEST.tsv" |
		while IFS='	' read -r file class; do
			if err=$("$P2PTRACE" analyze -q "$SH/$file" 2>&1 >/dev/null); then
				printf '%s\t\tapp=%s;source=ndpi-corpus\t%s\n' \
					"${file%.*}" "$class" "$SH/$file" >>"$D/catalog.tsv"
			else
				echo "$err" | head -1 >>"$D/left-out.txt"
			fi
		done
		say "using the embedded default: $(($(wc -l <"$D/catalog.tsv") - 1)) shared traces from $SH,"
		[ -s "$D/left-out.txt" ] &&
			say "$(wc -l <"$D/left-out.txt") left out (the engine cannot read them; $D/left-out.txt), e.g.: $(head -1 "$D/left-out.txt")"
		say "labeled app=<class> from MANIFEST.tsv (Figures 2-4 need rank/mode labels, which these traces do not have)"
		INPUTS="$D"
		TITLE="p2ptrace demo: packet sizes of the shared traces (no lab run)"
	else
		say "using the embedded default: the repo's fixture traces (tests/fixtures/report, synthetic)"
		INPUTS="$ROOT/tests/fixtures/report"
		TITLE="p2ptrace demo: the synthetic fixture traces (no lab run)"
	fi
fi

INPUTS=${INPUTS# }
say "p2ptrace report -o $OUT/report.html --figures $OUT/figures $INPUTS"
# shellcheck disable=SC2086
"$P2PTRACE" report -o "$OUT/report.html" --figures "$OUT/figures" --title "$TITLE" $INPUTS || exit 1
if [ -n "$REASON" ] && [ "$INPUTS" != "$ROOT/tests/fixtures/report" ]; then
	# Figures 2-4 need rank and mode labels: show them on the synthetic
	# fixture too, in a page of its own (not mixed with real traces).
	"$P2PTRACE" report -q -o "$OUT/fixture-report.html" \
		--title "p2ptrace demo: Figures 2-4 on the synthetic fixture traces" \
		"$ROOT/tests/fixtures/report" &&
		say "Figures 2-4 on synthetic ranks and modes: $OUT/fixture-report.html"
fi
echo
echo "Open $(cd "$OUT" && pwd)/report.html in a browser."
