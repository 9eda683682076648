#!/bin/sh
# tests/integration/test_bpf.sh -- a BPF filter as the trailing arguments of
# `p2ptrace analyze FILE FILTER...`.
#  1. Hand-counted: tcp_end.pcap with 'udp' has exactly its one UDP flow
#     (1/62 1/82), and tshark's display filter -Y udp sees the same 2 packets.
#  2. Against tcpdump + tshark: for the fixtures and the P2P traces of
#     ../shared/data/pcap (MANIFEST class bittorrent, gnutella, edonkey,
#     p2p-other), `tcpdump -r FILE -w - FILTER` (libpcap's own BPF) read by
#     tshark gives, per flow key and direction, the packets and bytes that
#     `analyze --idle 0 FILE FILTER` must report, and the same size bins.
#  3. Filter words split over several arguments mean the same filter.
#  4. A bad filter is a usage error (exit 2) naming the filter.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/integration/csv.sh"
FX=$ROOT/tests/fixtures
if ! have_analyze; then
	skip "bpf" "p2ptrace analyze not available"
	exit 0
fi

# 1. hand count + tshark -Y
"$P2PTRACE" analyze -q --flows "$TMPD/u.flows" --nodes "$TMPD/u.nodes" "$FX/tcp_end.pcap" udp 2>"$TMPD/u.err"
expect_eq "tcp_end.pcap 'udp': only the UDP flow" \
	"$(sel "$TMPD/u.flows" src_addr,src_port,dst_addr,dst_port,proto,pkts_fwd,bytes_fwd,pkts_rev,bytes_rev | tr '\n' ';')" \
	"198.18.0.1,5353,198.18.0.2,53,17,1,62,1,82;"
if command -v tshark >/dev/null 2>&1; then
	expect_eq "tcp_end.pcap 'udp': node packets/bytes equal tshark -Y udp" \
		"$(sel "$TMPD/u.nodes" pkts,bytes | head -1)" \
		"$(tshark -n -r "$FX/tcp_end.pcap" -Y udp -T fields -e frame.len 2>/dev/null | awk '{ n++; b += $1 } END { print n + 0 "," b + 0 }')"
	"$P2PTRACE" analyze -q --flows "$TMPD/t.flows" "$FX/ip4_misc.pcap" icmp 2>/dev/null
	expect_eq "ip4_misc.pcap 'icmp': flows and packets equal tshark -Y icmp" \
		"$(sel "$TMPD/t.flows" pkts_fwd | awk '{ n++; p += $1 } END { print n "," p }')" \
		"3,$(tshark -n -r "$FX/ip4_misc.pcap" -Y icmp 2>/dev/null | wc -l | tr -d ' ')"
fi

# 3. filter words as several arguments
"$P2PTRACE" analyze -q --flows "$TMPD/a.flows" "$FX/tcp_end.pcap" 'tcp and port 80' 2>/dev/null
"$P2PTRACE" analyze -q --flows "$TMPD/b.flows" "$FX/tcp_end.pcap" tcp and port 80 2>/dev/null
if [ -s "$TMPD/a.flows" ] && cmp -s "$TMPD/a.flows" "$TMPD/b.flows" &&
	[ "$(sel "$TMPD/a.flows" dst_port | tr '\n' ' ')" = "80 " ]; then
	ok "filter in one argument or several: same flows (port 80 only)"
else
	not_ok "filter in one argument or several" "$(sel "$TMPD/b.flows" dst_port | tr '\n' ' ')"
fi

# 4. bad filter
"$P2PTRACE" analyze -q --flows /dev/null "$FX/tcp_end.pcap" 'port nonsense' 2>"$TMPD/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q 'nonsense' "$TMPD/bad.err"; then
	ok "bad filter: exit 2, message names it"
else
	not_ok "bad filter: exit 2, message names it" "exit $rc: $(head -2 "$TMPD/bad.err" | tr '\n' ' ')"
fi

# 2. against tcpdump (libpcap BPF) + tshark
if ! command -v tcpdump >/dev/null 2>&1 || ! command -v tshark >/dev/null 2>&1; then
	skip "bpf against tcpdump + tshark" "tcpdump or tshark not installed"
	exit 0
fi
files=""
for f in "$FX"/*.pcap "$FX"/*.pcapng; do
	# ip6_plen0: tshark 4.0 decodes no ports under IPv6 payload length 0
	# (BIG TCP, UDP length 0): test_linkgaps checks it against hand counts
	case $(basename "$f") in bad_* | trunc_* | ip6_plen0.pcap) ;; *) files="$files $f" ;; esac
done
if [ -n "$SHARED" ]; then
	for n in $(awk -F'\t' 'NR > 1 && $8 ~ /^(bittorrent|gnutella|edonkey|p2p-other)$/ { print $1 }' "$SHARED/MANIFEST.tsv"); do
		files="$files $SHARED/$n"
	done
else
	skip "bpf on the shared P2P traces" "../shared/data/pcap not found"
fi
for flt in 'udp' 'tcp and not port 80' 'icmp or icmp6 or (vlan and udp)'; do
	nok=0
	nfail=0
	nskip=0
	for f in $files; do
		b=$(basename "$f")
		if ! tcpdump -r "$f" -w "$TMPD/sel.pcap" "$flt" >/dev/null 2>&1; then
			nskip=$((nskip + 1)) # libpcap cannot read it (two link types) or the filter does not apply to its link type
			continue
		fi
		tshark_t "$TMPD/sel.pcap" "$TMPD/sel.t"
		# shellcheck disable=SC2086
		"$P2PTRACE" analyze -q --idle 0 --flows "$TMPD/e.flows" --nodes "$TMPD/e.nodes" \
			"$f" $flt 2>"$TMPD/e.err"
		rc=$?
		eng_flines "$TMPD/e.flows" "$TMPD/sel.t" >"$TMPD/e.f"
		grep '^F ' "$TMPD/sel.t" | sort >"$TMPD/t.f"
		tb=$(sed -n 's/^B //p' "$TMPD/sel.t")
		eb=$(sel "$TMPD/e.nodes" "$PLEN_COLS" 2>/dev/null | head -1)
		if [ $rc = 0 ] && cmp -s "$TMPD/t.f" "$TMPD/e.f" && [ -n "$tb" ] && [ "$tb" = "$eb" ]; then
			nok=$((nok + 1))
		else
			nfail=$((nfail + 1))
			not_ok "bpf '$flt' on $b equals tcpdump+tshark" \
				"rc=$rc bins '$eb' vs '$tb'; $(diff "$TMPD/t.f" "$TMPD/e.f" | grep '^[<>]' | head -4 | tr '\n' ';')"
		fi
	done
	if [ $nfail = 0 ] && [ $nok -gt 0 ]; then
		ok "bpf '$flt': flows and bins of $nok files equal tcpdump+tshark ($nskip left out: tcpdump cannot read them or apply the filter to their link type)"
	fi
done
exit 0
