#!/bin/sh
# test_lab_gnunet.sh -- profile gnunet (GNUnet file sharing, the lab's
# flood-query network): a 6-node ring pub-r1-r2-dl-r4-r5-pub given as
# explicit links. dl, 3 hops from pub either way, searches and downloads
# what pub published: the sha256 in dl's log equals that of pub's file
# (sha256sum of the file in pub's folder). r1, which neither publishes nor
# searches, has TCP payload in and out with both its neighbours in its
# trace (tshark) and non-zero forwarding counters in the catalog (GNUnet's
# own statistics). No packet of any trace outside the lab subnet, no
# IPv6; nothing left after lab down, nor after lab run was SIGKILLed and
# lab down ran. Bad overlay settings (degree larger than the overlay, a
# link to an unknown node) give exit 2, the file and line, and create
# nothing.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_gnunet "$why"; exit 0; }
for t in gnunet-arm gnunet-ecc gnunet-statistics tshark sha256sum; do
	command -v $t >/dev/null || { skip lab_gnunet "$t missing (make deps: package gnunet)"; exit 0; }
done
NAME=gn$(($$ % 100000))
OUT=$TMPD/out
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM

left() { # processes, namespaces, work folder, undo log of lab $1
	p=$(ps -eo args | grep -c "[/]var/tmp/p2ptrace/$1/")
	n=$(ip netns list | grep -c -e "-$1-" -e "p2psw-$1\$" -e "p2psw-$1 ")
	w=0; [ -e "/var/lib/p2ptrace/work/$1" ] && w=1
	s=0; [ -e "/run/p2ptrace/$1.state" ] && s=1
	echo "$p $n $w $s"
}

ring() { # $1 lab name, $2 out
	cat <<EOT
lab $1
subnet 198.18.7.0/24
out $2
duration 300
group pub gnunet role=publisher files=1 size=512KiB degree=0 links=pub-r1,r1-r2,r2-dl,dl-r4,r4-r5,r5-pub labels app=gnunet mode=publisher rank=0
group r1 gnunet role=relay degree=0 labels app=gnunet mode=relay rank=0
group r2 gnunet role=relay degree=0 labels app=gnunet mode=relay rank=0
group dl gnunet role=download degree=0 interval=5 labels app=gnunet mode=download rank=0
group r4 gnunet role=relay degree=0 labels app=gnunet mode=relay rank=0
group r5 gnunet role=relay degree=0 labels app=gnunet mode=relay rank=0
EOT
}

# --- bad overlay settings: line-numbered errors, nothing created ---------
ring "$NAME" "$OUT" | sed 's/^group r5 gnunet role=relay degree=0/group r5 gnunet role=relay degree=6/' >"$TMPD/deg.lab"
ring "$NAME" "$OUT" | sed 's/r5-pub/r5-nosuch/' >"$TMPD/link.lab"
for b in deg:10:"degree=6 is larger than the overlay" link:5:"links: 'r5-nosuch'"; do
	f=${b%%:*} rest=${b#*:} line=${rest%%:*} msg=${rest#*:}
	"$P2PTRACE" lab up "$TMPD/$f.lab" >"$TMPD/$f.out" 2>&1
	rc=$?
	expect_eq bad_${f}_exit $rc 2
	grep -q "$TMPD/$f.lab:$line: .*$msg" "$TMPD/$f.out" && ok bad_${f}_message ||
		not_ok bad_${f}_message "$(head -2 "$TMPD/$f.out")"
	expect_eq bad_${f}_nothing_created "$(left "$NAME")" "0 0 0 0"
done
[ -d "$OUT" ] && not_ok bad_no_out "$OUT was created" || ok bad_no_out

# --- the ring: download at 3 hops, relaying in the middle ----------------
ring "$NAME" "$OUT" >"$TMPD/ring.lab"
if ! "$P2PTRACE" lab up "$TMPD/ring.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
ok lab_up
t=0
while [ $t -lt 240 ] && ! grep -q downloaded "$OUT/logs/dl.out" 2>/dev/null; do sleep 5; t=$((t+5)); done
got=$(grep -m1 downloaded "$OUT/logs/dl.out" | awk '{print $3}')
want=$(sha256sum </var/lib/p2ptrace/work/$NAME/pub/pub/pub-1.bin | cut -c1-64)
echo "dl's first download after ~$t s: ${got:-none}; pub's file: $want"
expect_eq download_3_hops_sha256 "${got:-none}" "$want"
sleep 5 # a few more searches pass through r1
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
expect_eq down_nothing_left "$(left "$NAME")" "0 0 0 0"
# r1's counters: catalog columns by name
col() { awk -F'\t' -v n="$1" -v c="$2" 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next}$1==n{print $h[c]}' "$OUT/catalog.tsv"; }
for c in fs_queries_in fs_queries_out fs_replies_relayed; do
	v=$(col r1 $c)
	echo "r1 $c = $v (traces/r1.fs.tsv: $(grep -c . "$OUT/traces/r1.fs.tsv") lines)"
	check r1_$c test "${v:-0}" -gt 0
done
# r1 (198.18.7.2) has TCP payload in and out with pub (.1) and r2 (.3)
for nb in 1 3; do
	for d in "ip.src==198.18.7.$nb && ip.dst==198.18.7.2" "ip.src==198.18.7.2 && ip.dst==198.18.7.$nb"; do
		k=$(tshark -r "$OUT/traces/r1.pcapng" -Y "$d && tcp.len>0" 2>/dev/null | wc -l)
		echo "r1 trace, $d: $k segments with payload"
		check "r1_payload_$(echo "$d" | tr -dc '0-9.' | cut -c1-40)" test "$k" -gt 0
	done
done
# the report's relayed-queries figure: relay nodes (rank 0), mean of
# fs_queries_in / (stop_ns - start_ns), computed here from the catalog
want=$(awk -F'\t' 'NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h["labels"]~/mode=relay/{s+=$h["fs_queries_in"]/(($h["stop_ns"]-$h["start_ns"])/1e9);n++} END{printf "%.4g", s/n}' "$OUT/catalog.tsv")
got=$("$P2PTRACE" report -o "$TMPD/r.html" "$OUT" 2>/dev/null | awk '/^Relayed queries per second/{f=1;next} f&&/^  rank/{for(i=2;i<=NF;i++)if($i=="relay")c=i-1;next} f&&/^  0 /{print $(2+(c-1)*4);exit}')
echo "report's relayed queries/s of the relays: ${got:-none}; from the catalog: $want"
expect_eq report_relay_figure "${got:-none}" "$want"
for tr in "$OUT"/traces/*.pcapng; do
	o=$(tshark -r "$tr" -Y '(ip && !(ip.src==198.18.7.0/24 && ip.dst==198.18.7.0/24)) || ipv6' 2>/dev/null | wc -l)
	expect_eq "inside_$(basename "$tr" .pcapng)" "$o" 0
done

# --- SIGKILL of lab run, then lab down: nothing left ----------------------
rm -rf "$OUT"
"$P2PTRACE" lab run "$TMPD/ring.lab" >"$TMPD/run.out" 2>&1 &
RUN=$!
t=0
while [ $t -lt 60 ] && ! grep -q "HELLOs loaded" "$OUT/logs/dl.out" 2>/dev/null; do sleep 1; t=$((t+1)); done
kill -9 $RUN
wait $RUN 2>/dev/null
check peers_ran_before_kill grep -q "HELLOs loaded" "$OUT/logs/dl.out"
"$P2PTRACE" lab down "$NAME" >"$TMPD/down2.out" 2>&1
expect_eq sigkill_nothing_left "$(left "$NAME")" "0 0 0 0"
