/*
 * qemu.c -- starting a VM node: its copy-on-write overlay of the base
 * image, QEMU's command line (tap NIC, serial console on a socket logged
 * beside the trace, QMP socket), spawned in the node namespace like any
 * node process, ready when QMP reports the guest running. See qemu.h for
 * the layout, qemu_conf.c (settings), qemu_net.c (network), qemu_qmp.c
 * (power-off), qemu_console.c (console); docs/qemu.md for the user's side.
 */
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"
#include "lab/qemu.h"
#include "lab/qemu_int.h"

#define MAXARGS 128

/* ---- start ----------------------------------------------------------------
 */

void lab_vm_tail(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;
	char *p;

	buf[0] = 0;
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)len - 1)
		lseek(fd, end - (off_t)len + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	while ((p = strchr(buf, '\n')) && p[1])
		memmove(buf, p + 1, strlen(p + 1) + 1);
	if ((p = strchr(buf, '\n')))
		*p = 0;
}

/* A VM's folder (work/vm-NODE) and the files QEMU uses. */
struct vm_files {
	char dir[PATH_MAX], overlay[PATH_MAX + 16], qmp[PATH_MAX + 16];
	char con[PATH_MAX + 16], log[PATH_MAX], conlog[PATH_MAX];
};

/* QEMU's command line and the strings it points to. */
struct vm_args {
	char *argv[MAXARGS];
	unsigned n;
	char chardev[2 * PATH_MAX + 128], drive[PATH_MAX + 96];
	char netdev[128], device[192], mem[32], smp[16], cmdline[1536];
	char qmparg[PATH_MAX + 48], extra[1024];
};

static int add_arg(struct vm_args *b, char *s)
{
	if (b->n + 1 >= MAXARGS)
		return -1;
	b->argv[b->n++] = s;
	b->argv[b->n] = NULL;
	return 0;
}

/* The folder, logged before it exists (lab down removes it), and the
 * copy-on-write overlay of the base image. */
static int make_overlay(const struct lab_vm_start *vm, struct vm_files *f,
			struct pt_err *err)
{
	const struct lab_vm_conf *c = vm->conf;
	char base[PATH_MAX], fmt[16], out[1024];
	int rc;

	if (snprintf(f->dir, sizeof(f->dir), "%s/vm-%s", vm->work, vm->node) >=
	    (int)sizeof(f->dir) - 16)
		return pt_fail(err, PT_EUSAGE, vm->node, "work path too long");
	snprintf(f->qmp, sizeof(f->qmp), "%s/qmp.sock", f->dir);
	snprintf(f->con, sizeof(f->con), "%s/console.sock", f->dir);
	if (strlen(f->con) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return pt_fail(err, PT_EUSAGE, f->con,
			       "socket path longer than 107 bytes");
	snprintf(f->overlay, sizeof(f->overlay), "%s/disk.qcow2", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/logs/%s.qemu.log", vm->out,
		 vm->node);
	snprintf(f->conlog, sizeof(f->conlog), "%s/traces/%s.console.log",
		 vm->out, vm->node);
	if (!realpath(c->image, base))
		return pt_fail(err, PT_EUSAGE, c->image, "image: %s",
			       strerror(errno));
	if ((rc = lab_vm_probe_image(base, c->format, fmt, vm->node, err)) ||
	    (rc = lab_vm_image_check(base, c->format, vm->node, err)))
		return rc;
	if (lab_state_add(vm->state, "qemu %s %u %s", vm->node, lab_vm_grace(c),
			  f->dir))
		return pt_fail(err, PT_EIO, "state log", "cannot write: %s",
			       strerror(errno));
	if (mkdir(f->dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, f->dir, "mkdir: %s",
			       strerror(errno));
	unlink(f->conlog);
	{
		char *qa[] = { QEMU_IMG, "create",   "-q", "-f",
			       "qcow2",	 "-F",	     fmt,  "-b",
			       base,	 f->overlay, NULL };

		if (lab_run(qa, out, sizeof(out)) != 0) {
			lab_vm_first_line(out);
			return pt_fail(err, PT_EIO, f->overlay,
				       "qemu-img create: %.180s", out);
		}
	}
	return 0;
}

/* Direct kernel boot: -kernel, -initrd, and the command line with the
 * node's address (ip=) unless the lab's DHCP server gives it. */
static void kernel_args(const struct lab_vm_start *vm, struct vm_args *b)
{
	const struct lab_vm_conf *c = vm->conf;
	uint32_t mask = vm->prefix ? 0xffffffffu << (32 - vm->prefix) : 0;
	const char *con = strstr(c->append, "console=") ? "" : "console=ttyS0 ";
	const char *v6 = strstr(c->append, "ipv6.") ? "" : "ipv6.disable=1 ";
	char ab[16], mb[16];

	add_arg(b, "-kernel");
	add_arg(b, (char *)c->kernel);
	if (c->initrd[0]) {
		add_arg(b, "-initrd");
		add_arg(b, (char *)c->initrd);
	}
	lab_addr_str(vm->addr, ab, sizeof(ab));
	lab_addr_str(mask, mb, sizeof(mb));
	if (c->dhcp)
		snprintf(b->cmdline, sizeof(b->cmdline), "%s%s%s ip=dhcp", con,
			 v6, c->append);
	else
		snprintf(b->cmdline, sizeof(b->cmdline),
			 "%s%s%s ip=%s::0.0.0.0:%s:%s:eth0:off", con, v6,
			 c->append, ab, mb, vm->node);
	add_arg(b, "-append");
	add_arg(b, b->cmdline);
}

static int qemu_args(const struct lab_vm_start *vm, enum lab_vm_accel accel,
		     const struct vm_files *f, struct vm_args *b,
		     struct pt_err *err)
{
	const struct lab_vm_conf *c = vm->conf;
	unsigned a = vm->addr;
	char *save = NULL, *w;

	b->n = 0;
	b->argv[0] = NULL;
	add_arg(b, QEMU_BIN);
	add_arg(b, "-name");
	add_arg(b, (char *)vm->node);
	add_arg(b, "-nodefaults");
	add_arg(b, "-no-user-config");
	add_arg(b, "-display");
	add_arg(b, "none");
	add_arg(b, "-accel");
	if (accel == LAB_VM_KVM) {
		add_arg(b, "kvm");
		add_arg(b, "-cpu");
		add_arg(b, "host");
	} else {
		add_arg(b, "tcg");
	}
	snprintf(b->mem, sizeof(b->mem), "%lluM",
		 (unsigned long long)(c->memory >> 20));
	snprintf(b->smp, sizeof(b->smp), "%u", c->cpus ? c->cpus : 1);
	add_arg(b, "-m");
	add_arg(b, b->mem);
	add_arg(b, "-smp");
	add_arg(b, b->smp);
	snprintf(b->drive, sizeof(b->drive),
		 "file=%s,format=qcow2,if=virtio,cache=writeback", f->overlay);
	add_arg(b, "-drive");
	add_arg(b, b->drive);
	snprintf(b->netdev, sizeof(b->netdev),
		 "tap,id=n0,ifname=%s,script=no,downscript=no", LAB_VM_TAP);
	add_arg(b, "-netdev");
	add_arg(b, b->netdev);
	/* MAC from the address: 52:54:00 (QEMU's OUI) + its low 3 bytes. No
	 * offloads, so frames on the tap are wire-sized like a veth's. */
	snprintf(b->device, sizeof(b->device),
		 "%s,netdev=n0,mac=52:54:00:%02x:%02x:%02x,romfile=%s",
		 c->nic[0] ? c->nic : "virtio-net-pci", (a >> 16) & 255,
		 (a >> 8) & 255, a & 255,
		 !c->nic[0] || !strcmp(c->nic, "virtio-net-pci")
			 ? ",csum=off,guest_csum=off"
			 : "");
	add_arg(b, "-device");
	add_arg(b, b->device);
	snprintf(
		b->chardev, sizeof(b->chardev),
		"socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=on",
		f->con, f->conlog);
	add_arg(b, "-chardev");
	add_arg(b, b->chardev);
	add_arg(b, "-serial");
	add_arg(b, "chardev:con0");
	snprintf(b->qmparg, sizeof(b->qmparg), "unix:%s,server=on,wait=off",
		 f->qmp);
	add_arg(b, "-qmp");
	add_arg(b, b->qmparg);
	if (c->kernel[0])
		kernel_args(vm, b);
	if (vm->runas && vm->runas[0] && getpwnam(vm->runas)) {
		add_arg(b, "-runas");
		add_arg(b, (char *)vm->runas);
	}
	snprintf(b->extra, sizeof(b->extra), "%s", c->args);
	for (w = strtok_r(b->extra, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save))
		if (add_arg(b, w))
			return pt_fail(err, PT_EUSAGE, vm->node,
				       "too many qemu-args");
	return 0;
}

/* Ready when QMP says the guest is running (at most 30 s). */
static int wait_running(const struct lab_vm_start *vm, pid_t pid,
			const struct vm_files *f, struct pt_err *err)
{
	double t0 = pt_mono_s();
	char reply[512];

	for (;;) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid ||
		    !lab_proc_alive(pid, 0)) {
			char t[200];

			lab_vm_tail(f->log, t, sizeof(t));
			return pt_fail(err, PT_EIO, vm->node,
				       "QEMU exited at start: %s (%s)",
				       t[0] ? t : "no message", f->log);
		}
		if (access(f->qmp, F_OK) == 0 &&
		    lab_vm_qmp(f->qmp, "query-status", reply, sizeof(reply)) ==
			    0 &&
		    strstr(reply, "\"running\""))
			return 0;
		if (pt_mono_s() - t0 > 30) {
			lab_proc_stop(&pid, NULL, 1, 1000);
			return pt_fail(
				err, PT_EIO, vm->node,
				"QEMU did not answer on %s within 30 s (%s)",
				f->qmp, f->log);
		}
		pt_sleep_ms(50);
	}
}

int lab_vm_start(const struct lab_vm_start *vm, enum lab_vm_accel accel,
		 pid_t *pidp, struct pt_err *err)
{
	struct vm_files f = { 0 };
	struct vm_args *b = calloc(1, sizeof(*b));
	struct lab_spawn sp;
	int rc;

	if (!b)
		return pt_fail(err, PT_ENOMEM, vm->node, "out of memory");
	if ((rc = make_overlay(vm, &f, err)) ||
	    (rc = qemu_args(vm, accel, &f, b, err))) {
		free(b);
		return rc;
	}
	memset(&sp, 0, sizeof(sp));
	sp.netns = vm->netns;
	sp.cwd = f.dir;
	sp.out_path = f.log;
	sp.err_path = f.log;
	sp.argv = b->argv;
	sp.state = vm->state;
	sp.node = vm->node;
	unlink(f.log);
	rc = lab_spawn(&sp, pidp, err);
	free(b);
	if (rc)
		return rc;
	return wait_running(vm, *pidp, &f, err);
}

int lab_vm_up_node(const struct lab_exp *e, unsigned i, const char *work,
		   const char *out, FILE *state, pid_t *pid, struct pt_err *err)
{
	static char dhcp_lab[LAB_NAME_MAX + 1];
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	struct lab_vm_start vm = {
		.conf = g->opts,
		.node = nd->name,
		.netns = nd->netns,
		.addr = nd->addr,
		.prefix = e->prefix,
		.work = work,
		.out = out,
		.runas = g->user[0] ? g->user : e->user,
		.state = state,
	};
	char why[256];
	enum lab_vm_accel a = lab_vm_accel(vm.conf, why, sizeof(why));
	double t0 = pt_mono_s();
	int rc;

	if (vm.conf->dhcp && strcmp(dhcp_lab, e->name)) {
		if ((rc = lab_vm_start_dhcp(e, work, out, state, err)))
			return rc;
		snprintf(dhcp_lab, sizeof(dhcp_lab), "%s", e->name);
	}
	rc = lab_vm_start(&vm, a, pid, err);

	if (!rc)
		fprintf(stderr,
			"p2ptrace: lab %s: VM %s started (%s: %s; QEMU pid %d, ready in %.2f s)\n",
			e->name, nd->name, lab_vm_accel_name(a), why, (int)*pid,
			pt_mono_s() - t0);
	return rc;
}
