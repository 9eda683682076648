#!/bin/sh
# test_lab_vmimage.sh -- issue 13 item 6: `lab up` refuses VM images that
# would make QEMU (root) read host files: a backing file outside the
# image's folder, a json: backing name, an external data-file, a block
# device as image, a kernel outside the image's folder and /boot; each with
# one line naming the file's line, and nothing created. A good image (a
# backing file beside it, with its format recorded) passes the same checks
# (it fails later only for a reason named here: the dummy has no OS).
. "$(dirname "$0")/../lib.sh"
why=$(need_root_netns) || { skip lab_vmimage "$why"; exit 0; }
for t in qemu-img qemu-system-x86_64; do
	command -v $t >/dev/null || { skip lab_vmimage "$t missing (make deps)"; exit 0; }
done
NAME=hv$(($$ % 100000))
trap '"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1' EXIT INT TERM
I=$TMPD/img
mkdir -p "$I"
qemu-img create -q -f raw "$I/base.raw" 1M
qemu-img create -q -f qcow2 -b "$I/base.raw" -F raw "$I/good.qcow2"
qemu-img create -q -f qcow2 -b /etc/hostname -F raw "$I/outside.qcow2"
qemu-img create -q -f qcow2 -u -b 'json:{"driver":"raw","file":{"driver":"file","filename":"/etc/hostname"}}' -F raw "$I/json.qcow2" 1M 2>/dev/null
qemu-img create -q -f qcow2 -o data_file="$TMPD/data.bin" "$I/datafile.qcow2" 1M 2>/dev/null
cp "$I/base.raw" "$I/vmlinuz"

n=0
vmbad() { # $1 case, $2 expected text, $3 group options
	n=$((n+1))
	cat >"$TMPD/v$n.lab" <<EOT
lab $NAME
subnet 198.18.0.0/24
out $TMPD/out$n
group vm qemu memory=64M $3
EOT
	"$P2PTRACE" lab up "$TMPD/v$n.lab" >"$TMPD/v.err" 2>&1
	rc=$?
	[ $rc = 0 ] && "$P2PTRACE" lab down "$NAME" >/dev/null 2>&1
	left=$(ls /run/p2ptrace/$NAME.state 2>/dev/null | wc -l)
	if [ $rc = 2 ] && grep -q "v$n.lab:4: .*$2" "$TMPD/v.err" && [ "$left" = 0 ]; then
		ok "vm_$1"
	else
		not_ok "vm_$1" "exit $rc, state files $left: $(head -1 "$TMPD/v.err")"
	fi
	echo "vm_$1: $(head -1 "$TMPD/v.err")"
}
vmbad backing_outside "backing file '/etc/hostname' is not a file in the image's folder" \
	"image=$I/outside.qcow2 format=qcow2"
if [ -f "$I/json.qcow2" ]; then
	vmbad backing_json "backing file 'json:" "image=$I/json.qcow2 format=qcow2"
else
	skip vm_backing_json "this qemu-img cannot write a json: backing name"
fi
if [ -f "$I/datafile.qcow2" ]; then
	vmbad data_file "an external data-file is refused" "image=$I/datafile.qcow2 format=qcow2"
else
	skip vm_data_file "this qemu-img cannot write data_file"
fi
vmbad block_device "is not a regular file" "image=/dev/null format=raw"
vmbad kernel_outside "kernel /etc/hostname: must be in the image's folder" \
	"image=$I/good.qcow2 format=qcow2 kernel=/etc/hostname"
vmbad wrong_format "qemu-img cannot read it" \
	"image=$I/good.qcow2 format=vmdk"
# the good image passes the image checks: lab check / up get past them
cat >"$TMPD/good.lab" <<EOT
lab $NAME
subnet 198.18.0.0/24
out $TMPD/outg
group vm qemu memory=64M image=$I/good.qcow2 format=qcow2 kernel=$I/vmlinuz
EOT
"$P2PTRACE" lab up "$TMPD/good.lab" >"$TMPD/g.err" 2>&1
rc=$?
"$P2PTRACE" lab down "$NAME" >/dev/null 2>&1
if grep -q "backing\|data-file\|must be in the image's folder" "$TMPD/g.err"; then
	not_ok vm_good_image_passes "$(head -1 "$TMPD/g.err")"
else
	ok vm_good_image_passes
fi
echo "good image: exit $rc: $(head -1 "$TMPD/g.err")"
exit 0
