/*
 * state.c -- the lab's undo log, /run/p2ptrace/LAB.state. Every namespace,
 * process and folder the lab creates is appended here (and flushed to the
 * kernel) BEFORE it is created, so `lab down` can undo a lab whose `lab up`
 * or `lab run` died at any point, even by SIGKILL. Lines:
 *   lab NAME | out DIR | work DIR | netns NAME | proc PID START NODE |
 *   capture PID START
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/lab.h"

int lab_state_path(const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s.state", LAB_STATE_DIR, name) >=
			       (int)len
		       ? -1
		       : 0;
}

int lab_state_create(const char *name, FILE **f, struct pt_err *err)
{
	char path[256];
	int fd;

	if (mkdir(LAB_STATE_DIR, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, LAB_STATE_DIR, "cannot create: %s",
			       strerror(errno));
	lab_state_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return pt_fail(
			err, PT_EUSAGE, path,
			"lab '%s' is already up (or was not taken down): run 'p2ptrace lab down %s'",
			name, name);
	if (fd < 0)
		return pt_fail(err, PT_EIO, path, "cannot create: %s",
			       strerror(errno));
	*f = fdopen(fd, "w");
	if (!*f) {
		close(fd);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	return 0;
}

int lab_state_add(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	/* fflush hands the line to the kernel: it survives our SIGKILL. */
	if (fflush(f) || rc < 0)
		return -1;
	return 0;
}

int lab_state_read(const char *name, struct lab_state *st, struct pt_err *err)
{
	char path[256], line[1024];
	FILE *f;

	memset(st, 0, sizeof(*st));
	lab_state_path(name, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return pt_fail(err, errno == ENOENT ? PT_EUSAGE : PT_EIO, path,
			       "%s", strerror(errno));
	snprintf(st->name, sizeof(st->name), "%s", name);
	while (fgets(line, sizeof(line), f)) {
		char a[600];
		unsigned long pid;
		unsigned long long start;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "out %511[^\n]", st->out) == 1 ||
		    sscanf(line, "work %511[^\n]", st->work) == 1)
			continue;
		if (sscanf(line, "netns %63s", a) == 1) {
			void *p = realloc(st->netns, (st->nnetns +
						      1) * sizeof(*st->netns));

			if (!p)
				break;
			st->netns = p;
			snprintf(st->netns[st->nnetns++], 64, "%.63s", a);
			continue;
		}
		if (sscanf(line, "profile %31s", a) == 1) {
			void *p = realloc(st->profiles,
					  (st->nprofiles + 1) *
						  sizeof(*st->profiles));

			if (!p)
				break;
			st->profiles = p;
			snprintf(st->profiles[st->nprofiles++], 32, "%.31s", a);
			continue;
		}
		a[0] = 0;
		if (sscanf(line, "proc %lu %llu %31s", &pid, &start, a) >= 2 ||
		    sscanf(line, "capture %lu %llu", &pid, &start) == 2) {
			void *p = realloc(st->procs, (st->nprocs +
						      1) * sizeof(*st->procs));

			if (!p)
				break;
			st->procs = p;
			memset(&st->procs[st->nprocs], 0, sizeof(*st->procs));
			st->procs[st->nprocs].pid = (pid_t)pid;
			st->procs[st->nprocs].start = start;
			st->procs[st->nprocs].capture = line[0] == 'c';
			snprintf(st->procs[st->nprocs].node, LAB_NODE_MAX,
				 "%.31s", a);
			st->nprocs++;
		}
	}
	fclose(f);
	return 0;
}

void lab_state_free(struct lab_state *st)
{
	free(st->netns);
	free(st->procs);
	free(st->profiles);
	memset(st, 0, sizeof(*st));
}

unsigned lab_state_list(char (*names)[LAB_NAME_MAX + 1], unsigned max)
{
	DIR *d = opendir(LAB_STATE_DIR);
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		size_t l = strlen(de->d_name);

		if (l > 6 && l - 6 <= LAB_NAME_MAX &&
		    !strcmp(de->d_name + l - 6, ".state")) {
			memcpy(names[n], de->d_name, l - 6);
			names[n][l - 6] = 0;
			n++;
		}
	}
	closedir(d);
	return n;
}
