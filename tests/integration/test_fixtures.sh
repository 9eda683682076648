#!/bin/sh
# tests/integration/test_fixtures.sh -- `p2ptrace analyze` on the hand-built
# fixtures of tests/fixtures/ (made by tests/fixtures/gen/mkpcap.c): every
# expected value below is hand-counted in tests/fixtures/README.md, and the
# size bins of every fixture are also checked against tshark's plen tree.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/integration/csv.sh"
FX=$ROOT/tests/fixtures
cd "$TMPD" || exit 1

# 1. The checked-in fixtures are what the generator writes today.
MK=$(dirname "$P2PTRACE")/mkfixtures
if [ ! -x "$MK" ]; then
	MK=$TMPD/mkfixtures
	${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -o "$MK" "$FX/gen/mkpcap.c" "$FX/gen/mklinks.c" 2>"$TMPD/cc.err" || MK=
fi
if [ -n "$MK" ]; then
	mkdir -p "$TMPD/gen"
	"$MK" "$TMPD/gen" >/dev/null
	diffs=""
	for f in "$TMPD"/gen/*; do
		b=$(basename "$f")
		cmp -s "$f" "$FX/$b" || diffs="$diffs $b"
	done
	[ "$(ls "$TMPD/gen" | wc -l)" -gt 20 ] || diffs="$diffs (too few files)"
	for f in "$FX"/*.pcap "$FX"/*.pcapng; do
		[ -f "$TMPD/gen/$(basename "$f")" ] || diffs="$diffs stale:$(basename "$f")"
	done
	expect_eq "fixtures: generator output equals the checked-in files" "$diffs" ""
	mkdir -p "$TMPD/gen2" && "$MK" "$TMPD/gen2" >/dev/null
	check "fixtures: generator is deterministic" diff -r "$TMPD/gen" "$TMPD/gen2"
else
	skip "fixtures: generator output equals the checked-in files" "no C compiler"
fi

if ! have_analyze; then
	skip "fixtures: analyze" "p2ptrace analyze not available ($(head -c 200 "$TMPD/probe.out" 2>/dev/null))"
	exit 0
fi

FCOLS=src_addr,src_port,dst_addr,dst_port,proto,vlan,pkts_fwd,bytes_fwd,pkts_rev,bytes_rev,end_reason

# an NAME ARGS...: run analyze with --flows NAME.flows --nodes NAME.nodes
an() {
	_n=$1
	shift
	"$P2PTRACE" analyze -q --flows "$TMPD/$_n.flows" --nodes "$TMPD/$_n.nodes" "$@" \
		>"$TMPD/$_n.out" 2>"$TMPD/$_n.err"
	RC=$?
}

# rows NAME CASE COLS EXPECTED [REGEX]: the flows of run NAME (those whose
# COLS match REGEX), as COLS, sorted, equal EXPECTED (lines, any order)
rows() {
	sel "$TMPD/$1.flows" "$3" 2>&1 | grep -E -- "${5:-.}" | sort >"$TMPD/got"
	printf '%s\n' "$4" | sed '/^$/d; s/^[ 	]*//' | sort >"$TMPD/want"
	if cmp -s "$TMPD/got" "$TMPD/want"; then
		ok "$2"
	else
		not_ok "$2" "rc=$RC $(head -2 "$TMPD/$1.err" | tr '\n' ' ') diff: $(diff "$TMPD/want" "$TMPD/got" | grep '^[<>]' | head -8 | tr '\n' ' ')"
	fi
}

# node NAME CASE COLS EXPECTED: the (single) nodes row of run NAME
node() {
	expect_eq "$2" "$(sel "$TMPD/$1.nodes" "$3" 2>&1 | head -3)" "$4"
}

# ---- FIN/RST endings and the originator -------------------------------
an tcp "$FX/tcp_end.pcap"
expect_eq "tcp_end: exit status" "$RC" 0
rows tcp "tcp_end: flows, FIN both ways / RST end (eof), originator" "$FCOLS" "
	198.18.0.1,40000,198.18.0.2,80,6,0,5,370,3,362,eof
	198.18.0.1,40001,198.18.0.2,81,6,0,1,54,1,54,eof
	198.18.0.1,40001,198.18.0.2,81,6,0,1,54,0,0,forced
	198.18.0.2,443,198.18.0.1,40002,6,0,2,128,1,54,forced
	198.18.0.1,40004,198.18.0.2,9000,6,0,1,54,2,108,forced
	198.18.0.1,5353,198.18.0.2,53,17,0,1,62,1,82,forced"
rows tcp "tcp_end: times, IP bytes and bins of the closed flow" \
	"src_port,first_ns,last_ns,ip_bytes_fwd,ip_bytes_rev,$PLEN_COLS" "
	40000,1700000000123456000,1700000000193456000,300,320,0,0,6,1,1,0,0,0,0,0" '^40000,'

node tcp "tcp_end: node packets, bytes, IP packets, bins" \
	"pkts,bytes,ip_pkts,$PLEN_COLS" "19,1382,19,0,0,16,2,1,0,0,0,0,0"
# --features, flow 1: fwd sizes 54,54,154,54,54 at 0,20,30,50,70 ms; rev
# 54,254,54 at 10,40,60 ms (population std, IAT in us)
an tcpf --features "$FX/tcp_end.pcap"
rows tcpf "tcp_end --features: size and inter-arrival statistics of flow 1" \
	src_port,duration_s,payload_fwd,size_min_fwd,size_mean_fwd,size_max_fwd,size_std_fwd,iat_min_us_fwd,iat_mean_us_fwd,iat_max_us_fwd,iat_std_us_fwd,payload_rev,size_min_rev,size_mean_rev,size_max_rev,size_std_rev,iat_min_us_rev,iat_mean_us_rev,iat_max_us_rev,iat_std_us_rev "
	40000,0.07,100,54,74,154,40,10000,17500,20000,4330.127,200,54,120.667,254,94.281,20000,25000,30000,5000" '^40000,'
rows tcpf "tcp_end --features: first 10 packets of flow 1 (length, direction, us)" \
	src_port,p1_len,p1_dir,p1_us,p2_len,p2_dir,p2_us,p3_len,p3_dir,p3_us,p4_len,p4_dir,p4_us,p5_len,p5_dir,p5_us,p6_len,p6_dir,p6_us,p7_len,p7_dir,p7_us,p8_len,p8_dir,p8_us,p9_len,p9_dir,p9_us,p10_len,p10_dir,p10_us "
	40000,54,1,0,54,-1,10000,54,1,20000,154,1,30000,254,-1,40000,54,1,50000,54,-1,60000,54,1,70000,0,0,0,0,0,0" '^40000,'
rows tcpf "tcp_end --features: TCP flag counts of flow 1" \
	src_port,syn_fwd,fin_fwd,rst_fwd,psh_fwd,syn_rev,fin_rev,rst_rev,psh_rev "
	40000,1,1,0,1,1,1,0,1" '^40000,'
an tcpnoend --no-tcp-end "$FX/tcp_end.pcap"
rows tcpnoend "tcp_end --no-tcp-end: flows kept to the end" "$FCOLS" "
	198.18.0.1,40000,198.18.0.2,80,6,0,5,370,3,362,forced
	198.18.0.1,40001,198.18.0.2,81,6,0,2,108,1,54,forced
	198.18.0.2,443,198.18.0.1,40002,6,0,2,128,1,54,forced
	198.18.0.1,40004,198.18.0.2,9000,6,0,1,54,2,108,forced
	198.18.0.1,5353,198.18.0.2,53,17,0,1,62,1,82,forced"

# ---- the same packets in pcap us/ns, LE/BE: identical output ----------
for v in ts_us_be ts_ns_le ts_ns_be; do
	an "$v" "$FX/$v.pcap"
	cut -d, -f2- "$TMPD/tcp.flows" >"$TMPD/a"
	cut -d, -f2- "$TMPD/$v.flows" >"$TMPD/b"
	cut -d, -f2- "$TMPD/tcp.nodes" >"$TMPD/c"
	cut -d, -f2- "$TMPD/$v.nodes" >"$TMPD/d"
	if [ "$RC" = 0 ] && [ -s "$TMPD/b" ] && cmp -s "$TMPD/a" "$TMPD/b" && cmp -s "$TMPD/c" "$TMPD/d"; then
		ok "$v.pcap: output identical to tcp_end.pcap (pcap us LE)"
	else
		not_ok "$v.pcap: output identical to tcp_end.pcap (pcap us LE)" \
			"rc=$RC $(diff "$TMPD/a" "$TMPD/b" | head -4 | tr '\n' ' ')"
	fi
done

# ---- idle timeout edges ------------------------------------------------
an idle "$FX/idle.pcap"
rows idle "idle: 64 s gap one flow, 64 s + 1 ns two flows (first idle)" "$FCOLS" "
	198.18.0.1,1000,198.18.0.2,2000,17,0,2,120,0,0,forced
	198.18.0.1,1001,198.18.0.2,2001,17,0,1,60,0,0,idle
	198.18.0.1,1001,198.18.0.2,2001,17,0,1,60,0,0,forced"
rows idle "idle: flow times in ns" "src_port,first_ns,last_ns,end_reason" "
	1000,1700000000000000000,1700000064000000000,forced
	1001,1700000000500000000,1700000000500000000,idle
	1001,1700000064500000001,1700000064500000001,forced"
an idle0 --idle 0 "$FX/idle.pcap"
rows idle0 "idle --idle 0: no idle split" "$FCOLS" "
	198.18.0.1,1000,198.18.0.2,2000,17,0,2,120,0,0,forced
	198.18.0.1,1001,198.18.0.2,2001,17,0,2,120,0,0,forced"

# ---- active timeout, other idle value ----------------------------------
an act "$FX/active.pcap"
rows act "active: default, one flow" "$FCOLS" "
	198.18.0.1,9000,198.18.0.2,9001,17,0,11,462,0,0,forced"
an act25 --active 25 "$FX/active.pcap"
rows act25 "active --active 25: flows of 3,3,3,2 packets" "$FCOLS,first_ns" "
	198.18.0.1,9000,198.18.0.2,9001,17,0,3,126,0,0,active,1700000000000000000
	198.18.0.1,9000,198.18.0.2,9001,17,0,3,126,0,0,active,1700000030000000000
	198.18.0.1,9000,198.18.0.2,9001,17,0,3,126,0,0,active,1700000060000000000
	198.18.0.1,9000,198.18.0.2,9001,17,0,2,84,0,0,forced,1700000090000000000"
an idle5 --idle 5 "$FX/active.pcap"
expect_eq "active --idle 5: 11 one-packet flows, 10 idle + 1 forced" \
	"$(sel "$TMPD/idle5.flows" pkts_fwd,end_reason | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ';')" \
	"1 1,forced;10 1,idle;"

# ---- --max-flows eviction ----------------------------------------------
an mf --max-flows 3 "$FX/maxflows.pcap"
rows mf "maxflows --max-flows 3: least recently seen evicted (lack)" "$FCOLS" "
	198.18.0.1,10001,198.18.0.2,53,17,0,1,42,0,0,lack
	198.18.0.1,10002,198.18.0.2,53,17,0,1,42,0,0,lack
	198.18.0.1,10003,198.18.0.2,53,17,0,1,42,0,0,lack
	198.18.0.1,10004,198.18.0.2,53,17,0,1,42,0,0,forced
	198.18.0.1,10005,198.18.0.2,53,17,0,1,42,0,0,forced
	198.18.0.1,10001,198.18.0.2,53,17,0,1,42,0,0,forced"
an mfdef "$FX/maxflows.pcap"
rows mfdef "maxflows default: no eviction" "$FCOLS" "
	198.18.0.1,10001,198.18.0.2,53,17,0,2,84,0,0,forced
	198.18.0.1,10002,198.18.0.2,53,17,0,1,42,0,0,forced
	198.18.0.1,10003,198.18.0.2,53,17,0,1,42,0,0,forced
	198.18.0.1,10004,198.18.0.2,53,17,0,1,42,0,0,forced
	198.18.0.1,10005,198.18.0.2,53,17,0,1,42,0,0,forced"

# ---- VLAN and QinQ -----------------------------------------------------
an vlan "$FX/vlan.pcap"
rows vlan "vlan: one flow per outer VLAN id" "$FCOLS" "
	198.18.0.1,3000,198.18.0.2,4000,17,10,1,56,1,56,forced
	198.18.0.1,3000,198.18.0.2,4000,17,20,1,56,0,0,forced
	198.18.0.1,3000,198.18.0.2,4000,17,100,1,60,0,0,forced
	198.18.0.1,3000,198.18.0.2,4000,17,0,1,52,0,0,forced"
node vlan "vlan: node counts every frame" "pkts,bytes" "7,386"
an vlann --no-vlan-key "$FX/vlan.pcap"
rows vlann "vlan --no-vlan-key: one flow" \
	src_addr,src_port,dst_addr,dst_port,proto,pkts_fwd,bytes_fwd,pkts_rev,bytes_rev,end_reason "
	198.18.0.1,3000,198.18.0.2,4000,17,4,224,1,56,forced"

# ---- IPv6 extension headers, ICMPv6, other protocols -------------------
an v6 "$FX/ipv6_ext.pcap"
rows v6 "ipv6_ext: ports and protocol beneath extension headers" "$FCOLS" "
	2001:db8::1,5000,2001:db8::2,6000,17,0,1,80,1,80,forced
	2001:db8::1,40000,2001:db8::2,80,6,0,1,114,1,74,forced
	2001:db8::1,0,2001:db8::2,32768,58,0,1,74,0,0,forced
	2001:db8::2,0,2001:db8::1,33024,58,0,1,66,0,0,forced
	2001:db8::1,0,2001:db8::2,0,253,0,1,70,0,0,forced"
node v6 "ipv6_ext: node" "pkts,bytes,ip_pkts" "7,558,7"

# ---- fragments ---------------------------------------------------------
an frag "$FX/frag.pcap"
rows frag "frag: later fragments join their first fragment's flow" "$FCOLS" "
	198.18.0.1,7000,198.18.0.2,7001,17,0,3,3110,0,0,forced
	198.18.0.1,0,198.18.0.2,0,17,0,2,188,0,0,forced
	198.18.0.1,7002,198.18.0.2,7003,17,0,1,1514,0,0,forced
	2001:db8::1,8000,2001:db8::2,8001,17,0,2,2132,0,0,forced"
node frag "frag: node" "pkts,bytes" "8,6944"

# ---- IPv4 options, ICMP, GRE -------------------------------------------
an misc "$FX/ip4_misc.pcap"
rows misc "ip4_misc: options, ICMP type/code as port, GRE" "$FCOLS" "
	198.18.0.1,20000,198.18.0.2,20001,17,0,1,56,0,0,forced
	198.18.0.1,0,198.18.0.2,2048,1,0,1,46,0,0,forced
	198.18.0.2,0,198.18.0.1,0,1,0,1,46,0,0,forced
	198.18.0.2,0,198.18.0.1,771,1,0,1,70,0,0,forced
	198.18.0.1,0,198.18.0.2,0,47,0,1,48,0,0,forced"

# ---- link types --------------------------------------------------------
# link file TCP UDP6 ICMP NODEPKTS NODEBYTES (frame sizes of the packets)
link() {
	an "$1" "$FX/$1.pcap"
	expect_eq "$1: exit status" "$RC" 0
	rows "$1" "$1: flows" "$FCOLS" "
	198.18.0.1,1234,198.18.0.2,80,6,0,1,$2,1,$2,eof
	2001:db8::1,5000,2001:db8::2,5001,17,0,1,$3,0,0,forced
	198.18.0.1,0,198.18.0.2,2048,1,0,1,$4,0,0,forced"
	node "$1" "$1: node" "pkts,bytes" "$5,$6"
}
link sll 56 76 48 5 280
link sll2 60 80 52 5 300
link null 44 64 36 4 188
link loop 44 64 36 4 188
link raw 40 60 32 4 172

# ---- pcapng: two interfaces, ns resolution, unknown blocks/options -----
for v in two_if two_if_be; do
	an "$v" "$FX/$v.pcapng"
	expect_eq "$v.pcapng: exit status" "$RC" 0
	rows "$v" "$v.pcapng: flows over both interfaces with ns times" "$FCOLS,first_ns,last_ns" "
	198.18.0.1,6881,198.18.0.2,6881,17,0,1,62,1,72,forced,1700000001000000001,1700000001000002001
	198.18.0.1,6882,198.18.0.3,6882,17,0,1,48,1,48,forced,1700000001000001000,1700000001000003000"
	node "$v" "$v.pcapng: node" "pkts,bytes" "4,230"
done
an spb "$FX/spb_opb.pcapng"
expect_eq "spb_opb.pcapng: exit status" "$RC" 0
expect_eq "spb_opb.pcapng: obsolete PB + SPB counted (flow packets, bytes)" \
	"$(sel "$TMPD/spb.flows" pkts_fwd,pkts_rev,bytes_fwd,bytes_rev | awk -F, '{p+=$1+$2; b+=$3+$4} END{print p+0 "," b+0}')" "2,96"
node spb "spb_opb.pcapng: node" "pkts,bytes" "2,96"

an tsres "$FX/tsres.pcapng"
rows tsres "tsres.pcapng: if_tsresol 2^-10 with if_tsoffset, and 10^-3" \
	"src_port,dst_addr,pkts_fwd,bytes_fwd,first_ns" "
	7777,198.18.0.2,1,42,1700000000250000000
	7778,198.18.0.3,1,28,1700000000750000000"
an sect "$FX/two_sections.pcapng"
rows sect "two_sections.pcapng: interfaces are per section (LE Ethernet, BE raw)" "$FCOLS,last_ns" "
	198.18.0.1,8888,198.18.0.2,8888,17,0,1,42,1,28,forced,1700000002000000000"

# ---- per-node figures (tcp_end: node address A, 0.51 s) ----------------
node tcp "tcp_end: node address, duration, flows, flows initiated" \
	"addr,first_ns,last_ns,flows,flows_initiated" \
	"198.18.0.1,1700000000123456000,1700000000633456000,6,5"
node tcp "tcp_end: packets and bytes up (sent by A) and down" \
	"pkts_up,pkts_down,bytes_up,bytes_down" "10,9,648,734"
# 6/0.51, 5/0.51, 19/0.51, 1382/0.51, 1382/19, 16/19 %
expect_eq "tcp_end: conv/s, initiated conv/s, pkts/s, bytes/s, avg size, pct 40-79" \
	"$(sel "$TMPD/tcp.nodes" conv_per_s,conv_init_per_s,pkts_per_s,bytes_per_s,avg_pkt_size,pct_40_79 | head -1 |
		awk -F, '{ split("11.764706,9.803922,37.254902,2709.803922,72.736842,84.210526", w, ",")
			for (i = 1; i <= 6; i++) { d = $i - w[i]; if (d < 0) d = -d; if (d > 1e-3 * w[i]) { print "field " i ": " $i " want " w[i]; exit } }
			print "ok" }')" ok

# ---- windows, several files, --merge ----------------------------------
an win --window 20 --windows "$TMPD/win.windows" "$FX/active.pcap"
expect_eq "active --window 20: windows of 2,2,2,2,2,1 packets" \
	"$(sel "$TMPD/win.windows" start_ns,window_s,pkts,bytes | tr '\n' ';')" \
	"1700000000000000000,20,2,84;1700000020000000000,20,2,84;1700000040000000000,20,2,84;1700000060000000000,20,2,84;1700000080000000000,20,2,84;1700000100000000000,20,1,42;"
an two "$FX/tcp_end.pcap" "$FX/idle.pcap"
expect_eq "two files: one node each" \
	"$(sel "$TMPD/two.nodes" node,pkts,bytes,flows | sort | tr '\n' ';')" "idle,4,240,3;tcp_end,19,1382,6;"
expect_eq "two files: flows carry their node" \
	"$(sel "$TMPD/two.flows" node | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 3 idle; 6 tcp_end;"
an merged --merge "$FX/tcp_end.pcap" "$FX/idle.pcap"
expect_eq "--merge: one node of both files" \
	"$(sel "$TMPD/merged.nodes" pkts,bytes,flows,first_ns,last_ns)" \
	"23,1622,9,1700000000000000000,1700000064500000001"

# ---- size bins at every edge, snap length < frame length ---------------
an bins "$FX/bins.pcap"
node bins "bins: node bins at every edge" "pkts,bytes,$PLEN_COLS" "19,29431,1,2,2,2,2,2,2,2,2,2"
rows bins "bins: flow bins and bytes from wire length" \
	"pkts_fwd,bytes_fwd,ip_bytes_fwd,$PLEN_COLS" "15,29313,29103,0,0,1,2,2,2,2,2,2,2"

# ---- every good fixture: bins equal tshark's plen tree -----------------
if command -v tshark >/dev/null 2>&1; then
	for f in "$FX"/*.pcap "$FX"/*.pcapng; do
		b=$(basename "$f")
		case $b in bad_* | trunc_*) continue ;; esac
		an x "$f"
		want=$(tshark_bins "$f")
		got=$(sel "$TMPD/x.nodes" "$PLEN_COLS" | head -1)
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			ok "$b: bins equal tshark plen,tree ($want)"
		else
			not_ok "$b: bins equal tshark plen,tree" "got '$got', tshark '$want'"
		fi
	done
else
	skip "fixtures: bins against tshark" "tshark not installed"
fi

# ---- bad input: exit status, one line naming the file and the byte -----
# bad FILE STATUS 'OFFSETS' [PKTS]: exit STATUS; stderr names FILE and
# "at byte N" for one of OFFSETS; with PKTS, the packets still analysed.
bad() {
	an bad "$FX/$1"
	_msg=$(cat "$TMPD/bad.err")
	_off=""
	for o in $3; do
		case $_msg in *"at byte $o"*) _off=$o ;; esac
	done
	if [ "$RC" != "$2" ]; then
		not_ok "$1: exit status $2" "got $RC: $_msg"
	elif [ "$(grep -c . "$TMPD/bad.err")" != 1 ]; then
		not_ok "$1: one line on stderr" "$_msg"
	else
		case $_msg in
		*"$1"*) if [ -n "$_off" ]; then ok "$1: exit $2, message names the file and byte $_off"
			else not_ok "$1: message names byte ($3)" "$_msg"; fi ;;
		*) not_ok "$1: message names the file" "$_msg" ;;
		esac
	fi
	if [ -n "${4:-}" ]; then
		expect_eq "$1: packets before the bad part analysed" \
			"$(sel "$TMPD/bad.nodes" pkts 2>/dev/null | head -1)" "$4"
	fi
}
bad bad_empty.pcap 2 "0"
bad bad_magic.pcap 2 "0"
bad bad_big.pcap 2 "24"
bad bad_linktype.pcap 2 "20 0"
bad bad_ng_caplen.pcapng 2 "136"
bad bad_ng_trailer.pcapng 2 "136 220"
bad bad_ng_magic.pcapng 2 "8 0"
bad bad_ng_len.pcapng 2 "48 52"
bad bad_ng_iface.pcapng 2 "48"
bad bad_ng_opt.pcapng 2 "28 44"
bad bad_beyond.pcap 0 "94" 1
bad trunc_tail.pcap 0 "234" 3
bad trunc_tail.pcapng 0 "224" 2
rows bad "trunc_tail.pcapng: flow of the packets before the cut" "$FCOLS" "
	198.18.0.1,40000,198.18.0.2,80,6,0,1,54,1,54,forced"
exit 0
