#!/bin/sh
# bench_ml.sh -- `make bench-ml`: the figures of issue 6 (classify).
#  1. the shared nDPI corpus (../shared/data/pcap, labels from .ndpi.out,
#     DPI-confidence flows only), classes bittorrent, gnutella, edonkey,
#     p2p-other, web, other; stratified group 5-fold by trace FILE, and
#     again by file SEGMENT (each file cut into 4 time segments, each a
#     group: needed because bittorrent and gnutella flows are nearly all in
#     one file each, and edonkey has one flow); model vs port, Karagiannis
#     (ptp) and size-bin baselines, per-class F1, early N = 1..10;
#  2. lab traces (exp2 apps by node, exp1 working mode per node window)
#     when `p2ptrace lab` can run here (root + network namespaces), else
#     the reason they were skipped;
#  3. prediction speed: flows/s, and analyze's packets/s with and without
#     --model on the analyze benchmark's input (or the largest shared
#     trace when that input is absent).
# A benchmark: prints figures and whether each target is met, exits 0;
# 1 only when it cannot run at all.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
P=${P2PTRACE:-$ROOT/$BUILD/p2ptrace}
S=${SHARED:-$ROOT/../shared/data/pcap}
OUT=${BENCH_ML_DIR:-/tmp/p2ptrace-bench-ml}
LABDUR=${LABDUR:-60}
[ -x "$P" ] || { echo "bench-ml: $P not found (make)"; exit 1; }
command -v python3 >/dev/null || { echo "bench-ml: python3 needed to read the JSON"; exit 1; }
mkdir -p "$OUT"

show() { # JSON TITLE [shared]
	python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); t = sys.argv[2]; shared = sys.argv[3] == "shared"
m = j["model"]; b = j.get("baselines", {})
print("== %s (%d rows, split: %s by %s, %d folds, groups on both sides: %d)" % (
    t, m["rows"], j["split"]["kind"], j["split"]["by"], j["split"]["folds"],
    j["split"]["groups_on_both_sides"]))
print("   %-22s macro-F1 %.4f  accuracy %.4f" % ("model", m["macro_f1"], m["accuracy"]))
if "node_vote" in j:
    v = j["node_vote"]
    print("   %-22s macro-F1 %.4f  accuracy %.4f  (%d files/nodes: each gets the class most of its flows got)" % ("model, vote per node", v["macro_f1"], v["accuracy"], v["rows"]))
for k in ("port", "ptp", "size_bins"):
    if k in b:
        print("   %-22s macro-F1 %.4f  accuracy %.4f" % ("baseline " + k, b[k]["macro_f1"], b[k]["accuracy"]))
print("   per class F1 (support):  " + "  ".join("%s %.3f (%d)" % (c, v["f1"], v["support"]) for c, v in m["per_class"].items()))
if j["early"]:
    print("   early macro-F1, first N packets: " + " ".join("%s:%.3f" % (k, v) for k, v in j["early"].items()))
big = [c for c, v in m["per_class"].items() if v["support"] >= 10]
if len(big) < len(m["per_class"]):
    mf = sum(m["per_class"][c]["f1"] for c in big) / len(big)
    print("   (macro-F1 over the %d classes with >= 10 test flows: %.4f; left out: %s)" % (
        len(big), mf, ", ".join(c for c in m["per_class"] if c not in big)))
if "port" in b and shared:
    ok1 = m["macro_f1"] >= 0.85; ok2 = m["macro_f1"] >= b["port"]["macro_f1"] + 0.15
    print("   target macro-F1 >= 0.85: %s;  >= port + 0.15 (%.4f): %s" % (
        "MET" if ok1 else "NOT MET", b["port"]["macro_f1"] + 0.15, "MET" if ok2 else "NOT MET"))
print("   prediction speed: %.0f flows/s (one core, forest evaluator)" % j["prediction_flows_per_s"])
PY
}

# ---- 1. shared corpus -------------------------------------------------------
if [ -f "$S/MANIFEST.tsv" ]; then
	set -- "$S"/*.pcap "$S"/*.pcapng
	echo "shared corpus: $# trace files in $S"
	"$P" classify eval --kfold 5 --json "$@" >"$OUT/shared-file.json" 2>"$OUT/err" &&
		show "$OUT/shared-file.json" "shared corpus, 5-fold by file" shared ||
		{ echo "bench-ml: eval failed:"; cat "$OUT/err"; }
	"$P" classify eval --kfold 5 --segments 4 --json "$@" >"$OUT/shared-seg.json" 2>"$OUT/err" &&
		show "$OUT/shared-seg.json" "shared corpus, 5-fold by file segment (4 per file)" shared ||
		{ echo "bench-ml: eval failed:"; cat "$OUT/err"; }
	"$P" classify eval --kfold 5 --segments 4 --no-early --drop-features host_ --json "$@" >"$OUT/shared-seg-nohost.json" 2>"$OUT/err" &&
		show "$OUT/shared-seg-nohost.json" "ablation: as above without the host (Karagiannis) features" shared ||
		{ echo "bench-ml: eval failed:"; cat "$OUT/err"; }
else
	echo "shared corpus: skipped ($S/MANIFEST.tsv not found)"
fi

# ---- 2. lab traces ------------------------------------------------------------
lab_skip=""
[ "$(id -u)" = 0 ] || lab_skip="needs root"
if [ -z "$lab_skip" ]; then
	ip netns add p2pt-mlprobe$$ 2>/dev/null && ip netns del p2pt-mlprobe$$ || lab_skip="cannot create network namespaces"
fi
[ -z "$lab_skip" ] && [ ! -f examples/exp2-apps.lab ] && lab_skip="examples/exp2-apps.lab not found"
if [ -z "$lab_skip" ]; then
	for e in exp2-apps exp1-ranks; do
		if [ ! -f "$OUT/$e/catalog.tsv" ]; then
			rm -rf "$OUT/$e"
			echo "lab: p2ptrace lab run examples/$e.lab --duration $LABDUR --out $OUT/$e"
			"$P" lab run "examples/$e.lab" --name "mlb$$${e%%-*}" --duration "$LABDUR" --out "$OUT/$e" >"$OUT/$e.log" 2>&1 ||
				{ echo "lab: $e failed: $(tail -3 "$OUT/$e.log" | tr '\n' ' ')"; continue; }
		fi
	done
	if [ -f "$OUT/exp2-apps/catalog.tsv" ]; then
		n=$(($(wc -l <"$OUT/exp2-apps/catalog.tsv") - 1))
		k=5; [ "$n" -lt 5 ] && k=$n
		"$P" classify eval --kfold "$k" --json "$OUT/exp2-apps" >"$OUT/exp2.json" 2>"$OUT/err" &&
			show "$OUT/exp2.json" "lab exp2, applications, $k-fold by node" &&
			python3 -c "import json,sys; j=json.load(open(sys.argv[1])); v=j['model']['macro_f1']; print('   target app macro-F1 >= 0.95 by node: %s (%.4f)' % ('MET' if v >= 0.95 else 'NOT MET', v))" "$OUT/exp2.json" ||
			echo "lab exp2: eval failed: $(cat "$OUT/err")"
		"$P" classify eval --kfold "$k" --min-pkts 3 --no-early --json "$OUT/exp2-apps" >"$OUT/exp2-3.json" 2>"$OUT/err" &&
			show "$OUT/exp2-3.json" "lab exp2, flows of >= 3 packets only (the rest: RST storms at lab stop)" ||
			echo "lab exp2: eval failed: $(cat "$OUT/err")"
	fi
	if [ -f "$OUT/exp1-ranks/catalog.tsv" ]; then
		"$P" classify eval --kfold 5 --windows --window 10 --label-key mode --classes download,query --json "$OUT/exp1-ranks" >"$OUT/exp1.json" 2>"$OUT/err" &&
			show "$OUT/exp1.json" "lab exp1, working mode per 10 s node window, 5-fold by node" &&
			python3 -c "import json,sys; j=json.load(open(sys.argv[1])); v=j['model']['accuracy']; print('   target working-mode accuracy >= 0.95: %s (%.4f)' % ('MET' if v >= 0.95 else 'NOT MET', v))" "$OUT/exp1.json" ||
			echo "lab exp1: eval failed: $(cat "$OUT/err")"
	fi
else
	echo "lab traces: skipped ($lab_skip): exp2 app and exp1 working-mode targets not measured"
fi

# ---- 3. speed ---------------------------------------------------------------------
IN=/tmp/p2ptrace-bench/bench-input.pcap
[ -f "$IN" ] || IN=$S/bittorrent_transmission.pcapng
if [ -f "$S/MANIFEST.tsv" ] && [ -f "$IN" ]; then
	"$P" classify train --model "$OUT/shared.json" "$S"/*.pcap "$S"/*.pcapng 2>/dev/null
	pk=$("$P" analyze -q --nodes - "$IN" 2>/dev/null | awk -F, 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "pkts") c = i; next } { s += $c } END { print s }')
	best() { # 5 runs: the least user+sys CPU seconds and the least wall seconds
		bc=999999; bw=999999
		for i in 1 2 3 4 5; do
			/usr/bin/time -f "%U %S %e" -o "$OUT/time" "$@" >/dev/null 2>&1
			read -r u sy w <"$OUT/time"
			bc=$(echo "$u $sy $bc" | awk '{ c = $1 + $2; print (c < $3) ? c : $3 }')
			bw=$(echo "$w $bw" | awk '{ print ($1 < $2) ? $1 : $2 }')
		done
		echo "$bc $bw"
	}
	set -- $(best "$P" analyze -q --flows /dev/null "$IN"); c0=$1; w0=$2
	set -- $(best "$P" analyze -q --flows /dev/null --fine-bins --model "$OUT/shared.json" "$IN"); c1=$1; w1=$2
	fl=$("$P" analyze -q --flows - "$IN" 2>/dev/null | tail -n +2 | wc -l)
	set -- $(best "$P" classify predict --model "$OUT/shared.json" "$IN"); cp=$1
	echo "== speed on $IN ($pk packets, $fl flows; least of 5 runs, CPU = user + sys seconds)"
	awk -v p="$pk" -v f="$fl" -v a="$c0" -v b="$c1" -v wa="$w0" -v wb="$w1" -v c="$cp" 'BEGIN {
		printf "   analyze                      CPU %.2f s  %.0f packets/s  (wall %.2f s)\n", a, p / a, wa
		printf "   analyze --fine-bins --model  CPU %.2f s  %.0f packets/s  (wall %.2f s)\n", b, p / b, wb
		printf "   packets/s lower by %.1f%% with the model (target <= 20%%: %s); model cost %.2f us per flow\n", 100 * (1 - a / b), (1 - a / b) <= 0.20 ? "MET" : "NOT MET", 1e6 * (b - a) / f
		printf "   classify predict             CPU %.2f s  %.0f flows/s end to end (read, features, model, CSV)\n", c, f / c }'
else
	echo "speed: skipped (no input trace)"
fi
exit 0
