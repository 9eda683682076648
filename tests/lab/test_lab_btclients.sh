#!/bin/sh
# test_lab_btclients.sh -- every BitTorrent client of the lab in one small
# lab: a tracker, a transmission seed of two swarms at once (a public and a
# private torrent), and leechers running transmission (magnet link),
# qbittorrent (both swarms, encryption required), deluge (uTP off,
# encryption off), rtorrent (magnet link, encryption required) and aria2
# (one node in both swarms with its defaults, one in the public swarm with
# DHT and encryption required). Checks, each against an independent source:
# every leecher completes (its hook wrote DONE) with the seed's sha256;
# tshark's dissectors find in what each node sent: BitTorrent, uTP (bt-utp)
# where uTP is on and none where it is off, DHT (bt-dht) where DHT is on and
# none where it is off; no cleartext handshake ("\x13BitTorrent protocol")
# sent by a node whose encryption is required, some from the one whose
# encryption is off; no packet in any trace has an address outside the lab
# subnet (DHT bootstraps from lab nodes only; no LPD, UPnP, NAT-PMP, DNS).
. "$(dirname "$0")/../lib.sh"
S=lab_btclients
why=$(need_root_netns) || { skip $S "$why"; exit 0; }
for t in aria2c opentracker mktorrent tshark transmission-daemon transmission-remote \
	qbittorrent-nox deluged deluge-console rtorrent python3; do
	command -v $t >/dev/null || { skip $S "$t missing (make deps)"; exit 0; }
done
NAME=btc$(($$ % 100000))
OUT=$TMPD/out
NET=198.18.0.0/24
cleanup() { "$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; }
trap cleanup EXIT INT TERM
cat >"$TMPD/bt.lab" <<EOT
lab $NAME
subnet $NET
out $OUT
snaplen 128
file pub size=2MiB private=no
file priv size=1MiB
group tracker bittorrent-tracker
group seed bittorrent-seed file=pub,priv client=transmission utp=on dht=on pex=on up=16mbit
group tr bittorrent-leech file=pub client=transmission magnet=on dht=on up=4mbit
group qb bittorrent-leech file=pub,priv client=qbittorrent encryption=required dht=on up=4mbit
group dl bittorrent-leech file=pub client=deluge utp=off encryption=off dht=on pex=on up=4mbit
group rt bittorrent-leech file=pub client=rtorrent encryption=required dht=on magnet=on up=4mbit
group ar bittorrent-leech file=priv,pub up=4mbit
group ar2 bittorrent-leech file=pub dht=on encryption=required up=4mbit
EOT
# node: its files; then what it must send: uTP, DHT, cleartext handshakes
# (+ some, 0 none, - not checked)
cat >"$TMPD/want" <<EOT
seed pub,priv + + -
tr pub + + -
qb pub,priv + + 0
dl pub 0 + +
rt pub 0 + 0
ar priv,pub 0 0 -
ar2 pub 0 + 0
EOT
t0=$(date +%s)
if ! "$P2PTRACE" lab up "$TMPD/bt.lab" 2>"$TMPD/up.err"; then
	not_ok lab_up "$(tail -3 "$TMPD/up.err")"; exit 0
fi
ok lab_up
W=/var/lib/p2ptrace/work/$NAME
# every leecher finishes all its files (its client's hook writes DONE);
# 240 s at most: on a machine loaded far beyond its 2 cores (load average
# 70), deluged took minutes to start
i=0
while [ $i -lt 240 ]; do
	left=0
	while read -r node files rest; do
		[ "$node" = seed ] && continue
		for f in $(echo "$files" | tr , ' '); do
			grep -q "/$f.bin\$" "$W/$node/DONE" 2>/dev/null || left=$((left+1))
		done
	done <"$TMPD/want"
	[ $left = 0 ] && break
	sleep 1; i=$((i+1))
done
echo "downloads left: $left after $(( $(date +%s) - t0 )) s"
while read -r node rest; do
	[ -s "$W/$node/DONE" ] && echo "$node done at +$(awk -v t=$t0 '{printf "%.1f s ", $1 - t}' "$W/$node/DONE")"
done <"$TMPD/want"
while read -r node files rest; do
	[ "$node" = seed ] && continue
	for f in $(echo "$files" | tr , ' '); do
		want=$(sha256sum <"$W/shared/$f.bin" | cut -d' ' -f1)
		got=$(sha256sum <"$W/$node/$f.bin" 2>/dev/null | cut -d' ' -f1)
		expect_eq "${node}_${f}_sha256" "$got" "$want"
		grep -q "/$f.bin\$" "$W/$node/DONE" 2>/dev/null && ok "${node}_${f}_done" ||
			not_ok "${node}_${f}_done" "no line for $f.bin in $W/$node/DONE"
	done
done <"$TMPD/want"
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1 || not_ok lab_down "exit $?"
C=$OUT/catalog.tsv
[ -f "$C" ] || { not_ok catalog "no $C"; exit 0; }
tail -n +2 "$C" | while IFS='	' read -r node netns addr profile labels rest; do
	f=$OUT/traces/$node.pcapng
	outside=$(tshark -r "$f" -Y "(ip && !(ip.src==$NET && ip.dst==$NET)) || ipv6 || (arp && !(arp.src.proto_ipv4==$NET))" 2>/dev/null | wc -l)
	[ "$outside" = 0 ] && echo "PASSCASE inside_$node" || echo "FAILCASE inside_$node $outside packets outside $NET"
	[ "$profile" = bittorrent-tracker ] && continue
	# what the node sent, by tshark's dissectors (not ICMP errors, which
	# quote what others sent to a port the node does not use), and its
	# payload bytes: a cleartext handshake starts "\x13BitTorrent protocol"
	tshark -r "$f" -o bt-utp.enable:TRUE -Y "ip.src==$addr && !icmp" -T fields \
		-e frame.protocols -e tcp.payload -e udp.payload 2>/dev/null >"$TMPD/$node.proto"
	hs=$(grep -c 13426974546f7272656e742070726f746f636f6c "$TMPD/$node.proto")
	bt=$(cut -f1 "$TMPD/$node.proto" | grep -c bittorrent)
	utp=$(cut -f1 "$TMPD/$node.proto" | grep -c bt-utp)
	dht=$(cut -f1 "$TMPD/$node.proto" | grep -c bt-dht)
	echo "node $node: sent $(wc -l <"$TMPD/$node.proto") frames: bittorrent $bt, bt-utp $utp, bt-dht $dht, cleartext handshakes $hs"
	[ "$bt" -gt 0 ] && echo "PASSCASE bittorrent_$node" || echo "FAILCASE bittorrent_$node no BitTorrent frame sent"
	read -r _ _ wu wd wh <<EOW
$(grep "^$node " "$TMPD/want")
EOW
	for c in "utp $wu $utp" "dht $wd $dht" "cleartext_handshake $wh $hs"; do
		set -- $c
		case $2 in
		+) [ "$3" -gt 0 ] && echo "PASSCASE $1_$node" || echo "FAILCASE $1_$node none sent";;
		0) [ "$3" = 0 ] && echo "PASSCASE no_$1_$node" || echo "FAILCASE no_$1_$node $3 sent";;
		esac
	done
done >"$TMPD/cases"
grep -v CASE "$TMPD/cases"
grep '^PASSCASE' "$TMPD/cases" | while read -r _ n; do ok "$n"; done
grep '^FAILCASE' "$TMPD/cases" | while read -r _ n why; do not_ok "$n" "$why"; done
expect_eq traces "$(ls "$OUT"/traces/*.pcapng | wc -l)" 8
echo "total $(( $(date +%s) - t0 )) s"
