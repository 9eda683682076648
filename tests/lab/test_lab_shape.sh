#!/bin/sh
# test_lab_shape.sh -- upload shaping of the 8 ranks of the paper's
# Experiment I (6.4 .. 819.2 kbit/s), all at once: each rank node runs a
# bulk TCP sender (iperf3) to a sink for the whole run; the rate is measured
# from the node's own trace (tshark): over each 10 s window starting at
# second 3..14, the frame bytes after the window's first frame divided by the
# time from its first to its last frame; the median of the 12 windows (a
# steady interval, robust to one TCP loss recovery) must be within 10% of the
# rank.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_shape "$why"; exit 0; }
for t in iperf3 tshark; do
	command -v $t >/dev/null || { skip lab_shape "$t missing (make deps)"; exit 0; }
done
NAME=sh$(($$ % 100000))
OUT=$TMPD/out
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
{
	echo "lab $NAME"; echo "subnet 198.18.0.0/24"; echo "out $OUT"; echo "snaplen 96"
	echo "group sink command cmd=\"iperf3 -s -p 5299 & for p in 1 2 3 4 5 6 7 8; do iperf3 -s -p 520\$p & done; wait\""
	# an idle TCP connection, open for the whole run: ended (FIN) only
	# when the lab stops its client
	echo "group idle command start=1 cmd=\"bash -c 'exec 3<>/dev/tcp/%{sink}/5299; sleep 600'\" labels role=idle"
	k=1
	for r in 6.4 12.8 25.6 51.2 102.4 204.8 409.6 819.2; do
		echo "group r$r command up=${r}kbit start=1 cmd=\"iperf3 -c %{sink} -p 520$k -t 60\" labels rank=$r"
		k=$((k+1))
	done
} >"$TMPD/shape.lab"
if ! "$P2PTRACE" lab run "$TMPD/shape.lab" --duration 26 >"$TMPD/run.out" 2>&1; then
	not_ok lab_run "$(tail -3 "$TMPD/run.out")"; exit 0
fi
ok lab_run
tail -n +2 "$OUT/catalog.tsv" | while IFS='	' read -r node netns addr profile labels up down rest; do
	case "$labels" in rank=*) ;; *) continue;; esac
	rank=${labels#rank=}
	rate=$(tshark -r "$OUT/traces/$node.pcapng" -Y "ip.src==$addr" \
		-T fields -e frame.time_relative -e frame.len 2>/dev/null |
		awk '{ t[NR]=$1; l[NR]=$2 } END {
			# windows [s, s+10] for s = 3..14: rate = frame bytes after the
			# first frame / (last - first); the median of the 12 windows
			for (s = 3; s <= 14; s++) {
				t1 = -1; b = 0
				for (i = 1; i <= NR; i++) if (t[i] >= s && t[i] <= s + 10) {
					if (t1 < 0) t1 = t[i]; else { b += l[i]; t2 = t[i] } }
				r[s-2] = (t1 >= 0 && t2 > t1) ? b * 8 / (t2 - t1) / 1000 : 0
			}
			n = 12
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
			printf "%.3f", (r[6] + r[7]) / 2 }')
	ratio=$(echo "$rate $rank" | awk '{printf "%.3f", $1/$2}')
	echo "rank $rank kbit/s (catalog up_kbps $up): measured $rate kbit/s from the trace, ratio $ratio"
	if echo "$ratio" | awk '{exit !($1 >= 0.9 && $1 <= 1.1)}'; then echo "PASSCASE shape_$rank"; else echo "FAILCASE shape_$rank measured $rate kbit/s"; fi
done >"$TMPD/cases"
grep -v CASE "$TMPD/cases"
expect_eq ranks_measured "$(grep -c CASE "$TMPD/cases")" 8
grep '^PASSCASE' "$TMPD/cases" | while read -r _ n; do ok "$n"; done
grep '^FAILCASE' "$TMPD/cases" | while read -r _ n why; do not_ok "$n" "$why"; done
# lab run ends capture before it stops the clients: the idle connection
# (and the senders' 60 s iperf3 runs, cut at 26 s) end in no trace with a
# FIN or RST (with --capture-teardown the idle node's FIN is in its trace);
# the catalog's stop_ns is the moment capture was told to stop
fins=0
late=0
stop_ns=$(awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) if (h[i] == "stop_ns") print $i } NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }' "$OUT/catalog.tsv")
while IFS='	' read -r node netns addr profile labels rest; do
	case "$labels" in rank=* | role=idle) ;; *) continue;; esac
	f=$(tshark -r "$OUT/traces/$node.pcapng" -Y "ip.src==$addr && (tcp.flags.fin==1 || tcp.flags.reset==1)" 2>/dev/null | wc -l)
	l=$(tshark -r "$OUT/traces/$node.pcapng" -T fields -e frame.time_epoch 2>/dev/null | tail -1 |
		awk -v s="$stop_ns" '{ print ($1 > s / 1e9 + 1) ? 1 : 0 }')
	fins=$((fins + f)); late=$((late + l))
done <"$OUT/catalog.tsv"
expect_eq "capture ends with the run: FIN/RST from the 8 senders and the idle client in their traces" "$fins" 0
expect_eq "capture ends with the run: traces whose last packet is > 1 s after stop_ns" "$late" 0
grep -q "stopping capture, then clients" "$TMPD/run.out" && ok "lab run says it stops capture first" ||
	not_ok "lab run says it stops capture first" "$(grep ran "$TMPD/run.out")"
