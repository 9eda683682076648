#!/bin/sh
# test_lab_swarm.sh -- a small closed BitTorrent swarm in the lab: tracker,
# 1 seed, 3 leechers (20 MiB file) and 2 query-mode nodes. Checks, each
# against an independent source: every leecher's copy has the seed's
# sha256; a trace per node; catalog packets == tshark's count of the trace;
# the catalog's labels are the trace's (capinfos);
# no packet in any trace has an address outside the lab subnet (tshark);
# query nodes' traffic is mostly small packets; after `lab down` no
# namespace, link, qdisc, process, work folder or state file remains.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_swarm "$why"; exit 0; }
for t in aria2c opentracker mktorrent tshark; do
	command -v $t >/dev/null || { skip lab_swarm "$t missing (make deps)"; exit 0; }
done
NAME=sw$(($$ % 100000))
OUT=$TMPD/out
cleanup() { "$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; }
trap cleanup EXIT INT TERM
ip -br link >"$TMPD/links.before"; tc qdisc show >"$TMPD/qdisc.before"
cat >"$TMPD/swarm.lab" <<EOT
# a small swarm for the test suite
lab $NAME
subnet 198.18.0.0/24
out $OUT
snaplen 128
file swarm size=20MiB
group tracker bittorrent-tracker labels app=bittorrent mode=tracker
group seed bittorrent-seed file=swarm up=24mbit labels app=bittorrent mode=seed
group leech bittorrent-leech count=3 file=swarm up=8mbit down=24mbit labels app=bittorrent mode=download
group query bittorrent-query count=2 file=swarm interval=5 up=1mbit queue=2s labels app=bittorrent mode=query
EOT
t0=$(date +%s.%N)
if ! "$P2PTRACE" lab up "$TMPD/swarm.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
t1=$(date +%s.%N)
echo "lab up: 7 nodes in $(echo "$t1 - $t0" | bc) s"
ok lab_up
"$P2PTRACE" lab status "$NAME" >"$TMPD/status" 2>&1
alive=$(sed -n 's/^\([0-9]*\)\/\([0-9]*\) processes alive/\1 \2/p' "$TMPD/status")
expect_eq lab_status_alive "$alive" "8 8" # 7 nodes + capture
# the shaper's queue: 500 ms by default (the seed, 24 mbit), 2 s with
# queue=2s (the query nodes, 1 mbit); tc prints the TBF's latency,
# (limit - burst) / rate: seed (1,500,000 - 30,000 B) / 3,000,000 B/s =
# 490 ms; query (250,000 - 3,028 B) / 125,000 B/s = 1.98 s
lat() { tc -n "p2pn-$NAME-$1" qdisc show dev eth0 | sed -n 's/^qdisc tbf .* lat \([0-9.]*[mu]*s\).*/\1/p'; }
expect_eq "shaper queue: seed (default 500 ms)" "$(lat seed)" "490ms"
expect_eq "shaper queue: query-1 (queue=2s)" "$(lat query-1)" "1.98s"
# the leechers finish (aria2's hook writes DONE) within 90 s
W=/var/lib/p2ptrace/work/$NAME
i=0
while [ $i -lt 180 ]; do
	n=0; for k in 1 2 3; do [ -s "$W/leech-$k/DONE" ] && n=$((n+1)); done
	[ $n = 3 ] && break
	sleep 0.5; i=$((i+1))
done
echo "leechers done: $n/3 after $(echo "$(date +%s.%N) - $t1" | bc) s"
want=$(sha256sum <"$W/seed/swarm.bin" | cut -d' ' -f1)
for k in 1 2 3; do
	got=$(sha256sum <"$W/leech-$k/swarm.bin" 2>/dev/null | cut -d' ' -f1)
	expect_eq "leech_${k}_sha256" "$got" "$want"
done
sleep 12 # query nodes keep announcing
# PIDs the lab started (to check they are gone after down)
pids=$(awk '$1=="proc"||$1=="capture"{print $2}' /run/p2ptrace/$NAME.state)
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1 || not_ok lab_down "exit $?"
cat "$TMPD/down.out"
# a trace per node, counts equal to tshark's, nothing outside the subnet
C=$OUT/catalog.tsv
[ -f "$C" ] || { not_ok catalog "no $C"; exit 0; }
nodes=0
tail -n +2 "$C" | while IFS='	' read -r node netns addr profile labels up down start stop trace packets bytes drops group; do
	f=$OUT/$trace
	if [ ! -s "$f" ]; then echo "FAILCASE trace_$node no file $f"; continue; fi
	n=$(tshark -r "$f" 2>/dev/null | wc -l)
	outside=$(tshark -r "$f" -Y '(ip && !(ip.src==198.18.0.0/24 && ip.dst==198.18.0.0/24)) || ipv6 || (arp && !(arp.src.proto_ipv4==198.18.0.0/24))' 2>/dev/null | wc -l)
	small=$(tshark -r "$f" -T fields -e frame.len 2>/dev/null | awk '{t++; if ($1<600) s++; b+=$1} END {printf "%.3f %.0f", s/t, b/t}')
	echo "node $node ($profile, $labels): catalog $packets packets, tshark $n, $bytes bytes, drops $drops, outside-subnet $outside, share<600B/mean $small"
	[ "$n" = "$packets" ] && echo "PASSCASE count_$node" || echo "FAILCASE count_$node catalog $packets tshark $n"
	# the node's labels are inside its trace (pcapng section comments)
	want=$(printf '%s;node=%s' "$labels" "$node" | tr ';' '\n' | sort | tr '\n' ' ')
	got=$(capinfos "$f" 2>/dev/null | sed -n 's/^Capture comment: *//p' | sort | tr '\n' ' ')
	[ "$got" = "$want" ] && echo "PASSCASE labels_$node" || echo "FAILCASE labels_$node trace has '$got', catalog '$want'"
	[ "$outside" = 0 ] && echo "PASSCASE inside_$node" || echo "FAILCASE inside_$node $outside packets outside 198.18.0.0/24"
	case "$profile" in
	bittorrent-query) echo "$small" | awk '{exit !($1 >= 0.9 && $2 < 400)}' &&
		echo "PASSCASE query_small_$node" || echo "FAILCASE query_small_$node share<600B/mean $small";;
	bittorrent-leech) echo "$small" | awk '{exit !($1 < 0.6 && $2 > 600)}' &&
		echo "PASSCASE leech_bulk_$node" || echo "FAILCASE leech_bulk_$node share<600B/mean $small";;
	esac
done >"$TMPD/cases"
grep -v CASE "$TMPD/cases"
grep '^PASSCASE' "$TMPD/cases" | while read -r _ n; do ok "$n"; done
grep '^FAILCASE' "$TMPD/cases" | while read -r _ n why; do not_ok "$n" "$why"; done
expect_eq trace_per_node "$(tail -n +2 "$C" | wc -l) $(ls "$OUT"/traces/*.pcapng | wc -l)" "7 7"
# nothing remains
left=$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME" || true)
expect_eq no_netns_left "$left" 0
ip -br link >"$TMPD/links.after"; tc qdisc show >"$TMPD/qdisc.after"
check root_links_unchanged cmp "$TMPD/links.before" "$TMPD/links.after"
check root_qdiscs_unchanged cmp "$TMPD/qdisc.before" "$TMPD/qdisc.after"
alive=0; for p in $pids; do
	st=$(sed 's/.*) \(.\).*/\1/' /proc/$p/stat 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && alive=$((alive+1))
done
expect_eq no_process_left "$alive" 0
expect_eq no_state_left "$(ls /run/p2ptrace/$NAME.state 2>/dev/null | wc -l) $(ls -d "$W" 2>/dev/null | wc -l)" "0 0"
