#!/bin/sh
# tests/classify/test_model_crafted.sh -- crafted model files (issue 13
# item 10): a model trained here on mksynth.py data is edited by hand,
# one fault per file (a child index outside the tree, a node reached
# twice, a split feature outside the vector, a tree adding to a class the
# model does not have, arrays shorter than num_nodes, parents that do not
# match, a categorical split, metadata that disagrees with the booster, a
# cut file, nesting 100,000 deep). Each must be refused by `classify
# predict` and `analyze --model` with exit 2 and one line naming the file
# and the fault; never a crash (this suite also runs the sanitizer
# binary when make check builds one). Also: the fuzz corpus's crafted
# inputs are written from the same edits (tests/fuzz/corpus/model).
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null 2>&1 || { skip "crafted models" "python3 missing"; exit 0; }
python3 "$ROOT/tests/classify/mksynth.py" "$TMPD/s" 4 3 >/dev/null 2>&1 ||
	{ not_ok "generate" "mksynth.py failed"; exit 0; }
"$P2PTRACE" classify train --model "$TMPD/good.json" --rounds 2 --depth 3 "$TMPD/s" 2>/dev/null ||
	{ not_ok "train" "classify train failed"; exit 0; }
check "the unedited model predicts" "$P2PTRACE" classify predict --model "$TMPD/good.json" "$TMPD/s/n00.pcap"

python3 "$ROOT/tests/classify/mkcrafted.py" "$TMPD/good.json" "$TMPD/c" ||
	{ not_ok "craft" "mkcrafted.py failed"; exit 0; }

# NAME PATTERN: the file $TMPD/c/NAME.json refused by both commands
refused() {
	f=$TMPD/c/$1.json
	for cmd in predict analyze; do
		if [ $cmd = predict ]; then
			"$P2PTRACE" classify predict --model "$f" "$TMPD/s/n00.pcap" >/dev/null 2>"$TMPD/err"
		else
			"$P2PTRACE" analyze -q --model "$f" --flows /dev/null "$TMPD/s/n00.pcap" >/dev/null 2>"$TMPD/err"
		fi
		rc=$?
		lines=$(wc -l <"$TMPD/err")
		if [ $rc = 2 ] && [ "$lines" = 1 ] && grep -q "$f: .*$2" "$TMPD/err" &&
			! grep -qi "sanitizer\|runtime error\|segmentation" "$TMPD/err"; then
			ok "$1 refused by $cmd: $(cut -c1-150 "$TMPD/err" | sed "s|$TMPD/||")"
		else
			not_ok "$1 refused by $cmd" "exit $rc, $lines lines: $(head -3 "$TMPD/err" | tr '\n' ' ')"
		fi
	done
}
refused child_oob "left_children: .* a value outside -1..2"
refused child_zero "child 0/.* outside the tree"
refused child_twice "reached twice"
refused feat_oob "split_indices: .* a value outside 0..130"
refused tree_info_oob "tree_info\[0\] is not a class of 2"
refused short_array "left_children: missing, not 3 entries"
refused num_nodes_big "num_nodes missing or not in"
refused bad_parent "children name another parent"
refused categorical "split_type: .* outside 0..0"
refused num_class "booster has 3 classes"
refused leaf_nan "not an XGBoost JSON model"
refused cut "not an XGBoost JSON model: at byte"
refused deep "nested too deeply"
refused no_trees "trees and tree_info"
exit 0
