#!/bin/sh
# test_demo.sh -- scripts/demo.sh (what `make demo` runs):
#  - without the lab (DEMO_LAB=0): it says why, builds demo/report.html from
#    the embedded default (the shared traces, labeled by MANIFEST.tsv's class,
#    else the repo's fixture), every figure is there, the table equals
#    analyze's on the same traces, and the summary names the report;
#  - as root with namespaces: a short lab run of both examples (20 s each),
#    whose report table equals analyze's node table of each experiment and
#    whose Figs. 2-3 have a download and a query point at each of the 8
#    ranks. The labs are torn down (trap), also on failure.
. "$(dirname "$0")/../lib.sh"
CHK="python3 $ROOT/tests/report/reportcheck.py"
command -v python3 >/dev/null 2>&1 || { skip "demo" "python3 not installed"; exit 0; }

# ---- the embedded default -------------------------------------------------------
D="$TMPD/d1"
DEMO_LAB=0 DEMO_OUT="$D" P2PTRACE="$P2PTRACE" sh "$ROOT/scripts/demo.sh" >"$TMPD/d1.out" 2>&1
expect_eq "demo without the lab exits 0" "$?" 0
check "demo says why there is no lab run" grep -q '^demo: no lab run: DEMO_LAB=0' "$TMPD/d1.out"
check "demo/report.html: every figure" $CHK figs "$D/report.html"
check "demo prints the report's path" grep -q "^report: $D/report.html (" "$TMPD/d1.out"
if [ -n "$SHARED" ]; then
	n=$(awk -F'\t' 'NR>1 && $1!=""' "$SHARED/MANIFEST.tsv" | wc -l)
	left=$(wc -l <"$D/shared/left-out.txt" 2>/dev/null || echo 0)
	check "demo: one node per readable shared trace ($n - $left left out)" \
		grep -q "^report: $D/report.html ($((n - left)) nodes)" "$TMPD/d1.out"
	( cd "$D/shared" && "$P2PTRACE" analyze -q --catalog catalog.tsv --nodes "$TMPD/shared.csv" \
		$(awk -F'\t' 'NR>1{print $4}' catalog.tsv) ) 2>"$TMPD/an.err"
	check "demo (shared traces): table = analyze --nodes" $CHK vs-analyze "$D/report.html" "$TMPD/shared.csv"
	check "demo: Fig. 5 groups are MANIFEST's classes" sh -c "grep -A12 '^Fig. 5 ' '$TMPD/d1.out' | grep -qE '^  bittorrent +0\\.0'"
	check "demo: Figs. 2-4 on the synthetic fixture" $CHK figs "$D/fixture-report.html"
else
	check "demo: the fixture's 22 nodes" grep -q "^report: $D/report.html (22 nodes)" "$TMPD/d1.out"
fi

# ---- the lab ------------------------------------------------------------------
why=$(need_root_netns) || { skip "demo with a lab run" "$why"; exit 0; }
[ -f "$ROOT/examples/exp1-flood.lab" ] || { skip "demo with a lab run" "examples/exp1-flood.lab missing"; exit 0; }
command -v gnunet-arm >/dev/null || { skip "demo with a lab run" "gnunet missing (make deps): Experiment I runs on GNUnet"; exit 0; }
"$P2PTRACE" lab --help >/dev/null 2>&1 || { skip "demo with a lab run" "p2ptrace lab not built"; exit 0; }
NAME=rd$$
D="$TMPD/d2"
trap '"$P2PTRACE" lab down ${NAME}1 ${NAME}2 >/dev/null 2>&1' EXIT INT TERM
DEMO_DURATION=20 DEMO_NAME=$NAME DEMO_OUT="$D" P2PTRACE="$P2PTRACE" sh "$ROOT/scripts/demo.sh" >"$TMPD/d2.out" 2>&1
expect_eq "demo with the lab exits 0" "$?" 0
if grep -q '^demo: no lab run' "$TMPD/d2.out"; then
	not_ok "demo ran the lab" "$(grep -A3 '^demo: no lab run\|failed' "$TMPD/d2.out" | head -5 | tr '\n' ' ')"
else
	ok "demo ran the lab"
fi
for e in exp1 exp2; do
	if [ -s "$D/$e/nodes.csv" ]; then
		check "demo $e: report table = analyze --nodes" $CHK vs-analyze "$D/report.html" "$D/$e/nodes.csv" $e
	else
		skip "demo $e: report table = analyze --nodes" "no $e output (see $D/$e.log)"
	fi
done
check "demo: every figure" $CHK figs "$D/report.html"
for m in download query; do
	for f in fig2 fig3; do
		c=$(awk -v id="<figure id=\"$f\">" 'index($0, id){on=1} on{print} on && /<\/figure>/{exit}' "$D/report.html" |
			grep -o "data-series=\"$m\" data-x=\"[0-9.]*\"" | sort -u | wc -l)
		expect_eq "demo $f: $m points at the 8 ranks" "$c" 8
	done
done
check "demo summary: fig2 row for rank 819.2" grep -qE '^  819\.2 +[0-9]' "$TMPD/d2.out"
"$P2PTRACE" lab down ${NAME}1 ${NAME}2 >/dev/null 2>&1
check "demo: no namespace of its labs left" sh -c "! ip netns list | grep -q '$NAME'"
