/*
 * netns.c -- entering a named network namespace and coming back (see
 * netns.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "p2ptrace/netns.h"

int pt_netns_path(const char *name, char *buf, size_t len)
{
	if (!name || !*name || strchr(name, '/') || strlen(name) > 200) {
		errno = EINVAL;
		return -1;
	}
	snprintf(buf, len, "%s/%s", PT_NETNS_DIR, name);
	return 0;
}

int pt_netns_open(const char *name)
{
	char path[256];

	if (pt_netns_path(name, path, sizeof(path)))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

int pt_netns_enter(const char *name, int *home, const char *where,
		   struct pt_err *err)
{
	int fd, e;

	*home = -1;
	fd = pt_netns_open(name);
	if (fd < 0 && errno == EINVAL)
		return pt_fail(err, PT_EUSAGE, where,
			       "bad network namespace name '%s'", name);
	if (fd < 0)
		return pt_fail(err, PT_EUSAGE, where,
			       "no network namespace '%s' (%s)", name,
			       strerror(errno));
	*home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		close(fd);
		return 0;
	}
	e = errno;
	close(fd);
	if (*home >= 0)
		close(*home);
	*home = -1;
	return pt_fail(err, PT_EIO, where,
		       "cannot enter network namespace '%s': %s", name,
		       strerror(e));
}

void pt_netns_leave(int home)
{
	if (home < 0)
		return;
	if (setns(home, CLONE_NEWNET) != 0)
		abort(); /* never go on in the wrong namespace */
	close(home);
}
