/*
 * qemu_conf.c -- the settings of a VM group (the experiment file's qemu
 * keys), the checks made before anything is created (images, kernel,
 * QEMU installed, KVM usable), the accelerator choice and the plan line
 * of `lab check`. See qemu.h and docs/qemu.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"
#include "lab/qemu.h"
#include "lab/qemu_int.h"

/* ---- settings ---------------------------------------------------------- */

static int set_str(char *dst, size_t dlen, const char *key, const char *val,
		   char *msg, size_t len)
{
	if (strlen(val) >= dlen) {
		snprintf(msg, len, "%s: longer than %zu characters", key,
			 dlen - 1);
		return -1;
	}
	snprintf(dst, dlen, "%s", val);
	return 0;
}

/* "256M", "1G", "512MiB", "1GiB", "268435456" (bytes). */
static int parse_mem(const char *s, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf) - 3)
		return -1;
	memcpy(buf, s, n + 1);
	if (buf[n - 1] == 'M' || buf[n - 1] == 'G' || buf[n - 1] == 'K' ||
	    buf[n - 1] == 'm' || buf[n - 1] == 'g' || buf[n - 1] == 'k') {
		buf[n - 1] = (char)toupper((unsigned char)buf[n - 1]);
		memcpy(buf + n, "iB", 3);
	}
	return lab_parse_size(buf, out);
}

static int opt_shutdown(struct lab_vm_conf *c, const char *v, char *msg,
			size_t len)
{
	char *end;
	uint64_t u;

	errno = 0;
	u = strtoull(v, &end, 10);
	if (errno || end == v || (*end && strcmp(end, "s")) || u > 600) {
		snprintf(
			msg, len,
			"shutdown: expected seconds 0..600 to wait for an ACPI power-off, got '%s'",
			v);
		return -1;
	}
	c->grace_s = (unsigned)u;
	c->grace_s |= 0x80000000u; /* "given" (0 is a value) */
	return 0;
}

/* The lab's tap is the VM's only NIC: its traffic must go through the
 * shaped, captured link. */
static int opt_args(struct lab_vm_conf *c, const char *v, char *msg, size_t len)
{
	char tmp[sizeof(c->args)], *save = NULL, *w;

	if (set_str(c->args, sizeof(c->args), "qemu-args", v, msg, len))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s", v);
	for (w = strtok_r(tmp, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		const char *o = w[0] == '-' && w[1] == '-' ? w + 1 : w;

		if (!strncmp(o, "-net", 4) || !strcmp(o, "-nic") ||
		    !strcmp(o, "-runas") || !strcmp(o, "-daemonize") ||
		    !strcmp(o, "-qmp") || !strcmp(o, "-monitor") ||
		    !strcmp(o, "-serial") || !strcmp(o, "-pidfile")) {
			snprintf(
				msg, len,
				"qemu-args: '%s' is set by the lab (the VM's only NIC is the lab's tap; serial and QMP are the lab's)",
				w);
			return -1;
		}
		if (strstr(w, "netdev=") || strstr(w, "hostfwd") ||
		    strstr(w, "guestfwd")) {
			snprintf(
				msg, len,
				"qemu-args: '%s': a second NIC would bypass the lab's link",
				w);
			return -1;
		}
	}
	return 0;
}

int lab_vm_opt(struct lab_vm_conf *c, const char *k, const char *v, char *msg,
	       size_t len)
{
	if (!strcmp(k, "image")) {
		if (!*v) {
			snprintf(msg, len,
				 "image: expected the path of a disk image");
			return -1;
		}
		return set_str(c->image, sizeof(c->image), k, v, msg, len);
	} else if (!strcmp(k, "format")) {
		for (const char *p = v; *p; p++)
			if (!isalnum((unsigned char)*p)) {
				snprintf(
					msg, len,
					"format: expected a qemu-img format such as qcow2 or raw, got '%s'",
					v);
				return -1;
			}
		return set_str(c->format, sizeof(c->format), k, v, msg, len);
	} else if (!strcmp(k, "memory")) {
		if (parse_mem(v, &c->memory) || c->memory < (32u << 20) ||
		    c->memory > (256ull << 30)) {
			snprintf(
				msg, len,
				"memory: expected a size such as 256M or 1G (32M .. 256G), got '%s'",
				v);
			return -1;
		}
	} else if (!strcmp(k, "cpus")) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || end == v || *end || n < 1 || n > 64 ||
		    !isdigit((unsigned char)*v)) {
			snprintf(msg, len, "cpus: expected 1..64, got '%s'", v);
			return -1;
		}
		c->cpus = (unsigned)n;
	} else if (!strcmp(k, "kernel") || !strcmp(k, "initrd")) {
		char *dst = k[0] == 'k' ? c->kernel : c->initrd;

		if (lab_vm_path_ok(k, v, msg, len))
			return -1;
		return set_str(dst, sizeof(c->kernel), k, v, msg, len);
	} else if (!strcmp(k, "append")) {
		return set_str(c->append, sizeof(c->append), k, v, msg, len);
	} else if (!strcmp(k, "nic")) {
		if (strcmp(v, "virtio-net-pci") && strcmp(v, "e1000") &&
		    strcmp(v, "rtl8139") && strcmp(v, "ne2k_pci") &&
		    strcmp(v, "e1000e")) {
			snprintf(
				msg, len,
				"nic: expected virtio-net-pci, e1000, e1000e, rtl8139 or ne2k_pci, got '%s'",
				v);
			return -1;
		}
		snprintf(c->nic, sizeof(c->nic), "%s", v);
	} else if (!strcmp(k, "accel")) {
		if (!strcmp(v, "auto"))
			c->accel = LAB_VM_AUTO;
		else if (!strcmp(v, "kvm"))
			c->accel = LAB_VM_KVM;
		else if (!strcmp(v, "tcg"))
			c->accel = LAB_VM_TCG;
		else {
			snprintf(msg, len,
				 "accel: expected auto, kvm or tcg, got '%s'",
				 v);
			return -1;
		}
	} else if (!strcmp(k, "shutdown")) {
		return opt_shutdown(c, v, msg, len);
	} else if (!strcmp(k, "dhcp")) {
		if (!strcmp(v, "on") || !strcmp(v, "yes"))
			c->dhcp = 1;
		else if (!strcmp(v, "off") || !strcmp(v, "no"))
			c->dhcp = 0;
		else {
			snprintf(msg, len, "dhcp: expected on or off, got '%s'",
				 v);
			return -1;
		}
	} else if (!strcmp(k, "qemu-args")) {
		/* the lab's own options named first, then the allow-list */
		if (opt_args(c, v, msg, len) || lab_vm_args_check(v, msg, len))
			return -1;
	} else {
		return 1;
	}
	return 0;
}

unsigned lab_vm_grace(const struct lab_vm_conf *c)
{
	return c->grace_s & 0x80000000u ? c->grace_s & 0x7fffffffu : 15;
}

int lab_vm_conf_check(const struct lab_vm_conf *c, char *msg, size_t len)
{
	if (!c->image[0]) {
		snprintf(
			msg, len,
			"profile qemu needs image=PATH (a disk image; each node gets a copy-on-write overlay of it)");
		return -1;
	}
	if (!c->memory) {
		snprintf(msg, len,
			 "profile qemu needs memory=SIZE (such as 256M)");
		return -1;
	}
	if (c->initrd[0] && !c->kernel[0]) {
		snprintf(msg, len, "initrd= needs kernel=");
		return -1;
	}
	if (c->append[0] && !c->kernel[0]) {
		snprintf(msg, len, "append= needs kernel=");
		return -1;
	}
	if (!c->format[0]) {
		snprintf(msg, len,
			 "profile qemu needs format=FORMAT (such as qcow2 or "
			 "raw): the image is never probed");
		return -1;
	}
	return 0;
}

/* ---- small helpers ----------------------------------------------------- */

void lab_vm_first_line(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\n')
		memmove(s, s + 1, strlen(s));
	e = strchr(s, '\n');
	if (e)
		*e = 0;
}

int lab_vm_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t n = e ? (size_t)(e - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (e ? 1 : 0);
	}
	return 0;
}

/* The format qemu-img finds (or confirms); fails with a clear message when
 * the image is locked by another process. */
int lab_vm_probe_image(const char *path, const char *want, char *fmt,
		       const char *where, struct pt_err *err)
{
	char out[4096], *p;
	/* -f: the stated format, never a probe (vm_conf_check needs it) */
	char *argv[] = { QEMU_IMG,	"info", "-f", (char *)(want ? want : "raw"),
			 "--output=json", (char *)path, NULL };
	int rc = lab_run(argv, out, sizeof(out));

	if (rc != 0) {
		if (strstr(out, "lock"))
			return pt_fail(
				err, PT_EUSAGE, where,
				"image %s is in use by another process (it holds QEMU's write lock): stop it, or copy the image",
				path);
		lab_vm_first_line(out);
		return pt_fail(err, PT_EFORMAT, where,
			       "image %s: qemu-img cannot read it: %.150s",
			       path, out);
	}
	p = strstr(out, "\"format\":");
	if (!p || sscanf(p, "\"format\": \"%15[^\"]\"", fmt) != 1)
		return pt_fail(err, PT_EFORMAT, where,
			       "image %s: qemu-img info gave no format", path);
	if (want && *want && strcmp(want, fmt))
		return pt_fail(err, PT_EFORMAT, where,
			       "image %s is %s, but format=%s was given", path,
			       fmt, want);
	return 0;
}

static int readable_file(const char *path, const char *what, const char *where,
			 int blk_ok, struct pt_err *err)
{
	struct stat sb;

	if (stat(path, &sb))
		return pt_fail(err, PT_EUSAGE, where, "%s %s: %s", what, path,
			       strerror(errno));
	if (!S_ISREG(sb.st_mode) && !(blk_ok && S_ISBLK(sb.st_mode)))
		return pt_fail(err, PT_EUSAGE, where,
			       "%s %s is not a regular file", what, path);
	if (access(path, R_OK))
		return pt_fail(err, PT_EUSAGE, where, "%s %s: %s", what, path,
			       strerror(errno));
	return 0;
}

/* ---- accelerator ------------------------------------------------------- */

static int kvm_usable(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, api;

	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return 0;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	vm = api == KVM_API_VERSION ? ioctl(fd, KVM_CREATE_VM, 0) : -1;
	if (vm < 0) {
		snprintf(why, len, "/dev/kvm does not create VMs (API %d)",
			 api);
		close(fd);
		return 0;
	}
	close(vm);
	close(fd);
	return 1;
}

/* Hardware virtualization the host's KVM can use: vmx/svm in cpuinfo, or
 * (nested, flags hidden) kvm_intel/kvm_amd loaded. */
static int hw_virt(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int yes = 0;

	if (f) {
		while (!yes && fgets(line, sizeof(line), f))
			if (!strncmp(line, "flags", 5) &&
			    (strstr(line, " vmx") || strstr(line, " svm")))
				yes = 1;
		fclose(f);
	}
	return yes || access("/sys/module/kvm_intel", F_OK) == 0 ||
	       access("/sys/module/kvm_amd", F_OK) == 0;
}

const char *lab_vm_accel_name(enum lab_vm_accel a)
{
	return a == LAB_VM_KVM ? "kvm" : a == LAB_VM_TCG ? "tcg" : "auto";
}

enum lab_vm_accel lab_vm_accel(const struct lab_vm_conf *c, char *why,
			       size_t len)
{
	char kwhy[128];
	int kvm = kvm_usable(kwhy, sizeof(kwhy));

	if (c->accel == LAB_VM_TCG) {
		snprintf(why, len, "accel=tcg given");
		return LAB_VM_TCG;
	}
	if (c->accel == LAB_VM_KVM) {
		snprintf(why, len,
			 kvm ? "accel=kvm given" : "accel=kvm given, but %s",
			 kwhy);
		return LAB_VM_KVM;
	}
	if (!kvm) {
		snprintf(why, len, "software emulation: %s", kwhy);
		return LAB_VM_TCG;
	}
	if (!hw_virt()) {
		/* Measured here: /dev/kvm is kvm_pvm (page-table based, no
		 * VT-x/AMD-V); an unmodified kernel spends minutes in its
		 * decompressor where TCG boots it in ~12 s. */
		snprintf(
			why, len,
			"software emulation: /dev/kvm works but the CPU shows no VT-x/AMD-V%s, where a stock guest boots far slower than in TCG (accel=kvm forces it)",
			access("/sys/module/kvm_pvm", F_OK) == 0
				? " (KVM is kvm_pvm)"
				: "");
		return LAB_VM_TCG;
	}
	snprintf(why, len, "KVM (hardware virtualization)");
	return LAB_VM_KVM;
}

int lab_vm_preflight(const struct lab_vm_conf *c, const char *where,
		     struct pt_err *err)
{
	char fmt[16], msg[256];
	int rc;

	if (lab_vm_conf_check(c, msg, sizeof(msg)))
		return pt_fail(err, PT_EUSAGE, where, "%s", msg);
	if (!lab_vm_in_path(QEMU_BIN) || !lab_vm_in_path(QEMU_IMG))
		return pt_fail(
			err, PT_EUSAGE, where,
			"%s and %s are needed (Debian: qemu-system-x86 qemu-utils; make deps)",
			QEMU_BIN, QEMU_IMG);
	if ((rc = readable_file(c->image, "image", where, 0, err)))
		return rc;
	if (c->kernel[0] &&
	    ((rc = readable_file(c->kernel, "kernel", where, 0, err)) ||
	     (rc = lab_vm_boot_file_ok("kernel", c->kernel, c->image, where,
				       err))))
		return rc;
	if (c->initrd[0] &&
	    ((rc = readable_file(c->initrd, "initrd", where, 0, err)) ||
	     (rc = lab_vm_boot_file_ok("initrd", c->initrd, c->image, where,
				       err))))
		return rc;
	if ((rc = lab_vm_probe_image(c->image, c->format, fmt, where, err)) ||
	    (rc = lab_vm_image_check(c->image, c->format, where, err)))
		return rc;
	if (c->accel == LAB_VM_KVM && !kvm_usable(msg, sizeof(msg)))
		return pt_fail(err, PT_EUSAGE, where,
			       "accel=kvm: %s (use accel=auto or tcg)", msg);
	return 0;
}

void lab_vm_plan(const struct lab_group *g, FILE *f)
{
	const struct lab_vm_conf *c = g->opts;
	char why[256];
	enum lab_vm_accel a = lab_vm_accel(c, why, sizeof(why));

	fprintf(f,
		"qemu group %s: %u VM(s), image %s (copy-on-write overlay each), memory %lluM, cpus %u, nic %s%s%s, address %s, accel %s (%s)\n",
		g->name, g->count, c->image,
		(unsigned long long)(c->memory >> 20), c->cpus ? c->cpus : 1,
		c->nic[0] ? c->nic : "virtio-net-pci",
		c->kernel[0] ? ", kernel " : "", c->kernel,
		c->dhcp	       ? "by the lab's DHCP server"
		: c->kernel[0] ? "ip= on the kernel command line"
			       : "static, set in the image",
		lab_vm_accel_name(a), why);
	/* everything QEMU (root) is handed, as the file wrote it */
	fprintf(f,
		"qemu group %s: runs as root: image %s format %s%s%s%s%s%s%s, "
		"qemu-args \"%s\"\n",
		g->name, c->image, c->format, c->kernel[0] ? " kernel " : "",
		c->kernel, c->initrd[0] ? " initrd " : "", c->initrd,
		c->append[0] ? " append " : "", c->append, c->args);
}
