/*
 * qemu.h -- lab nodes that are QEMU virtual machines (docs/qemu.md).
 * Settings and checks: qemu_conf.c; the node's bridge and tap, DHCP:
 * qemu_net.c; start: qemu.c; QMP and power-off: qemu_qmp.c; console:
 * qemu_console.c; the profile row: profiles/vm.c.
 *
 * A VM node has a network namespace and a veth link to the lab switch like
 * any namespace node (so capture on the switch-side "vN" and tc shaping on
 * both ends act on it unchanged); inside that namespace a bridge joins the
 * node's eth0 to a tap device that QEMU, started in the same namespace,
 * uses as the guest's only NIC. The namespace has no address and no route:
 * the guest is a host on the lab subnet with the node's address.
 *
 * Each VM boots from a copy-on-write qcow2 overlay of a base image (the
 * base is only ever opened read-only), with a serial console on a unix
 * socket logged to OUT/traces/NODE.console.log (beside the trace) and a QMP
 * socket used for an ACPI power-off before the process is killed by PID.
 *
 * With dhcp=on, a dnsmasq in the switch namespace, bound to its bridge only
 * (which gets the subnet's last host address), gives each such VM the
 * node's address by its MAC; no router, no DNS.
 *
 * The undo log gets "qemu NODE GRACE_S DIR" before anything of the VM is
 * created; lab_vm_down() finds the VMs from it (and their PIDs from the
 * "proc" lines lab_spawn() writes), so `lab down` powers them off and
 * removes their files even after `lab up`/`lab run` was SIGKILLed.
 */
#ifndef P2PTRACE_LAB_QEMU_H
#define P2PTRACE_LAB_QEMU_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "p2ptrace/err.h"

#define LAB_VM_TAP "tap0" /* the tap inside the node namespace */
#define LAB_VM_BR "br0"	  /* the bridge joining it to eth0 */

enum lab_vm_accel { LAB_VM_AUTO = 0, LAB_VM_KVM, LAB_VM_TCG };

/* The settings of one group of VM nodes, from the experiment file. */
struct lab_vm_conf {
	char image[512];  /* base disk image (required) */
	char format[16];  /* its format (required: never probed) */
	uint64_t memory;  /* bytes (required) */
	unsigned cpus;	  /* default 1 */
	char kernel[512]; /* optional direct kernel boot */
	char initrd[512];
	char append[1024]; /* kernel command line (the lab adds ip=...) */
	char nic[24];	   /* virtio-net-pci (default), e1000, rtl8139 */
	enum lab_vm_accel accel;
	unsigned grace_s; /* ACPI power-off wait before kill (default 15) */
	int dhcp;	  /* the lab's DHCP server gives the node's address */
	char args[1024];  /* extra QEMU arguments (whitespace-separated) */
};

/* One group key. Returns 0 when used, 1 when KEY is not a VM key, -1 when
 * the value is bad (msg says why). */
int lab_vm_opt(struct lab_vm_conf *c, const char *key, const char *val,
	       char *msg, size_t len);
/* After the group line: 0 ok, -1 with msg (e.g. no memory given). */
int lab_vm_conf_check(const struct lab_vm_conf *c, char *msg, size_t len);
/* Before anything is created: the image (and kernel/initrd) exist and are
 * readable, the image is a disk image not in use by another process, QEMU
 * is installed. WHERE names the group ("exp.lab:7"). */
int lab_vm_preflight(const struct lab_vm_conf *c, const char *where,
		     struct pt_err *err);
/* The accelerator a VM of this group gets, and why (for the summary). */
enum lab_vm_accel lab_vm_accel(const struct lab_vm_conf *c, char *why,
			       size_t len);
const char *lab_vm_accel_name(enum lab_vm_accel a);

/* Inside the node namespace NETNS (eth0 exists, no address): create the
 * bridge and the tap, enslave eth0 and the tap, IPv6 and offloads off. */
int lab_vm_net(const char *netns, struct pt_err *err);

struct lab_vm_start {
	const struct lab_vm_conf *conf;
	const char *node;  /* node name */
	const char *netns; /* node namespace (lab_vm_net() done) */
	uint32_t addr;	   /* host byte order */
	unsigned prefix;
	const char *work;  /* the lab's work dir: VM files go in work/vm-NODE */
	const char *out;   /* output dir: traces/NODE.console.log,
			      logs/NODE.qemu.log */
	const char *runas; /* user QEMU drops to after setup ("" = stay root) */
	FILE *state;	   /* the undo log */
};
/* Create the overlay and start QEMU; returns once its QMP socket answers
 * (QEMU is running the guest). *pid is QEMU's PID. */
int lab_vm_start(const struct lab_vm_start *vm, enum lab_vm_accel accel,
		 pid_t *pid, struct pt_err *err);

struct lab_exp;
/* lab up: start node I of EXP (a qemu group) with the lab's work and output
 * dirs; prints one line (accelerator and why, start time). */
int lab_vm_up_node(const struct lab_exp *e, unsigned i, const char *work,
		   const char *out, FILE *state, pid_t *pid,
		   struct pt_err *err);
struct lab_group;
/* lab check: the line of a qemu group (settings, accelerator and why). */
void lab_vm_plan(const struct lab_group *g, FILE *f);

/* Power off every VM of the lab in the state file NAME: ACPI power button
 * through QMP, wait up to each VM's grace period, then kill by PID; then
 * remove the overlays and sockets. Idempotent. Returns how many VMs were
 * still running; *killed (may be NULL) how many had to be killed. */
unsigned lab_vm_down(const char *name, unsigned *killed);

/* The serial console of VM NODE of a lab that is up (LAB NULL = the one
 * lab that has it): relays the terminal to it until Ctrl-] or EOF. */
int lab_vm_console(const char *lab, const char *node, struct pt_err *err);

/* `p2ptrace lab console [--lab NAME] NODE` */
int lab_vm_cmd_console(int argc, char **argv);

/* Is the state line a VM line (so other readers may skip it)? */
int lab_vm_state_line(const char *line);

/* vmcheck.c: what a VM node may ask of QEMU (issue 13 items 5, 6). */
/* qemu-args from an allow-list; -1 with msg otherwise. */
int lab_vm_args_check(const char *args, char *msg, size_t len);
/* An absolute path without '..' (kernel=, initrd=); -1 with msg. */
int lab_vm_path_ok(const char *key, const char *p, char *msg, size_t len);
/* kernel/initrd: a regular file in the image's folder or /boot. */
int lab_vm_boot_file_ok(const char *key, const char *path, const char *image,
			const char *where, struct pt_err *err);
/* The image read as FORMAT (never probed); backing files in its folder,
 * each with a recorded format; no json: name, no external data-file. */
int lab_vm_image_check(const char *image, const char *format,
		       const char *where, struct pt_err *err);
#endif
