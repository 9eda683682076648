#!/bin/sh
# test_classify.sh -- classify train/eval/predict on synthetic lab folders
# made by mksynth.py (a known separable rule, and the same traffic with
# labels that say nothing), determinism, the split check, analyze --model,
# and bad input.
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMPD/s"' EXIT INT TERM
command -v python3 >/dev/null 2>&1 || { skip all "python3 not found (makes the synthetic pcaps)"; exit 0; }
G="python3 $ROOT/tests/classify/mksynth.py"
mkdir -p "$TMPD/s"
$G "$TMPD/s/sep" 8 1 && $G "$TMPD/s/shuf" 8 1 shuffle && $G "$TMPD/s/sep2" 8 2 ||
	{ not_ok generate "mksynth.py failed"; exit 0; }

jget() { # FILE python-expression-on-j
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# 1. the separable rule is learned (held out by node)
"$P2PTRACE" classify eval --kfold 4 --json "$TMPD/s/sep" >"$TMPD/sep.json" 2>"$TMPD/err"
acc=$(jget "$TMPD/sep.json" 'j["model"]["accuracy"]')
python3 -c "import sys; sys.exit(0 if float('$acc') >= 0.99 else 1)" &&
	ok "separable rule learned (accuracy $acc >= 0.99)" ||
	not_ok "separable rule learned" "accuracy $acc < 0.99 ($(cat "$TMPD/err"))"

# 2. labels that say nothing: the evaluation must fall to chance
"$P2PTRACE" classify eval --kfold 4 --json "$TMPD/s/shuf" >"$TMPD/shuf.json" 2>"$TMPD/err"
acc=$(jget "$TMPD/shuf.json" 'j["model"]["accuracy"]')
python3 -c "import sys; sys.exit(0 if float('$acc') <= 0.75 else 1)" &&
	ok "shuffled labels fall to chance (accuracy $acc <= 0.75)" ||
	not_ok "shuffled labels fall to chance" "accuracy $acc > 0.75"

# 3. every trace file on one side: each file is in exactly one fold's test
# list, the folds' test lists cover every file, and the tool's own check
n=$(jget "$TMPD/sep.json" 'sum(len(f["test"]) for f in j["split"]["fold_files"])')
u=$(jget "$TMPD/sep.json" 'len(set(t for f in j["split"]["fold_files"] for t in f["test"]))')
b=$(jget "$TMPD/sep.json" 'j["split"]["groups_on_both_sides"]')
expect_eq "split: 8 files, each tested once, none on both sides" "$n $u $b" "8 8 0"
tr=$(jget "$TMPD/sep.json" 'sorted(set(f["train_rows"]+f["test_rows"] for f in j["split"]["fold_files"]))')
expect_eq "split: train + test rows = all 240 flows in every fold" "$tr" "[240]"

# node decision: one row per node (8), every node right; the truth is the
# catalog's label of the node
v=$(jget "$TMPD/sep.json" '"%d %d %d" % (j["node"]["rows"], sum(map(sum, j["node"]["confusion"]["matrix"])), sum(j["node"]["confusion"]["matrix"][i][i] for i in range(2)))')
expect_eq "node decision: 8 nodes, all right" "$v" "8 8 8"
# classes the split can evaluate: recomputed from the fold lists and the
# catalog (30 flows per node): least share of the class's rows in training
want=$(python3 - "$TMPD/sep.json" "$TMPD/s/sep/catalog.tsv" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
cls = {}
for l in open(sys.argv[2]).read().splitlines()[1:]:
    f = l.split("\t")
    cls[f[3]] = dict(kv.split("=") for kv in f[2].split(";"))["app"]
tot = {c: sum(1 for v in cls.values() if v == c) for c in set(cls.values())}
out = []
for c in sorted(tot):
    sh = [1 - sum(1 for t in fo["test"] if cls[os.path.basename(t)] == c) / tot[c]
          for fo in j["split"]["fold_files"]
          if any(cls[os.path.basename(t)] == c for t in fo["test"])]
    out.append("%s:%.2f" % (c, min(sh)))
print(" ".join(out))
PY
)
v=$(jget "$TMPD/sep.json" '" ".join("%s:%.2f" % (c, v) for c, v in sorted(j["evaluable"]["train_share"].items()))')
expect_eq "evaluable classes: train share per class from the fold lists" "$v" "$want"
# --train-min-pkts: training rows are the flows of >= 10 packets of the
# other folds (3 of 4 folds see each flow as training), counted from the
# predict CSV's pkts column
"$P2PTRACE" classify eval --kfold 4 --no-early --train-min-pkts 10 --json "$TMPD/s/sep" >"$TMPD/tmp.json" 2>"$TMPD/err"
"$P2PTRACE" classify train --model "$TMPD/m0.json" "$TMPD/s/sep" 2>/dev/null
big=$("$P2PTRACE" classify predict --model "$TMPD/m0.json" "$TMPD/s/sep" | awk -F, 'NR > 1 && $8 >= 10 { n++ } END { print n + 0 }')
v=$(jget "$TMPD/tmp.json" '"%d %d" % (sum(f["train_rows"] for f in j["split"]["fold_files"]), sum(f["test_rows"] for f in j["split"]["fold_files"]))')
expect_eq "--train-min-pkts 10: train rows = 3 x $big flows, all 240 tested" "$v" "$((3 * big)) 240"

# explicit split: train on one lab, test on another
"$P2PTRACE" classify eval --train "$TMPD/s/sep" --test "$TMPD/s/sep2" --json >"$TMPD/tt.json" 2>"$TMPD/err"
v=$(jget "$TMPD/tt.json" '"%s %d %d" % (j["split"]["kind"], j["split"]["fold_files"][0]["train_rows"], j["split"]["fold_files"][0]["test_rows"])')
expect_eq "train/test split: 240 train rows, 240 test rows" "$v" "train_test 240 240"
# only the test lab is scored (its 240 flows, 8 nodes), all right
v=$(jget "$TMPD/tt.json" '"%d %.2f %d %.2f" % (j["model"]["rows"], j["model"]["accuracy"], j["node"]["rows"], j["node"]["accuracy"])')
expect_eq "train/test split: scored on the 240 test flows / 8 test nodes" "$v" "240 1.00 8 1.00"
if "$P2PTRACE" classify eval --train "$TMPD/s/sep/n00.pcap" "$TMPD/s/sep/n01.pcap" --test "$TMPD/s/sep/n00.pcap" --label catalog >/dev/null 2>"$TMPD/err"; then
	not_ok "same file on both sides refused" "exit 0"
else
	grep -q "both sides" "$TMPD/err" && ok "same file on both sides refused" ||
		not_ok "same file on both sides refused" "$(cat "$TMPD/err")"
fi

# 4. determinism: same data and seed, byte-identical model files
"$P2PTRACE" classify train --model "$TMPD/m1.json" --seed 7 "$TMPD/s/sep" 2>/dev/null &&
	"$P2PTRACE" classify train --model "$TMPD/m2.json" --seed 7 "$TMPD/s/sep" 2>/dev/null
check "same seed, byte-identical model files" cmp "$TMPD/m1.json" "$TMPD/m2.json"
v=$(jget "$TMPD/m1.json" 'j["learner"]["attributes"]["p2ptrace_classes"] + " " + j["learner"]["learner_model_param"]["num_class"]')
expect_eq "model is XGBoost JSON with the class names beside it" "$v" "a,b 2"

# 5. predict: every flow of an unseen lab, right class
"$P2PTRACE" classify predict --model "$TMPD/m1.json" "$TMPD/s/sep2" >"$TMPD/pred.csv" 2>"$TMPD/err"
v=$(awk -F, 'NR>1 { n++; if ($9 == $11) ok++ } END { print n, ok }' "$TMPD/pred.csv")
expect_eq "predict: 240 flows of another lab, all right" "$v" "240 240"

# 6. analyze --model adds pred_class/pred_prob to flow rows
"$P2PTRACE" analyze -q --model "$TMPD/m1.json" --flows "$TMPD/flows.csv" "$TMPD/s/sep2/n00.pcap" "$TMPD/s/sep2/n01.pcap" 2>"$TMPD/err"
v=$(awk -F, 'NR==1 { for (i = 1; i <= NF; i++) { if ($i == "pred_class") c = i; if ($i == "node") nd = i } next }
	{ n++; want = ($nd == "n00") ? "a" : "b"; if ($c == want) ok++ } END { print n, ok }' "$TMPD/flows.csv")
expect_eq "analyze --model: 60 flow rows, predicted class right" "$v" "60 60"

# 6b. --compact: 2 rounds x 2 classes = 4 trees of depth <= 4, no split
# on a host_ feature (read from the XGBoost JSON), and analyze --model
# gives the same classes as classify predict
"$P2PTRACE" classify train --compact --model "$TMPD/mc.json" "$TMPD/s/sep" 2>/dev/null
v=$(python3 - "$TMPD/mc.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
feats = j["learner"]["attributes"]["p2ptrace_features"].split(",")
trees = j["learner"]["gradient_booster"]["model"]["trees"]
def depth(t, i=0):
    l = t["left_children"][i]
    return 0 if l < 0 else 1 + max(depth(t, l), depth(t, t["right_children"][i]))
host = sum(1 for t in trees for i, l in enumerate(t["left_children"])
           if l >= 0 and feats[t["split_indices"][i]].startswith("host_"))
print(len(trees), max(depth(t) for t in trees) <= 4, host)
PY
)
expect_eq "--compact: 4 trees, depth <= 4, no host_ split" "$v" "4 True 0"
"$P2PTRACE" classify predict --model "$TMPD/mc.json" "$TMPD/s/sep2" >"$TMPD/predc.csv" 2>"$TMPD/err"
"$P2PTRACE" analyze -q --model "$TMPD/mc.json" --flows "$TMPD/flowsc.csv" "$TMPD/s/sep2/n00.pcap" "$TMPD/s/sep2/n01.pcap" 2>>"$TMPD/err"
a=$(awk -F, 'NR > 1 && ($1 ~ /n0[01].pcap$/) { printf "%s %s %s %s %s %.4f\n", $2, $3, $4, $5, $11, $12 }' "$TMPD/predc.csv" | sort | md5sum)
b=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	{ printf "%s %s %s %s %s %.4f\n", $h["src_addr"], $h["src_port"], $h["dst_addr"], $h["dst_port"], $h["pred_class"], $h["pred_prob"] }' "$TMPD/flowsc.csv" | sort | md5sum)
n=$(awk 'END { print NR - 1 }' "$TMPD/flowsc.csv")
expect_eq "--compact: analyze --model agrees with classify predict ($n flows)" "$a" "$b"

# 6c. analyze --model makes flow rows on an output thread (src/flowq.c):
# the rows, and their order among window and node rows on one stream,
# are those of analyze without a model, plus the two columns
"$P2PTRACE" analyze -q --json --flows - --windows - --window 1 --nodes - "$TMPD/s/sep2/n00.pcap" "$TMPD/s/sep2/n01.pcap" >"$TMPD/ord0.json" 2>>"$TMPD/err"
"$P2PTRACE" analyze -q --json --flows - --windows - --window 1 --nodes - --model "$TMPD/mc.json" "$TMPD/s/sep2/n00.pcap" "$TMPD/s/sep2/n01.pcap" >"$TMPD/ord1.json" 2>>"$TMPD/err"
a=$(md5sum <"$TMPD/ord0.json")
b=$(sed 's/,"pred_class":"[^"]*","pred_prob":[0-9.e+-]*}$/}/' "$TMPD/ord1.json" | md5sum)
n=$(grep -c '"pred_class"' "$TMPD/ord1.json")
w=$(grep -c '"window_s"' "$TMPD/ord1.json")
expect_eq "analyze --model: same rows in the same order among $w window rows ($n flows)" "$a $n" "$b $(grep -c '"end_reason"' "$TMPD/ord0.json")"

# 7. working mode: node windows, labeled by a catalog key
"$P2PTRACE" classify eval --kfold 4 --windows --label-key kind --window 5 --json "$TMPD/s/sep" >"$TMPD/win.json" 2>"$TMPD/err"
v=$(jget "$TMPD/win.json" '"%s %d" % (j["target"], j["model"]["accuracy"] >= 0.95)')
expect_eq "node windows: working mode learned by node (accuracy >= 0.95)" "$v" "node_windows 1"

# 8. bad input: clear message, non-zero exit
bad() { # NAME PATTERN CMD...
	_n=$1; _p=$2; shift 2
	"$@" >/dev/null 2>"$TMPD/bad.err"; _rc=$?
	if [ $_rc -ne 0 ] && grep -q "$_p" "$TMPD/bad.err" && ! grep -qi "sanitizer\|segmentation" "$TMPD/bad.err"; then
		ok "$_n"
	else
		not_ok "$_n" "exit $_rc: $(head -2 "$TMPD/bad.err")"
	fi
}
cp "$TMPD/s/sep/n00.pcap" "$TMPD/nolabel.pcap"
bad "no labels" "no labels" "$P2PTRACE" classify train --model "$TMPD/x.json" "$TMPD/nolabel.pcap"
mkdir -p "$TMPD/s/one"
cp "$TMPD/s/sep/n00.pcap" "$TMPD/s/sep/n02.pcap" "$TMPD/s/one/"
printf 'node\taddr\tlabels\ttrace\nn00\t198.18.0.1\tapp=a\tn00.pcap\nn02\t198.18.0.3\tapp=a\tn02.pcap\n' >"$TMPD/s/one/catalog.tsv"
bad "one class only" "only one class" "$P2PTRACE" classify train --model "$TMPD/x.json" "$TMPD/s/one"
echo '{"hello": 1}' >"$TMPD/other.json"
bad "model file from something else (JSON)" "not an XGBoost JSON model" "$P2PTRACE" classify predict --model "$TMPD/other.json" "$TMPD/s/sep"
sed 's/"p2ptrace_format":"[^"]*",\{0,1\}//' "$TMPD/m1.json" >"$TMPD/foreign.json"
bad "XGBoost model not written by classify" "not one written by" "$P2PTRACE" classify predict --model "$TMPD/foreign.json" "$TMPD/s/sep"
bad "analyze --model with a pcap as model" "not an XGBoost" "$P2PTRACE" analyze -q --model "$TMPD/nolabel.pcap" --flows /dev/null "$TMPD/nolabel.pcap"
printf 'garbage\n' >"$TMPD/g.pcap.ndpi.out"
cp "$TMPD/nolabel.pcap" "$TMPD/g.pcap"
bad "ndpi.out that is not one" "no flow lines" "$P2PTRACE" classify train --model "$TMPD/x.json" "$TMPD/g.pcap"
bad "kfold larger than the files" "needs at least" "$P2PTRACE" classify eval --kfold 9 "$TMPD/s/sep"
bad "bad --classes" "classes" "$P2PTRACE" classify train --model "$TMPD/x.json" --classes a "$TMPD/s/sep"
exit 0
