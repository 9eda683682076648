#!/bin/sh
# bench/bench_transfer.sh -- `make bench-transfer`: does a label learned in
# the lab carry over to captures made elsewhere? (issue 11)
#   1. lab runs: TRANSFER_DIRS=dir1,dir2 (existing `lab run` output
#      folders) or, as root with network namespaces, two runs of
#      examples/exp3-mix.lab (examples/exp2-apps.lab when exp3-mix is not
#      there: said in the output) of TRANSFER_DURATION seconds (300);
#   2. per run: `classify train` on that lab run ONLY (options:
#      TRANSFER_TRAIN_OPTS, default "--portable"; nothing from ../shared
#      is given to train: checked below);
#   3. `classify eval --model` on every capture of ../shared/data/pcap
#      (labels: nDPI's .ndpi.out, the labels of record) and
#      ../shared/data/wild (labels: libndpi), flows of >= 3 packets:
#      per class precision/recall/F1 and support, the same for the port
#      table (80/443 web, 22 ssh, 21 ftp, 4662/4672 edonkey, 6881-6889
#      bittorrent), macro-F1 over the classes of {bittorrent, web, ssh,
#      ftp, edonkey} with >= 10 flows, and the share of flows of classes
#      the lab lacks that the model called a lab class;
#   4. targets: macro-F1 >= 0.85 with no such class below 0.6; <= 15 %
#      of absent-class flows called a lab class; two runs' macro-F1
#      within 0.05.
# Output folder: TRANSFER_OUT (default /tmp/p2ptrace-bench-transfer): the
# models, each score's text and JSON. SHARED_DATA: the folder holding
# pcap/ and wild/ (default ../shared/data beside the repository).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
P=$ROOT/build/p2ptrace
OUT=${TRANSFER_OUT:-/tmp/p2ptrace-bench-transfer}
SD=${SHARED_DATA:-$ROOT/../shared/data}
DUR=${TRANSFER_DURATION:-300}
OPTS=${TRANSFER_TRAIN_OPTS---portable}
mkdir -p "$OUT" || exit 1
[ -x "$P" ] || { echo "bench-transfer: build/p2ptrace missing (make)"; exit 1; }
if [ ! -d "$SD/pcap" ] && [ ! -d "$SD/wild" ]; then
	echo "bench-transfer: SKIP: no $SD/pcap or $SD/wild (set SHARED_DATA)"
	exit 0
fi

# ---- 1. lab runs ----------------------------------------------------------------
runs=""
if [ -n "${TRANSFER_DIRS:-}" ]; then
	runs=$(echo "$TRANSFER_DIRS" | tr ',' ' ')
	echo "lab runs (TRANSFER_DIRS): $runs"
else
	lab=examples/exp3-mix.lab
	[ -f "$lab" ] || { lab=examples/exp2-apps.lab; echo "NOTE: examples/exp3-mix.lab not found: using $lab (its labels say http for web)"; }
	if [ "$(id -u)" != 0 ] || ! { ip netns add p2pt-trprobe$$ 2>/dev/null && ip netns del p2pt-trprobe$$; }; then
		echo "bench-transfer: SKIP: running the lab needs root and network namespaces (or set TRANSFER_DIRS)"
		exit 0
	fi
	for r in 1 2; do
		d=$OUT/lab-$r
		if [ ! -f "$d/catalog.tsv" ]; then
			rm -rf "$d"
			echo "lab: p2ptrace lab run $lab --duration $DUR --out $d"
			"$P" lab run "$lab" --name "trb$$r$r" --duration "$DUR" --out "$d" >"$d.log" 2>&1 ||
				{ echo "lab: run $r failed: $(tail -3 "$d.log" | tr '\n' ' ')"; continue; }
		fi
		runs="$runs $d"
	done
fi
[ -n "$runs" ] || { echo "bench-transfer: no lab run"; exit 1; }

# the test set: every capture of the two shared folders
find "$SD/pcap" "$SD/wild" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) 2>/dev/null |
	sort >"$OUT/test-files.txt"
echo "test set: $(wc -l <"$OUT/test-files.txt") captures of $SD/pcap and $SD/wild (labels: .ndpi.out where present, else libndpi)"
shared_real=$(cd "$SD" && pwd -P)

# ---- 2, 3. train on each run, score on the shared captures ------------------------
i=0
macros=""
for d in $runs; do
	i=$((i + 1))
	case "$(cd "$d" && pwd -P)" in
	"$shared_real"*) echo "bench-transfer: $d is inside $SD: refusing to train on it"; exit 1 ;;
	esac
	m=$OUT/model-$i.json
	echo
	echo "== run $i: $d"
	echo "   p2ptrace classify train --model $m $OPTS $d"
	# shellcheck disable=SC2086
	if ! "$P" classify train --model "$m" $OPTS "$d" 2>"$OUT/train-$i.err"; then
		echo "   train failed: $(tail -2 "$OUT/train-$i.err" | tr '\n' ' ')"
		continue
	fi
	sed 's/^/   /' "$OUT/train-$i.err"
	echo "   p2ptrace classify eval --model $m --label ndpi-any --min-pkts 3 \$(cat $OUT/test-files.txt)"
	# shellcheck disable=SC2046
	"$P" classify eval --model "$m" --label ndpi-any --min-pkts 3 $(cat "$OUT/test-files.txt") \
		>"$OUT/score-$i.txt" 2>"$OUT/score-$i.err" &&
		"$P" classify eval --json --model "$m" --label ndpi-any --min-pkts 3 $(cat "$OUT/test-files.txt") \
			>"$OUT/score-$i.json" 2>/dev/null ||
		{ echo "   eval failed: $(grep -v warning "$OUT/score-$i.err" | tail -2 | tr '\n' ' ')"; continue; }
	sed 's/^/   /' "$OUT/score-$i.txt"
	echo "   files skipped (unreadable): $(grep -c 'skipped' "$OUT/score-$i.err")"
	python3 - "$OUT/score-$i.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
pc = j["per_class"]
mac = [c for c, v in pc.items() if v["in_macro"]]
low = [c for c in mac if pc[c]["f1"] < 0.6]
share = j["absent_called"] / j["absent"] if j["absent"] else 0
print("   target macro-F1 >= 0.85 (%.4f): %s; no class below 0.6: %s" % (
    j["macro_f1"], "MET" if j["macro_f1"] >= 0.85 else "NOT MET",
    "MET" if not low else "NOT MET (" + ", ".join("%s %.3f" % (c, pc[c]["f1"]) for c in low) + ")"))
print("   target <= 15 %% of absent-class flows called a lab class (%.1f %%): %s" % (
    100 * share, "MET" if share <= 0.15 else "NOT MET"))
PY
	macros="$macros $(python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["macro_f1"])' "$OUT/score-$i.json")"
done

# ---- 4. reproducibility --------------------------------------------------------------
# shellcheck disable=SC2086
set -- $macros
if [ $# -ge 2 ]; then
	python3 -c '
import sys
a, b = float(sys.argv[1]), float(sys.argv[2])
print("\nreproducibility: transfer macro-F1 of the two runs %.4f / %.4f, difference %.4f (target <= 0.05: %s)" % (
    a, b, abs(a - b), "MET" if abs(a - b) <= 0.05 else "NOT MET"))' "$1" "$2"
fi
echo "bench-transfer: outputs in $OUT"
