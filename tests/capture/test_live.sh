#!/bin/sh
# tests/capture/test_live.sh -- the live source (lib/source/live.c) through
# `p2ptrace analyze -i NETNS:IFACE`: N pings across a veth pair between two
# namespaces this suite creates give a flow of N echo requests; SIGINT stops
# the analysis even when the interface is quiet; a bad interface is a
# one-line error.
. "$(dirname "$0")/../lib.sh"

why=$(need_root_netns) || { skip "live analyze" "$why"; exit 0; }
command -v ping >/dev/null 2>&1 || { skip "live analyze" "ping not installed"; exit 0; }

NS=p2ptlive$$
A=${NS}a
B=${NS}b
AN=""
cleanup() {
	[ -n "$AN" ] && kill -KILL "$AN" 2>/dev/null && wait "$AN" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$A" && ip netns add "$B" || { not_ok "namespaces" "cannot create"; exit 0; }
for n in "$A" "$B"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" addr add 198.18.98.1/24 dev va
ip -n "$B" addr add 198.18.98.2/24 dev vb
ip -n "$A" link set va up
ip -n "$B" link set vb up
ip netns exec "$A" ping -c 1 -W 2 198.18.98.2 >/dev/null 2>&1

N=25
# live_run NAME CSV [ANALYZE OPTIONS]: analyze on vb while A sends N pings,
# then SIGINT; checks that it stops with exit 0
live_run() {
	_name=$1; _csv=$2; shift 2
	"$P2PTRACE" analyze -q -i "$B:vb" "$@" --flows "$_csv" icmp 2>"$TMPD/an.err" &
	AN=$!
	sleep 1
	ip netns exec "$A" ping -c $N -i 0.01 -q 198.18.98.2 >/dev/null 2>&1
	sleep 0.5
	kill -INT $AN
	i=0
	while kill -0 $AN 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $AN 2>/dev/null; then
		not_ok "$_name: SIGINT stops analyze on a quiet interface" \
			"still running after 3 s (cmd_analyze must call source_stop on its live sources)"
		# Wake it with a packet of another flow, so the flow check
		# below still runs.
		ip netns exec "$B" ping -c 1 -W 1 198.18.98.1 >/dev/null 2>&1
		i=0
		while kill -0 $AN 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL $AN 2>/dev/null
		wait $AN 2>/dev/null
		AN=""
	else
		wait $AN
		rc=$?
		AN=""
		expect_eq "$_name: SIGINT stops analyze, exit 0" "$rc" 0
	fi
}
# echo_flow CSV COLUMN...: those columns of the echo-request flow's row
# (ICMP type 8 -> "port" 2048)
echo_flow() {
	_csv=$1; shift
	awk -F, -v cols="$*" 'NR==1{for(i=1;i<=NF;i++) h[$i]=i; n=split(cols, c, " "); next}
	$h["src_addr"]=="198.18.98.1" && $h["proto"]==1 && $h["dst_port"]==2048 {
		for (i = 1; i <= n; i++) printf "%s%s", $h[c[i]], (i < n ? " " : "\n") }' "$_csv" 2>/dev/null
}
live_run live "$TMPD/flows.csv"
# The echo-request flow holds the N requests.
expect_eq "live: flow of $N echo requests" "$(echo_flow "$TMPD/flows.csv" pkts_fwd)" $N

# analyze --model on a live interface: rows and predictions come from the
# output thread (src/flowq.c); after SIGINT the echo flow's row is there,
# with a class of the model and a probability
if command -v python3 >/dev/null 2>&1 &&
	python3 "$(dirname "$0")/../classify/mksynth.py" "$TMPD/syn" 6 7 >/dev/null 2>&1 &&
	"$P2PTRACE" classify train --compact --model "$TMPD/m.json" "$TMPD/syn" >/dev/null 2>&1; then
	live_run "live --model" "$TMPD/mflows.csv" --model "$TMPD/m.json"
	got=$(echo_flow "$TMPD/mflows.csv" pkts_fwd pred_class pred_prob |
		awk '{ print $1, ($2 ~ /^(a|b)$/ && $3 > 0 && $3 <= 1) ? "predicted" : "no-prediction:" $2 }')
	expect_eq "live --model: flow of $N echo requests, with a class of the model" "$got" "$N predicted"
else
	skip "live --model" "python3 or the synthetic model is not available"
fi

out=$("$P2PTRACE" analyze -q -i "$B:nosuch0" 2>&1); rc=$?
[ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	ok "live: unknown interface is a one-line error" ||
	not_ok "live: unknown interface is a one-line error" "rc $rc: $out"
exit 0
