/*
 * cgroup.c -- every process of a lab in a cgroup v2 of its own,
 * p2ptrace-LAB, so `lab down` can kill what escaped both the process
 * group (setsid) and the lab's namespaces (unshare -n): cgroup.kill
 * (Linux 5.14) takes every member, wherever it went (issue 13 item 3).
 *
 * The cgroup v2 hierarchy is /sys/fs/cgroup (unified) or
 * /sys/fs/cgroup/unified (hybrid). Without a writable one with
 * cgroup.kill, the lab runs as before, with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "lab/lab.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* cgroup.procs of the lab being built; the child of lab_spawn joins it. */
static char join_procs[200];

int lab_cgroup_path(const char *name, char *buf, size_t len)
{
	static const char *const roots[] = { "/sys/fs/cgroup",
					     "/sys/fs/cgroup/unified" };
	struct statfs sf;

	if (!lab_name_valid(name))
		return -1;
	for (unsigned i = 0; i < 2; i++)
		if (!statfs(roots[i], &sf) &&
		    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
			return snprintf(buf, len, "%s/p2ptrace-%s", roots[i],
					name) >= (int)len
				       ? -1
				       : 0;
	return -1;
}

int lab_cgroup_create(const char *dir)
{
	char p[256];

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(p, sizeof(p), "%s/cgroup.kill", dir);
	if (access(p, W_OK)) {
		rmdir(dir);
		errno = ENOTSUP;
		return -1;
	}
	snprintf(join_procs, sizeof(join_procs), "%s/cgroup.procs", dir);
	return 0;
}

void lab_cgroup_join_self(void)
{
	int fd;

	if (!join_procs[0])
		return;
	fd = open(join_procs, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "0", 1) != 1) {
			/* stays where it is: still stopped by PID and netns */
		}
		close(fd);
	}
}

/* Members of the cgroup dir (lines of cgroup.procs). */
static unsigned members(const char *dir)
{
	char p[256], buf[4096];
	unsigned n = 0;
	ssize_t r;
	int fd;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

unsigned lab_cgroup_kill(const char *dir)
{
	char p[256];
	unsigned n = members(dir);
	int fd;

	if (n) {
		snprintf(p, sizeof(p), "%s/cgroup.kill", dir);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				n = 0;
			close(fd);
		}
		/* SIGKILL is delivered at once; the exits take a moment */
		for (int i = 0; i < 200 && members(dir); i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	/* a process just killed may still be leaving it (EBUSY) */
	for (int i = 0; i < 200 && rmdir(dir) && errno == EBUSY; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return n;
}
