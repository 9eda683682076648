#!/bin/sh
# bench_shape.sh -- `make bench-shape`: how much of its rank a bulk TCP
# sender gets through the lab's upload shaper, for two queue depths in one
# run: the default (500 ms) and a bloated 2 s queue (queue=2s). N senders
# (half at 409.6, half at 819.2 kbit/s, the paper's two top ranks) each run
# one iperf3 upload to a sink for D seconds; from each sender's own trace
# (tshark, data segments the sender sent) it prints, per queue depth:
#   rate   mean over senders of the rate from second 5 to D-5 / rank
#   minwin the lowest rate of any 10 s window (seconds 5 .. D-5) / rank
#   stalls gaps > 0.5 s between two data segments (the link idle while TCP
#          waits out a retransmission timeout), their count, total and
#          longest; "senders": the sender-runs that had one, of all
# A stall happens when a fast retransmission is dropped by the still-full
# tail-drop queue: the sender then idles for an RTO, which grows with the
# queue's delay. Stalls are rare (a few in 100 sender-runs here) and more
# frequent on a busy machine, so each lab run has LOAD busy loops beside it
# (default 2: both cores of this machine), and the two queue depths take
# turns for ROUNDS rounds. N=16 D=40 LOAD=2 ROUNDS=3 by default (about 6
# minutes, 96 sender-runs per queue depth).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P2PTRACE=${P2PTRACE:-$ROOT/build/p2ptrace}
N=${N:-16}
D=${D:-40}
QUEUES=${QUEUES:-"500ms 2s"}
LOAD=${LOAD:-2}
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench_shape: needs root"; exit 1; }
[ "$D" -ge 20 ] || { echo "bench_shape: D=$D: needs >= 20 (a 10 s window between second 5 and D-5)"; exit 1; }
for t in iperf3 tshark; do
	command -v $t >/dev/null || { echo "bench_shape: $t missing (make deps)"; exit 1; }
done
T=$(mktemp -d /tmp/p2pt-bench-shape.XXXXXX)
NAME=bs$(($$ % 100000))
BUSY=""
unbusy() { [ -n "$BUSY" ] && kill $BUSY 2>/dev/null; BUSY=""; }
trap 'unbusy; "$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
echo "bench_shape: $N iperf3 senders (half 409.6, half 819.2 kbit/s), $D s each, $LOAD busy loops beside, $ROUNDS rounds, queue depths: $QUEUES"
for q in $QUEUES; do
	{
		echo "lab $NAME"; echo "subnet 198.18.0.0/24"; echo "out $T/out-$q"; echo "snaplen 96"
		printf 'group sink command cmd="'
		i=1; while [ $i -le "$N" ]; do printf 'iperf3 -s -p %d & ' $((5300 + i)); i=$((i + 1)); done
		echo 'wait"'
		i=1; while [ $i -le "$N" ]; do
			r=409.6; [ $i -gt $((N / 2)) ] && r=819.2
			echo "group s$i command up=${r}kbit queue=$q start=1 cmd=\"iperf3 -c %{sink} -p $((5300 + i)) -t $((D + 30))\" labels rank=$r"
			i=$((i + 1))
		done
	} >"$T/$q.lab"
done
round=1
while [ $round -le "$ROUNDS" ]; do
for q in $QUEUES; do
	printf '\r  round %d of %d, queue %s ...' $round "$ROUNDS" "$q" >&2
	i=0; while [ $i -lt "$LOAD" ]; do sh -c 'while :; do :; done' & BUSY="$BUSY $!"; i=$((i + 1)); done
	if ! "$P2PTRACE" lab run "$T/$q.lab" --duration "$D" >"$T/$q.run" 2>&1; then
		unbusy; echo "bench_shape: lab run failed: $(tail -2 "$T/$q.run")"; exit 1
	fi
	unbusy
	tail -n +2 "$T/out-$q/catalog.tsv" | while IFS='	' read -r node netns addr profile labels up rest; do
		case "$labels" in rank=*) ;; *) continue;; esac
		tshark -r "$T/out-$q/traces/$node.pcapng" -Y "ip.src==$addr && tcp.len>0" \
			-T fields -e frame.time_relative -e frame.len 2>/dev/null |
			awk -v r="$up" -v d="$D" '
			$1 >= 5 && $1 < d - 5 {
				sec[int($1)] += $2
				if (t0 == "") t0 = $1; else b += $2
				t1 = $1
				if (p != "" && $1 - p > 0.5) { st++; idle += $1 - p; if ($1 - p > mx) mx = $1 - p }
			}
			{ p = $1 }
			END {
				mw = 9
				for (s = 5; s + 10 <= d - 5; s++) {
					w = 0; for (i = s; i < s + 10; i++) w += sec[i]
					w = w * 8 / 10 / 1000 / r; if (w < mw) mw = w
				}
				printf "%.4f %.4f %d %.2f %.2f\n", (t1 > t0 ? b * 8 / (t1 - t0) / 1000 / r : 0), mw, st, idle, mx
			}'
	done >>"$T/$q.rows"
	rm -rf "$T/out-$q"
done
round=$((round + 1))
done
printf '\r%60s\r' '' >&2
printf '  %-7s %8s %8s %7s %8s %9s %8s\n' queue rate minwin stalls senders "idle s" longest
for q in $QUEUES; do
	awk -v q="$q" '
		{ r += $1; if (NR == 1 || $2 < mw) mw = $2; st += $3; if ($3) s++; idle += $4; if ($5 > mx) mx = $5 }
		END { printf "  %-7s %8.3f %8.3f %7d %5d/%-3d %9.2f %8.2f\n", q, r / NR, mw, st, s, NR, idle, mx
		      if (NR != n) printf "  (%d sender-runs with a trace of %d)\n", NR, n }' n=$((N * ROUNDS)) "$T/$q.rows"
done
echo "  (rate and minwin are fractions of the rank; a stall is a gap > 0.5 s in a sender's data)"
