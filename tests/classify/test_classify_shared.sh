#!/bin/sh
# test_classify_shared.sh -- classify over the shared nDPI corpus
# (../shared/data/pcap): the join of .ndpi.out labels to our flows is
# checked against the .ndpi.out files themselves (grep), and a by-file
# k-fold evaluation prints the model and every baseline.
. "$(dirname "$0")/../lib.sh"
[ -n "$SHARED" ] || { skip all "no shared traces (\$SHARED is empty)"; exit 0; }
command -v python3 >/dev/null 2>&1 || { skip all "python3 not found"; exit 0; }
S=$SHARED

# 1. labels: every DPI-confidence 5-tuple of a protocol in the .ndpi.out
# file is found among our flows with that class (our flows may split one
# nDPI flow at the 64 s idle timeout: count distinct 5-tuples)
"$P2PTRACE" classify train --model "$TMPD/m.json" "$S/gnutella.pcap" "$S/bittorrent_transmission.pcapng" "$S/skype.pcap" "$S/443-curl.pcap" 2>"$TMPD/err" ||
	not_ok "train on four shared traces" "$(cat "$TMPD/err")"
for t in gnutella.pcap:gnutella:Gnutella bittorrent_transmission.pcapng:bittorrent:BitTorrent; do
	f=${t%%:*}; r=${t#*:}; cls=${r%%:*}; name=${r#*:}
	"$P2PTRACE" classify predict --model "$TMPD/m.json" "$S/$f" >"$TMPD/p.csv" 2>"$TMPD/err"
	got=$(awk -F, -v c="$cls" 'NR>1 && $9==c { a=$2":"$3; b=$4":"$5; k=(a<b)? a"-"b : b"-"a; print $6"/"k }' "$TMPD/p.csv" | sort -u | wc -l)
	want=$(grep -P '^\t\d+\t' "$S/$f.ndpi.out" | grep "$name[].]" | grep -c 'Confidence: DPI')
	expect_eq "$f: $cls-labeled 5-tuples = nDPI's DPI $name lines" "$got" "$want"
done

# analyze --fine-bins --model gives the same class as classify predict for
# every flow (same features, same trees, joined on 5-tuple + start time)
"$P2PTRACE" classify predict --model "$TMPD/m.json" "$S/skype.pcap" |
	awk -F, 'NR>1 { print $2":"$3"-"$4":"$5"/"$6"/"$7, $11 }' | sort >"$TMPD/a.txt"
"$P2PTRACE" analyze -q --fine-bins --model "$TMPD/m.json" --flows "$TMPD/f.csv" "$S/skype.pcap" 2>"$TMPD/err"
awk -F, 'NR==1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ print $c["src_addr"]":"$c["src_port"]"-"$c["dst_addr"]":"$c["dst_port"]"/"$c["proto"]"/"$c["first_ns"], $c["pred_class"] }' "$TMPD/f.csv" | sort >"$TMPD/b.txt"
v=$(join "$TMPD/a.txt" "$TMPD/b.txt" | awk '{ n++; if ($2 == $3) s++ } END { print n - s, (n > 100) }')
expect_eq "analyze --fine-bins --model = classify predict on every skype.pcap flow" "$v" "0 1"

# --label ndpi: libndpi 4.2 on the packets agrees with Debian's ndpiReader
# (same library) on which 5-tuples are Gnutella
if command -v ndpiReader >/dev/null 2>&1; then
	"$P2PTRACE" classify train --label ndpi --model "$TMPD/n.json" "$S/gnutella.pcap" "$S/443-curl.pcap" 2>"$TMPD/err" ||
		not_ok "train --label ndpi" "$(cat "$TMPD/err")"
	"$P2PTRACE" classify predict --label ndpi --model "$TMPD/n.json" "$S/gnutella.pcap" >"$TMPD/p.csv" 2>"$TMPD/err"
	got=$(awk -F, 'NR>1 && $9=="gnutella" && $10=="ndpi" { a=$2":"$3; b=$4":"$5; k=(a<b)? a"-"b : b"-"a; print $6"/"k }' "$TMPD/p.csv" | sort -u | wc -l)
	want=$(ndpiReader -i "$S/gnutella.pcap" -v 2 2>/dev/null | grep -P '^\s*\d+\s+(TCP|UDP) ' | grep -c 'Gnutella[].]')
	expect_eq "--label ndpi: Gnutella 5-tuples = ndpiReader's ($want)" "$got" "$want"
else
	skip "--label ndpi vs ndpiReader" "ndpiReader not installed (libndpi-bin)"
fi

# 2. a by-file 3-fold evaluation on part of the corpus: keys and ranges
ls "$S"/*.pcap | head -60 >"$TMPD/list"
"$P2PTRACE" classify eval --kfold 3 --no-early --json $(cat "$TMPD/list") "$S/gnutella.pcap" "$S/bittorrent_transmission.pcapng" >"$TMPD/e.json" 2>"$TMPD/err" ||
	not_ok "eval on the shared corpus" "$(cat "$TMPD/err")"
v=$(python3 - "$TMPD/e.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ok = all(0 <= j[k]["macro_f1"] <= 1 for k in ["model"]) and \
     all(0 <= j["baselines"][b]["macro_f1"] <= 1 for b in ["port", "ptp", "size_bins"])
files = [t for f in j["split"]["fold_files"] for t in f["test"]]
print(ok, len(files) == len(set(files)), j["split"]["groups_on_both_sides"], j["classes"][0])
PY
)
expect_eq "eval on shared traces: metrics in [0,1], each file tested once" "$v" "True True 0 bittorrent"
# analyze --model over many files (more flows than the output thread's
# ring of 2048): the rows and their order on one stream, with window and
# node rows between them, are those of analyze without a model
set -- "$S/bittorrent_transmission.pcapng" "$S/bittorrent_transmission.pcapng" "$S/bittorrent_transmission.pcapng" "$S/gnutella.pcap" "$S/skype.pcap" "$S/443-curl.pcap"
"$P2PTRACE" analyze -q --json --flows - --windows - --window 10 --nodes - "$@" >"$TMPD/ord0.json" 2>>"$TMPD/err"
"$P2PTRACE" analyze -q --json --flows - --windows - --window 10 --nodes - --model "$TMPD/m.json" "$@" >"$TMPD/ord1.json" 2>>"$TMPD/err"
a=$(md5sum <"$TMPD/ord0.json")
b=$(sed 's/,"pred_class":"[^"]*","pred_prob":[0-9.e+-]*}$/}/' "$TMPD/ord1.json" | md5sum)
n=$(grep -c '"pred_class"' "$TMPD/ord1.json")
m=$(grep -c '"end_reason"' "$TMPD/ord0.json")
expect_eq "analyze --model: $n flow rows, same rows and order among window and node rows" "$a $n" "$b $m"
[ "$n" -gt 2048 ] && ok "analyze --model: more flows ($n) than the output ring" || not_ok "analyze --model: more flows than the ring" "$n"
exit 0
