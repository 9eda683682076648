#!/bin/sh
# tests/classify/test_transfer_shared.sh -- a lab-style model scored on
# captures from elsewhere (../shared/data/wild, no .ndpi.out beside them):
# `classify predict --label ndpi` labels their flows with libndpi, and the
# flows it labels ftp / ssh are the ones Debian's ndpiReader names
# FTP_CONTROL/FTP_DATA / SSH with DPI confidence (same 5-tuples);
# `classify eval --model --label ndpi-any` scores the same files and its
# per-class support equals predict's label counts (flows of >= 3 packets).
. "$(dirname "$0")/../lib.sh"
W=${SHARED:+$SHARED/../wild}
[ -n "$W" ] && [ -d "$W" ] || { skip all "no ../shared/data/wild"; exit 0; }
command -v ndpiReader >/dev/null 2>&1 || { skip all "ndpiReader not installed (libndpi-bin)"; exit 0; }
command -v python3 >/dev/null 2>&1 || { skip all "python3 not found"; exit 0; }
python3 "$ROOT/tests/classify/mksynth.py" "$TMPD/s" 4 3 >/dev/null 2>&1 &&
	"$P2PTRACE" classify train --model "$TMPD/m.json" "$TMPD/s" 2>/dev/null ||
	{ not_ok "train" "mksynth/train failed"; exit 0; }
for f in "$W"/ftp__OISF.suricata-verify__ftp-active-mode.pcap "$W"/ftp__Montimage.mmt-dpi__ftp_pdf.pcap \
	"$W"/ssh__OISF.suricata-verify__ssh-newkeys_input.pcap; do
	[ -f "$f" ] || { skip "$(basename "$f")" "not in $W"; continue; }
	b=$(basename "$f")
	cls=ftp; names="FTP_CONTROL|FTP_DATA"
	case $b in ssh*) cls=ssh; names="SSH" ;; esac
	"$P2PTRACE" classify predict --label ndpi --model "$TMPD/m.json" "$f" >"$TMPD/p.csv" 2>"$TMPD/err" ||
		{ not_ok "$b: predict --label ndpi" "$(head -2 "$TMPD/err")"; continue; }
	got=$(awk -F, -v c=$cls 'NR > 1 && $9 == c { print $2, $3, $4, $5 }' "$TMPD/p.csv" | tr -d '[]' | sort | tr '\n' ';')
	want=$(ndpiReader -q -v 2 -i "$f" 2>/dev/null | grep -E "proto: [0-9.]*/($names)[]]" | grep 'Confidence: DPI' |
		sed -n 's/.*\(TCP\|UDP\) \(.*\):\([0-9]*\) <*-> \(.*\):\([0-9]*\) \[proto.*/\2 \3 \4 \5/p' | tr -d '[]' |
		awk '{ if ($1 " " $2 < $3 " " $4) print $1, $2, $3, $4; else print $3, $4, $1, $2 }' | sort | tr '\n' ';')
	got=$(printf '%s' "$got" | tr ';' '\n' | awk 'NF { if ($1 " " $2 < $3 " " $4) print $1, $2, $3, $4; else print $3, $4, $1, $2 }' | sort | tr '\n' ';')
	n=$(printf '%s' "$want" | tr ';' '\n' | grep -c .)
	expect_eq "$b: --label ndpi: $cls flows = ndpiReader's ($n)" "$got" "$want"
	"$P2PTRACE" classify eval --json --model "$TMPD/m.json" --label ndpi-any --min-pkts 3 "$f" >"$TMPD/e.json" 2>/dev/null
	v=$(python3 - "$TMPD/p.csv" "$TMPD/e.json" <<'PY'
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["label"] and int(r["pkts"]) >= 3]
j = json.load(open(sys.argv[2]))
want = {}
for r in rows:
    want[r["label"]] = want.get(r["label"], 0) + 1
got = {c: v["support"] for c, v in j["per_class"].items() if v["support"]}
print(got == want, j["rows"] == len(rows))
PY
)
	expect_eq "$b: eval --model support per class = predict's labels (>= 3 packets)" "$v" "True True"
done
exit 0
