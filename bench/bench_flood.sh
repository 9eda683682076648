#!/bin/sh
# bench_flood.sh -- `make bench-flood`: the paper's Experiment I on the
# flood-query network (examples/exp1-flood.lab, 40 GNUnet peers) for
# FLOOD_DURATION seconds (default 300; shorter runs are allowed, e.g.
# FLOOD_DURATION=120). Prints:
#   - the time from `lab up` returning until every peer has all its friends
#     connected (GNUnet's own "# peers connected", asked of the peers not yet
#     connected, one after the other, every 2 s; a peer counts from the
#     moment its answer came back; target <= 30 s for 40 peers);
#   - peak and mean CPU of the lab: the CPU time of every process running
#     for the lab (gnunet services, shells, capture; the lab's cgroup
#     cpu.stat), in cores, over 5 s windows;
#   - per rank and mode: the paper's four figures from `p2ptrace analyze
#     --nodes` (conversations/s, packets/s, average packet size, the size
#     distribution in the paper's bins), and the peers' own forwarding
#     counters per second (queries of others received, queries sent on,
#     replies relayed; GNUnet's fs statistics kept at the end of the run);
#   - whether every query node handled and sent on queries of others.
# Needs root (namespaces) and the gnunet package. Runs niced.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=${P2PTRACE:-$ROOT/${BUILD:-build}/p2ptrace}
DUR=${FLOOD_DURATION:-300}
NAME=${FLOOD_NAME:-benchflood}
OUT=${FLOOD_OUT:-$ROOT/build/bench-flood}
EXP=$ROOT/examples/exp1-flood.lab
[ "$(id -u)" = 0 ] || { echo "bench-flood: needs root (network namespaces)"; exit 2; }
command -v gnunet-arm >/dev/null || { echo "bench-flood: gnunet not installed (make deps)"; exit 2; }
[ -x "$P" ] || { echo "bench-flood: $P not built"; exit 2; }
rm -rf "$OUT"
W=/var/lib/p2ptrace/work/$NAME
T=$(mktemp -d)
trap '"$P" lab down "$NAME" >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM

"$P" lab check "$EXP" --name "$NAME" | awk '/^gnunet /{n=$2; sub(":","",n); print n, NF-7}' >"$T/friends"
npeers=$(wc -l <"$T/friends")
t0=$(date +%s.%N)
nice -n 10 "$P" lab run "$EXP" --name "$NAME" --duration "$DUR" --out "$OUT" >"$T/run.out" 2>&1 &
RUN=$!
# wait for `lab up` (the catalog appears when links are up; HELLO files
# once peers run), then poll connectivity
while [ ! -s "$OUT/catalog.tsv" ] && kill -0 $RUN 2>/dev/null; do sleep 0.2; done
while ! grep -q "lab $NAME up" "$T/run.out" 2>/dev/null && kill -0 $RUN 2>/dev/null; do sleep 0.2; done
tup=$(date +%s.%N)
echo "bench-flood: $npeers peers, lab up after $(echo "$tup - $t0" | bc) s; run $DUR s"
conn=""
# the lab's cgroup (every process lab up started, capture included:
# src/lab/cgroup.c) counts CPU time in microseconds; without one, the CPU
# seconds of the processes whose command line names the lab (whole
# seconds per process: coarse)
CG=
for r in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ -r "$r/p2ptrace-$NAME/cpu.stat" ] && CG=$r/p2ptrace-$NAME
done
# "SECONDS-SINCE-BOOT CPU-SECONDS", read by one process so that a loaded
# machine does not put time between the two; nothing once the lab is gone
lab_cpu() {
	if [ -n "$CG" ]; then
		awk 'FILENAME=="/proc/uptime"{u=$1;next} $1=="usage_usec"{c=$2/1e6} END{if(c!="")printf "%s %.6f\n", u, c}' /proc/uptime "$CG/cpu.stat" 2>/dev/null
	else
		ps -eo cputimes,args | awk -v w="$W/" -v n="$NAME" 'NR==1{getline u < "/proc/uptime"; split(u,a," ")} index($0,w)||index($0,"--name " n){s+=$1} END{print a[1], s+0}'
	fi
}
# CPU of the lab's processes, sampled every 5 s in the background (the
# connectivity poll below can take long on a loaded machine)
(
	set -- $(lab_cpu); tp=$1 p=$2
	while [ -n "$p" ] && kill -0 $RUN 2>/dev/null; do
		sleep 5
		s=$(lab_cpu); [ -n "$s" ] || break
		set -- $s
		echo "($2 - $p) / ($1 - $tp)" | bc -l
		tp=$1 p=$2
	done >"$T/cpu"
) &
el=0
while kill -0 $RUN 2>/dev/null; do
	now=$(date +%s.%N); el=$(echo "$now - $tup" | bc)
	if [ -z "$conn" ]; then
		# only the peers not yet seen with all their friends are asked
		# again; each is timed when its answer comes back, and the
		# overlay is connected at the latest of those times
		while read -r node want; do
			[ -e "$T/conn.$node" ] && continue
			u=$(stat -c %U "$W/$node" 2>/dev/null) || continue
			c=$("$P" lab exec --lab "$NAME" "$node" -- setpriv --reuid="$u" --regid="$(stat -c %G "$W/$node")" --clear-groups \
				env HOME="$W/$node" gnunet-statistics -c "$W/$node/gnunet.conf" -s core -n '# peers connected' -q 2>/dev/null | tr -d ' ')
			[ "${c:-0}" -ge "$want" ] && echo "$(date +%s.%N) - $tup" | bc >"$T/conn.$node"
		done <"$T/friends"
		if [ "$(ls "$T" | grep -c '^conn\.')" = "$npeers" ]; then
			conn=$(cat "$T"/conn.* | sort -g | tail -1)
			echo "bench-flood: overlay connected (every peer all its friends) $conn s after up (first peer $(cat "$T"/conn.* | sort -g | head -1) s, median $(cat "$T"/conn.* | sort -g | sed -n "$(( (npeers + 1) / 2 ))p") s)"
		fi
	fi
	sleep $([ -z "$conn" ] && echo 2 || echo 5)
done
wait $RUN
rc=$?
wait
peak=$(sort -g "$T/cpu" 2>/dev/null | tail -1)
[ -n "$conn" ] || echo "bench-flood: overlay NOT fully connected during the run"
mean=$(awk '{s+=$1;n++} END{if(n)printf "%.2f", s/n; else print 0}' "$T/cpu" 2>/dev/null)
printf 'bench-flood: peak CPU of the lab: %.2f cores, mean %s (5 s windows, %s; machine has %s; load average now %s)\n' "${peak:-0}" "$mean" "$([ -n "$CG" ] && echo "$CG/cpu.stat" || echo "ps cputimes")" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
[ $rc = 0 ] || { echo "bench-flood: lab run failed (exit $rc):"; tail -5 "$T/run.out"; exit 1; }
(cd "$OUT" && "$P" analyze -q --catalog catalog.tsv --nodes nodes.csv traces/*.pcapng) || exit 1
# per rank and mode: the paper's figures (analyze) + the fs counters / s
awk -F'\t' 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next}
	{d=($h["stop_ns"]-$h["start_ns"])/1e9; print $1, $h["fs_queries_in"]/d, $h["fs_queries_out"]/d, $h["fs_replies_relayed"]/d, $h["fs_queries_in"], $h["fs_queries_out"]}' \
	"$OUT/catalog.tsv" >"$T/fs"
awk -F, -v fs="$T/fs" 'BEGIN{while((getline l < fs)>0){split(l,a," "); qi[a[1]]=a[2]; qo[a[1]]=a[3]; rr[a[1]]=a[4]}}
	NR==1{for(i=1;i<=NF;i++)h[$i]=i;next}
	{ m=$h["labels"]; mode=m; sub(/.*mode=/,"",mode); sub(/;.*/,"",mode); r=m; sub(/.*rank=/,"",r); sub(/;.*/,"",r)
	  k=mode " " r; n[k]++; cv[k]+=$h["conv_per_s"]; pp[k]+=$h["pkts_per_s"]; av[k]+=$h["avg_pkt_size"]
	  for(b=0;b<10;b++) pc[k,b]+=$(h["pct_0_19"]+b)
	  fi[k]+=qi[$1]; fo[k]+=qo[$1]; fr[k]+=rr[$1] }
	END{ printf "%-9s %7s %3s %8s %8s %8s %9s %9s %9s  %s\n","mode","rank","n","conv/s","pkt/s","avg_B","qin/s","qout/s","repl/s","size % in bins 0-19,20-39,40-79,80-159,160-319,320-639,640-1279,1280-2559,2560-5119,5120+"
	  for(k in n){split(k,a," "); printf "%-9s %7s %3d %8.3f %8.2f %8.1f %9.3f %9.3f %9.3f  ",a[1],a[2],n[k],cv[k]/n[k],pp[k]/n[k],av[k]/n[k],fi[k]/n[k],fo[k]/n[k],fr[k]/n[k]
	    for(b=0;b<10;b++) printf "%s%.1f",(b?",":""),pc[k,b]/n[k]; printf "\n"} }' "$OUT/nodes.csv" | sort -k1,1 -k2,2n
qn=$(grep -c '^q-' "$T/fs"); qr=$(awk '/^q-/ && $5>0 && $6>0' "$T/fs" | wc -l)
echo "bench-flood: query nodes that received and sent on queries of others: $qr of $qn"
echo "bench-flood: traces, catalog (fs_* columns), nodes.csv in $OUT"
