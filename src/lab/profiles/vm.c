/*
 * vm.c -- profile qemu: a node that is a QEMU virtual machine. The row
 * only ties the table to the VM code in src/lab/qemu.c (settings, network,
 * start, power-off; docs/qemu.md): the guest sets its own address, so
 * eth0 in the node namespace gets none and is bridged to QEMU's tap.
 */
#include <stdio.h>
#include "lab/profile.h"
#include "lab/qemu.h"

static int vm_option(struct lab_group *g, const char *k, const char *v,
		     char *msg, size_t len)
{
	int r = lab_vm_opt(g->opts, k, v, msg, len);

	if (r > 0)
		snprintf(
			msg, len,
			"unknown option '%s' for profile qemu (expected image, format, memory, cpus, kernel, initrd, append, nic, accel, dhcp, shutdown, qemu-args, count, up, down, or 'labels' before key=value labels)",
			k);
	return r;
}

static int vm_check(struct lab_exp *e, struct lab_group *g, char *msg,
		    size_t len)
{
	(void)e;
	return lab_vm_conf_check(g->opts, msg, len);
}

static void vm_plan(const struct lab_exp *e, const struct lab_group *g, FILE *f)
{
	(void)e;
	lab_vm_plan(g, f);
}

static int vm_preflight(const struct lab_exp *e, const struct lab_group *g,
			const char *where, struct pt_err *err)
{
	(void)e;
	return lab_vm_preflight(g->opts, where, err);
}

static int vm_net(const struct lab_exp *e, unsigned i, struct pt_err *err)
{
	return lab_vm_net(e->nodes[i].netns, err);
}

static int vm_start(struct lab_ctx *ctx, unsigned i, FILE *state, pid_t *pid,
		    struct pt_err *err)
{
	return lab_vm_up_node(ctx->exp, i, ctx->work, ctx->out, state, pid,
			      err);
}

const struct lab_profile lab_profile_qemu = {
	.name = "qemu",
	.flags = LAB_PF_GUEST_ADDR,
	.opts_size = sizeof(struct lab_vm_conf),
	.option = vm_option,
	.check = vm_check,
	.plan = vm_plan,
	.preflight = vm_preflight,
	.net = vm_net,
	.start = vm_start,
};
