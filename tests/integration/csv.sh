# tests/integration/csv.sh -- helpers the integration suites share (sourced
# after tests/lib.sh; not a suite itself: its name does not start "test_").
#   sel FILE COL,COL,...    the named columns of each data row of a CSV file
#                           (header line first; double quotes understood),
#                           joined by commas
#   tshark_bins FILE        the 10 counts of `tshark -q -z plen,tree`,
#                           comma-joined ("" when tshark cannot read FILE)
#   have_analyze            0 when $P2PTRACE analyze works on a fixture
#   PLEN_COLS               the nodes/flows bin column names, in order

PLEN_COLS=plen_0_19,plen_20_39,plen_40_79,plen_80_159,plen_160_319,plen_320_639,plen_640_1279,plen_1280_2559,plen_2560_5119,plen_5120_up

sel() {
	awk -v want="$2" '
	function csv(line, f,   n, i, c, q, cur, L) {
		if (index(line, "\"") == 0)
			return split(line, f, ",")
		n = 0; cur = ""; q = 0; L = length(line)
		for (i = 1; i <= L; i++) {
			c = substr(line, i, 1)
			if (q) {
				if (c == "\"") {
					if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ }
					else q = 0
				} else cur = cur c
			} else if (c == "\"") q = 1
			else if (c == ",") { f[++n] = cur; cur = "" }
			else cur = cur c
		}
		f[++n] = cur
		return n
	}
	NR == 1 {
		sub(/\r$/, "")
		n = csv($0, h)
		for (i = 1; i <= n; i++) idx[h[i]] = i
		m = split(want, w, ",")
		for (j = 1; j <= m; j++)
			if (!(w[j] in idx)) { print "NO-COLUMN-" w[j]; bad = 1; exit 1 }
		next
	}
	{
		sub(/\r$/, "")
		csv($0, f)
		s = ""
		for (j = 1; j <= m; j++) s = s (j > 1 ? "," : "") f[idx[w[j]]]
		print s
	}' "$1"
}

tshark_bins() {
	tshark -n -q -z plen,tree -r "$1" 2>/dev/null | awk '
		/^ +[0-9]+-[0-9]+ / { s = s (n++ ? "," : "") $2 }
		/^ +5120 and greater/ { s = s (n++ ? "," : "") $4 }
		END { if (n == 10) print s }'
}

have_analyze() {
	[ -x "$P2PTRACE" ] || return 1
	"$P2PTRACE" analyze -q --flows /dev/null --nodes /dev/null \
		"$ROOT/tests/fixtures/tcp_end.pcap" >"$TMPD/probe.out" 2>&1 || return 1
	! grep -qi 'not built yet' "$TMPD/probe.out"
}

# eng_flines FLOWS_CSV TSHARK_T: the flows of FLOWS_CSV summed per key and
# direction by address, as the "F ..." lines of tshark_flows.awk, without
# the keys TSHARK_T marks "X" (left out on tshark's side), sorted.
eng_flines() {
	sel "$1" src_addr,src_port,dst_addr,dst_port,proto,pkts_fwd,bytes_fwd,pkts_rev,bytes_rev |
		awk -F, -v x="$2" '
		BEGIN { while ((getline l < x) > 0) { split(l, a, " "); if (a[1] == "X") xk[a[2] " " a[3] " " a[4] " " a[5] " " a[6]] = 1 } }
		{
			e1 = $1 " " $2; e2 = $3 " " $4
			if (e1 <= e2) { k = $5 " " e1 " " e2; p0 = $6; b0 = $7; p1 = $8; b1 = $9 }
			else { k = $5 " " e2 " " e1; p0 = $8; b0 = $9; p1 = $6; b1 = $7 }
			if (k in xk) next
			seen[k] = 1; P0[k] += p0; B0[k] += b0; P1[k] += p1; B1[k] += b1
		}
		END { for (k in seen) print "F", k, P0[k], B0[k], P1[k], B1[k] }' | sort
}

# tshark_t PCAP OUT: tshark's view of PCAP (fields + plen tree) through
# tshark_flows.awk into OUT (F/X/E/B lines). PCAP "-" reads stdin.
TSHARK_FIELDS="frame.len frame.protocols ip.src ip.dst ip.proto ip.id ip.flags.mf
ip.frag_offset ipv6.src ipv6.dst ipv6.nxt ipv6.fraghdr.ident ipv6.fraghdr.offset
ipv6.fraghdr.more ipv6.fraghdr.nxt tcp.srcport tcp.dstport udp.srcport udp.dstport
icmp.type icmp.code icmpv6.type icmpv6.code sctp.srcport sctp.dstport
ipv6.hopopts.nxt ipv6.routing.nxt ipv6.dstopts.nxt ah.next_header frame.time_epoch"
tshark_t() {
	(
		_p=$1
		set --
		for x in $TSHARK_FIELDS; do set -- "$@" -e "$x"; done
		tshark -n -r "$_p" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
			-o tcp.desegment_tcp_streams:FALSE -T fields -E occurrence=a \
			-E separator=/t "$@" -z plen,tree 2>/dev/null
	) | awk -f "$ROOT/tests/integration/tshark_flows.awk" >"$2"
}
