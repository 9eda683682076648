#!/usr/bin/env python3
# mkcrafted.py -- crafted model files for test_model_crafted.sh and the
# model fuzz corpus: one fault each, made by editing a good model.
#   usage: mkcrafted.py GOOD.json OUTDIR
import copy, json, os, sys

good = json.load(open(sys.argv[1]))
out = sys.argv[2]
os.makedirs(out, exist_ok=True)

def tree0(m):
    return m["learner"]["gradient_booster"]["model"]["trees"][0]

def inner(t):
    return next(i for i, l in enumerate(t["left_children"]) if l >= 0)

def edit(name, fn):
    m = copy.deepcopy(good)
    fn(m)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(m, f, separators=(",", ":"))

def child_twice(m):
    t = tree0(m)
    i = inner(t)
    t["right_children"][i] = t["left_children"][i]

def short_array(m):
    t = tree0(m)
    t["left_children"] = t["left_children"][:-1]

def bad_parent(m):
    t = tree0(m)
    t["parents"][t["left_children"][inner(t)]] = len(t["parents"]) - 1

edit("child_oob", lambda m: tree0(m)["left_children"].__setitem__(inner(tree0(m)), 99999))
edit("child_zero", lambda m: tree0(m)["left_children"].__setitem__(inner(tree0(m)), 0))
edit("child_twice", child_twice)
edit("feat_oob", lambda m: tree0(m)["split_indices"].__setitem__(inner(tree0(m)), 5000))
edit("tree_info_oob", lambda m: m["learner"]["gradient_booster"]["model"]["tree_info"].__setitem__(0, 7))
edit("short_array", short_array)
edit("num_nodes_big", lambda m: tree0(m)["tree_param"].__setitem__("num_nodes", "100000"))
edit("bad_parent", bad_parent)
edit("categorical", lambda m: tree0(m)["split_type"].__setitem__(inner(tree0(m)), 1))
edit("num_class", lambda m: m["learner"]["learner_model_param"].__setitem__("num_class", "3"))
edit("no_trees", lambda m: m["learner"]["gradient_booster"]["model"].__setitem__("trees", []))
text = json.dumps(good, separators=(",", ":"))
# a leaf value that is not JSON (NaN is not a JSON number)
with open(os.path.join(out, "leaf_nan.json"), "w") as f:
    t = good["learner"]["gradient_booster"]["model"]["trees"][0]
    leaf = next(i for i, l in enumerate(t["left_children"]) if l < 0)
    m = copy.deepcopy(good)
    tree0(m)["split_conditions"][leaf] = "@NAN@"
    f.write(json.dumps(m, separators=(",", ":")).replace('"@NAN@"', "NaN"))
with open(os.path.join(out, "cut.json"), "w") as f:
    f.write(text[: len(text) // 2])
with open(os.path.join(out, "deep.json"), "w") as f:
    f.write("[" * 100000)
