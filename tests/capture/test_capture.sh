#!/bin/sh
# tests/capture/test_capture.sh -- p2ptrace capture on a veth pair between
# two network namespaces this suite creates (p2ptcap$$a, p2ptcap$$b), every
# count checked against tshark/capinfos and the sender's own count:
#   exact N packets + labels, BPF filter, rotation by size / time / SIGHUP,
#   --one-file, SIGTERM mid-stream (written == received), ENOSPC on a tiny
#   tmpfs, -Z nobody, --flows beside the capture, and bad input (one-line
#   error, exit 2).
# Needs root, network namespaces, tshark, capinfos, ping, iperf3.
. "$(dirname "$0")/../lib.sh"

# Bad input that needs no privileges.
out=$("$P2PTRACE" capture -w "$TMPD/x" 2>&1); rc=$?
expect_eq "no -i: exit 2" "$rc" 2
expect_eq "no -i: one line" "$(printf '%s\n' "$out" | wc -l)" 1
out=$("$P2PTRACE" capture -i lo -w "$TMPD/x" --label novalue 2>&1); rc=$?
expect_eq "bad --label: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
out=$("$P2PTRACE" capture -i lo -w "$TMPD/x" -C lots 2>&1); rc=$?
expect_eq "bad -C: exit 2" "$rc" 2
out=$("$P2PTRACE" capture -i lo -w "$TMPD/x" --bogus 2>&1); rc=$?
expect_eq "unknown option: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"

why=$(need_root_netns) || { skip "capture in namespaces" "$why"; exit 0; }
for t in tshark capinfos ping iperf3 ethtool; do
	command -v $t >/dev/null 2>&1 || { skip "capture in namespaces" "$t not installed"; exit 0; }
done

NS=p2ptcap$$
A=${NS}a
B=${NS}b
PIDS=""
MNT=""
ZD=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	[ -n "$ZD" ] && rm -rf "$ZD"
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Two namespaces, one veth, no IPv6 (no stray multicast), no offloads
# (MTU-sized frames), addresses from 198.18.0.0/15, no routes out.
ip netns add "$A" && ip netns add "$B" || { not_ok "namespaces" "cannot create"; exit 0; }
for n in "$A" "$B"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$n" link set lo up
done
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" addr add 198.18.99.1/24 dev va
ip -n "$B" addr add 198.18.99.2/24 dev vb
ip -n "$A" link set va up
ip -n "$B" link set vb up
ip netns exec "$A" ethtool -K va tso off gso off gro off >/dev/null 2>&1
ip netns exec "$B" ethtool -K vb tso off gso off gro off >/dev/null 2>&1
# ARP once, so later counts hold only the test traffic.
ip netns exec "$A" ping -c 1 -W 2 198.18.99.2 >/dev/null 2>&1

# start_cap LOG ARGS...: run capture in the background, wait until ready.
start_cap() {
	_log=$1; shift
	"$P2PTRACE" capture "$@" 2>"$_log" &
	CAP=$!
	PIDS="$PIDS $CAP"
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q 'listening on' "$_log" 2>/dev/null && return 0
		kill -0 $CAP 2>/dev/null || return 1
		sleep 0.05; _i=$((_i + 1))
	done
	return 1
}
# stop_cap [SIG]: signal the capture and wait; sets CAPRC.
stop_cap() {
	kill -"${1:-TERM}" $CAP 2>/dev/null
	wait $CAP; CAPRC=$?
}
# count FILE...: packets in the files (tshark), summed
count() {
	_t=0
	for _f in "$@"; do
		_n=$(tshark -r "$_f" 2>/dev/null | wc -l) || return 1
		_t=$((_t + _n))
	done
	echo $_t
}
all_valid() { # FILE...: 0 when tshark reads every file without error
	for _f in "$@"; do
		tshark -r "$_f" >/dev/null 2>&1 || { echo "invalid: $_f"; return 1; }
	done
	return 0
}
col() { # TSV ROWNAME COLNAME
	awk -F '\t' -v r="$2" -v c="$3" 'NR==1{for(i=1;i<=NF;i++) h[$i]=i; next} $1==r{print $h[c]}' "$1"
}

# 1. exactly N packets, labels in the file ----------------------------------
N=300
D=$TMPD/exact
ifc() { ip netns exec "$B" cat /sys/class/net/vb/statistics/$1; }
C0=$(( $(ifc rx_packets) + $(ifc tx_packets) + $(ifc tx_dropped) ))
if start_cap "$TMPD/exact.log" -i "$B:vb=n07" -w "$D" --label app=bittorrent \
	--label rank=819.2 --stats "$TMPD/exact.tsv" --flows "$TMPD/exact.csv"; then
	ip netns exec "$A" ping -c $N -i 0.002 -q 198.18.99.2 >"$TMPD/ping.out" 2>&1
	sleep 0.3
	stop_cap TERM
	expect_eq "exact: exit 0" "$CAPRC" 0
	F=$D/n07.pcapng
	check "exact: file valid" all_valid "$F"
	tot=$(count "$F")
	# Independent count 1: the kernel's counters of vb. A packet socket
	# sees every packet vb received and every one it tried to send.
	expect_eq "exact: packets in file = vb's rx + tx (+ tx dropped)" "$tot" \
		$(( $(ifc rx_packets) + $(ifc tx_packets) + $(ifc tx_dropped) - C0 ))
	# Independent count 2: ping's own figures (on a loaded machine the
	# veth may drop a few: ping then reports loss, and the count is moot).
	tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMPD/ping.out")
	rxp=$(sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p' "$TMPD/ping.out")
	if [ "$tx" = $N ] && [ "$rxp" = $N ]; then
		expect_eq "exact: $N echo requests in file" \
			"$(tshark -r "$F" -Y 'icmp.type == 8 && ip.src == 198.18.99.1' 2>/dev/null | wc -l)" $N
		expect_eq "exact: $N echo replies in file" \
			"$(tshark -r "$F" -Y 'icmp.type == 0 && ip.src == 198.18.99.2' 2>/dev/null | wc -l)" $N
	else
		skip "exact: $N echo requests/replies" "ping lost packets: $(grep transmitted "$TMPD/ping.out")"
	fi
	NREQ=$(tshark -r "$F" -Y 'icmp.type == 8 && ip.src == 198.18.99.1' 2>/dev/null | wc -l)
	expect_eq "exact: --stats written = packets in file" "$(col "$TMPD/exact.tsv" n07 written)" "$tot"
	expect_eq "exact: --stats received = written" "$(col "$TMPD/exact.tsv" n07 received)" "$tot"
	expect_eq "exact: --stats files" "$(col "$TMPD/exact.tsv" n07 files)" "n07.pcapng"
	ci=$(capinfos "$F" 2>&1)
	for l in "Capture comment:     app=bittorrent" "Capture comment:     rank=819.2" \
		"Capture comment:     node=n07" "Capture application: p2ptrace 0.1.0" \
		"Name = $B:vb" "Description = n07" "Time precision = nanoseconds (9)"; do
		case $ci in *"$l"*) ok "exact: capinfos shows '$l'" ;;
		*) not_ok "exact: capinfos shows '$l'" "missing" ;; esac
	done
	expect_eq "exact: no .part left" "$(ls "$D" | grep -c part)" 0
	# --flows: the echo-request flow, with the node and its labels
	expect_eq "exact: --flows row of the $NREQ requests" \
		"$(awk -F, 'NR==1{for(i=1;i<=NF;i++) h[$i]=i; next}
			$h["src_addr"]=="198.18.99.1" && $h["proto"]==1 && $h["dst_port"]==2048 {
			print $h["node"], $h["pkts_fwd"], $h["labels"]}' "$TMPD/exact.csv")" \
		"n07 $NREQ app=bittorrent;rank=819.2;node=n07"
	case $(cat "$TMPD/exact.log") in
	*"n07 ($B:vb): $tot received, 0 dropped by kernel"*"$tot written"*) ok "exact: counters on stderr" ;;
	*) not_ok "exact: counters on stderr" "$(tail -1 "$TMPD/exact.log")" ;;
	esac
else
	not_ok "exact: capture starts" "$(cat "$TMPD/exact.log")"
fi

# 2. BPF filter and snap length ------------------------------------------------
D=$TMPD/filt
if start_cap "$TMPD/filt.log" -i "$B:vb" -w "$D" -s 60 --stats "$TMPD/filt.tsv" \
	icmp and src host 198.18.99.1; then
	ip netns exec "$A" ping -c 50 -i 0.002 -s 500 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.3
	stop_cap INT
	expect_eq "filter: only the 50 requests" "$(count "$D/vb.pcapng")" 50
	expect_eq "filter: snap 60, original 542" \
		"$(tshark -r "$D/vb.pcapng" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u | tr '\t' ' ')" "60 542"
else
	not_ok "filter: capture starts" "$(cat "$TMPD/filt.log")"
fi

# 2b. loopback: each packet once (the kernel shows it leaving and arriving)
D=$TMPD/lo
if start_cap "$TMPD/lo.log" -i "$A:lo=lo" -w "$D" --stats "$TMPD/lo.tsv"; then
	ip netns exec "$A" ping -c 5 -i 0.01 -q 127.0.0.1 >/dev/null 2>&1
	sleep 0.3
	stop_cap TERM
	expect_eq "loopback: 5 requests + 5 replies" "$(count "$D/lo.pcapng")" 10
	expect_eq "loopback: received = written = 10" \
		"$(col "$TMPD/lo.tsv" lo received) $(col "$TMPD/lo.tsv" lo written)" "10 10"
else
	not_ok "loopback: capture starts" "$(cat "$TMPD/lo.log")"
fi

# 3. rotation by size -----------------------------------------------------------
D=$TMPD/size
if start_cap "$TMPD/size.log" -i "$B:vb=n1" -w "$D" -C 0.05 --stats "$TMPD/size.tsv" icmp; then
	ip netns exec "$A" ping -c 200 -i 0.002 -s 1000 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.3
	stop_cap TERM
	set -- "$D"/n1.*.pcapng
	[ $# -ge 5 ] && ok "size: $# files" || not_ok "size: several files" "only $#"
	check "size: every file valid" all_valid "$@"
	expect_eq "size: packets add up to 400" "$(count "$@")" 400
	big=0
	for f in "$@"; do [ "$(stat -c %s "$f")" -gt 50000 ] && big=$((big + 1)); done
	expect_eq "size: no file above 50000 bytes" $big 0
	expect_eq "size: first is n1.000.pcapng" "$(basename "$1")" n1.000.pcapng
	expect_eq "size: --stats lists the files" "$(col "$TMPD/size.tsv" n1 files)" \
		"$(cd "$D" && ls n1.*.pcapng | tr '\n' ',' | sed 's/,$//')"
else
	not_ok "size: capture starts" "$(cat "$TMPD/size.log")"
fi

# 4. rotation by time -------------------------------------------------------------
D=$TMPD/time
if start_cap "$TMPD/time.log" -i "$B:vb=n1" -w "$D" -G 0.3 icmp; then
	ip netns exec "$A" ping -c 250 -i 0.005 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.5
	stop_cap TERM
	set -- "$D"/n1.*.pcapng
	[ $# -ge 3 ] && ok "time: $# files" || not_ok "time: several files" "only $#"
	check "time: every file valid" all_valid "$@"
	expect_eq "time: packets add up to 500" "$(count "$@")" 500
	wide=0
	for f in "$@"; do
		span=$(tshark -r "$f" -T fields -e frame.time_epoch 2>/dev/null |
			awk 'NR==1{a=$1} {b=$1} END{if (NR) printf "%d", (b-a)*1000}')
		[ "${span:-0}" -ge 300 ] && wide=$((wide + 1))
	done
	expect_eq "time: no file spans 0.3 s or more" $wide 0
else
	not_ok "time: capture starts" "$(cat "$TMPD/time.log")"
fi

# 5. SIGHUP rotates, --one-file holds both interfaces -------------------------------
D=$TMPD/hup
if start_cap "$TMPD/hup.log" -i "$B:vb=n1" -i "$A:va=n0" -w "$D" --one-file lab \
	--stats "$TMPD/hup.tsv" icmp; then
	ip netns exec "$A" ping -c 20 -i 0.005 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.8 # > the 0.1 s the kernel may hold the last block
	kill -HUP $CAP
	sleep 0.6
	ip netns exec "$A" ping -c 30 -i 0.005 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.3
	stop_cap TERM
	check "hup: both files valid" all_valid "$D/lab.pcapng" "$D/lab.001.pcapng"
	expect_eq "hup: 2 x 20 then 2 x 30 on each side" \
		"$(count "$D/lab.pcapng") $(count "$D/lab.001.pcapng")" "80 120"
	expect_eq "one-file: 2 interfaces" \
		"$(capinfos "$D/lab.pcapng" | sed -n 's/^Number of interfaces in file: //p')" 2
	expect_eq "one-file: written per interface" \
		"$(col "$TMPD/hup.tsv" n0 written) $(col "$TMPD/hup.tsv" n1 written)" "100 100"
else
	not_ok "hup: capture starts" "$(cat "$TMPD/hup.log")"
fi

# 6. SIGTERM in the middle of a stream ------------------------------------------------
D=$TMPD/term
ip netns exec "$B" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
IPS=$!
PIDS="$PIDS $IPS"
sleep 0.3
if start_cap "$TMPD/term.log" -i "$B:vb=n1" -i "$A:va=n0" -w "$D" -C 5 --stats "$TMPD/term.tsv"; then
	ip netns exec "$A" iperf3 -c 198.18.99.2 -p 5299 -u -b 200M -l 1000 -t 3 >/dev/null 2>&1 &
	IPC=$!
	PIDS="$PIDS $IPC"
	sleep 1.5
	stop_cap TERM
	expect_eq "term: exit 0" "$CAPRC" 0
	wait $IPC 2>/dev/null
	for n in n0 n1; do
		set -- "$D"/$n.*.pcapng
		eval "last=\${$#}"
		check "term: $n: last file valid" all_valid "$last"
		check "term: $n: every file valid" all_valid "$@"
		got=$(count "$@")
		rcv=$(col "$TMPD/term.tsv" $n received)
		[ "${rcv:-0}" -gt 10000 ] && ok "term: $n: mid-stream ($rcv packets)" ||
			not_ok "term: $n: mid-stream" "only ${rcv:-0} received"
		expect_eq "term: $n: written = received" "$got" "$rcv"
		case $(cat "$TMPD/term.log") in
		*"$n ("*"): $rcv received"*) ok "term: $n: printed the same count" ;;
		*) not_ok "term: $n: printed the same count" "$(grep "$n (" "$TMPD/term.log")" ;;
		esac
	done
	expect_eq "term: no .part left" "$(ls "$D" | grep -c part)" 0
else
	not_ok "term: capture starts" "$(cat "$TMPD/term.log")"
fi
kill $IPS 2>/dev/null

# 7. ENOSPC on a tiny tmpfs -------------------------------------------------------------
MNT=$TMPD/tiny
mkdir -p "$MNT"
if mount -t tmpfs -o size=256k tmpfs "$MNT" 2>/dev/null; then
	if start_cap "$TMPD/full.log" -i "$B:vb=n1" -i "$A:va=n0" -w "$MNT/out" -C 0.1 \
		--stats "$TMPD/full.tsv" icmp; then
		ip netns exec "$A" ping -f -c 3000 -s 500 -q 198.18.99.2 >/dev/null 2>&1
		i=0
		while kill -0 $CAP 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		stop_cap TERM
		expect_eq "enospc: exit 1" "$CAPRC" 1
		grep -q 'No space left on device' "$TMPD/full.log" && grep -q 'disk full' "$TMPD/full.log" &&
			ok "enospc: clear message" || not_ok "enospc: clear message" "$(tail -2 "$TMPD/full.log")"
		set -- "$MNT"/out/*.pcapng
		check "enospc: every file valid" all_valid "$@"
		expect_eq "enospc: no .part left" "$(ls "$MNT/out" | grep -c part)" 0
		w=$(( $(col "$TMPD/full.tsv" n0 written) + $(col "$TMPD/full.tsv" n1 written) ))
		expect_eq "enospc: written = packets in the files" "$(count "$@")" "$w"
	else
		not_ok "enospc: capture starts" "$(cat "$TMPD/full.log")"
	fi
	umount "$MNT" && MNT=""
else
	skip "enospc" "cannot mount a tmpfs"
fi

# 8. -Z nobody ------------------------------------------------------------------------
# (in a folder of its own under /tmp: $TMPD is root's, mode 700)
ZD=$(mktemp -d /tmp/p2ptcap-z.XXXXXX)
chmod 755 "$ZD"
D=$ZD/out
NUID=$(id -u nobody 2>/dev/null)
if [ -z "$NUID" ]; then
	skip "-Z nobody" "no user nobody"
elif start_cap "$TMPD/priv.log" -i "$B:vb=n1" -w "$D" -Z nobody icmp; then
	uids=$(awk '/^Uid:/{print $2, $3, $4, $5}' /proc/$CAP/status)
	expect_eq "-Z: runs as nobody" "$uids" "$NUID $NUID $NUID $NUID"
	expect_eq "-Z: no capabilities" "$(awk '/^CapEff:/{print $2}' /proc/$CAP/status)" 0000000000000000
	ip netns exec "$A" ping -c 10 -i 0.01 -q 198.18.99.2 >/dev/null 2>&1
	sleep 0.3
	stop_cap TERM
	expect_eq "-Z: exit 0" "$CAPRC" 0
	expect_eq "-Z: still captures, owns its file" \
		"$(count "$D/n1.pcapng") $(stat -c %u "$D/n1.pcapng")" "20 $NUID"
else
	not_ok "-Z: capture starts" "$(cat "$TMPD/priv.log")"
fi

# 9. bad input that needs the interfaces --------------------------------------------------
out=$("$P2PTRACE" capture -i "$B:nosuch0" -w "$TMPD/bad1" 2>&1); rc=$?
expect_eq "unknown interface: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
case $out in *"no such interface 'nosuch0'"*) ok "unknown interface: says so" ;;
*) not_ok "unknown interface: says so" "$out" ;; esac
[ -e "$TMPD/bad1" ] && not_ok "unknown interface: no folder left" "created" ||
	ok "unknown interface: no folder left"
out=$("$P2PTRACE" capture -i "nosuchns$$:vb" -w "$TMPD/bad1" 2>&1); rc=$?
expect_eq "unknown namespace: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
: >"$TMPD/afile"
out=$("$P2PTRACE" capture -i "$B:vb" -w "$TMPD/afile/sub" 2>&1); rc=$?
expect_eq "folder under a file: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
mkdir -p "$TMPD/rootonly" && chmod 755 "$TMPD/rootonly"
out=$("$P2PTRACE" capture -i "$B:vb" -w "$TMPD/rootonly" -Z nobody 2>&1); rc=$?
expect_eq "unwritable folder: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
case $out in *"Permission denied"*) ok "unwritable folder: says why" ;;
*) not_ok "unwritable folder: says why" "$out" ;; esac
out=$("$P2PTRACE" capture -i "$B:vb" -w "$TMPD/bad2" 'port port' 2>&1); rc=$?
expect_eq "bad filter: exit 2, one line" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
exit 0
