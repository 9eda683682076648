/*
 * qemu_qmp.c -- QEMU's QMP socket (a command, its reply) and what `lab
 * down` does with it: every VM of the lab's undo log gets the ACPI power
 * button, its grace period, then SIGKILL by PID; then its overlay and
 * sockets are removed.
 */
#include <poll.h>
#include <signal.h>
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

/* ---- QMP ---------------------------------------------------------------- */

int lab_vm_unix_connect(const char *path)
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
int lab_vm_qmp(const char *sock, const char *cmd, char *reply, size_t len)
{
	char line[4096];
	int fd = lab_vm_unix_connect(sock), rc = -1;

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

/* ---- down -----------------------------------------------------------------
 */

int lab_vm_state_line(const char *line)
{
	return !strncmp(line, "qemu ", 5);
}

/* The VMs of the lab NAME from its undo log (checked by state.c: a log
 * with any bad line gives none); returns the count. */
unsigned lab_vm_read(const char *name, struct vmrec **out)
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
	unsigned n = lab_vm_read(name, &v), running = 0, left, k = 0;
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
		    lab_vm_qmp(qmp, "system_powerdown", NULL, 0))
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
				lab_vm_qmp(qmp, "system_powerdown", NULL, 0);
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
