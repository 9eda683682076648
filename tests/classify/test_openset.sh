#!/bin/sh
# tests/classify/test_openset.sh -- the open set and the scoring of a saved
# model (issue 11 items 3-4), on mksynth.py lab folders:
#  - the threshold learned at train is stored in the model file
#    (p2ptrace_unknown_below), read back, and applied: a flow is `unknown`
#    exactly when its best probability (the pred_prob column) is below
#    it, in classify predict and analyze --model alike; editing the
#    attribute in the file moves the answers; --unknown-quantile 0 stores
#    none; a bad value is refused (exit 2, names the file);
#  - classify eval --model: per class support/precision/recall/F1, the
#    port table, the unknown count and the flows of a class the model
#    lacks (nodes relabeled "c") called a model class, each recomputed
#    here in Python from predict's CSV and the catalog.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null 2>&1 || { skip all "python3 not found"; exit 0; }
G="python3 $ROOT/tests/classify/mksynth.py"
$G "$TMPD/sep" 8 1 >/dev/null && $G "$TMPD/shuf" 8 1 shuffle >/dev/null && $G "$TMPD/test" 6 5 >/dev/null ||
	{ not_ok generate "mksynth.py failed"; exit 0; }
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# 1. threshold: learned, stored, applied (labels that say nothing: many
#    flows near 0.5, so some fall below)
"$P2PTRACE" classify train --model "$TMPD/m.json" "$TMPD/shuf" 2>"$TMPD/train.err" ||
	{ not_ok "train" "$(cat "$TMPD/train.err")"; exit 0; }
thr=$(jget "$TMPD/m.json" 'j["learner"]["attributes"].get("p2ptrace_unknown_below", "none")')
said=$(sed -n 's/.*unknown below class probability \([0-9.]*\).*/\1/p' "$TMPD/train.err")
expect_eq "threshold in the model file = the one train printed ($said)" \
	"$(python3 -c "print('%.4f' % float('$thr'))" 2>/dev/null)" "$said"
"$P2PTRACE" classify predict --model "$TMPD/m.json" "$TMPD/test" >"$TMPD/p.csv" 2>/dev/null
v=$(python3 - "$TMPD/p.csv" "$thr" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]))); t = float(sys.argv[2])
unk = sum(r["pred_class"] == "unknown" for r in rows)
bad = sum((r["pred_class"] == "unknown") != (float(r["pred_prob"]) < t - 5e-5) for r in rows
          if abs(float(r["pred_prob"]) - t) > 5e-5)
print(len(rows), unk > 0, unk < len(rows), bad)
PY
)
n=${v%% *}
expect_eq "predict: unknown exactly below the threshold ($n flows, some unknown, some not)" "$v" "$n True True 0"
"$P2PTRACE" analyze -q --model "$TMPD/m.json" --flows "$TMPD/a.csv" "$TMPD"/test/n0*.pcap 2>/dev/null
a=$(python3 -c "
import csv,sys
print(sorted(r['pred_class'] for r in csv.DictReader(open(sys.argv[1]))) == sorted(r['pred_class'] for r in csv.DictReader(open(sys.argv[2]))))" "$TMPD/a.csv" "$TMPD/p.csv")
expect_eq "analyze --model says unknown for the same flows as predict" "$a" "True"
# round trip: the attribute edited in the file is what prediction uses
python3 - "$TMPD/m.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for v, name in (("0.999999", "hi"), ("0", "zero"), ("1.5", "bad")):
    j["learner"]["attributes"]["p2ptrace_unknown_below"] = v
    json.dump(j, open(sys.argv[1].replace(".json", "_" + name + ".json"), "w"))
PY
u_hi=$("$P2PTRACE" classify predict --model "$TMPD/m_hi.json" "$TMPD/test" 2>/dev/null | awk -F, 'NR > 1 && $11 == "unknown"' | wc -l)
u_0=$("$P2PTRACE" classify predict --model "$TMPD/m_zero.json" "$TMPD/test" 2>/dev/null | awk -F, 'NR > 1 && $11 == "unknown"' | wc -l)
expect_eq "threshold edited to 0.999999: all $n unknown; to 0: none" "$u_hi $u_0" "$n 0"
"$P2PTRACE" classify predict --model "$TMPD/m_bad.json" "$TMPD/test" >/dev/null 2>"$TMPD/err"
rc=$?
expect_eq "threshold 1.5 refused (exit 2, names the file)" "$rc $(grep -c "m_bad.json: p2ptrace_unknown_below" "$TMPD/err")" "2 1"
"$P2PTRACE" classify train --unknown-quantile 0 --model "$TMPD/m0.json" "$TMPD/shuf" 2>/dev/null
expect_eq "--unknown-quantile 0: no threshold stored" \
	"$(jget "$TMPD/m0.json" '"p2ptrace_unknown_below" in j["learner"]["attributes"]')" "False"

# 2. eval --model against Python's count over predict's CSV. Nodes n01,
#    n03 of the test folder become class "c" (a class the model lacks).
"$P2PTRACE" classify train --model "$TMPD/s.json" "$TMPD/sep" 2>/dev/null
sed -e 's/^\(n01\t.*\)app=b/\1app=c/' -e 's/^\(n03\t.*\)app=b/\1app=c/' "$TMPD/test/catalog.tsv" >"$TMPD/cat" &&
	mv "$TMPD/cat" "$TMPD/test/catalog.tsv"
"$P2PTRACE" classify eval --json --model "$TMPD/s.json" --min-support 1 --macro-classes a,b,c "$TMPD/test" >"$TMPD/e.json" 2>"$TMPD/err" ||
	not_ok "eval --model" "$(cat "$TMPD/err")"
"$P2PTRACE" classify predict --model "$TMPD/s.json" "$TMPD/test" >"$TMPD/ps.csv" 2>/dev/null
v=$(python3 - "$TMPD/ps.csv" "$TMPD/e.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1]))); j = json.load(open(sys.argv[2]))
def port(r):
    for p in (int(r["dport"]), int(r["sport"])):
        if p in (80, 443): return "web"
        if p == 22: return "ssh"
        if p == 21: return "ftp"
        if p in (4662, 4672): return "edonkey"
        if 6881 <= p <= 6889: return "bittorrent"
    return "other"
bad = []
for c, v in j["per_class"].items():
    sup = sum(r["label"] == c for r in rows)
    pred = sum(r["pred_class"] == c for r in rows)
    tp = sum(r["label"] == c and r["pred_class"] == c for r in rows)
    p = tp / pred if pred else 0; rc = tp / sup if sup else 0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0
    pp = sum(port(r) == c for r in rows); ptp = sum(port(r) == c and r["label"] == c for r in rows)
    pf = 2 * ptp / (pp + sup) if pp + sup else 0
    if v["support"] != sup or abs(v["precision"] - p) > 1e-6 or abs(v["f1"] - f1) > 1e-6 or abs(v["port_f1"] - pf) > 1e-6:
        bad.append(c)
absent = [r for r in rows if r["label"] == "c"]
called = sum(r["pred_class"] not in ("unknown", "other") for r in absent)
unk = sum(r["pred_class"] == "unknown" for r in rows)
print(len(rows) == j["rows"], bad, j["absent"] == len(absent) > 0, j["absent_called"] == called, j["unknown"] == unk,
      sorted(j["per_class"]))
PY
)
expect_eq "eval --model: per class support/precision/F1/port F1, absent-class flows called a model class, unknown = Python's count from predict's CSV" \
	"$v" "True [] True True True ['a', 'b', 'c', 'other']"

# 2b. --portable: the trees never split on a feature it drops (read from
#     the model file: split_indices against p2ptrace_features)
"$P2PTRACE" classify train --portable --model "$TMPD/pt.json" "$TMPD/sep" 2>/dev/null
v=$(python3 - "$TMPD/pt.json" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1])); L = j["learner"]
names = L["attributes"]["p2ptrace_features"].split(",")
used = {names[i] for t in L["gradient_booster"]["model"]["trees"]
        for i, l in zip(t["split_indices"], t["left_children"]) if l >= 0}
bad = [n for n in used if re.match(r"(duration_s|.*_iat_|first([2-9]|10)_gap|(fwd|rev)_(pkts|bytes_B|payload_B|syn|fin|rst|tcp_flags_or)$|host_)", n)]
print(len(used) > 0, bad)
PY
)
expect_eq "--portable: no split on gaps, duration, totals, SYN/FIN/RST, host_ features" "$v" "True []"

# 3. eval (train/test split) counts the test flows of a class its training
#    lacks ("c") and how many the model called a trained class
"$P2PTRACE" classify eval --json --no-early --train "$TMPD/sep" --test "$TMPD/test" >"$TMPD/tt.json" 2>"$TMPD/err" ||
	not_ok "eval train/test" "$(cat "$TMPD/err")"
want=$(awk -F, 'NR > 1 && $9 == "c"' "$TMPD/ps.csv" | wc -l)
expect_eq "eval: flows of the class training lacks = the c-labeled flows ($want), all called a trained class" \
	"$(jget "$TMPD/tt.json" '"%d %d" % (j["open_set"]["absent"], j["open_set"]["absent_called"])')" "$want $want"
"$P2PTRACE" classify eval --json --no-early --unknown-quantile 0.2 --train "$TMPD/shuf" --test "$TMPD/test" >"$TMPD/tu.json" 2>"$TMPD/err"
expect_eq "eval --unknown-quantile: some test flows unknown, scored as misses" \
	"$(jget "$TMPD/tu.json" 'j["open_set"]["unknown"] > 0 and j["model"]["rows"] == '"$n"' and sum(sum(r) for r in j["model"]["confusion"]["matrix"]) == '"$n"' - j["open_set"]["unknown"]')" "True"
exit 0
