#!/bin/sh
# test_lab_escape.sh -- issue 13 items 1-4 as root against plants in the
# lab's reach:
#  - a node process that escapes its process group (setsid) and the lab's
#    network namespace (unshare -Urn) is gone after `lab down` (the lab's
#    cgroup v2, cgroup.kill); on 5dfda7f it survived;
#  - its processes run with no_new_privs;
#  - the work folder is root-owned 0755 under a root-only work root, node
#    folders belong to the node's user, an existing work folder is refused;
#  - forged undo logs (proc 1, a netns path out of the lab, an overlong
#    out line) are refused by `lab down`, which then kills and deletes
#    nothing; a lab name with '/' is refused by down/status/exec/console.
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_escape "$why"; exit 0; }
command -v unshare >/dev/null || { skip lab_escape "unshare missing"; exit 0; }
NAME=he$(($$ % 100000))
W=/var/lib/p2ptrace/work
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1; rm -f /run/p2ptrace/hf$$.state' EXIT INT TERM
cat >"$TMPD/e.lab" <<EOT
lab $NAME
subnet 198.18.0.0/24
out $TMPD/out
group esc command cmd="setsid unshare -Urn sh -c 'echo \$\$ >/tmp/p2pt-esc.$$; exec sleep 300' </dev/null >/dev/null 2>&1 & grep NoNewPrivs /proc/self/status; sleep 300"
group idle idle
EOT
"$P2PTRACE" lab up "$TMPD/e.lab" >"$TMPD/up.out" 2>&1
rc=$?
expect_eq up_exit "$rc" 0
i=0
while [ $i -lt 50 ] && [ ! -s /tmp/p2pt-esc.$$ ]; do sleep 0.1; i=$((i+1)); done
esc=$(cat /tmp/p2pt-esc.$$ 2>/dev/null)
rm -f /tmp/p2pt-esc.$$
if [ -z "$esc" ]; then
	not_ok escaped_process_started "no PID written (unshare -Urn refused here?): $(cat "$TMPD"/out/logs/*esc* 2>/dev/null | head -3)"
else
	# it really left: another session, another network namespace
	expect_eq escaped_other_netns "$([ "$(readlink /proc/$esc/ns/net)" != "$(ip netns exec p2pn-$NAME-esc readlink /proc/self/ns/net)" ] && echo yes)" yes
	expect_eq escaped_own_session "$(awk '{print ($6 == $1)}' /proc/$esc/stat)" 1
fi
grep -q NoNewPrivs "$TMPD"/out/logs/esc.out 2>/dev/null &&
	expect_eq no_new_privs "$(awk '/NoNewPrivs/{print $2}' "$TMPD"/out/logs/esc.out)" 1 ||
	skip no_new_privs "log $(ls "$TMPD"/out/logs/ | tr '\n' ' ')"
expect_eq work_root_owner_mode "$(stat -c '%U %a' /var/lib/p2ptrace $W $W/$NAME)" "root 755
root 755
root 755"
expect_eq node_folder_user "$(stat -c %U $W/$NAME/esc)" nobody
cg=$(awk '$1 == "cgroup" {print $2}' /run/p2ptrace/$NAME.state)
# a second lab with the same name: the state file refuses it; a stale work
# folder (state file gone) is refused too
"$P2PTRACE" lab up "$TMPD/e.lab" >/dev/null 2>&1
expect_eq up_twice_refused "$?" 2
"$P2PTRACE" lab down "$NAME" >"$TMPD/down.out" 2>&1
expect_eq down_exit "$?" 0
cat "$TMPD/down.out"
sleep 0.3
if [ -n "$esc" ]; then
	st=$(sed 's/.*) \(.\).*/\1/' /proc/$esc/stat 2>/dev/null)
	# dead: gone, or a zombie its (dead) parent left to init
	[ "$st" = Z ] && st=""
	expect_eq escaped_process_gone "${st:-gone}" gone
	[ -n "$cg" ] && expect_eq cgroup_removed "$(ls -d "$cg" 2>/dev/null)" ""
fi
mkdir -p $W/$NAME
"$P2PTRACE" lab up "$TMPD/e.lab" >/dev/null 2>"$TMPD/up2.err"
rc=$?
expect_eq existing_work_folder_refused "$rc $(grep -c 'exists' "$TMPD/up2.err")" "1 1"
rmdir $W/$NAME 2>/dev/null
"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1

# forged logs: refused, nothing killed (a sleeper stands for the victim)
F=hf$$
sleep 300 &
victim=$!
forged() {
	printf "$2" "$victim" >/run/p2ptrace/$F.state
	"$P2PTRACE" lab down $F >/dev/null 2>"$TMPD/f.err"
	rc=$?
	alive=$(kill -0 $victim 2>/dev/null && echo alive)
	expect_eq "forged_$1" "$rc $alive $(grep -c 'refusing the whole log' "$TMPD/f.err")" "1 alive 1"
	rm -f /run/p2ptrace/$F.state
}
forged proc_1 "lab $F\nproc 1 0 x\nproc %s 1 x\n"
forged netns "lab $F\nnetns ../../proc/1/ns/net\nproc %s 1 x\n"
forged work "lab $F\nwork $W/$F/../..\nproc %s 1 x\n"
# 'out /' + 1018 = 1023 bytes: where fgets(1024) used to cut the line
long=$(head -c 1018 /dev/zero | tr '\0' a)
forged long_out "lab $F\nout /${long}proc %s 1 x\n"
kill $victim
# (the state file of "../../x" would be read from outside /run/p2ptrace)
for c in "down ../../x" "status ../../x" "exec --lab ../../x n1 -- true" "console --lab ../x n1"; do
	# shellcheck disable=SC2086
	"$P2PTRACE" lab $c >/dev/null 2>"$TMPD/n.err"
	rc=$?
	expect_eq "bad_name_${c%% *}" "$rc $(grep -c 'bad lab name' "$TMPD/n.err")" "2 1"
done
exit 0
