#!/bin/sh
# test_outputs.sh -- the output formats agree with each other and with
# their documentation: every column analyze writes is in docs/OUTPUTS.md;
# IPFIX records (read back by libfixbuf's ipfixDump) carry the same
# packet and byte counts as the CSV flows; the summary names each node.
. "$(dirname "$0")/../lib.sh"

F=""
[ -n "$SHARED" ] && F="$SHARED/443-curl.pcap"
[ -n "$F" ] || F=$(ls "$ROOT"/tests/fixtures/*.pcap 2>/dev/null | head -1)
if [ -z "$F" ]; then
	skip outputs "no trace: neither ../shared nor tests/fixtures/*.pcap"
	exit 0
fi

"$P2PTRACE" analyze -q --features --flows "$TMPD/f.csv" --nodes "$TMPD/n.csv" \
	--windows "$TMPD/w.csv" --ipfix "$TMPD/f.ipfix" "$F" || not_ok run "exit $?"

# 1. every column is documented
for t in f n w; do
	missing=""
	for c in $(head -1 "$TMPD/$t.csv" | tr ',' ' '); do
		case "$c" in
		p[0-9]*_len | p[0-9]*_dir | p[0-9]*_us) c=$(echo "$c" | sed 's/p[0-9]*_/p1_/') ;;
		*_rev) c=$(echo "$c" | sed 's/_rev$/_fwd/') ;;
		plen_* | pct_* | up_* | down_*) c=$(echo "$c" | sed 's/_.*/_0_19/') ;;
		fine_*) c=fine_0_31 ;;
		esac
		grep -q "$c" "$ROOT/docs/OUTPUTS.md" || missing="$missing $c"
	done
	expect_eq "columns of $t documented" "$missing" ""
done

# 2. JSON lines carry the same numbers as CSV
if command -v jq >/dev/null; then
	"$P2PTRACE" analyze -q --json --flows "$TMPD/f.json" "$F"
	a=$(awk -F, 'NR>1{p+=$10+$11; b+=$12+$13} END{print p, b}' "$TMPD/f.csv")
	j=$(jq -s '[ (map(.pkts_fwd+.pkts_rev)|add), (map(.bytes_fwd+.bytes_rev)|add) ] | join(" ")' -r "$TMPD/f.json")
	expect_eq "json = csv (packets, bytes)" "$j" "$a"
else
	skip "json = csv" "jq not installed"
fi

# 3. IPFIX read back by an independent reader
if command -v ipfixDump >/dev/null; then
	ipfixDump --in "$TMPD/f.ipfix" >"$TMPD/dump.txt" 2>&1
	i=$(awk '/ packetDeltaCount :/{p+=$NF} /reversePacketDeltaCount :/{p+=$NF}
		/ layer2OctetDeltaCount :/{b+=$NF} /reverseLayer2OctetDeltaCount :/{b+=$NF}
		/data record/{n++} END{print n, p, b}' "$TMPD/dump.txt")
	c=$(awk -F, 'NR>1{n++; p+=$10+$11; b+=$12+$13} END{print n, p, b}' "$TMPD/f.csv")
	expect_eq "ipfix records, packets, bytes = csv" "$i" "$c"
else
	skip ipfix "ipfixDump (libfixbuf-tools) not installed"
fi

# 4. the summary
"$P2PTRACE" analyze "$F" >"$TMPD/sum.txt"
check "summary has the node and its bins" grep -q "1280-2559" "$TMPD/sum.txt"
