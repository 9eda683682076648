/*
 * qemu.c -- lab nodes that are QEMU virtual machines: settings, checks
 * before anything is created, the node-namespace bridge + tap, the
 * copy-on-write overlay, starting QEMU, ACPI power-off through QMP then kill
 * by PID, and the serial console relay. See qemu.h for the layout and
 * docs/qemu.md for the user's side.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"
#include "lab/qemu.h"
#include "tool.h"

#define QEMU_BIN "qemu-system-x86_64"
#define QEMU_IMG "qemu-img"
#define MAXARGS 128

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

int lab_vm_opt(struct lab_vm_conf *c, const char *k, const char *v, char *msg,
	       size_t len)
{
	uint64_t u;

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
	} else if (!strcmp(k, "kernel")) {
		return set_str(c->kernel, sizeof(c->kernel), k, v, msg, len);
	} else if (!strcmp(k, "initrd")) {
		return set_str(c->initrd, sizeof(c->initrd), k, v, msg, len);
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
		char *end;

		errno = 0;
		u = strtoull(v, &end, 10);
		if (errno || end == v || (*end && strcmp(end, "s")) ||
		    u > 600) {
			snprintf(
				msg, len,
				"shutdown: expected seconds 0..600 to wait for an ACPI power-off, got '%s'",
				v);
			return -1;
		}
		c->grace_s = (unsigned)u;
		c->grace_s |= 0x80000000u; /* "given" (0 is a value) */
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
		/* The lab's tap is the VM's only NIC: its traffic must go
		 * through the shaped, captured link. */
		char tmp[sizeof(c->args)], *save = NULL, *w;

		if (set_str(c->args, sizeof(c->args), k, v, msg, len))
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
	} else {
		return 1;
	}
	return 0;
}

static unsigned grace_of(const struct lab_vm_conf *c)
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
	return 0;
}

/* ---- small helpers ----------------------------------------------------- */

/* Run argv, collect stdout+stderr into out; returns the exit status
 * (-1 when it could not run). */
static int run_capture(char *const *argv, char *out, size_t len)
{
	int fds[2], st;
	size_t got = 0;
	pid_t pid;

	if (len)
		out[0] = 0;
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len && got < len - 1) {
			size_t c = (size_t)n < len - 1 - got ? (size_t)n
							     : len - 1 - got;

			memcpy(out + got, buf, c);
			got += c;
			out[got] = 0;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void first_line(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\n')
		memmove(s, s + 1, strlen(s));
	e = strchr(s, '\n');
	if (e)
		*e = 0;
}

static int in_path(const char *prog)
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
static int probe_image(const char *path, const char *want, char *fmt,
		       const char *where, struct pt_err *err)
{
	char out[4096], *p;
	char *argv[] = { QEMU_IMG, "info", "--output=json", (char *)path,
			 NULL };
	int rc = run_capture(argv, out, sizeof(out));

	if (rc != 0) {
		if (strstr(out, "lock"))
			return pt_fail(
				err, PT_EUSAGE, where,
				"image %s is in use by another process (it holds QEMU's write lock): stop it, or copy the image",
				path);
		first_line(out);
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
	if (!in_path(QEMU_BIN) || !in_path(QEMU_IMG))
		return pt_fail(
			err, PT_EUSAGE, where,
			"%s and %s are needed (Debian: qemu-system-x86 qemu-utils; make deps)",
			QEMU_BIN, QEMU_IMG);
	if ((rc = readable_file(c->image, "image", where, 1, err)))
		return rc;
	if (c->kernel[0] &&
	    (rc = readable_file(c->kernel, "kernel", where, 0, err)))
		return rc;
	if (c->initrd[0] &&
	    (rc = readable_file(c->initrd, "initrd", where, 0, err)))
		return rc;
	if ((rc = probe_image(c->image, c->format, fmt, where, err)))
		return rc;
	if (c->accel == LAB_VM_KVM && !kvm_usable(msg, sizeof(msg)))
		return pt_fail(err, PT_EUSAGE, where,
			       "accel=kvm: %s (use accel=auto or tcg)", msg);
	return 0;
}

/* ---- network inside the node namespace -------------------------------- */

int lab_vm_net(const char *netns, struct pt_err *err)
{
	static const char text[] =
		"link add " LAB_VM_BR
		" type bridge stp_state 0 mcast_snooping 0\n"
		"tuntap add dev " LAB_VM_TAP " mode tap\n"
		"link set eth0 master " LAB_VM_BR "\n"
		"link set " LAB_VM_TAP " master " LAB_VM_BR "\n"
		"link set " LAB_VM_BR " up\n"
		"link set " LAB_VM_TAP " up\n"
		"link set eth0 up\n";
	int rc = lab_batch("ip", netns, text, err);

	if (rc)
		return rc;
	if (lab_ns_enter(netns))
		return pt_fail(err, PT_EIO, netns, "setns: %s",
			       strerror(errno));
	lab_ns_sysctl("/proc/sys/net/ipv6/conf/" LAB_VM_BR "/disable_ipv6",
		      "1");
	lab_ns_sysctl("/proc/sys/net/ipv6/conf/" LAB_VM_TAP "/disable_ipv6",
		      "1");
	lab_ns_offloads_off(LAB_VM_TAP);
	lab_ns_offloads_off(LAB_VM_BR);
	lab_ns_home();
	return 0;
}

/* ---- QMP ---------------------------------------------------------------- */

static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Read lines until one contains one of the two words; 0 found, -1 not. */
static int qmp_wait(int fd, const char *w1, const char *w2, char *line,
		    size_t len)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		char *nl;

		if (poll(&p, 1, 3000) <= 0)
			return -1;
		n = read(fd, line + got, len - 1 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		line[got] = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (strstr(line, w1) || (w2 && strstr(line, w2))) {
				return 0;
			}
			got -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, got + 1);
		}
		if (got >= len - 1)
			got = 0;
	}
}

/* One QMP command; the reply line goes to reply. 0 when "return". */
static int qmp_cmd(const char *sock, const char *cmd, char *reply, size_t len)
{
	char line[4096];
	int fd = unix_connect(sock), rc = -1;

	if (fd < 0)
		return -1;
	if (qmp_wait(fd, "\"QMP\"", NULL, line, sizeof(line)) == 0 &&
	    dprintf(fd, "{\"execute\":\"qmp_capabilities\"}\n") > 0 &&
	    qmp_wait(fd, "\"return\"", "\"error\"", line, sizeof(line)) == 0 &&
	    dprintf(fd, "{\"execute\":\"%s\"}\n", cmd) > 0 &&
	    qmp_wait(fd, "\"return\"", "\"error\"", line, sizeof(line)) == 0) {
		if (reply)
			snprintf(reply, len, "%.*s", (int)(len - 1), line);
		rc = strstr(line, "\"return\"") ? 0 : -1;
	}
	close(fd);
	return rc;
}

/* ---- start ----------------------------------------------------------------
 */

static void tail_of(const char *path, char *buf, size_t len)
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

static int add_arg(char **argv, unsigned *n, char *s)
{
	if (*n + 1 >= MAXARGS)
		return -1;
	argv[(*n)++] = s;
	argv[*n] = NULL;
	return 0;
}

int lab_vm_start(const struct lab_vm_start *vm, enum lab_vm_accel accel,
		 pid_t *pidp, struct pt_err *err)
{
	const struct lab_vm_conf *c = vm->conf;
	char dir[PATH_MAX], overlay[PATH_MAX + 16], qmp[PATH_MAX + 16];
	char con[PATH_MAX + 16], log[PATH_MAX], base[PATH_MAX], fmt[16];
	char conlog[PATH_MAX], chardev[2 * PATH_MAX + 128],
		drive[PATH_MAX + 96];
	char netdev[128], device[192], mem[32], smp[16], cmdline[1536];
	char qmparg[PATH_MAX + 48], extra[1024];
	char *argv[MAXARGS], *save = NULL, *w, reply[512];
	unsigned n = 0, a = vm->addr;
	uint32_t mask = vm->prefix ? 0xffffffffu << (32 - vm->prefix) : 0;
	struct lab_spawn sp;
	pid_t pid;
	double t0;
	int rc;

	if (snprintf(dir, sizeof(dir), "%s/vm-%s", vm->work, vm->node) >=
	    (int)sizeof(dir) - 16)
		return pt_fail(err, PT_EUSAGE, vm->node, "work path too long");
	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", dir);
	snprintf(con, sizeof(con), "%s/console.sock", dir);
	if (strlen(con) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return pt_fail(err, PT_EUSAGE, con,
			       "socket path longer than 107 bytes");
	snprintf(overlay, sizeof(overlay), "%s/disk.qcow2", dir);
	snprintf(log, sizeof(log), "%s/logs/%s.qemu.log", vm->out, vm->node);
	snprintf(conlog, sizeof(conlog), "%s/traces/%s.console.log", vm->out,
		 vm->node);
	if (!realpath(c->image, base))
		return pt_fail(err, PT_EUSAGE, c->image, "image: %s",
			       strerror(errno));
	if ((rc = probe_image(base, c->format, fmt, vm->node, err)))
		return rc;
	/* Logged before the folder and overlay exist: lab down removes them. */
	if (lab_state_add(vm->state, "qemu %s %u %s", vm->node, grace_of(c),
			  dir))
		return pt_fail(err, PT_EIO, "state log", "cannot write: %s",
			       strerror(errno));
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	unlink(conlog);
	{
		char out[1024];
		char *qa[] = { QEMU_IMG, "create", "-q", "-f",	  "qcow2", "-F",
			       fmt,	 "-b",	   base, overlay, NULL };

		if (run_capture(qa, out, sizeof(out)) != 0) {
			first_line(out);
			return pt_fail(err, PT_EIO, overlay,
				       "qemu-img create: %.180s", out);
		}
	}
	argv[0] = NULL;
	add_arg(argv, &n, QEMU_BIN);
	add_arg(argv, &n, "-name");
	add_arg(argv, &n, (char *)vm->node);
	add_arg(argv, &n, "-nodefaults");
	add_arg(argv, &n, "-no-user-config");
	add_arg(argv, &n, "-display");
	add_arg(argv, &n, "none");
	add_arg(argv, &n, "-accel");
	if (accel == LAB_VM_KVM) {
		add_arg(argv, &n, "kvm");
		add_arg(argv, &n, "-cpu");
		add_arg(argv, &n, "host");
	} else {
		add_arg(argv, &n, "tcg");
	}
	snprintf(mem, sizeof(mem), "%lluM",
		 (unsigned long long)(c->memory >> 20));
	snprintf(smp, sizeof(smp), "%u", c->cpus ? c->cpus : 1);
	add_arg(argv, &n, "-m");
	add_arg(argv, &n, mem);
	add_arg(argv, &n, "-smp");
	add_arg(argv, &n, smp);
	snprintf(drive, sizeof(drive),
		 "file=%s,format=qcow2,if=virtio,cache=writeback", overlay);
	add_arg(argv, &n, "-drive");
	add_arg(argv, &n, drive);
	snprintf(netdev, sizeof(netdev),
		 "tap,id=n0,ifname=%s,script=no,downscript=no", LAB_VM_TAP);
	add_arg(argv, &n, "-netdev");
	add_arg(argv, &n, netdev);
	/* MAC from the address: 52:54:00 (QEMU's OUI) + its low 3 bytes. No
	 * offloads, so frames on the tap are wire-sized like a veth's. */
	snprintf(device, sizeof(device),
		 "%s,netdev=n0,mac=52:54:00:%02x:%02x:%02x,romfile=%s",
		 c->nic[0] ? c->nic : "virtio-net-pci", (a >> 16) & 255,
		 (a >> 8) & 255, a & 255,
		 !c->nic[0] || !strcmp(c->nic, "virtio-net-pci")
			 ? ",csum=off,guest_csum=off"
			 : "");
	add_arg(argv, &n, "-device");
	add_arg(argv, &n, device);
	snprintf(
		chardev, sizeof(chardev),
		"socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=on",
		con, conlog);
	add_arg(argv, &n, "-chardev");
	add_arg(argv, &n, chardev);
	add_arg(argv, &n, "-serial");
	add_arg(argv, &n, "chardev:con0");
	snprintf(qmparg, sizeof(qmparg), "unix:%s,server=on,wait=off", qmp);
	add_arg(argv, &n, "-qmp");
	add_arg(argv, &n, qmparg);
	if (c->kernel[0]) {
		char ab[16], mb[16];

		add_arg(argv, &n, "-kernel");
		add_arg(argv, &n, (char *)c->kernel);
		if (c->initrd[0]) {
			add_arg(argv, &n, "-initrd");
			add_arg(argv, &n, (char *)c->initrd);
		}
		lab_addr_str(a, ab, sizeof(ab));
		lab_addr_str(mask, mb, sizeof(mb));
		if (c->dhcp)
			snprintf(cmdline, sizeof(cmdline), "%s%s%s ip=dhcp",
				 strstr(c->append, "console=")
					 ? ""
					 : "console=ttyS0 ",
				 strstr(c->append, "ipv6.") ? ""
							    : "ipv6.disable=1 ",
				 c->append);
		else
			snprintf(cmdline, sizeof(cmdline),
				 "%s%s%s ip=%s::0.0.0.0:%s:%s:eth0:off",
				 strstr(c->append, "console=")
					 ? ""
					 : "console=ttyS0 ",
				 strstr(c->append, "ipv6.") ? ""
							    : "ipv6.disable=1 ",
				 c->append, ab, mb, vm->node);
		add_arg(argv, &n, "-append");
		add_arg(argv, &n, cmdline);
	}
	if (vm->runas && vm->runas[0] && getpwnam(vm->runas)) {
		add_arg(argv, &n, "-runas");
		add_arg(argv, &n, (char *)vm->runas);
	}
	snprintf(extra, sizeof(extra), "%s", c->args);
	for (w = strtok_r(extra, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save))
		if (add_arg(argv, &n, w))
			return pt_fail(err, PT_EUSAGE, vm->node,
				       "too many qemu-args");

	memset(&sp, 0, sizeof(sp));
	sp.netns = vm->netns;
	sp.cwd = dir;
	sp.out_path = log;
	sp.err_path = log;
	sp.argv = argv;
	sp.state = vm->state;
	sp.node = vm->node;
	unlink(log);
	if ((rc = lab_spawn(&sp, &pid, err)))
		return rc;
	*pidp = pid;
	/* Ready when QMP says the guest is running. */
	t0 = pt_mono_s();
	for (;;) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid ||
		    !lab_proc_alive(pid, 0)) {
			char t[200];

			tail_of(log, t, sizeof(t));
			return pt_fail(err, PT_EIO, vm->node,
				       "QEMU exited at start: %s (%s)",
				       t[0] ? t : "no message", log);
		}
		if (access(qmp, F_OK) == 0 &&
		    qmp_cmd(qmp, "query-status", reply, sizeof(reply)) == 0 &&
		    strstr(reply, "\"running\""))
			break;
		if (pt_mono_s() - t0 > 30) {
			lab_proc_stop(&pid, NULL, 1, 1000);
			return pt_fail(
				err, PT_EIO, vm->node,
				"QEMU did not answer on %s within 30 s (%s)",
				qmp, log);
		}
		pt_sleep_ms(50);
	}
	return 0;
}

/* The lab's DHCP server: dnsmasq in the switch namespace, bound to br0
 * (given the subnet's last host address), a fixed address per VM MAC for
 * every node of a dhcp=on group, no router, no DNS (port=0), no lease
 * file. Started once per lab, before the first such VM. */
static int start_dhcp(const struct lab_exp *e, const char *work,
		      const char *out, FILE *state, struct pt_err *err)
{
	uint32_t mask = 0xffffffffu << (32 - e->prefix);
	uint32_t srv = (e->net | ~mask) - 1;
	char conf[PATH_MAX], log[PATH_MAX], a[32], m[32], n[32], cmd[128];
	char confarg[PATH_MAX + 16];
	char *argv[] = { "dnsmasq", "--keep-in-foreground", confarg, NULL };
	struct lab_spawn sp;
	FILE *f;
	pid_t pid;
	int rc;

	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->nodes[i].addr == srv)
			return pt_fail(
				err, PT_EUSAGE, e->path,
				"dhcp=on: the lab's DHCP server takes the subnet's last host %s, which node %s has: use a larger subnet",
				lab_addr_str(srv, a, sizeof(a)),
				e->nodes[i].name);
	if (!in_path("dnsmasq"))
		return pt_fail(
			err, PT_EUSAGE, e->path,
			"dhcp=on needs dnsmasq (Debian: dnsmasq-base; make deps)");
	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", work);
	snprintf(log, sizeof(log), "%s/logs/dhcp.log", out);
	snprintf(confarg, sizeof(confarg), "--conf-file=%s", conf);
	f = fopen(conf, "w");
	if (!f)
		return pt_fail(err, PT_EIO, conf, "cannot write: %s",
			       strerror(errno));
	fprintf(f,
		"# written by p2ptrace lab %s: DHCP for its VM nodes, nothing else\n"
		"port=0\nno-resolv\nno-hosts\nno-poll\ninterface=br0\nbind-interfaces\n"
		"except-interface=lo\nuser=nobody\nleasefile-ro\ndhcp-authoritative\n"
		"log-dhcp\nlog-facility=-\ndhcp-range=%s,static,%s,12h\n"
		"dhcp-option=option:router\ndhcp-option=option:dns-server\n",
		e->name, lab_addr_str(e->net, n, sizeof(n)),
		lab_addr_str(mask, m, sizeof(m)));
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_node *nd = &e->nodes[i];
		const struct lab_vm_conf *c = e->groups[nd->group].opts;

		if (c && c->dhcp)
			fprintf(f, "dhcp-host=52:54:00:%02x:%02x:%02x,%s,%s\n",
				(nd->addr >> 16) & 255, (nd->addr >> 8) & 255,
				nd->addr & 255,
				lab_addr_str(nd->addr, a, sizeof(a)), nd->name);
	}
	if (fclose(f))
		return pt_fail(err, PT_EIO, conf, "cannot write: %s",
			       strerror(errno));
	snprintf(cmd, sizeof(cmd), "addr add %s/%u dev br0\n",
		 lab_addr_str(srv, a, sizeof(a)), e->prefix);
	if ((rc = lab_batch("ip", e->switch_ns, cmd, err)))
		return rc;
	memset(&sp, 0, sizeof(sp));
	sp.netns = e->switch_ns;
	sp.cwd = work;
	sp.out_path = log;
	sp.err_path = log;
	sp.argv = argv;
	sp.state = state;
	sp.node = "dhcp";
	if ((rc = lab_spawn(&sp, &pid, err)))
		return rc;
	pt_sleep_ms(200);
	if (!lab_proc_alive(pid, 0) || waitpid(pid, NULL, WNOHANG) == pid) {
		char t[200];

		tail_of(log, t, sizeof(t));
		return pt_fail(err, PT_EIO, log, "dnsmasq exited at start: %s",
			       t);
	}
	fprintf(stderr,
		"p2ptrace: lab %s: DHCP server (dnsmasq) at %s on the switch bridge, for the dhcp=on VMs\n",
		e->name, a);
	return 0;
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
		if ((rc = start_dhcp(e, work, out, state, err)))
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
}

/* ---- down -----------------------------------------------------------------
 */

struct vmrec {
	char node[LAB_NODE_MAX];
	char dir[PATH_MAX];
	unsigned grace;
	pid_t pid;
	unsigned long long start;
	int alive;
};

int lab_vm_state_line(const char *line)
{
	return !strncmp(line, "qemu ", 5);
}

/* The VMs of the lab NAME from its undo log (checked by state.c: a log
 * with any bad line gives none); returns the count. */
static unsigned read_vms(const char *name, struct vmrec **out)
{
	struct lab_state st;
	struct pt_err err;
	struct vmrec *v;
	unsigned nvms;

	*out = NULL;
	if (lab_state_read(name, &st, &err))
		return 0;
	nvms = st.nvms;
	v = calloc(st.nvms + 1, sizeof(*v));
	if (!v) {
		lab_state_free(&st);
		return 0;
	}
	for (unsigned n = 0; n < st.nvms; n++) {
		snprintf(v[n].node, sizeof(v[n].node), "%s", st.vms[n].node);
		snprintf(v[n].dir, sizeof(v[n].dir), "%s", st.vms[n].dir);
		v[n].grace = st.vms[n].grace;
		for (unsigned i = 0; i < st.nprocs; i++)
			if (!st.procs[i].capture &&
			    !strcmp(st.procs[i].node, v[n].node)) {
				v[n].pid = st.procs[i].pid;
				v[n].start = st.procs[i].start;
			}
	}
	*out = v;
	lab_state_free(&st);
	return nvms;
}

/* Remove only the files the lab made in a VM's folder, then the folder. */
static void remove_vm_files(const char *dir)
{
	static const char *const names[] = { "disk.qcow2", "qmp.sock",
					     "console.sock", NULL };
	const char *base = strrchr(dir, '/');
	char p[PATH_MAX + 32];

	if (!base || strncmp(base, "/vm-", 4))
		return;
	for (unsigned i = 0; names[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

unsigned lab_vm_down(const char *name, unsigned *killed)
{
	struct vmrec *v;
	unsigned n = read_vms(name, &v), running = 0, left, k = 0;
	double t0 = pt_mono_s();

	if (killed)
		*killed = 0;
	for (unsigned i = 0; i < n; i++) {
		char qmp[PATH_MAX + 16];

		v[i].alive =
			v[i].pid > 0 && lab_proc_alive(v[i].pid, v[i].start);
		if (!v[i].alive)
			continue;
		running++;
		snprintf(qmp, sizeof(qmp), "%s/qmp.sock", v[i].dir);
		if (v[i].grace == 0 ||
		    qmp_cmd(qmp, "system_powerdown", NULL, 0))
			v[i].grace = 0; /* no ACPI: kill at once */
	}
	for (unsigned tick = 1;; tick++) {
		left = 0;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		for (unsigned i = 0; i < n; i++) {
			if (!v[i].alive)
				continue;
			if (!lab_proc_alive(v[i].pid, v[i].start)) {
				v[i].alive = 0;
				continue;
			}
			if (tick % 40 == 0 && v[i].grace) {
				/* press again every 2 s: a guest still booting
				 * does not listen to the button yet */
				char qmp[PATH_MAX + 16];

				snprintf(qmp, sizeof(qmp), "%s/qmp.sock",
					 v[i].dir);
				qmp_cmd(qmp, "system_powerdown", NULL, 0);
			}
			if (pt_mono_s() - t0 >= v[i].grace) {
				lab_proc_stop(&v[i].pid, &v[i].start, 1, 2000);
				v[i].alive = 0;
				k++;
				continue;
			}
			left++;
		}
		if (!left)
			break;
		pt_sleep_ms(50);
	}
	for (unsigned i = 0; i < n; i++)
		remove_vm_files(v[i].dir);
	free(v);
	if (killed)
		*killed = k;
	return running;
}

/* ---- console ------------------------------------------------------------- */

static int find_console(const char *lab, const char *node, char *sock,
			size_t len, char *labname, size_t llen)
{
	char names[64][LAB_NAME_MAX + 1];
	unsigned nl = lab_state_list(names, 64), found = 0;

	for (unsigned i = 0; i < nl; i++) {
		struct vmrec *v;
		unsigned n;

		if (lab && strcmp(lab, names[i]))
			continue;
		n = read_vms(names[i], &v);
		for (unsigned j = 0; j < n; j++)
			if (!strcmp(v[j].node, node)) {
				snprintf(sock, len, "%s/console.sock",
					 v[j].dir);
				snprintf(labname, llen, "%.16s", names[i]);
				found++;
			}
		free(v);
	}
	return (int)found;
}

int lab_vm_console(const char *lab, const char *node, struct pt_err *err)
{
	char sock[PATH_MAX + 16], labname[LAB_NAME_MAX + 1];
	struct termios old, raw;
	int found = find_console(lab, node, sock, sizeof(sock), labname,
				 sizeof(labname));
	int fd, tty = isatty(0), rc = 0;

	if (found == 0)
		return pt_fail(err, PT_EUSAGE, node,
			       "no VM node of that name in a lab that is up");
	if (found > 1)
		return pt_fail(err, PT_EUSAGE, node,
			       "VM node in %d labs: name the lab", found);
	fd = unix_connect(sock);
	if (fd < 0)
		return pt_fail(err, PT_EIO, sock,
			       "cannot connect: %s (is the VM running?)",
			       strerror(errno));
	fprintf(stderr, "p2ptrace: console of %s in lab %s (Ctrl-] leaves)\n",
		node, labname);
	if (tty && tcgetattr(0, &old) == 0) {
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	} else {
		tty = 0;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int in_open = 1;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 } };
		char buf[4096];
		ssize_t n;

		if (poll(p, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (write(1, buf, (size_t)n) != n)
				break;
		}
		if (in_open && p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				/* stdin ended (a script): keep printing a
				 * moment */
				in_open = 0;
				shutdown(fd, SHUT_WR);
				continue;
			}
			if (memchr(buf, 0x1d, (size_t)n))
				break;
			if (write(fd, buf, (size_t)n) != n) {
				rc = pt_fail(err, PT_EIO, sock, "write: %s",
					     strerror(errno));
				break;
			}
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	close(fd);
	return rc;
}

int lab_vm_cmd_console(int argc, char **argv)
{
	const char *lab = NULL, *node = NULL;
	struct pt_err err = { 0 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lab") && i + 1 < argc)
			lab = argv[++i];
		else if (argv[i][0] != '-' && !node)
			node = argv[i];
		else {
			node = NULL;
			break;
		}
	}
	if (!node) {
		fprintf(stderr,
			"usage: p2ptrace lab console [--lab NAME] NODE\n");
		return 2;
	}
	if (lab_vm_console(lab, node, &err)) {
		tool_perr(&err);
		return err.code == PT_EUSAGE ? 2 : 1;
	}
	return 0;
}
