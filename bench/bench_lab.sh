#!/bin/sh
# bench_lab.sh -- `make bench-lab`: 250 lab nodes with running clients
# (an opentracker, one aria2c seeder, 248 aria2c leechers sharing a 4 MiB
# file, every node shaped and captured by one `p2ptrace capture`), on a
# /16. Prints: time to bring the lab up (until every process is started),
# processes alive, memory used (PSS of the lab's processes and the change
# of the machine's used memory), time to tear it down, and checks that
# nothing is left behind (namespaces, processes, state). Targets: up <= 20 s,
# down <= 10 s.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P2PTRACE=${P2PTRACE:-$ROOT/build/p2ptrace}
N=${N:-250}
HOLD=${HOLD:-20}
[ "$(id -u)" = 0 ] || { echo "bench_lab: needs root"; exit 1; }
T=$(mktemp -d /tmp/p2pt-bench-lab.XXXXXX)
NAME=bl$(($$ % 100000))
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
cat >"$T/b.lab" <<EOT
lab $NAME
subnet 198.18.0.0/16
out $T/out
snaplen 96
file f size=4MiB
group tracker bittorrent-tracker
group seed bittorrent-seed file=f up=1mbit
group leech bittorrent-leech count=$((N-2)) file=f up=128kbit down=512kbit labels app=bittorrent mode=download
EOT
used() { awk '/^MemTotal/{t=$2}/^MemFree/{f=$2}/^Buffers/{b=$2}/^Cached/{c=$2}/^SReclaimable/{s=$2}END{print t-f-b-c-s}' /proc/meminfo; }
links0=$(ip -br link | wc -l)
m0=$(used)
t0=$(date +%s.%N)
"$P2PTRACE" lab up "$T/b.lab" || { echo "bench_lab: lab up failed"; exit 1; }
t1=$(date +%s.%N)
sleep "$HOLD"
pids=$(awk '$1=="proc"||$1=="capture"{print $2}' /run/p2ptrace/$NAME.state)
alive=0; pss=0
for p in $pids; do
	[ -d /proc/$p ] || continue
	alive=$((alive+1))
	# the process and its children (nginx workers etc.): its process group
	for q in $(pgrep -g "$p" 2>/dev/null); do
		v=$(awk '/^Pss:/{print $2}' /proc/$q/smaps_rollup 2>/dev/null)
		pss=$((pss + ${v:-0}))
	done
done
m1=$(used)
listening=$(for ns in $(ip netns list | awk '{print $1}' | grep -- "-$NAME-"); do ip netns exec "$ns" ss -Htln 2>/dev/null | head -1; done | wc -l)
t2=$(date +%s.%N)
"$P2PTRACE" lab down "$NAME" >"$T/down.out" 2>"$T/down.err"; grep -i timing "$T/down.err"
t3=$(date +%s.%N)
tail -1 "$T/out/catalog.tsv" >/dev/null
pk=$(awk -F'\t' 'NR>1{p+=$11; d+=$13} END {print p, d}' "$T/out/catalog.tsv")
left_ns=$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")
left_p=0; for p in $pids; do st=$(sed 's/.*) \(.\).*/\1/' /proc/$p/stat 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ] && left_p=$((left_p+1)); done
links1=$(ip -br link | wc -l)
up=$(echo "$t1 - $t0" | bc); down=$(echo "$t3 - $t2" | bc)
echo "bench_lab: $N nodes (1 opentracker, 1 aria2c seed, $((N-2)) aria2c leechers), capture on all $N links"
echo "  up:        $up s (target <= 20 s)"
echo "  alive:     $alive of $(echo $pids | wc -w) logged processes after ${HOLD} s; $listening of $N nodes listening on TCP"
echo "  memory:    lab processes PSS $((pss/1024)) MB; machine used memory +$(((m1-m0)/1024)) MB"
echo "  capture:   packets, drops: $pk"
echo "  down:      $down s (target <= 10 s)"
echo "  left:      $left_ns namespaces, $left_p processes, root links $links0 -> $links1, state $(ls /run/p2ptrace/$NAME.state 2>/dev/null | wc -l)"
ok=1
echo "$up" | awk '{exit !($1 <= 20)}' || ok=0
echo "$down" | awk '{exit !($1 <= 10)}' || ok=0
[ "$left_ns" = 0 ] && [ "$left_p" = 0 ] && [ "$links0" = "$links1" ] || ok=0
[ $ok = 1 ] && echo "bench_lab: PASS" || { echo "bench_lab: FAIL"; exit 1; }
