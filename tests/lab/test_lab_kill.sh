#!/bin/sh
# test_lab_kill.sh -- `lab run` killed with SIGKILL in the middle (clients
# and capture running), then `lab down`: no namespace, process, link, qdisc,
# work folder or state file of the lab remains; a second `lab down` is a
# no-op (idempotent).
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_kill "$why"; exit 0; }
for t in aria2c opentracker mktorrent; do
	command -v $t >/dev/null || { skip lab_kill "$t missing (make deps)"; exit 0; }
done
NAME=kl$(($$ % 100000))
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
ip -br link >"$TMPD/links.before"; tc qdisc show >"$TMPD/qdisc.before"
cat >"$TMPD/k.lab" <<EOT
lab $NAME
subnet 198.18.0.0/24
out $TMPD/out
file f size=8MiB
group tracker bittorrent-tracker
group seed bittorrent-seed file=f up=2mbit
group leech bittorrent-leech count=3 file=f up=1mbit down=2mbit
group web http-server
group webc http-client server=web up=512kbit
EOT
>"$TMPD/run.out"
P2PTRACE_NO_PROGRESS=1 "$P2PTRACE" lab run "$TMPD/k.lab" --duration 60 >"$TMPD/run.out" 2>&1 &
RUN=$!
i=0
while [ $i -lt 100 ] && ! grep -q "up:" "$TMPD/run.out"; do sleep 0.1; i=$((i+1)); done
sleep 3
pids=$(awk '$1=="proc"||$1=="capture"{print $2}' /run/p2ptrace/$NAME.state 2>/dev/null)
nns=$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")
echo "lab running: $nns namespaces, $(echo $pids | wc -w) logged processes; kill -9 $RUN"
kill -9 $RUN; wait $RUN 2>/dev/null
expect_eq before_down_netns "$nns" 8
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
rc=$?
cat "$TMPD/down.out"
expect_eq down_exit "$rc" 0
expect_eq no_netns_left "$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")" 0
# alive = exists and is not a zombie waiting for init to reap it
sleep 0.5
alive=0; for p in $pids; do
	st=$(sed 's/.*) \(.\).*/\1/' /proc/$p/stat 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && alive=$((alive+1))
done
expect_eq no_process_left "$alive" 0
ip -br link >"$TMPD/links.after"; tc qdisc show >"$TMPD/qdisc.after"
check root_links_unchanged cmp "$TMPD/links.before" "$TMPD/links.after"
check root_qdiscs_unchanged cmp "$TMPD/qdisc.before" "$TMPD/qdisc.after"
expect_eq no_state_left "$(ls /run/p2ptrace/$NAME.state /var/lib/p2ptrace/work/$NAME 2>/dev/null | wc -l)" 0
# traces were closed by capture's SIGTERM: readable by tshark
bad=0; for f in "$TMPD"/out/traces/*.pcapng; do tshark -r "$f" >/dev/null 2>&1 || bad=$((bad+1)); done
expect_eq traces_readable "$bad $(ls "$TMPD"/out/traces/*.pcapng | wc -l)" "0 7"
"$P2PTRACE" lab down "$NAME" >"$TMPD/down2.out" 2>&1
expect_eq down_again_exit "$?" 0
