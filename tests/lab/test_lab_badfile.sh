#!/bin/sh
# test_lab_badfile.sh -- bad experiment files: `lab check` and `lab up`
# exit 2 with "FILE:LINE: what is expected" on stderr (the line counted by
# hand below), and `lab up` creates nothing (no namespace, no state file).
# The shipped examples pass `lab check`.
. "$(dirname "$0")/../lib.sh"
NAME=bf$(($$ % 100000))
n=0
# case LINE PATTERN BODY...: the file is "lab NAME" then the BODY lines
bad() {
	line=$1; pat=$2; shift 2
	n=$((n+1)); f=$TMPD/bad$n.lab
	{ echo "lab $NAME"; for l in "$@"; do printf '%s\n' "$l"; done; } >"$f"
	"$P2PTRACE" lab check "$f" >/dev/null 2>"$TMPD/err"; rc=$?
	msg=$(head -1 "$TMPD/err")
	echo "case $n: exit $rc: $msg"
	if [ $rc = 2 ] && echo "$msg" | grep -q "^p2ptrace: $f:$line: .*$pat"; then ok "bad_$n"; else not_ok "bad_$n" "want $f:$line: ...$pat"; fi
	if [ "$(id -u)" = 0 ]; then
		"$P2PTRACE" lab up "$f" >/dev/null 2>&1; rc=$?
		left=$(ip netns list 2>/dev/null | grep -c -e "-$NAME-" -e "p2psw-$NAME")
		expect_eq "bad_${n}_up_creates_nothing" "$rc $left $(ls /run/p2ptrace/$NAME.state 2>/dev/null | wc -l)" "2 0 0"
	fi
}
bad 2 "unknown directive 'grup'" "grup a idle"
bad 3 "unknown profile 'bittorent-seed'" "file f size=1MiB" "group s bittorent-seed file=f"
bad 2 "not inside 198.18.0.0/15" "subnet 10.0.0.0/8"
bad 2 "not inside 198.18.0.0/15" "subnet 192.168.1.0/24"
bad 3 "up: expected a rate" "# comment" "group a idle up=fast"
bad 2 "count: expected 1..1000" "group a idle count=0"
bad 4 "do not fit" "subnet 198.18.0.0/29" "" "group a idle count=7"
bad 3 "needs file=NAME" "group t bittorrent-tracker" "group l bittorrent-leech"
bad 3 "needs exactly one bittorrent-tracker" "file f size=1MiB" "group l bittorrent-leech file=f"
bad 2 "no 'file g' line above" "group l bittorrent-leech file=g"
bad 3 "server: no group named 'web'" "group x idle" "group c http-client server=web"
bad 3 "that group's profile is idle" "group x idle" "group c http-client server=x"
bad 2 "unterminated quote" 'group c command cmd="echo hi'
bad 3 "group 'a' is defined twice" "group a idle" "group a idle"
bad 2 "label: expected KEY=VALUE" "group a idle labels app"
bad 2 "duration: expected seconds" "duration soon"
bad 2 "edonkey needs a subnet inside 100.64.0.0/10" "group e edonkey"
bad 2 "size: expected a size" "file f size=huge"
bad 2 "piece: expected a power of two" "file f size=1MiB piece=100000"
bad 2 "expected KEY=VALUE or 'labels'" "group a idle fast"
bad 2 "needs cmd=" "group a command"
# issue 13 item 5: the file cannot make root do root's things
bad 2 "user: root is refused" "user root"
bad 3 "user: root is refused" "group b idle" "group a idle user=root"
bad 2 "out: /etc/cron.d is a system folder (/etc)" "out /etc/cron.d"
bad 2 "out: /var/lib/x/../../spool is a system folder (/var)" "out /var/lib/x/../../spool"
bad 2 "qemu-args: '-readconfig' is not allowed" 'group v qemu image=/x format=raw memory=128M qemu-args="-readconfig /etc/qemu.cfg"'
bad 2 "qemu-args: '-drive' is not allowed" 'group v qemu image=/x format=raw memory=128M qemu-args="-drive file=/dev/sda"'
bad 2 "qemu-args: '-virtfs' is not allowed" 'group v qemu image=/x format=raw memory=128M qemu-args="-virtfs local,path=/"'
bad 2 "qemu-args: '-plugin' is not allowed" 'group v qemu image=/x format=raw memory=128M qemu-args="-plugin /tmp/x.so"'
bad 2 "qemu-args: -machine 'dumpdtb=/tmp/x'" 'group v qemu image=/x format=raw memory=128M qemu-args="-machine dumpdtb=/tmp/x"'
bad 2 "qemu-args: -device 'vfio-pci' is not allowed" 'group v qemu image=/x format=raw memory=128M qemu-args="-device vfio-pci,host=01:00.0"'
bad 2 "kernel: expected an absolute path without '..'" 'group v qemu image=/x format=raw memory=128M kernel=../../etc/shadow'
bad 2 "profile qemu needs format=" 'group v qemu image=/x memory=128M'
# line 1 itself
printf 'lab Bad_Name\n' >"$TMPD/l1.lab"
"$P2PTRACE" lab check "$TMPD/l1.lab" 2>"$TMPD/err" >/dev/null; rc=$?
echo "lab name: exit $rc: $(cat "$TMPD/err")"
check bad_lab_name grep -q "l1.lab:1: bad lab name 'Bad_Name'" "$TMPD/err"
printf 'lab ok\n' >"$TMPD/empty.lab"
"$P2PTRACE" lab check "$TMPD/empty.lab" 2>"$TMPD/err" >/dev/null
check no_nodes grep -q "no 'group' line" "$TMPD/err"
"$P2PTRACE" lab check "$TMPD/does-not-exist.lab" 2>"$TMPD/err" >/dev/null; rc=$?
expect_eq missing_file_exit "$rc" 2
printf 'lab x\n\000\001\002\n' >"$TMPD/bin.lab"
"$P2PTRACE" lab check "$TMPD/bin.lab" 2>"$TMPD/err" >/dev/null; rc=$?
echo "binary file: exit $rc: $(cat "$TMPD/err")"
expect_eq binary_file_exit "$rc" 2
for ex in "$ROOT"/examples/*.lab; do
	[ -f "$ex" ] || continue
	"$P2PTRACE" lab check "$ex" >"$TMPD/ex.out" 2>&1; rc=$?
	echo "$(basename "$ex"): $(head -1 "$TMPD/ex.out")"
	expect_eq "example_$(basename "$ex" .lab)" "$rc" 0
done
