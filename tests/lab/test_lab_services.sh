#!/bin/sh
# test_lab_services.sh -- the service profiles of issue 11 in one small lab
# (web-server/web-client with curl h2, curl https, wget and chromium;
# ssh-server shell=on with interactive, sftp and rsync clients; ftp-server
# with active lftp and passive curl; dns, ntp and mqtt; edonkey download=on)
# for ~45 s. Each client's trace must hold its protocol as tshark's
# dissectors name it (tls with ALPN h2 / http/1.1, ssh, ftp + ftp-data from
# port 20 or to a passive port, dns answers, ntp server replies, mqtt
# PUBLISH, eDonkey parts), nginx's own log must show HTTP/2.0 from the h2
# clients and HeadlessChrome, and no packet may have an address outside the
# lab. To catch any attempt to reach an outside address (Chromium's Google
# services, a resolver on the host's resolv.conf), every node gets a default
# route into the lab once it is up: such a packet would then be on the wire
# (and dropped by the next node, which does not forward).
. "$(dirname "$0")/../lib.sh"
S=lab_services
why=$(need_root_netns) || { skip $S "$why"; exit 0; }
for t in nginx chromium unbound chronyd mosquitto mosquitto_sub lftp rsync amuled amulecmd tshark openssl perl dig; do
	command -v $t >/dev/null || { skip $S "$t missing (make deps)"; exit 0; }
done
NAME=sv$(($$ % 100000))
NET=100.64.9
OUT=$TMPD/out
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
cat >"$TMPD/svc.lab" <<EOT
lab $NAME
subnet $NET.0/24
out $OUT
snaplen 700
group web web-server pages=3 objects=12 size=64KiB labels app=web
group w-h2 web-client server=web agent=curl proto=h2 interval=4 labels app=web client=curl
group w-h1 web-client server=web agent=curl proto=https interval=4 labels app=web client=curl
group w-wget web-client server=web agent=wget interval=4 labels app=web client=wget
group w-chr web-client server=web agent=chromium interval=2 labels app=web client=chromium
group ssh ssh-server shell=on size=64KiB labels app=ssh
group s-tty ssh-client server=ssh mode=interactive interval=1 labels app=ssh client=ssh
group s-sftp ssh-client server=ssh mode=sftp interval=5 labels app=ssh client=sftp
group s-rsync ssh-client server=ssh mode=rsync interval=5 labels app=ssh client=rsync
group ftp ftp-server port20=on files=2 size=64KiB labels app=ftp
group f-act ftp-client server=ftp agent=lftp mode=active interval=5 labels app=ftp client=lftp
group f-pas ftp-client server=ftp mode=passive agent=curl interval=5 labels app=ftp client=curl
group dns dns-server labels app=other
group d-dig dns-client server=dns agent=dig interval=1 labels app=other client=dig
group d-get dns-client server=dns agent=getent interval=1 labels app=other client=getent
group ntp ntp-server labels app=other
group n-d ntp-client server=ntp poll=3 labels app=other client=chronyd
group n-q ntp-client server=ntp mode=query interval=5 labels app=other client=chronyd
group mq mqtt-broker labels app=other
group m-c mqtt-client server=mq interval=2 labels app=other client=mosquitto
group ed edonkey count=2 size=1MiB labels app=edonkey
group ed-dl edonkey download=on interval=5 labels app=edonkey
EOT
if ! "$P2PTRACE" lab up "$TMPD/svc.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
ok lab_up
for n in $(tail -n +2 "$OUT/catalog.tsv" | cut -f1); do
	"$P2PTRACE" lab exec --lab "$NAME" "$n" -- ip route add default via $NET.13 2>/dev/null
done
sleep 45
W=/var/lib/p2ptrace/work/$NAME/web/access.log
# Chromium starts slowly on a loaded machine: give it up to 75 s more
t=45
while [ $t -lt 120 ] && ! grep -q HeadlessChrome "$W" 2>/dev/null; do
	sleep 5; t=$((t+5))
done
echo "chromium's first request by $t s"
cp "$W" "$TMPD/access.log" 2>/dev/null
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
trap - EXIT INT TERM
addr() { awk -F'\t' -v n="$1" '$1==n {print $3}' "$OUT/catalog.tsv"; }
trc() { echo "$OUT/traces/$1.pcapng"; }
cnt() { f=$1; shift; tshark -r "$f" -Y "$*" 2>/dev/null | wc -l; }
atleast() { if [ "$2" -ge "$3" ]; then ok "$1"; else not_ok "$1" "$2 < $3${4:+ ($4)}"; fi; }

# web: TLS, ALPN offered as the client asks, HTTP/2 in nginx's own log
atleast web_h2_tls "$(cnt "$(trc w-h2)" tls)" 20
atleast web_h2_alpn "$(cnt "$(trc w-h2)" 'tls.handshake.type==1 && tls.handshake.extensions_alpn_str=="h2"')" 1
atleast web_h1_alpn_only "$(cnt "$(trc w-h1)" 'tls.handshake.type==1 && tls.handshake.extensions_alpn_str=="http/1.1"')" 1
expect_eq web_h1_no_h2 "$(cnt "$(trc w-h1)" 'tls.handshake.extensions_alpn_str=="h2"')" 0
atleast web_wget_tls "$(cnt "$(trc w-wget)" tls)" 10
atleast web_chromium_tls "$(cnt "$(trc w-chr)" tls)" 5
atleast web_log_h2_curl "$(grep -c "^$(addr w-h2) .*HTTP/2.0\"" "$TMPD/access.log")" 5
atleast web_log_h1_curl "$(grep -c "^$(addr w-h1) .*HTTP/1.1\"" "$TMPD/access.log")" 5
atleast web_log_chromium "$(grep "^$(addr w-chr) " "$TMPD/access.log" | grep -c 'HTTP/2.0".*HeadlessChrome')" 1
atleast web_log_wget_objects "$(grep "^$(addr w-wget) " "$TMPD/access.log" | grep -c '\.\(css\|js\|png\|jpg\) HTTP/1.1"')" 3
# ssh: interactive keystrokes (small client packets), sftp, rsync
atleast ssh_tty "$(cnt "$(trc s-tty)" 'ssh')" 10
atleast ssh_tty_keys "$(cnt "$(trc s-tty)" "ip.src==$(addr s-tty) && tcp.len>0 && tcp.len<=64 && tcp.dstport==22")" 10 "keystroke packets"
atleast ssh_sftp "$(cnt "$(trc s-sftp)" ssh)" 20
atleast ssh_rsync "$(cnt "$(trc s-rsync)" ssh)" 20
# ftp: active data connections from port 20, passive ones to 30000-30999
atleast ftp_active_ctl "$(cnt "$(trc f-act)" ftp)" 10
atleast ftp_active_data "$(cnt "$(trc f-act)" 'ftp-data')" 5
atleast ftp_active_port20 "$(cnt "$(trc f-act)" 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.srcport==20')" 1
atleast ftp_passive_data "$(cnt "$(trc f-pas)" 'ftp-data')" 5
atleast ftp_passive_port "$(cnt "$(trc f-pas)" 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport>=30000 && tcp.dstport<=30999')" 1
# dns: answers for lab names; getent (A) finds NAME.lab through the search domain
atleast dns_dig_answers "$(cnt "$(trc d-dig)" 'dns.flags.response==1 && dns.flags.rcode==0 && dns.count.answers>0')" 5
atleast dns_getent_a "$(cnt "$(trc d-get)" 'dns.flags.response==0 && dns.qry.type==1')" 1
atleast dns_getent_search "$(cnt "$(trc d-get)" 'dns.flags.response==1 && dns.flags.rcode==0 && dns.qry.name matches "\\.lab$"')" 1
# ntp: server replies (mode 4) to both clients
atleast ntp_daemon "$(cnt "$(trc n-d)" 'ntp.flags.mode==4')" 2
atleast ntp_query "$(cnt "$(trc n-q)" 'ntp.flags.mode==4')" 2
# mqtt: PUBLISH messages
atleast mqtt_publish "$(cnt "$(trc m-c)" 'mqtt.msgtype==3')" 3
# edonkey: the downloader asks for parts and gets them
atleast edonkey_download "$(tshark -r "$(trc ed-dl)" -Y edonkey -T fields -e _ws.col.Info 2>/dev/null | grep -c -e 'Request Parts' -e 'Sending Part')" 2
# nothing outside the lab, no IPv6, in any trace
bad=0
for f in "$OUT"/traces/*.pcapng; do
	o=$(cnt "$f" "(ip && !(ip.src==$NET.0/24 && ip.dst==$NET.0/24)) || ipv6")
	[ "$o" = 0 ] || { bad=$((bad+1)); echo "$f: $o packets outside $NET.0/24"; tshark -r "$f" -Y "(ip && !(ip.src==$NET.0/24 && ip.dst==$NET.0/24)) || ipv6" 2>/dev/null | head -3; }
done
expect_eq traces_checked "$(ls "$OUT"/traces/*.pcapng | wc -l)" 23
expect_eq nothing_outside "$bad" 0
expect_eq no_netns_left "$(ip netns list | grep -c -e "-$NAME-" -e "p2psw-$NAME")" 0
