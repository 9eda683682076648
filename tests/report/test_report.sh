#!/bin/sh
# test_report.sh -- `p2ptrace report` on the fixed fixture set
# (tests/fixtures/report: 22 synthetic traces + catalog.tsv, made by gen.py):
#  - the fixture is what gen.py makes, and its packet/byte/conversation
#    counts agree with tshark (an independent reader);
#  - every cell of the report's node tables equals `p2ptrace analyze
#    --nodes` on the same traces; every figure point is the mean/error of
#    its group recomputed from analyze's raw counts;
#  - the same table from the three kinds of input (folder, traces +
#    --catalog, analyze's nodes CSV);
#  - every figure is there (id, one <svg>, axis labels, caption), also in
#    the DOM of headless Chromium, whose screenshot is not blank;
#  - missing labels give notes in place; bad input gives one line on
#    stderr, a non-zero exit and no report file (an old one is kept).
. "$(dirname "$0")/../lib.sh"
FIX="$ROOT/tests/fixtures/report"
CHK="python3 $ROOT/tests/report/reportcheck.py"
R="$TMPD/r"
mkdir -p "$R"
trap 'rm -rf "$R"' EXIT INT TERM

# ---- the fixture ---------------------------------------------------------
if command -v python3 >/dev/null 2>&1; then
	python3 "$FIX/gen.py" "$TMPD/regen" >/dev/null 2>&1
	diff -r "$TMPD/regen" "$FIX" -x README.md -x gen.py -x '__pycache__' >"$TMPD/diff" 2>&1
	check "fixture is what gen.py makes" test ! -s "$TMPD/diff"
else
	skip "fixture is what gen.py makes" "python3 not installed"
	echo "SKIP: python3 is needed by every check below"; exit 0
fi

# analyze on the fixture's traces, in catalog order, with the catalog
( cd "$FIX" && "$P2PTRACE" analyze -q --catalog catalog.tsv --nodes "$R/nodes.csv" \
	$(awk -F'\t' 'NR>1{print $10}' catalog.tsv) ) 2>"$R/an.err"
check "analyze --nodes on the fixture" test -s "$R/nodes.csv"

# independent counts: gen.py's own (catalog packets/bytes) and tshark's
col() { awk -F, -v n="$1" -v c="$2" 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $1==n{print $h[c]}' "$R/nodes.csv"; }
bad=""
while IFS='	' read -r node _ns _a _p _l _u _d _s _e trace pk by _dr; do
	[ "$node" = node ] && continue
	[ "$(col "$node" pkts)/$(col "$node" bytes)" = "$pk/$by" ] || bad="$bad $node"
done <"$FIX/catalog.tsv"
expect_eq "analyze counts = gen.py's counts (22 nodes)" "$bad" ""
if command -v tshark >/dev/null 2>&1; then
	bad=""
	for n in n01 n04 n09 n14 n17 n19 n21 n22; do
		f=$(ls "$FIX"/traces/$n.*)
		t=$(tshark -r "$f" -T fields -e frame.len 2>/dev/null | awk '{c++;s+=$1}END{print c"/"s}')
		cv=$(tshark -r "$f" -q -z conv,tcp -z conv,udp 2>/dev/null | grep -c '<->')
		[ "$t/$cv" = "$(col $n pkts)/$(col $n bytes)/$(col $n flows)" ] || bad="$bad $n(tshark $t/$cv)"
	done
	expect_eq "packets, bytes, conversations = tshark's (8 nodes)" "$bad" ""
else
	skip "packets, bytes, conversations = tshark's" "tshark not installed"
fi

# ---- the report from the folder --------------------------------------------
"$P2PTRACE" report -o "$R/r.html" --figures "$R/figs" "$FIX" >"$R/out" 2>"$R/err"
expect_eq "report exits 0" "$?" 0
check "report table = analyze --nodes, cell by cell" $CHK vs-analyze "$R/r.html" "$R/nodes.csv"
check "every figure: id, one <svg>, axis labels, caption" $CHK figs "$R/r.html"
check "figure points = group mean/sd from analyze's counts" $CHK means "$R/r.html" "$R/nodes.csv" rank mode app sd
check "--figures: five SVG documents" $CHK svgfiles "$R/figs"
check "no script, no external fetch in the page" sh -c "! grep -qiE '<script|src=\"http|href=\"http|@import|url\\(' '$R/r.html'"
check "summary names the report" grep -q "report: $R/r.html (22 nodes)" "$R/out"
# the fixture's designed effects, as the summary states them
check "summary: fig2 download row at rank 409.6" grep -qE '^  409\.6 +0\.675 ' "$R/out"
check "observations: 4 paper claims + 2, each with a verdict" \
	sh -c "[ \$(grep -cE '^    ours \\((agrees|partly agrees|disagrees|cannot check)\\)' '$R/out') = 6 ]"
check "observation: download opens more conversations (agrees)" \
	grep -q 'ours (agrees): download 0.525 conv/s (mean of 8 nodes) vs query 0.4063 conv/s' "$R/out"
check "observation: ssh breaks the 40-79/1280-2559 peaks (partly)" \
	sh -c "grep -A1 'peak at 40-79' '$R/out' | grep -q 'partly agrees.*ssh: 40-79 12.3%'"
check "legend says what the bars are (std)" grep -q 'bars: ± 1 std. deviation' "$R/r.html"

# ---- the same table from traces + --catalog and from the nodes CSV -----------
( cd "$FIX" && "$P2PTRACE" report -q -o "$R/t.html" --catalog catalog.tsv traces/*.pcap traces/*.pcapng ) 2>"$R/err"
check "traces + --catalog: same cells as analyze" $CHK vs-analyze "$R/t.html" "$R/nodes.csv"
"$P2PTRACE" report -q -o "$R/c.html" --ci95 "$R/nodes.csv" 2>"$R/err"
check "nodes CSV input: same cells as analyze" $CHK vs-analyze "$R/c.html" "$R/nodes.csv"
check "--ci95: points are the 95% interval" $CHK means "$R/c.html" "$R/nodes.csv" rank mode app ci95
check "--ci95: legend says so" grep -q 'bars: 95% CI of the mean' "$R/c.html"
( cd "$FIX" && "$P2PTRACE" analyze -q --json --catalog catalog.tsv --nodes "$R/nodes.json" \
	$(awk -F'\t' 'NR>1{print $10}' catalog.tsv) ) 2>>"$R/an.err"
"$P2PTRACE" report -q -o "$R/j.html" "$R/nodes.json" 2>"$R/err"
check "nodes JSON lines input: same cells as analyze" $CHK vs-analyze "$R/j.html" "$R/nodes.csv"
"$P2PTRACE" report -q -o "$R/g.html" --group app,mode --x rank --series app "$R/nodes.csv" 2>"$R/err"
check "--group app,mode: groups such as bittorrent/download" $CHK means "$R/g.html" "$R/nodes.csv" rank app app,mode sd

# pcapng files labeled in their section (as capture writes them), no catalog
"$P2PTRACE" report -q -o "$R/p.html" "$FIX/traces/n01.pcapng" "$FIX/traces/n03.pcapng" 2>"$R/err"
$CHK table "$R/p.html" >"$R/p.tab"
check "pcapng labels without a catalog" sh -c "grep -q '^n01	label:mode	download' '$R/p.tab' && grep -q '^n03	label:rank	6.4' '$R/p.tab' && grep -q '^n03	pkts	54' '$R/p.tab'"

# ---- labels missing: notes in place ----------------------------------------
mkdir -p "$R/e2/traces"
awk -F'\t' 'NR==1 || $5 !~ /rank=/' "$FIX/catalog.tsv" >"$R/e2/catalog.tsv"
for t in $(awk -F'\t' 'NR>1{print $10}' "$R/e2/catalog.tsv"); do cp "$FIX/$t" "$R/e2/$t"; done
"$P2PTRACE" report -q -o "$R/e2.html" "$R/e2" 2>"$R/err"
expect_eq "no rank label: report still made" "$?" 0
check "no rank label: figures still there" $CHK figs "$R/e2.html"
$CHK figs "$R/e2.html" >"$R/e2.figs"
check "no rank label: fig2-4 say why in place" sh -c "[ \$(grep -c \"^fig[234]: .*note=.No node carries the label 'rank'\" '$R/e2.figs') = 3 ]"
check "no rank label: fig5 has no note" grep -q "^fig5: .*note=''" "$R/e2.figs"

# a tracker at rank=0 and a seed: rank 0 cannot sit on the log axis
mkdir -p "$R/trk" && cp -r "$FIX/traces" "$R/trk/"
awk -F'\t' 'BEGIN{OFS="\t"} NR==2{$5="app=bittorrent;mode=tracker;rank=0"} NR==3{$5="app=bittorrent;mode=seed;rank=2048"} {print}' \
	"$FIX/catalog.tsv" >"$R/trk/catalog.tsv"
"$P2PTRACE" report -q -o "$R/trk.html" "$R/trk" 2>"$R/err"
check "rank 0: left off the log axis, said in the caption" grep -q '1 with rank &lt;= 0 not shown (log axis)' "$R/trk.html"
check "rank 0: no point at x=0, a seed point at 2048" sh -c "! grep -q 'data-x=\"0\"' '$R/trk.html' && grep -q 'data-series=\"seed\" data-x=\"2048\"' '$R/trk.html'"

# ---- bad input --------------------------------------------------------------
# $1 name, $2 expected text in the message, rest: report arguments
bad_case() {
	name=$1 want=$2; shift 2
	rm -f "$R/bad.html"; echo old >"$R/keep.html"
	"$P2PTRACE" report -q -o "$R/bad.html" "$@" >/dev/null 2>"$R/bad.err"; rc=$?
	"$P2PTRACE" report -q -o "$R/keep.html" "$@" >/dev/null 2>&1
	if [ "$rc" = 0 ]; then not_ok "$name" "exit 0"
	elif [ "$(wc -l <"$R/bad.err")" != 1 ]; then not_ok "$name" "not one line: $(cat "$R/bad.err")"
	elif ! grep -q "^p2ptrace: .*$want" "$R/bad.err"; then not_ok "$name" "message: $(cat "$R/bad.err")"
	elif [ -e "$R/bad.html" ] || ls "$R" | grep -q '\.tmp\.'; then not_ok "$name" "a report file was left"
	elif [ "$(cat "$R/keep.html")" != old ]; then not_ok "$name" "an existing report was overwritten"
	else ok "$name"; fi
}
mkdir -p "$R/nocat" && cp "$FIX/traces/n01.pcapng" "$R/nocat/"
bad_case "bad: folder without catalog" "no catalog.tsv" "$R/nocat"
mkdir -p "$R/miss" && cp -r "$FIX/catalog.tsv" "$FIX/traces" "$R/miss/" && rm "$R/miss/traces/n07.pcapng"
bad_case "bad: catalog names a missing trace" "node n07: trace 'traces/n07.pcapng' is missing" "$R/miss"
bad_case "bad: trace without catalog or labels" "no catalog" "$FIX/traces/n02.pcap"
printf 'node\taddr\tlabels\ttrace\nx\t\tapp=a\ttraces/x.pcap\n' >"$R/other.tsv"
bad_case "bad: trace not in the catalog" "not in catalog" --catalog "$R/other.tsv" "$FIX/traces/n02.pcap"
bad_case "bad: --x label nobody has" "no node carries the label 'speed'" --x speed "$FIX"
bad_case "bad: --group label nobody has" "no node carries the label 'os'" --group app,os "$FIX"
bad_case "bad: input does not exist" "no such file" "$R/nope"
cp "$FIX/traces/n07.pcapng" "$R/miss/traces/n07.pcapng"
printf 'not a capture file at all\n' >"$R/miss/traces/n09.pcapng"
bad_case "bad: a trace that is not a capture" "n09.pcapng" "$R/miss"
bad_case "bad: -o names a folder" "is a folder" -o "$R" "$FIX"
printf '{"node":"n1","labels":"app=x","addr":"","pkts":12\n' >"$R/cut.json"
bad_case "bad: nodes JSON cut short" "cut.json:1: not a flat JSON object" "$R/cut.json"
printf 'node,labels,addr,pkts\nn1,app=x,,12\n' >"$R/short.csv"
bad_case "bad: nodes CSV without the columns" "no column" "$R/short.csv"

# ---- headless Chromium ---------------------------------------------------------
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	skip "chromium renders the page" "chromium not installed"
	skip "chromium DOM holds every figure" "chromium not installed"
else
	chrome() {
		u=$(mktemp -d "$TMPD/chr.XXXXXX")
		timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$u" "$@" 2>>"$R/chrome.err"
		rc=$?; rm -rf "$u"; return $rc
	}
	chrome --screenshot="$R/shot.png" --window-size=1280,2000 "file://$R/r.html" >/dev/null
	if [ -s "$R/shot.png" ]; then
		check "chromium screenshot is not blank" $CHK png "$R/shot.png"
	else
		not_ok "chromium screenshot is not blank" "no screenshot: $(tail -2 "$R/chrome.err")"
	fi
	chrome --dump-dom "file://$R/r.html" >"$R/dom.html"
	check "chromium DOM holds every figure with its axis labels" $CHK figs "$R/dom.html"
fi
