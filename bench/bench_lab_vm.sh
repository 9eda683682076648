#!/bin/sh
# bench_lab_vm.sh -- `make bench-lab-vm`: how many small VM nodes fit on
# this machine, with KVM and with software emulation (TCG).
# For N = 1, 2, 4, 8, 16 VMs (the test guest of tests/lab/vm/mkguest.sh,
# 128 MiB each, idling after boot) brought up by `p2ptrace lab up`, it
# prints: boot time per VM (lab up start -> the guest's "P2PT-UP" line on
# its serial console, eth0 configured), memory per VM (PSS of the QEMU
# process, /proc/PID/smaps_rollup), idle CPU per VM (utime+stime over 10 s),
# `lab down` time (ACPI power-off), and an estimate of how many fit:
# memory = MemAvailable / PSS, idle CPU = cores / idle share.
# Env: VM_COUNTS="1 2 4 8 16", VM_MEM=128M, BOOT_LIMIT=420 (s, per step),
#      KVM_LIMIT=60 (s for the single-VM KVM probe).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P2PTRACE=${P2PTRACE:-$ROOT/build/p2ptrace}
COUNTS=${VM_COUNTS:-1 2 4 8 16}
MEM=${VM_MEM:-128M}
LIMIT=${BOOT_LIMIT:-420}
KLIMIT=${KVM_LIMIT:-60}
[ "$(id -u)" = 0 ] || { echo "bench-lab-vm: needs root"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench-lab-vm: qemu-system-x86_64 missing (make deps)"; exit 1; }
T=$(mktemp -d /tmp/p2pt-benchvm.XXXXXX)
NAME=bvm$(($$ % 100000))
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
sh "$ROOT/tests/lab/vm/mkguest.sh" "$T/g" >/dev/null || exit 1
HZ=$(getconf CLK_TCK)
CORES=$(nproc)
now() { date +%s.%N; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }

# run ACCEL N -> one result line; returns 1 when the VMs did not boot in time
run() {
	accel=$1 n=$2 lim=$3
	cat >"$T/b.lab" <<EOT
lab $NAME
subnet 198.18.0.0/24
out $T/out
snaplen 96
group vm qemu count=$n image=$T/g/disk.qcow2 memory=$MEM kernel=$T/g/vmlinuz initrd=$T/g/initrd.gz append="quiet" accel=$accel labels bench=vm
EOT
	rm -rf "$T/out"
	memavail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
	t0=$(now)
	if ! "$P2PTRACE" lab up "$T/b.lab" 2>"$T/up.err" >/dev/null; then
		echo "  lab up failed: $(tail -1 "$T/up.err")"; return 1
	fi
	tup=$(echo "$(now) - $t0" | bc)
	: >"$T/boot"
	while :; do
		el=$(echo "$(now) - $t0" | bc)
		for k in $(seq 1 "$n"); do
			grep -q "^vm-$k " "$T/boot" && continue
			f=$T/out/traces/vm-$k.console.log
			[ $n = 1 ] && f=$T/out/traces/vm.console.log
			grep -aq P2PT-UP "$f" 2>/dev/null && echo "vm-$k $el" >>"$T/boot"
		done
		[ "$(wc -l <"$T/boot")" = "$n" ] && break
		if [ "$(echo "$el > $lim" | bc)" = 1 ]; then break; fi
		sleep 0.2
	done
	booted=$(wc -l <"$T/boot")
	pids=$(awk '$1=="proc" {print $2}' "/run/p2ptrace/$NAME.state")
	sleep 2
	pss=0; c0=0
	for p in $pids; do pss=$((pss + $(pss_kb "$p"))); c0=$((c0 + $(cpu_ticks "$p"))); done
	sleep 10
	c1=0; for p in $pids; do c1=$((c1 + $(cpu_ticks "$p"))); done
	td=$(now)
	"$P2PTRACE" lab down "$NAME" >"$T/down.out" 2>&1
	tdown=$(echo "$(now) - $td" | bc)
	killed=$(sed -n 's/.*(\([0-9]*\) killed.*/\1/p' "$T/down.out")
	if [ "$booted" != "$n" ]; then
		echo "$accel $n VMs: only $booted booted within $lim s (lab up $tup s)" | tee -a "$T/results"
		return 1
	fi
	awk -v a="$accel" -v n="$n" -v tup="$tup" -v pss="$pss" -v c0="$c0" -v c1="$c1" -v hz="$HZ" \
	    -v tdown="$tdown" -v killed="${killed:-?}" -v avail="$memavail" -v cores="$CORES" '
	{ b[NR] = $2; s += $2; if ($2 > mx) mx = $2 }
	END {
		pervm = pss / n / 1024; idle = (c1 - c0) / hz / 10 / n * 100
		fitm = pervm > 0 ? int(avail / 1024 / pervm) : 0
		fitc = idle > 0 ? int(cores * 100 / idle) : 0
		printf "%-4s %3d VMs: lab up %.2f s; boot (to eth0 up) mean %.1f s, last %.1f s; PSS %.1f MiB/VM; idle CPU %.2f%%/VM; lab down %.2f s (%s killed); fit: memory %d, idle CPU %d\n",
			a, n, tup, s / n, mx, pervm, idle, tdown, killed, fitm, fitc
	}' "$T/boot" | tee -a "$T/results"
}

echo "bench-lab-vm: $(nproc) cores, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), guest: Debian kernel $(ls /boot/vmlinuz-* | head -1 | sed 's|/boot/vmlinuz-||') + busybox initramfs, memory=$MEM each"
"$P2PTRACE" lab check "$T/b.lab" >/dev/null 2>&1
printf 'lab %s\nsubnet 198.18.0.0/24\nout %s/out\ngroup vm qemu image=%s/g/disk.qcow2 memory=%s kernel=%s/g/vmlinuz\n' \
	"$NAME" "$T" "$T" "$MEM" "$T" >"$T/probe.lab"
echo "auto accelerator: $("$P2PTRACE" lab check "$T/probe.lab" | sed -n 's/.*accel \([a-z]*\) (\(.*\))$/\1: \2/p')"
echo "-- KVM (accel=kvm), 1 VM, limit $KLIMIT s"
if [ -r /dev/kvm ]; then
	run kvm 1 "$KLIMIT" || echo "   KVM: the guest did not reach its /init within $KLIMIT s here (see the accelerator line above)"
else
	echo "   no /dev/kvm"
fi
echo "-- TCG (software emulation)"
for n in $COUNTS; do
	run tcg "$n" "$LIMIT" || break
done
echo "paper: 16-20 Windows 2000 VMs per server"
