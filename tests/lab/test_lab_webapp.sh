#!/bin/sh
# test_lab_webapp.sh -- web-client mode=app and exp3-mix's UDP streams
# (issue 11), and the group option tcp_ts=off, in a lab of 5 nodes for
# ~40 s. mode=app must be what it says:
# one long-lived TLS connection (tshark: at most 2 TCP SYNs from the
# client in 40 s, sessions last 30 s or more) carrying many requests (nginx's
# own log: >= 8 HTTP/2.0 requests from the client, some answered 206
# Partial Content: the Range requests) of varied size (tshark: the
# client's TCP segments after the handshake span >= 200 bytes between the
# smallest and the largest: the X-Req header of 0-900 bytes). The media
# group runs the exact command line of examples/exp3-mix.lab: its trace
# must hold a UDP flow of >= 50 datagrams, all of one size (iperf3 -l).
# A tcp_ts=off node sends and gets no TCP timestamp option (tshark), the
# default node does. No packet may have an address outside the lab. A bad mode gives a
# line-numbered error.
. "$(dirname "$0")/../lib.sh"
S=lab_webapp
why=$(need_root_netns) || { skip $S "$why"; exit 0; }
for t in nginx tshark openssl curl iperf3; do
	command -v $t >/dev/null || { skip $S "$t missing (make deps)"; exit 0; }
done
EX=$ROOT/examples/exp3-mix.lab
NAME=wa$(($$ % 100000))
NET=100.64.11
OUT=$TMPD/out

# bad settings first: mode=app needs curl; an unknown mode is refused
printf 'subnet %s.0/24\ngroup web web-server\ngroup c web-client server=web agent=wget mode=app\n' $NET >"$TMPD/bad1.lab"
"$P2PTRACE" lab check "$TMPD/bad1.lab" >/dev/null 2>"$TMPD/bad1.err"
expect_eq bad_agent_exit $? 2
expect_eq bad_agent_msg "$(grep -c ':3: mode=app: needs agent=curl' "$TMPD/bad1.err")" 1
printf 'subnet %s.0/24\ngroup web web-server\ngroup c web-client server=web mode=api\n' $NET >"$TMPD/bad2.lab"
"$P2PTRACE" lab check "$TMPD/bad2.lab" >/dev/null 2>"$TMPD/bad2.err"
expect_eq bad_mode_exit $? 2
expect_eq bad_mode_msg "$(grep -c ":3: mode: expected browse or app, got 'api'" "$TMPD/bad2.err")" 1

media=$(grep '^group media-a command' "$EX")
[ -n "$media" ] || { not_ok media_in_example "no group media-a in $EX"; exit 0; }
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
cat >"$TMPD/wa.lab" <<EOT
lab $NAME
subnet $NET.0/24
out $OUT
snaplen 200
group web web-server pages=3 objects=30 size=64KiB labels app=web
group w-app web-client server=web agent=curl proto=h2 mode=app interval=2 labels app=web client=curl mode=app
group w-nots web-client server=web agent=curl proto=https mode=app interval=2 tcp_ts=off labels app=web client=curl mode=app
group media command cmd="iperf3 -s -p 5201" labels app=other
$media
EOT
if ! "$P2PTRACE" lab up "$TMPD/wa.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
ok lab_up
sleep 40
cp /var/lib/p2ptrace/work/"$NAME"/web/access.log "$TMPD/access.log" 2>/dev/null
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
trap - EXIT INT TERM
addr() { awk -F'\t' -v n="$1" '$1==n {print $3}' "$OUT/catalog.tsv"; }
trc() { echo "$OUT/traces/$1.pcapng"; }
cnt() { f=$1; shift; tshark -r "$f" -Y "$*" 2>/dev/null | wc -l; }
atleast() { if [ "$2" -ge "$3" ]; then ok "$1"; else not_ok "$1" "$2 < $3"; fi; }
atmost() { if [ "$2" -le "$3" ]; then ok "$1"; else not_ok "$1" "$2 > $3"; fi; }

a=$(addr w-app)
syns=$(cnt "$(trc w-app)" "ip.src==$a && tcp.flags.syn==1 && tcp.flags.ack==0")
atleast app_connects "$syns" 1
atmost app_one_connection "$syns" 2
atleast app_requests_h2 "$(grep -c "^$a .*HTTP/2.0\"" "$TMPD/access.log")" 8
atleast app_range_206 "$(grep "^$a " "$TMPD/access.log" | grep -c 'HTTP/2.0" 206 ')" 2
span=$(tshark -r "$(trc w-app)" -Y "ip.src==$a && tcp.len>0 && !tls.handshake" -T fields -e frame.len 2>/dev/null |
	sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{print $2 - $1}')
atleast app_request_sizes_vary "${span:-0}" 200
# tcp_ts=off: that node's SYNs carry no timestamp option, the other's do
atleast tcp_ts_default_on "$(cnt "$(trc w-app)" "ip.src==$a && tcp.flags.syn==1 && tcp.options.timestamp.tsval")" 1
b=$(addr w-nots)
atleast tcp_ts_off_syn "$(cnt "$(trc w-nots)" "ip.src==$b && tcp.flags.syn==1")" 1
expect_eq tcp_ts_off "$(cnt "$(trc w-nots)" "tcp.options.timestamp.tsval")" 0
# the media stream: one UDP flow of >= 50 datagrams of a single size
best=$(tshark -r "$(trc media-a)" -Y "udp && udp.length > 40" -T fields -e udp.srcport -e udp.dstport -e udp.length 2>/dev/null |
	sort | uniq -c | sort -rn | head -1 | awk '{print $1}')
atleast media_stream_one_size "${best:-0}" 50
bad=0
for f in "$OUT"/traces/*.pcapng; do
	o=$(cnt "$f" "(ip && !(ip.src==$NET.0/24 && ip.dst==$NET.0/24)) || ipv6")
	[ "$o" = 0 ] || bad=$((bad + 1))
done
expect_eq traces_checked "$(ls "$OUT"/traces/*.pcapng | wc -l)" 5
expect_eq nothing_outside "$bad" 0
expect_eq no_netns_left "$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")" 0
