/*
 * netns.h -- named network namespaces, the one place that knows where
 * `ip netns` keeps them (/run/netns; /var/run is a link to /run) and how a
 * thread enters one and comes back. Capture (lib/source/live.c,
 * src/capture/ring.c) opens its sockets inside a lab's switch namespace;
 * the lab (src/lab/netns.c) configures links inside node namespaces.
 */
#ifndef P2PTRACE_NETNS_H
#define P2PTRACE_NETNS_H
#include <stddef.h>
#include "p2ptrace/err.h"

#define PT_NETNS_DIR "/run/netns"

/* PT_NETNS_DIR/NAME into buf; -1 (errno EINVAL) when NAME is empty, has a
 * '/', or is longer than 200 characters. */
int pt_netns_path(const char *name, char *buf, size_t len);
/* A read-only fd of the named namespace, or -1 with errno. */
int pt_netns_open(const char *name);
/* Move this thread into namespace NAME; *home gets an fd of the one it was
 * in, for pt_netns_leave(). 0, or a PT_E code (err names WHERE: a bad
 * name or no such namespace is PT_EUSAGE). */
int pt_netns_enter(const char *name, int *home, const char *where,
		   struct pt_err *err);
/* Back to HOME (closed). A thread that cannot get back aborts the process:
 * going on in the wrong namespace would capture or configure the wrong
 * links. */
void pt_netns_leave(int home);

#endif
