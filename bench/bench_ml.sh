#!/bin/sh
# bench_ml.sh -- `make bench-ml`: the figures of issue 6 (classify).
#  1. the shared nDPI corpus (../shared/data/pcap, labels from .ndpi.out,
#     DPI-confidence flows only), classes bittorrent, gnutella, edonkey,
#     p2p-other, web, other; stratified group 5-fold by trace FILE, and
#     again by file SEGMENT (each file cut into 4 time segments, each a
#     group: needed because bittorrent and gnutella flows are nearly all in
#     one file each, and edonkey has one flow); model vs port, Karagiannis
#     (ptp) and size-bin baselines, per-class F1, early N = 1..10;
#     the headline is by FILE; a second, labeled figure averages only the
#     classes that split can evaluate (every fold testing them keeps >= 25 %
#     of their flows for training);
#  2. lab traces (exp2 apps, LABRUNS runs of LABDUR s, 5-fold by node and
#     train on one run / test on another; per flow, per flow of >= 3
#     packets, per node; exp1 working mode per node window) when
#     `p2ptrace lab` can run here (root + network namespaces), else the
#     reason they were skipped. EXP2_DIRS="DIR DIR" uses existing runs;
#  3. prediction speed: flows/s, and analyze's packets/s with and without
#     --model (full and --compact) on the analyze benchmark's input (or the
#     largest shared trace when that input is absent); packets/s (wall) and
#     CPU seconds, as medians of paired runs, and instruction counts from
#     callgrind when valgrind is installed (they do not depend on the load
#     of a shared machine).
# A benchmark: prints figures and whether each target is met, exits 0;
# 1 only when it cannot run at all.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
P=${P2PTRACE:-$ROOT/$BUILD/p2ptrace}
S=${SHARED:-$ROOT/../shared/data/pcap}
OUT=${BENCH_ML_DIR:-/tmp/p2ptrace-bench-ml}
LABDUR=${LABDUR:-240}
LABRUNS=${LABRUNS:-2}
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
if "model_min_pkts" in j:
    v = j["model_min_pkts"]
    print("   %-22s macro-F1 %.4f  accuracy %.4f  (%d flows of >= %d packets)" % ("model, flows >= %d pkts" % j["node_min_pkts"], v["macro_f1"], v["accuracy"], v["rows"], j["node_min_pkts"]))
if "node_vote" in j:
    v = j["node_vote"]
    print("   %-22s macro-F1 %.4f  accuracy %.4f  (%d files/nodes: each gets the class most of its flows got)" % ("model, vote per node", v["macro_f1"], v["accuracy"], v["rows"]))
if "node" in j:
    v = j["node"]
    ok = sum(v["confusion"]["matrix"][i][i] for i in range(len(v["confusion"]["classes"])))
    print("   %-22s macro-F1 %.4f  accuracy %.4f  (%d/%d files/nodes right: largest mean probability over flows of >= %d packets)" % ("model, per node", v["macro_f1"], v["accuracy"], ok, v["rows"], j["node_min_pkts"]))
for k in ("port", "ptp", "size_bins"):
    if k in b:
        print("   %-22s macro-F1 %.4f  accuracy %.4f" % ("baseline " + k, b[k]["macro_f1"], b[k]["accuracy"]))
print("   per class F1 (support):  " + "  ".join("%s %.3f (%d)" % (c, v["f1"], v["support"]) for c, v in m["per_class"].items()))
if j["early"]:
    print("   early macro-F1, first N packets: " + " ".join("%s:%.3f" % (k, v) for k, v in j["early"].items()))
print("   classes present: " + ", ".join("%s (%d rows)" % (c, v["support"]) for c, v in m["per_class"].items() if v["support"]))
e = j.get("evaluable")
if e and len(e["classes"]) < len(j["classes"]) and "port_macro_f1" in e:
    print("   SECOND FIGURE, only the %d classes this split can evaluate (%s; left out, share of their flows in training when tested: %s):" % (
        len(e["classes"]), ", ".join(e["classes"]),
        ", ".join("%s %.2f" % (c, v) for c, v in e["train_share"].items() if c not in e["classes"])))
    print("     macro-F1 model %.4f  port %.4f  ptp %.4f  size_bins %.4f" % (
        e["model_macro_f1"], e["port_macro_f1"], e["ptp_macro_f1"], e["size_bins_macro_f1"]))
if "port" in b and shared:
    ok1 = m["macro_f1"] >= 0.85; ok2 = m["macro_f1"] >= b["port"]["macro_f1"] + 0.15
    print("   target macro-F1 >= 0.85: %s;  >= port + 0.15 (%.4f): %s" % (
        "MET" if ok1 else "NOT MET", b["port"]["macro_f1"] + 0.15, "MET" if ok2 else "NOT MET"))
    if e:
        # a class with no training rows in the fold that tests it cannot
        # be predicted from learning: F1 0 whatever the model
        none = [c for c, v in e["train_share"].items() if v == 0 and m["per_class"].get(c, {}).get("support", 0)]
        n = sum(1 for c, v in m["per_class"].items() if v["support"])
        if none:
            print("   upper bound for ANY learned model on this split: macro-F1 <= %d/%d = %.3f (%s: no training rows when tested)" % (
                n - len(none), n, (n - len(none)) / n, ", ".join(none)))
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
runs=""
if [ -n "${EXP2_DIRS:-}" ]; then
	runs=$EXP2_DIRS
else
	[ "$(id -u)" = 0 ] || lab_skip="needs root"
	if [ -z "$lab_skip" ]; then
		ip netns add p2pt-mlprobe$$ 2>/dev/null && ip netns del p2pt-mlprobe$$ || lab_skip="cannot create network namespaces"
	fi
	[ -z "$lab_skip" ] && [ ! -f examples/exp2-apps.lab ] && lab_skip="examples/exp2-apps.lab not found"
fi
if [ -z "$lab_skip" ]; then
	r=1
	while [ -z "${EXP2_DIRS:-}" ] && [ "$r" -le "$LABRUNS" ]; do
		d=$OUT/exp2-apps-$r
		if [ ! -f "$d/catalog.tsv" ]; then
			rm -rf "$d"
			echo "lab: p2ptrace lab run examples/exp2-apps.lab --duration $LABDUR --out $d"
			"$P" lab run examples/exp2-apps.lab --name "mlb$$e2r$r" --duration "$LABDUR" --out "$d" >"$d.log" 2>&1 ||
				{ echo "lab: exp2 run $r failed: $(tail -3 "$d.log" | tr '\n' ' ')"; r=$((r + 1)); continue; }
		fi
		runs="$runs $d"
		r=$((r + 1))
	done
	if [ ! -f "$OUT/exp1-ranks/catalog.tsv" ] && [ "$(id -u)" = 0 ] && [ -f examples/exp1-ranks.lab ]; then
		rm -rf "$OUT/exp1-ranks"
		echo "lab: p2ptrace lab run examples/exp1-ranks.lab --duration 60 --out $OUT/exp1-ranks"
		"$P" lab run examples/exp1-ranks.lab --name "mlb$$exp1" --duration 60 --out "$OUT/exp1-ranks" >"$OUT/exp1-ranks.log" 2>&1 ||
			echo "lab: exp1 failed: $(tail -3 "$OUT/exp1-ranks.log" | tr '\n' ' ')"
	fi
	# shellcheck disable=SC2086
	set -- $runs
	if [ $# -ge 1 ]; then
		echo "lab exp2: $# run(s): $*"
		"$P" classify eval --kfold 5 --json "$@" >"$OUT/exp2.json" 2>"$OUT/err" &&
			show "$OUT/exp2.json" "lab exp2, applications, 5-fold by node over $# run(s)" &&
			python3 -c "import json,sys; j=json.load(open(sys.argv[1])); v=j['node']['macro_f1']; f=j['model']['macro_f1']; print('   target app macro-F1 >= 0.95 by node: %s (per node %.4f; per flow %.4f: %s)' % ('MET' if v >= 0.95 else 'NOT MET', v, f, 'met' if f >= 0.95 else 'not met per flow'))" "$OUT/exp2.json" ||
			echo "lab exp2: eval failed: $(cat "$OUT/err")"
		"$P" classify eval --kfold 5 --train-min-pkts 3 --no-early --json "$@" >"$OUT/exp2-3.json" 2>"$OUT/err" &&
			show "$OUT/exp2-3.json" "lab exp2, as above, training without flows of < 3 packets (RST storms at lab stop)" ||
			echo "lab exp2: eval failed: $(cat "$OUT/err")"
		"$P" classify eval --kfold 5 --compact --no-early --json "$@" >"$OUT/exp2-compact.json" 2>"$OUT/err" &&
			show "$OUT/exp2-compact.json" "lab exp2, the --compact model (for analyze --model)" ||
			echo "lab exp2: eval failed: $(cat "$OUT/err")"
		if [ $# -ge 2 ]; then
			# a node's connections also sit in its peers' traces: a
			# split by lab run has no connection on both sides
			"$P" classify eval --no-early --train "$1" --test "$2" --json >"$OUT/exp2-run12.json" 2>"$OUT/err" &&
				show "$OUT/exp2-run12.json" "lab exp2, train on run 1, test on run 2 (no connection on both sides)" ||
				echo "lab exp2: eval failed: $(cat "$OUT/err")"
			"$P" classify eval --no-early --train "$2" --test "$1" --json >"$OUT/exp2-run21.json" 2>"$OUT/err" &&
				show "$OUT/exp2-run21.json" "lab exp2, train on run 2, test on run 1" ||
				echo "lab exp2: eval failed: $(cat "$OUT/err")"
		fi
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
	"$P" classify train --compact --model "$OUT/shared-compact.json" "$S"/*.pcap "$S"/*.pcapng 2>/dev/null
	# fixed costs: one round of depth 1 (features, loading, the two columns)
	"$P" classify train --compact --rounds 1 --depth 1 --model "$OUT/shared-tiny.json" "$S"/*.pcap "$S"/*.pcapng 2>/dev/null
	"$P" classify eval --kfold 5 --segments 4 --no-early --compact --json "$S"/*.pcap "$S"/*.pcapng >"$OUT/shared-seg-compact.json" 2>/dev/null
	pk=$("$P" analyze -q --nodes - "$IN" 2>/dev/null | awk -F, 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "pkts") c = i; next } { s += $c } END { print s }')
	# the input from memory when /dev/shm has room: the reader drops the
	# pages behind it (a trace larger than RAM must not evict the page
	# cache), so from disk every run would read it again
	SZ=$(stat -c %s "$IN")
	if [ "$(df -P -k /dev/shm 2>/dev/null | awk 'NR==2 { print $4 }')" -gt $((SZ / 1024 * 3)) ] 2>/dev/null; then
		cp "$IN" /dev/shm/p2ptrace-bench-ml.pcap && IN=/dev/shm/p2ptrace-bench-ml.pcap
	fi
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
	# paired: NPAIR runs of analyze without and with MODEL one right after
	# the other (a shared machine's load changes slowly: each pair sees
	# about the same), the median of the pairs' slowdowns, CPU and wall
	NPAIR=${NPAIR:-9}
	paired() { # MODEL -> "cpu_slowdown wall_slowdown cpu_base cpu_model wall_base wall_model" (medians)
		: >"$OUT/pairs"
		for i in $(seq "$NPAIR"); do
			/usr/bin/time -f "%U %S %e" -o "$OUT/time" "$P" analyze -q --flows /dev/null "$IN" "$IN" "$IN" "$IN" >/dev/null 2>&1
			read -r u0 s0 w0 <"$OUT/time"
			/usr/bin/time -f "%U %S %e" -o "$OUT/time" "$P" analyze -q --flows /dev/null --model "$1" "$IN" "$IN" "$IN" "$IN" >/dev/null 2>&1
			read -r u1 s1 w1 <"$OUT/time"
			echo "$u0 $s0 $w0 $u1 $s1 $w1" | awk '{ a = $1 + $2; m = $4 + $5; print 1 - a / m, 1 - $3 / $6, a, m, $3, $6 }' >>"$OUT/pairs"
		done
		for k in 1 2 3 4 5 6; do sort -g -k$k "$OUT/pairs" | awk -v k=$k '{ v[NR] = $k } END { printf "%s ", v[int((NR + 1) / 2)] }'; done
		echo
	}
	# the input 4 times in one run: CPU times well above the 10 ms
	# resolution of /usr/bin/time
	set -- $(best "$P" analyze -q --flows /dev/null "$IN" "$IN" "$IN" "$IN"); c0=$1; w0=$2
	set -- $(best "$P" analyze -q --flows /dev/null --model "$OUT/shared.json" "$IN" "$IN" "$IN" "$IN"); c1=$1; w1=$2
	set -- $(best "$P" analyze -q --flows /dev/null --model "$OUT/shared-tiny.json" "$IN" "$IN" "$IN" "$IN"); c3=$1
	set -- $(paired "$OUT/shared-compact.json"); pcs=$1; pws=$2; pc0=$3; pc2=$4; pw0=$5; pw2=$6
	fl=$("$P" analyze -q --flows - "$IN" "$IN" "$IN" "$IN" 2>/dev/null | tail -n +2 | wc -l)
	pk=$((pk * 4))
	set -- $(best "$P" classify predict --model "$OUT/shared.json" "$IN" "$IN" "$IN" "$IN"); cp=$1
	set -- $(best "$P" classify predict --model "$OUT/shared-compact.json" "$IN" "$IN" "$IN" "$IN"); cpc=$1
	echo "== speed on $IN, 4 times in one run ($pk packets, $fl flows; CPU = user + sys seconds of both threads)"
	echo "   (analyze writes flow rows, and classifies them with --model, on an output thread beside the packet loop: src/flowq.c)"
	awk -v p="$pk" -v f="$fl" -v a="$c0" -v b="$c1" -v c3="$c3" -v wa="$w0" -v wb="$w1" -v c="$cp" -v cc="$cpc" \
	    -v pcs="$pcs" -v pws="$pws" -v pc0="$pc0" -v pc2="$pc2" -v pw0="$pw0" -v pw2="$pw2" -v np="$NPAIR" 'BEGIN {
		printf "   least of 5 runs:\n"
		printf "   analyze                           CPU %.2f s  wall %.2f s  %.0f packets/s\n", a, wa, p / wa
		printf "   analyze --model (full, 240 trees)  CPU %.2f s  wall %.2f s  %.0f packets/s: CPU +%.1f%%, packets/s %.1f%% lower\n", b, wb, p / wb, 100 * (b / a - 1), 100 * (1 - wa / wb)
		printf "   analyze --model (1 tree per class: the fixed costs) CPU +%.1f%%\n", 100 * (c3 / a - 1)
		printf "   %d pairs (analyze, then analyze --model --compact model, 12 trees), medians:\n", np
		printf "     packets/s (wall): %.0f -> %.0f, %.1f%% %s (target: at most 20%% lower: %s)\n", p / pw0, p / pw2, 100 * (pws < 0 ? -pws : pws), pws < 0 ? "higher" : "lower", pws <= 0.20 ? "MET" : "NOT MET"
		printf "     CPU seconds (both threads): %.2f -> %.2f, packets per CPU second %.1f%% lower (%s 20%% as well); %.2f us CPU per flow\n", pc0, pc2, 100 * pcs, pcs <= 0.20 ? "within" : "not within", 1e6 * (pc2 - pc0) / f
		printf "   classify predict (full)         CPU %.2f s  %.0f flows/s end to end (read, features, model, CSV)\n", c, f / c
		printf "   classify predict (--compact)    CPU %.2f s  %.0f flows/s end to end\n", cc, f / cc }'
	python3 - "$OUT/shared-seg.json" "$OUT/shared-seg-compact.json" "$OUT/exp2.json" "$OUT/exp2-compact.json" <<'PY'
import json, os, sys
def mf(p, k="model"):
    return json.load(open(p))[k]["macro_f1"] if os.path.exists(p) else float("nan")
print("   F1 cost of --compact: shared corpus by file segment %.4f -> %.4f; lab exp2 per flow %.4f -> %.4f, per node %.4f -> %.4f" % (
    mf(sys.argv[1]), mf(sys.argv[2]), mf(sys.argv[3]), mf(sys.argv[4]), mf(sys.argv[3], "node"), mf(sys.argv[4], "node")))
PY
	if command -v valgrind >/dev/null 2>&1; then
		ir() { valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$@" 2>&1 >/dev/null | awk '/Collected/ { print $4 }'; }
		i0=$(ir "$P" analyze -q --flows /dev/null "$IN")
		i2=$(ir "$P" analyze -q --flows /dev/null --model "$OUT/shared-compact.json" "$IN")
		pd=$(callgrind_annotate --inclusive=yes "$OUT/cg.out" 2>/dev/null | awk '/model.c:model_predict_flow \[/ { gsub(",", "", $1); print $1 }')
		i3=$(ir "$P" analyze -q --flows /dev/null --model "$OUT/shared-tiny.json" "$IN")
		awk -v a="$i0" -v c="$i2" -v t="$i3" -v pd="${pd:-0}" -v f="$((fl / 4))" 'BEGIN {
			printf "   instructions (callgrind): analyze %.0fM; --model --compact +%.1f%% (%.0f per flow), of which\n", a / 1e6, 100 * (c - a) / a, (c - a) / f
			printf "     model_predict_flow (features + trees) %.1f%% of analyze (%.0f per flow);\n", 100 * pd / a, pd / f
			printf "     1 tree per class (fixed costs) +%.1f%%\n", 100 * (t - a) / a }'
	fi
	rm -f /dev/shm/p2ptrace-bench-ml.pcap
else
	echo "speed: skipped (no input trace)"
fi
exit 0
