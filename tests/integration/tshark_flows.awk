# tests/integration/tshark_flows.awk -- tshark's packets summed the way
# p2ptrace's decoder keys flows (decode.h, flow.h), per direction by address.
#
# Input: `tshark -T fields -E occurrence=a` with the fields of TSHARK_FIELDS
# in test_tshark_shared.sh (tab separated; several values comma separated),
# then the `-z plen,tree` table. Output lines:
#   F PROTO LO_ADDR LO_PORT HI_ADDR HI_PORT PKTS_LO>HI BYTES_LO>HI PKTS_HI>LO BYTES_HI>LO
#   X PROTO LO_ADDR LO_PORT HI_ADDR HI_PORT REASON   (a key left out, see below)
#   E COUNT REASON                                (packets left out, by reason)
#   B 10 comma-joined plen bin counts
# The rules (the decoder's documented ones, where they differ from tshark's
# default view):
#  - the FIRST IP header is the flow (tunnels are not entered; ICMP errors
#    are keyed by the outer ICMP type/code, not the quoted header);
#  - ICMP/ICMPv6: source port 0, destination port type*256+code;
#  - IPv6: the protocol after hop-by-hop, routing, fragment, dest options,
#    AH and mobility headers;
#  - IPv4 AH is skipped;
#  - a later fragment takes the ports of its first fragment when that was
#    seen before it (same src, dst, id, protocol, within 60 s), else 0/0.
# Left out (E lines; X marks their keys so both sides drop them):
#  - IP reached through a layer the decoder does not enter (anything but
#    Ethernet/SLL/NULL/raw/PPP/Cisco HDLC/Frame Relay, 802.11 LLC (plain,
#    radiotap, PPI), PPI around Ethernet, 802.1Q/802.1ad, PPPoE, MPLS,
#    MACsec without encryption);
#  - IPv6 under LINKTYPE_IPV4 (tshark's IPv4 dissector hands it to IPv6;
#    the decoder refuses the version the link type does not name);
#  - more than 2 VLAN tags (decoder limit DECODE_VLAN_MAX);
#  - TCP/UDP/ICMP/SCTP whose header tshark could not decode (snap length).
function first(s,   a) { split(s, a, ","); return a[1] }
function nth(s, k,   a, n) { n = split(s, a, ","); return k <= n ? a[k] : "" }
function key(src, sp, dst, dp, proto) {
	e1 = src " " sp; e2 = dst " " dp
	if (e1 <= e2) { K = proto " " e1 " " e2; D = 0 } else { K = proto " " e2 " " e1; D = 1 }
}
function excl(reason) { ex[reason]++ }
BEGIN { FS = "\t"; stats = 0 }
/^=+$/ { stats = 1 }
stats {
	if ($0 ~ /^ +[0-9]+-[0-9]+ /) { split($0, w, " "); bins = bins (nb++ ? "," : "") w[2] }
	else if ($0 ~ /^ +5120 and greater/) { split($0, w, " "); bins = bins (nb++ ? "," : "") w[4] }
	next
}
NF < 20 { next }
{
	len = $1; np = split($2, L, ":"); t = $30 + 0
	for (i = 1; i <= np; i++) if (L[i] == "ip" || L[i] == "ipv6") break
	if (i > np) { nonip++; next }
	pre = ""
	for (j = 1; j < i; j++) pre = pre L[j] ":"
	bad = ""
	if (L[i] == "ip" && pre == "" && first($3) == "" && first($9) != "") {
		excl("IPv6 under LINKTYPE_IPV4 (228: the decoder refuses it)"); next
	}
	if (pre != "" && pre !~ /^((ppi:pcap_pktdata:)?(eth|sll):ethertype:(macsec:ethertype:)?((vlan|ieee8021ad):ethertype:)*(pppoes:ppp:)?(mpls:)*|null:|raw:|ppp:(mpls:)*|chdlc:|fr:|((radiotap|ppi):wlan_radio:)?wlan:llc:)$/)
		bad = "IP under " pre " (a layer the decoder does not enter)"
	else if (gsub(/(vlan|ieee8021ad):/, "&", pre) > 2)
		bad = "more than 2 VLAN tags"
	later = 0; sp = 0; dp = 0
	if (L[i] == "ip") {
		src = first($3); dst = first($4); proto = first($5)
		id = first($6); mf = first($7); off = first($8)
		if (off != "" && off != "0") later = 1
		if (proto == 51 && !later && $29 != "") proto = first($29)
	} else {
		src = first($9); dst = first($10); proto = ""
		fragh = 0; nh = 0; nr = 0; nd = 0
		for (j = i + 1; j <= np; j++) {
			if (L[j] == "ipv6.hopopts") { nh++; proto = nth($26, nh) }
			else if (L[j] == "ipv6.routing") { nr++; proto = nth($27, nr) }
			else if (L[j] == "ipv6.dstopts") { nd++; proto = nth($28, nd) }
			else if (L[j] == "ipv6.fraghdr") { fragh = 1; proto = first($15) }
			else if (L[j] == "ah" || L[j] == "ipv6.mipv6") { proto = "" }
			else break
		}
		if (j == i + 1) proto = first($11)
		if (L[j] == "tcp") proto = 6; else if (L[j] == "udp") proto = 17
		else if (L[j] == "icmpv6") proto = 58; else if (L[j] == "sctp") proto = 132
		if (proto == "") { bad = "IPv6 extension chain tshark does not name"; proto = 0 }
		id = first($12); mf = first($14); off = first($13)
		if (fragh && off != "" && off != "0") later = 1
	}
	proto += 0
	fkey = src " " dst " " id " " proto
	if (later) {
		if ((fkey in fsp) && t - ft[fkey] < 60) { sp = fsp[fkey]; dp = fdp[fkey] }
	} else if (proto == 6 || proto == 17 || proto == 136 || proto == 132) {
		if (proto == 6) { sp = first($16); dp = first($17) }
		else if (proto == 132) { sp = first($24); dp = first($25) }
		else { sp = first($18); dp = first($19) }
		if (sp == "" || dp == "") { if (bad == "") bad = "transport header not decoded (snap length?)"; sp = 0; dp = 0 }
	} else if (proto == 1 || proto == 58) {
		ty = proto == 1 ? first($20) : first($22)
		co = proto == 1 ? first($21) : first($23)
		if (ty == "") { if (bad == "") bad = "ICMP header not decoded"; ty = 0 }
		sp = 0; dp = ty * 256 + co
	}
	if (!later && (mf == "1" || mf == "True") && id != "") {
		fsp[fkey] = sp; fdp[fkey] = dp; ft[fkey] = t
	}
	key(src, sp, dst, dp, proto)
	if (bad != "") { excl(bad); xk[K] = bad; next }
	seen[K] = 1; pk[K, D]++; by[K, D] += len
}
END {
	for (k in seen) if (!(k in xk)) print "F", k, pk[k, 0] + 0, by[k, 0] + 0, pk[k, 1] + 0, by[k, 1] + 0
	for (k in xk) print "X", k, xk[k]
	for (r in ex) print "E", ex[r], r
	if (nonip) print "E", nonip, "non-IP (in no flow on either side)"
	print "B", bins
}
