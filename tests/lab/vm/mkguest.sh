#!/bin/sh
# mkguest.sh -- build the small Linux guest the QEMU lab tests and the VM
# benchmark boot, from Debian packages already installed by scripts/deps.sh:
#   linux-image-amd64  -> OUT/vmlinuz (the kernel, copied from /boot)
#   busybox-static     -> OUT/initrd.gz (a gzip'd cpio with busybox, the
#                         virtio/e1000/ACPI-button modules and /init)
#   qemu-utils         -> OUT/disk.qcow2 (a 16 MiB blank disk: the "image"
#                         every VM node gets a copy-on-write overlay of)
# Usage: mkguest.sh OUTDIR      (prints the three paths)
#
# /init reads its settings from the kernel command line:
#   ip=ADDR::GW:MASK:HOST:eth0:off   the nfsroot-style static address the
#                                    lab appends (ipconfig is not built into
#                                    Debian's kernel, so /init applies it)
#   ip=dhcp           ask the lab's DHCP server (busybox udhcpc)
#   p2pt.url=URL      fetch URL with busybox wget, print "P2PT-SHA256 <sum>"
#                     on the serial console, write it to /dev/vda too
#   p2pt.tries=N      retry the fetch N times, 1 s apart (default 30)
#   p2pt.count=N      fetch N times (default 1)
#   p2pt.post=URL     then POST the fetched file to URL (upload traffic)
#   p2pt.end=idle|poweroff   after the fetches (default idle)
# Then it idles with a shell on the serial console. An ACPI power-button
# press (QMP system_powerdown) powers the guest off.
set -eu
OUT=${1:?usage: mkguest.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

KVER=""
for k in /boot/vmlinuz-*; do
	[ -r "$k" ] || continue
	v=${k#/boot/vmlinuz-}
	[ -d "/lib/modules/$v/kernel" ] && KVER=$v
done
if [ -z "$KVER" ]; then
	echo "mkguest: no /boot/vmlinuz-VERSION with /lib/modules/VERSION (install linux-image-amd64)" >&2
	exit 1
fi
BB=/bin/busybox
[ -x "$BB" ] && "$BB" --list 2>/dev/null | grep -qx wget || BB=/usr/bin/busybox
if ! ldd "$BB" 2>&1 | grep -q 'not a dynamic'; then
	echo "mkguest: $BB is not the static busybox (install busybox-static)" >&2
	exit 1
fi

ROOTFS=$(mktemp -d "$OUT/rootfs.XXXXXX")
trap 'rm -rf "$ROOTFS"' EXIT
mkdir -p "$ROOTFS/bin" "$ROOTFS/sbin" "$ROOTFS/proc" "$ROOTFS/sys" \
	"$ROOTFS/dev" "$ROOTFS/tmp" "$ROOTFS/lib/modules"
cp "$BB" "$ROOTFS/bin/busybox"
for a in sh setsid cttyhack ps udhcpc mount insmod ip sleep cat wget wc mv base64 sha256sum poweroff dd \
	grep sed mkdir echo ls tr cut head sync hostname; do
	ln -s busybox "$ROOTFS/bin/$a"
done

# Modules in load order: each after what `modinfo -F depends` says it needs.
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
failover net_failover virtio_net virtio_blk e1000 evdev button"
n=0
for m in $MODS; do
	f=$(modinfo -k "$KVER" -n "$m" 2>/dev/null) || { echo "mkguest: module $m not found for $KVER" >&2; exit 1; }
	for d in $(modinfo -k "$KVER" -F depends "$m" | tr ',' ' '); do
		echo " $MODS " | tr '\n' ' ' | grep -q " $d " || { echo "mkguest: $m needs $d, not in the list" >&2; exit 1; }
	done
	n=$((n + 1))
	case $f in
	*.ko) cp "$f" "$ROOTFS/lib/modules/$(printf %02d $n)-$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$ROOTFS/lib/modules/$(printf %02d $n)-$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$ROOTFS/lib/modules/$(printf %02d $n)-$m.ko" ;;
	*) echo "mkguest: unexpected module file $f" >&2; exit 1 ;;
	esac
done


cat >"$ROOTFS/bin/dhcp.sh" <<'EOF'
#!/bin/sh
# udhcpc's script: apply the lease (address only: the lab gives no router)
case $1 in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
	[ -n "$hostname" ] && hostname "$hostname"
	echo "P2PT-DHCP $ip/$mask from ${serverid:-?}" >/dev/console ;;
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
esac
exit 0
EOF
chmod +x "$ROOTFS/bin/dhcp.sh"

cat >"$ROOTFS/init" <<'EOF'
#!/bin/sh
# /init of the p2ptrace test guest (see tests/lab/vm/mkguest.sh).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done
# ACPI power button (QMP system_powerdown): any event on its input device
# powers off (busybox acpid saw no event here, so no acpid)
for e in /sys/class/input/event*; do
	if [ "$(cat "$e/device/name" 2>/dev/null)" = "Power Button" ]; then
		( dd if=/dev/${e#/sys/class/} of=/dev/null bs=24 count=1 2>/dev/null
		  echo "P2PT-ACPI power button: powering off"; sync; poweroff -f ) &
	fi
done
ip link set lo up
arg() { for w in $(cat /proc/cmdline); do case $w in "$1"=*) echo "${w#*=}"; return;; esac; done; }
IPC=$(arg ip)
ADDR=$(echo "$IPC" | cut -d: -f1)
MASK=$(echo "$IPC" | cut -d: -f4)
HOST=$(echo "$IPC" | cut -s -d: -f5)
[ -n "$HOST" ] && hostname "$HOST"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$ADDR" = dhcp ]; then
	ip link set eth0 up
	udhcpc -i eth0 -s /bin/dhcp.sh -q -f -n -t 20 -T 1 >/dev/null 2>&1 || echo "P2PT-FAIL dhcp"
	ADDR=$(ip -4 -o addr show dev eth0 | sed -n 's|.* inet \([0-9.]*\)/\([0-9]*\).*|\1|p')
	PFX=$(ip -4 -o addr show dev eth0 | sed -n 's|.* inet \([0-9.]*\)/\([0-9]*\).*|\2|p')
elif [ -n "$ADDR" ]; then
	PFX=0
	for o in $(echo "$MASK" | tr . ' '); do
		case $o in 255) PFX=$((PFX + 8));; 254) PFX=$((PFX + 7));; 252) PFX=$((PFX + 6));;
		248) PFX=$((PFX + 5));; 240) PFX=$((PFX + 4));; 224) PFX=$((PFX + 3));;
		192) PFX=$((PFX + 2));; 128) PFX=$((PFX + 1));; esac
	done
	[ "$PFX" = 0 ] && PFX=24
	ip addr add "$ADDR/$PFX" dev eth0
fi
ip link set eth0 up
echo "P2PT-UP $(hostname) eth0 $ADDR/$PFX uptime $(cut -d' ' -f1 /proc/uptime)"
URL=$(arg p2pt.url)
TRIES=$(arg p2pt.tries); TRIES=${TRIES:-30}
COUNT=$(arg p2pt.count); COUNT=${COUNT:-1}
if [ -n "$URL" ]; then
	k=0
	while [ $k -lt "$COUNT" ]; do
		k=$((k + 1)); t=0
		while [ $t -lt "$TRIES" ]; do
			t=$((t + 1))
			if wget -q -O /tmp/f "$URL"; then
				S=$(sha256sum /tmp/f | cut -d' ' -f1)
				echo "P2PT-SHA256 $S $URL"
				[ -b /dev/vda ] && dd if=/tmp/f of=/dev/vda bs=64k conv=fsync 2>/dev/null
				mv /tmp/f /tmp/last
				break
			fi
			sleep 1
		done
		[ $t -ge "$TRIES" ] && echo "P2PT-FAIL $URL"
	done
fi
POST=$(arg p2pt.post)
if [ -n "$POST" ] && [ -f /tmp/last ]; then
	# upload the fetched file (nginx answers 405 to a POST on a static
	# file, after reading the body): traffic to measure upload shaping
	# (as text: busybox wget sends the body as a C string)
	base64 /tmp/last >/tmp/post
	wget -q -O /dev/null --post-file=/tmp/post "$POST" 2>/dev/null
	echo "P2PT-POSTED $(wc -c </tmp/post) bytes to $POST"
fi
echo "P2PT-DONE uptime $(cut -d' ' -f1 /proc/uptime)"
if [ "$(arg p2pt.end)" = poweroff ]; then sync; poweroff -f; fi
# idle with a shell on the serial console (`p2ptrace lab console NODE`)
while :; do setsid cttyhack sh; sleep 1; done
EOF
chmod +x "$ROOTFS/init"

CPIO="cpio --quiet"
command -v cpio >/dev/null || CPIO="$BB cpio"
(cd "$ROOTFS" && find . | $CPIO -o -H newc | gzip -9) >"$OUT/initrd.gz.tmp"
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
cp "/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
rm -f "$OUT/disk.qcow2"
qemu-img create -q -f qcow2 "$OUT/disk.qcow2" 16M
echo "$OUT/vmlinuz"
echo "$OUT/initrd.gz"
echo "$OUT/disk.qcow2"
