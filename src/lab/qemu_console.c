/*
 * qemu_console.c -- `lab console`: the serial console of a running VM
 * node, relayed between the terminal (raw mode) and QEMU's console socket
 * until Ctrl-] or EOF.
 */
#include <getopt.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
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
#include "tool.h"

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
		n = lab_vm_read(names[i], &v);
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
	fd = lab_vm_unix_connect(sock);
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
	if ((lab && !lab_name_valid(lab)) || !lab_node_valid(node)) {
		tool_msg("lab: bad lab name '%s' or node name '%s'",
			 lab ? lab : "", node);
		return 2;
	}
	if (lab_vm_console(lab, node, &err)) {
		tool_perr(&err);
		return err.code == PT_EUSAGE ? 2 : 1;
	}
	return 0;
}
