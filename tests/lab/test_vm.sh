#!/bin/sh
# test_vm.sh -- QEMU virtual machines as lab nodes (docs/qemu.md).
# A small Linux guest built here from Debian packages (tests/lab/vm/
# mkguest.sh: Debian's kernel + a busybox initramfs) boots as two VM nodes
# beside one namespace node running nginx. Checks, each against an
# independent source:
#   - a third VM gets its address from the lab's DHCP server (dhcp=on);
#   - each VM fetched the file: the sha256 it prints on its serial console
#     (kept beside its trace) equals sha256sum of the server's file;
#   - each VM's trace holds its own traffic and only its own (tshark: every
#     IPv4 packet has the VM's address, every non-broadcast frame its MAC),
#     at least the file's size from the server, and carries its labels
#     (capinfos: pcapng comments), and its download is shaped (2 mbit/s,
#     measured from the trace), and so is its upload (it POSTs the file
#     back);
#   - catalog packets == tshark's count of each trace;
#   - each VM ran on its own copy-on-write overlay of the base image
#     (qemu-img: backing file), and the base image is unchanged (sha256);
#   - `lab console` reaches the guest's shell;
#   - `lab run` killed with SIGKILL, then `lab down`: the VMs power off by
#     ACPI (the guest says so on its console), and no QEMU process, tap,
#     overlay, namespace or state file remains;
#   - bad VM settings (no memory, missing image, image in use, a second
#     NIC in qemu-args) give a clear error and create nothing.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_vm "$why"; exit 0; }
for t in qemu-system-x86_64 qemu-img tshark capinfos nginx; do
	command -v $t >/dev/null || { skip lab_vm "$t missing (make deps)"; exit 0; }
done
G=$TMPD/guest
if ! sh "$ROOT/tests/lab/vm/mkguest.sh" "$G" >"$TMPD/mkguest.out" 2>&1; then
	skip lab_vm "cannot build the test guest: $(tail -1 "$TMPD/mkguest.out")"
	exit 0
fi
NAME=vm$(($$ % 100000))
OUT=$TMPD/out
HOLD=""
RUNPID=""
cleanup() {
	[ -n "$RUNPID" ] && kill -9 "$RUNPID" 2>/dev/null
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null && wait "$HOLD" 2>/dev/null
	"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1
	"$P2PTRACE" lab down "${NAME}b" >/dev/null 2>&1
}
trap cleanup EXIT INT TERM
ip -br link >"$TMPD/links.before"
base_sum=$(sha256sum <"$G/disk.qcow2")

# ---- bad VM settings: clear error, nothing created ----------------------
nothing_created() { # $1 = lab name
	[ ! -e "/run/p2ptrace/$1.state" ] && ! ip netns list | grep -q -- "-$1\b" &&
		[ ! -e "$TMPD/bad-out" ] && [ ! -e "/var/lib/p2ptrace/work/$1" ]
}
bad() { # $1 case, $2 expected text, $3 group line
	cat >"$TMPD/bad.lab" <<EOT
lab ${NAME}b
subnet 198.18.0.0/24
out $TMPD/bad-out
group web http-server
$3
EOT
	"$P2PTRACE" lab up "$TMPD/bad.lab" >"$TMPD/bad.err" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		not_ok "bad_$1" "lab up succeeded"; "$P2PTRACE" lab down "${NAME}b" >/dev/null 2>&1; return
	fi
	if ! grep -q "$2" "$TMPD/bad.err"; then
		not_ok "bad_$1" "error does not say '$2': $(head -1 "$TMPD/bad.err")"; return
	fi
	if nothing_created "${NAME}b"; then ok "bad_$1"; else not_ok "bad_$1" "something was created"; fi
	echo "bad_$1: $(head -1 "$TMPD/bad.err")"
}
bad no_memory 'bad.lab:5: profile qemu needs memory=SIZE' \
	"group vm qemu image=$G/disk.qcow2 kernel=$G/vmlinuz"
bad missing_image "bad.lab:5: image $TMPD/nope.qcow2: No such file" \
	"group vm qemu image=$TMPD/nope.qcow2 format=qcow2 memory=128M"
bad second_nic "qemu-args: '-netdev' is set by the lab" \
	"group vm qemu image=$G/disk.qcow2 memory=128M qemu-args=\"-netdev user,id=x\""
bad bad_memory "memory: expected a size" \
	"group vm qemu image=$G/disk.qcow2 memory=lots"
# image in use: another QEMU has it open read-write (it holds the lock)
qemu-system-x86_64 -S -nodefaults -display none -accel tcg -m 32 \
	-drive file="$G/disk.qcow2",format=qcow2,if=none,id=d0 >/dev/null 2>&1 &
HOLD=$!
i=0; while [ $i -lt 50 ] && qemu-img info "$G/disk.qcow2" >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); done
bad image_in_use "image $G/disk.qcow2 is in use by another process" \
	"group vm qemu image=$G/disk.qcow2 format=qcow2 memory=128M"
kill "$HOLD"; wait "$HOLD" 2>/dev/null; HOLD=""

# ---- two VMs + an HTTP server node, under `lab run` ---------------------
cat >"$TMPD/vm.lab" <<EOT
# two VM nodes fetch a file from a namespace node
lab $NAME
subnet 198.18.0.0/24
out $OUT
snaplen 128
group web http-server size=2MiB labels app=http mode=server
group vm qemu count=2 image=$G/disk.qcow2 format=qcow2 memory=128M cpus=1 kernel=$G/vmlinuz initrd=$G/initrd.gz append="quiet p2pt.url=http://198.18.0.1/file.bin p2pt.post=http://198.18.0.1/file.bin" up=2mbit down=2mbit labels app=http mode=vm os=linux
group vmd qemu image=$G/disk.qcow2 format=qcow2 memory=128M kernel=$G/vmlinuz initrd=$G/initrd.gz append="quiet p2pt.url=http://198.18.0.1/file.bin" dhcp=on labels app=http mode=vm os=linux
EOT
check lab_check "$P2PTRACE" lab check "$TMPD/vm.lab"
accel=$("$P2PTRACE" lab check "$TMPD/vm.lab" | sed -n 's/.*accel \([a-z]*\) .*/\1/p' | head -1)
echo "accelerator: $accel $("$P2PTRACE" lab check "$TMPD/vm.lab" | sed -n 's/.*accel [a-z]* //p' | head -1)"
t0=$(date +%s.%N)
"$P2PTRACE" lab run --duration 600 "$TMPD/vm.lab" >"$TMPD/run.out" 2>"$TMPD/run.err" &
RUNPID=$!
# up when both VMs are started
i=0
while [ $i -lt 300 ] && [ "$(grep -c 'VM vm.* started' "$TMPD/run.err" 2>/dev/null)" != 3 ]; do
	kill -0 $RUNPID 2>/dev/null || break
	sleep 0.1; i=$((i+1))
done
if [ "$(grep -c 'VM vm.* started' "$TMPD/run.err")" != 3 ]; then
	not_ok lab_vm_up "$(tail -3 "$TMPD/run.err")"; exit 0
fi
ok lab_vm_up
grep 'started' "$TMPD/run.err" | head -1
# fetched: the checksum on each serial console
i=0
while [ $i -lt 360 ]; do
	n=0; for k in vm-1 vm-2 vmd; do grep -aq 'P2PT-DONE' "$OUT/traces/$k.console.log" 2>/dev/null && n=$((n+1)); done
	[ $n = 3 ] && break
	sleep 0.5; i=$((i+1))
done
t1=$(date +%s.%N)
if [ $n != 3 ] && [ "$accel" = tcg ] && ! grep -aq P2PT-UP "$OUT/traces/vm-1.console.log"; then
	skip lab_vm "no KVM here and the guest did not boot in TCG within 180 s (too slow)"; exit 0
fi
echo "the 3 VMs fetched the file $(echo "$t1 - $t0" | bc) s after lab run started ($accel)"
want=$(sha256sum <"/var/lib/p2ptrace/work/$NAME/web/www/file.bin" | cut -d' ' -f1)
for k in vm-1 vm-2 vmd; do
	got=$(sed -n 's/^P2PT-SHA256 \([0-9a-f]*\) .*/\1/p' "$OUT/traces/$k.console.log" | tr -d '\r' | head -1)
	expect_eq "${k}_sha256" "$got" "$want"
	grep -a 'P2PT-UP' "$OUT/traces/$k.console.log" | tr -d '\r'
done
# the DHCP node got its lab address from the lab's server (.254 of the /24)
expect_eq vmd_dhcp_address "$(sed -n 's/^P2PT-DHCP \([0-9.\/]*\) from \([0-9.]*\).*/\1 \2/p' "$OUT/traces/vmd.console.log" | tr -d '\r' | head -1)" \
	"$(awk -F'\t' '$1=="vmd" {print $3 "/24 198.18.0.254"}' "$OUT/catalog.tsv")"
# per-node overlays of the base image
for k in 1 2; do
	bf=$(qemu-img info -U --output=json "/var/lib/p2ptrace/work/$NAME/vm-vm-$k/disk.qcow2" 2>/dev/null |
		sed -n 's/.*"backing-filename": "\([^"]*\)".*/\1/p' | head -1)
	expect_eq "vm_${k}_overlay_backing" "$bf" "$(realpath "$G/disk.qcow2")"
done
# QEMU runs in the VM node's namespace, as the lab user, and its tap is
# there on a bridge with eth0
qpids=$(awk '$1=="proc" && $4 ~ /^vm/ {print $2}' "/run/p2ptrace/$NAME.state")
allpids=$(awk '$1=="proc" || $1=="capture" {print $2}' "/run/p2ptrace/$NAME.state")
expect_eq qemu_count "$(echo $qpids | wc -w)" 3
dhcppid=$(awk '$1=="proc" && $4=="dhcp" {print $2}' "/run/p2ptrace/$NAME.state")
expect_eq dhcp_server_netns "$(ip netns identify "$dhcppid" 2>/dev/null)" "p2psw-$NAME"
for p in $qpids; do
	ns=$(ip netns identify "$p")
	user=$(ps -o user= -p "$p")
	case $ns in p2pn-$NAME-vm-?|p2pn-$NAME-vmd) ok "qemu_${p}_netns";; *) not_ok "qemu_${p}_netns" "in '$ns'";; esac
	expect_eq "qemu_${p}_user" "$user" nobody
done
expect_eq vm_tap_on_bridge "$(ip -n "p2pn-$NAME-vm-1" -o link show master br0 | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')" "eth0 tap0 "
# upload shaping: the lab's tbf on the VM node's eth0 (the tap's traffic
# leaves through it)
expect_eq vm_upload_qdisc "$(tc -n "p2pn-$NAME-vm-1" qdisc show dev eth0 | grep '^qdisc tbf' | grep -o 'rate [0-9.]*[KMG]*bit')" "rate 2Mbit"
# the serial console: a shell answers
(sleep 1; printf '\necho console-ok-$((6*7))\n'; sleep 2) | timeout 10 "$P2PTRACE" lab console vm-2 >"$TMPD/console.out" 2>&1
if grep -aq 'console-ok-42' "$TMPD/console.out"; then ok lab_console; else not_ok lab_console "$(tail -2 "$TMPD/console.out")"; fi
# SIGKILL `lab run`, then `lab down`
kill -9 $RUNPID; wait $RUNPID 2>/dev/null; RUNPID=""
td=$(date +%s.%N)
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1 || not_ok lab_down "exit $?"
echo "lab down after SIGKILL of lab run: $(echo "$(date +%s.%N) - $td" | bc) s"
grep 'VMs powered off' "$TMPD/down.out"
for k in vm-1 vm-2 vmd; do
	if grep -aq 'P2PT-ACPI' "$OUT/traces/$k.console.log"; then ok "${k}_acpi_poweroff"
	else not_ok "${k}_acpi_poweroff" "no ACPI power-off on the console (killed after the grace?)"; fi
done
alive() { s=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$s" ] && [ "${s#Z}" = "$s" ]; } # zombies are gone
left=""
for p in $allpids; do alive "$p" && left="$left $p"; done
expect_eq no_qemu_or_other_process_left "$left" ""
expect_eq no_namespace_left "$(ip netns list | grep -c -- "-$NAME\b")" 0
expect_eq no_overlay_left "$(ls -d /var/lib/p2ptrace/work/$NAME 2>/dev/null; ls /var/lib/p2ptrace/work/$NAME/vm-*/disk.qcow2 2>/dev/null)" ""
expect_eq no_state_left "$(ls /run/p2ptrace/$NAME.state 2>/dev/null)" ""
ip -br link >"$TMPD/links.after"
expect_eq root_links_unchanged "$(diff "$TMPD/links.before" "$TMPD/links.after" | grep -c '^[<>]')" 0
expect_eq base_image_unchanged "$(sha256sum <"$G/disk.qcow2")" "$base_sum"

# ---- traces: own traffic only, labels, counts ----------------------------
C=$OUT/catalog.tsv
[ -f "$C" ] || { not_ok catalog "no $C"; exit 0; }
tail -n +2 "$C" | while IFS='	' read -r node netns addr profile labels up down start stop trace packets bytes drops group; do
	f=$OUT/$trace
	if [ ! -s "$f" ]; then echo "FAILCASE trace_$node no file $f"; continue; fi
	n=$(tshark -r "$f" 2>/dev/null | wc -l)
	echo "node $node ($profile, $labels): catalog $packets packets, tshark $n, drops $drops"
	[ "$n" = "$packets" ] && echo "PASSCASE count_$node" || echo "FAILCASE count_$node catalog $packets tshark $n"
	[ "$profile" = qemu ] || continue
	last=${addr##*.}
	mac=$(printf '52:54:00:12:00:%02x' "$last")
	# broadcasts (ARP, DHCP discover) reach every port of a switch
	notmine=$(tshark -r "$f" -Y "ip && eth.dst != ff:ff:ff:ff:ff:ff && !(ip.addr==$addr)" 2>/dev/null | wc -l)
	notmac=$(tshark -r "$f" -Y "eth.dst != ff:ff:ff:ff:ff:ff && !(eth.addr == $mac)" 2>/dev/null | wc -l)
	v6=$(tshark -r "$f" -Y "ipv6" 2>/dev/null | wc -l)
	got=$(tshark -r "$f" -Y "ip.src==198.18.0.1 && ip.dst==$addr && tcp.srcport==80" -T fields -e tcp.len 2>/dev/null | awk '{s+=$1} END {print s+0}')
	echo "  $node: packets without its address $notmine, unicast frames without its MAC $notmac, IPv6 $v6, HTTP payload from web $got B"
	[ "$notmine" = 0 ] && [ "$notmac" = 0 ] && [ "$v6" = 0 ] && echo "PASSCASE only_own_$node" || echo "FAILCASE only_own_$node $notmine/$notmac/$v6 foreign"
	[ "$got" -ge 2097152 ] && echo "PASSCASE own_fetch_$node" || echo "FAILCASE own_fetch_$node only $got B from the server"
	# download shaped at 2 mbit/s on the switch-side link: frame rate of
	# the server's data packets over the transfer
	# (over the TCP connection of the GET only; the POST's comes later)
	gs=$(tshark -r "$f" -Y 'http.request.method == "GET"' -T fields -e tcp.stream 2>/dev/null | head -1)
	ps=$(tshark -r "$f" -Y 'http.request.method == "POST"' -T fields -e tcp.stream 2>/dev/null | head -1)
	rate=$(tshark -r "$f" -Y "tcp.stream==${gs:-999999} && ip.src==198.18.0.1 && tcp.len>0" -T fields -e frame.time_relative -e frame.len 2>/dev/null |
		awk 'NR==1 {t0=$1} {t=$1; if (NR>1) b+=$2} END {if (t>t0) printf "%.0f", b*8/(t-t0)/1000; else print 0}')
	echo "  $node: download rate from its trace $rate kbit/s (shaped at 2000)"
	case $node in vmd) continue;; esac # not shaped
	[ "$rate" -ge 1700 ] && [ "$rate" -le 2100 ] && echo "PASSCASE shaped_down_$node" || echo "FAILCASE shaped_down_$node $rate kbit/s, want 1700..2100"
	# upload (the guest POSTs the file back) shaped at 2 mbit/s on eth0
	urate=$(tshark -r "$f" -Y "tcp.stream==${ps:-999999} && ip.src==$addr && tcp.len>0" -T fields -e frame.time_relative -e frame.len 2>/dev/null |
		awk 'NR==1 {t0=$1} {t=$1; if (NR>1) b+=$2} END {if (t>t0) printf "%.0f", b*8/(t-t0)/1000; else print 0}')
	ubytes=$(tshark -r "$f" -Y "tcp.stream==${ps:-999999} && ip.src==$addr" -T fields -e tcp.len 2>/dev/null | awk '{s+=$1} END {print s+0}')
	echo "  $node: upload $ubytes B of TCP payload at $urate kbit/s (shaped at 2000)"
	[ "$ubytes" -ge 2097152 ] && [ "$urate" -ge 1700 ] && [ "$urate" -le 2100 ] && echo "PASSCASE shaped_up_$node" || echo "FAILCASE shaped_up_$node $ubytes B at $urate kbit/s, want >= 2 MiB at 1700..2100"
	cm=$(capinfos -k "$f" 2>/dev/null | sed -n 's/^Capture comment: *//p' | sort | tr '\n' ' ')
	[ "$cm" = "app=http mode=vm node=$node os=linux " ] && echo "PASSCASE labels_$node" || echo "FAILCASE labels_$node comments '$cm'"
done >"$TMPD/cases"
grep -v CASE "$TMPD/cases"
while read -r kind name rest; do
	case $kind in
	PASSCASE) ok "$name";;
	FAILCASE) not_ok "$name" "$rest";;
	esac
done <"$TMPD/cases"
expect_eq catalog_rows "$(tail -n +2 "$C" | wc -l)" 4
exit 0
