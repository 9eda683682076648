#!/bin/sh
# test_lab_edonkey.sh -- a closed Kad network of 4 amuled nodes on
# 100.64.0.0/24 (aMule refuses 198.18.0.0/15): within 60 s at least one node
# reports "Kad: Connected" (amulecmd over EC on the node's loopback); every
# node's trace holds Kademlia packets (tshark's eDonkey dissector, UDP 4672),
# answers (KADEMLIA2_RES) among them,
# and no packet outside the lab subnet.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_edonkey "$why"; exit 0; }
for t in amuled amulecmd tshark; do
	command -v $t >/dev/null || { skip lab_edonkey "$t missing (make deps)"; exit 0; }
done
NAME=ed$(($$ % 100000))
OUT=$TMPD/out
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
cat >"$TMPD/kad.lab" <<EOT
lab $NAME
subnet 100.64.0.0/24
out $OUT
group kad edonkey count=4 size=256KiB labels app=edonkey mode=kad
EOT
if ! "$P2PTRACE" lab up "$TMPD/kad.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
ok lab_up
# poll every 5 s, from 15 s to at most 60 s after up
sleep 10
t=10
while :; do
	sleep 5; t=$((t+5))
	conn=0
	for k in 1 2 3 4; do
		s=$("$P2PTRACE" lab exec --lab "$NAME" kad-$k -- amulecmd -h 127.0.0.1 -p 4712 -P p2ptrace -c status 2>&1 | grep 'Kad:')
		case "$s" in *"Kad: Connected"*) conn=$((conn+1));; esac
	done
	[ "$conn" -ge 1 ] || [ $t -ge 60 ] || continue
	break
done
for k in 1 2 3 4; do
	echo "kad-$k:$("$P2PTRACE" lab exec --lab "$NAME" kad-$k -- amulecmd -h 127.0.0.1 -p 4712 -P p2ptrace -c status 2>&1 | grep 'Kad:')"
done
echo "$conn of 4 nodes connected to Kad after $t s"
check kad_connected test "$conn" -ge 1
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
tail -n +2 "$OUT/catalog.tsv" | while IFS='	' read -r node netns addr profile labels up down start stop trace packets rest; do
	kad=$(tshark -r "$OUT/$trace" -Y 'edonkey && udp.port==4672' 2>/dev/null | wc -l)
	outside=$(tshark -r "$OUT/$trace" -Y '(ip && !(ip.src==100.64.0.0/24 && ip.dst==100.64.0.0/24)) || ipv6' 2>/dev/null | wc -l)
	res=$(tshark -r "$OUT/$trace" -Y edonkey -T fields -e _ws.col.Info 2>/dev/null | grep -c 'KADEMLIA2_RES')
	echo "$node ($labels): $packets packets, $kad Kademlia ($res KADEMLIA2_RES), $outside outside 100.64.0.0/24"
	[ "$kad" -gt 0 ] && echo "PASSCASE kad_traffic_$node" || echo "FAILCASE kad_traffic_$node no Kademlia packet"
	[ "$res" -gt 0 ] && echo "PASSCASE kad_answered_$node" || echo "FAILCASE kad_answered_$node no KADEMLIA2_RES"
	[ "$outside" = 0 ] && echo "PASSCASE inside_$node" || echo "FAILCASE inside_$node $outside packets outside"
done >"$TMPD/cases"
grep -v CASE "$TMPD/cases"
expect_eq nodes_checked "$(grep -c '^[A-Z]*CASE inside' "$TMPD/cases")" 4
grep '^PASSCASE' "$TMPD/cases" | while read -r _ n; do ok "$n"; done
grep '^FAILCASE' "$TMPD/cases" | while read -r _ n why; do not_ok "$n" "$why"; done
expect_eq no_netns_left "$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")" 0
