#!/bin/sh
# tests/integration/test_linkgaps.sh -- the decoder gaps of issue 13 (items
# 11-15) on the fixtures of tests/fixtures/gen/mklinks.c: every flow row and
# "not in flows" count below is hand-counted in tests/fixtures/README.md,
# and each file is also compared with tshark (flows summed per key and
# direction by tshark_flows.awk's rules, size bins against its plen tree).
# On 5dfda7f every case fails: the link types 105/107/127/192 and the
# 0x04000001 link-type field were refused, 228/229 took the other version,
# a record's original length below its captured length became the captured
# length, and IPv6 payload length 0 used the captured bytes for any header.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/integration/csv.sh"
FX=$ROOT/tests/fixtures
cd "$TMPD" || exit 1
if ! have_analyze; then
	skip "linkgaps" "p2ptrace analyze not available"
	exit 0
fi
HAVE_TSHARK=0
command -v tshark >/dev/null 2>&1 && HAVE_TSHARK=1
FCOLS=src_addr,src_port,dst_addr,dst_port,proto,pkts_fwd,bytes_fwd,pkts_rev,bytes_rev,end_reason

# lg FILE ITEM FLOWS NOTIN: analyze FILE (--idle 0); its flows as FCOLS
# equal FLOWS (lines, any order), the "not in flows" line of the summary
# equals NOTIN ("" = none); then tshark's view of the file agrees.
lg() {
	_f=$1 _i=$2 _n=$(basename "$1")
	"$P2PTRACE" analyze --idle 0 --flows "$_n.flows" --nodes "$_n.nodes" \
		"$FX/$_f" >"$_n.out" 2>"$_n.err"
	_rc=$?
	if [ $_rc != 0 ]; then
		not_ok "$_i $_n: analyze" "exit $_rc: $(head -1 "$_n.err")"
		return
	fi
	sel "$_n.flows" "$FCOLS" | sort >"$_n.got"
	printf '%s\n' "$3" | sed '/^$/d; s/^[ 	]*//' | sort >"$_n.want"
	if cmp -s "$_n.got" "$_n.want"; then
		ok "$_i $_n: flows (hand-counted)"
	else
		not_ok "$_i $_n: flows (hand-counted)" "$(diff "$_n.want" "$_n.got" | grep '^[<>]' | head -6 | tr '\n' ' ')"
	fi
	_ni=$(sed -n 's/^ *not in flows *//p' "$_n.out")
	expect_eq "$_i $_n: packets not in flows" "$_ni" "$4"
	[ "$HAVE_TSHARK" = 1 ] || {
		skip "$_i $_n: tshark agrees" "tshark not installed"
		return
	}
	tshark_t "$FX/$_f" "$_n.t"
	grep '^F ' "$_n.t" | sort >"$_n.tf"
	eng_flines "$_n.flows" "$_n.t" >"$_n.ef"
	_tb=$(sed -n 's/^B //p' "$_n.t")
	_eb=$(sel "$_n.nodes" "$PLEN_COLS" | head -1)
	if [ -s "$_n.tf" ] && cmp -s "$_n.tf" "$_n.ef" && [ "$_tb" = "$_eb" ]; then
		ok "$_i $_n: flows and bins equal tshark's ($(wc -l <"$_n.tf") keys)"
	else
		not_ok "$_i $_n: flows and bins equal tshark's" "bins '$_eb' tshark '$_tb'; $(diff "$_n.tf" "$_n.ef" | grep '^[<>]' | head -4 | tr '\n' ' ')"
	fi
}

A=198.18.0.1 B=198.18.0.2 C=198.18.0.3 A6=2001:db8::1 B6=2001:db8::2

# 11: link-type field 0x04000001 (FCS-length flag) is Ethernet
lg lt_fcsflag.pcap 11 "$A,1000,$B,80,6,1,54,1,54,forced" ""
# 12: raw IPv4 / IPv6 link types refuse the other version
lg lt_ipv4.pcap 12 "$A,3000,$B,3001,17,1,32,0,0,forced" \
	"1 packets: IP version not the link type's (228/229) 1;"
lg lt_ipv6.pcap 12 "$A6,3000,$B6,3001,17,1,52,0,0,forced" \
	"1 packets: IP version not the link type's (228/229) 1;"
# 13: original length 46 below the captured 60 stays 46
lg origlen.pcap 13 "$A,4000,$B,4001,17,2,106,0,0,forced" ""
lg origlen.pcapng 13 "$A,4000,$B,4001,17,2,106,0,0,forced" ""
expect_eq "13 origlen.pcap: node bytes and bins (46 and 60 in 40-79)" \
	"$(sel origlen.pcap.nodes bytes,plen_40_79)" "106,2"
# 15: 802.11, radiotap (FCS, data pad), PPI (802.11 and Ethernet)
W4="$A,1111,$B,80,6,1,72,0,0,forced
	$A6,5000,$B6,5001,17,1,94,0,0,forced
	$B,7000,$A,7001,17,1,70,0,0,forced
	$A,0,$B,2048,1,1,70,0,0,forced"
WNOT="3 packets: not IP (ARP, LLDP, ...) 2; encrypted (802.11 protected, MACsec) 1;"
lg lt_wlan.pcap 15 "$W4" "$WNOT"
lg lt_radiotap.pcap 15 "$A,1111,$B,80,6,1,94,0,0,forced
	$A6,5000,$B6,5001,17,1,118,0,0,forced
	$B,7000,$A,7001,17,1,94,0,0,forced
	$A,0,$B,2048,1,1,94,0,0,forced" "$WNOT"
lg lt_ppi.pcap 15 "$A,1111,$B,80,6,1,80,0,0,forced
	$A6,5000,$B6,5001,17,1,102,0,0,forced
	$B,7000,$A,7001,17,1,78,0,0,forced
	$A,0,$B,2048,1,1,78,0,0,forced
	$B,9,$C,9,17,1,66,0,0,forced" "$WNOT"
# 15: Frame Relay (RFC 2427 IPv4/IPv6/SNAP, Cisco), PPP + MPLS, MACsec
lg lt_fr.pcap 15 "$A,2000,$B,2001,17,1,36,1,46,forced
	$B6,2001,$A6,2000,17,1,56,0,0,forced
	$A,2002,$B,179,6,1,44,0,0,forced" "1 packets: not IP (ARP, LLDP, ...) 1;"
lg lt_pppmpls.pcap 15 "$A,3333,$B,443,6,1,48,1,52,eof
	$A6,53,$B6,53,17,1,56,0,0,forced" "1 packets: not IP (ARP, LLDP, ...) 1;"
lg macsec.pcap 15 "$A,5555,$B,6666,17,1,84,0,0,forced
	$B6,6666,$A6,5555,17,1,96,0,0,forced
	$A,7,$B,7,17,1,60,0,0,forced" "1 packets: encrypted (802.11 protected, MACsec) 1;"

# 14: IPv6 payload length 0. BIG TCP/UDP (payload on the wire > 65,535)
# and the jumbogram are flows; ICMPv6 in a big frame and a small UDP frame
# are not. tshark 4.0 decodes only the jumbogram's ports (it reads length
# 0 as no payload), so its keys must be a subset of ours, and the other
# two of ours are the BIG TCP/UDP frames counted by hand.
n=ip6_plen0.pcap
"$P2PTRACE" analyze --idle 0 --flows $n.flows --nodes $n.nodes "$FX/$n" >$n.out 2>$n.err
expect_eq "14 $n: flows (hand-counted; ip bytes = wire - 14, jumbo 40 + 65616)" \
	"$(sel $n.flows "$FCOLS,ip_bytes_fwd" | sort | tr '\n' ' ')" \
	"$A6,6000,$B6,80,6,1,65674,0,0,forced,65660 $A6,6001,$B6,53,17,1,65662,0,0,forced,65648 $A6,6003,$B6,53,17,1,65670,0,0,forced,65656 "
expect_eq "14 $n: packets not in flows" "$(sed -n 's/^ *not in flows *//p' $n.out)" \
	"2 packets: IPv6 payload length 0, no jumbo, not BIG TCP 2;"
if [ "$HAVE_TSHARK" = 1 ]; then
	tshark_t "$FX/$n" $n.t
	grep '^F ' $n.t | sort >$n.tf
	eng_flines $n.flows $n.t >$n.ef
	expect_eq "14 $n: tshark's one decoded key (the jumbogram) is ours" \
		"$(comm -23 $n.tf $n.ef | wc -l) $(wc -l <$n.tf) $(comm -13 $n.tf $n.ef | wc -l)" "0 1 2"
	expect_eq "14 $n: bins equal tshark's" "$(sel $n.nodes "$PLEN_COLS")" "$(sed -n 's/^B //p' $n.t)"
else
	skip "14 $n: tshark agrees" "tshark not installed"
fi

# the shared trace with link type 192 (PPI around Ethernet), refused before
if [ -n "$SHARED" ] && [ -f "$SHARED/someip_sd_sample.pcap" ] && [ "$HAVE_TSHARK" = 1 ]; then
	n=someip_sd_sample.pcap
	"$P2PTRACE" analyze -q --idle 0 --flows $n.flows --nodes $n.nodes "$SHARED/$n" >/dev/null 2>$n.err
	tshark_t "$SHARED/$n" $n.t
	grep '^F ' $n.t | sort >$n.tf
	eng_flines $n.flows $n.t >$n.ef
	if [ -s $n.tf ] && cmp -s $n.tf $n.ef && [ "$(sed -n 's/^B //p' $n.t)" = "$(sel $n.nodes "$PLEN_COLS")" ]; then
		ok "15 shared $n (PPI): flows and bins equal tshark's ($(wc -l <$n.tf) keys)"
	else
		not_ok "15 shared $n (PPI): flows and bins equal tshark's" "$(head -1 $n.err) $(diff $n.tf $n.ef | head -4 | tr '\n' ' ')"
	fi
else
	skip "15 shared someip_sd_sample.pcap (PPI)" "shared trace or tshark missing"
fi
exit 0
