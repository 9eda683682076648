/*
 * qemu_int.h -- what the VM files (qemu*.c) share among themselves; the
 * rest of the lab uses qemu.h.
 */
#ifndef P2PTRACE_LAB_QEMU_INT_H
#define P2PTRACE_LAB_QEMU_INT_H
#include <stddef.h>
#include <sys/types.h>
#include "p2ptrace/err.h"
#include "lab/lab.h"
#include "lab/qemu.h"

#define QEMU_BIN "qemu-system-x86_64"
#define QEMU_IMG "qemu-img"

/* qemu_conf.c */
/* ACPI power-off wait of a group, seconds. */
unsigned lab_vm_grace(const struct lab_vm_conf *c);
/* Cut S to its first non-empty line. */
void lab_vm_first_line(char *s);
/* Is PROG an executable in $PATH? */
int lab_vm_in_path(const char *prog);
/* The format qemu-img finds (or confirms) into fmt[16]; fails with a clear
 * message when the image is locked by another process. */
int lab_vm_probe_image(const char *path, const char *want, char *fmt,
		       const char *where, struct pt_err *err);

/* qemu.c */
/* The last line of a log (for an error message). */
void lab_vm_tail(const char *path, char *buf, size_t len);

/* qemu_net.c */
/* The lab's DHCP server for the dhcp=on VMs (once per lab). */
int lab_vm_start_dhcp(const struct lab_exp *e, const char *work,
		      const char *out, FILE *state, struct pt_err *err);

/* qemu_qmp.c */
int lab_vm_unix_connect(const char *path);
/* One QMP command on socket SOCK; its reply line in reply. 0 ok. */
int lab_vm_qmp(const char *sock, const char *cmd, char *reply, size_t len);
/* A VM of a lab's undo log. */
struct vmrec {
	char node[LAB_NODE_MAX];
	char dir[PATH_MAX];
	unsigned grace;
	pid_t pid;
	unsigned long long start;
	int alive;
};
/* The VMs of the lab NAME from its undo log; returns the count. */
unsigned lab_vm_read(const char *name, struct vmrec **out);

#endif
