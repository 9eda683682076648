/*
 * state.c -- the lab's undo log, /run/p2ptrace/LAB.state. Every namespace,
 * process and folder the lab creates is appended here (and flushed to the
 * kernel) BEFORE it is created, so `lab down` can undo a lab whose `lab up`
 * or `lab run` died at any point, even by SIGKILL. Lines:
 *   lab NAME | out DIR | work DIR | netns NAME | proc PID START NODE |
 *   capture PID START | qemu NODE GRACE DIR | profile NAME
 * Root acts on what it reads here (kills PIDs, deletes namespaces and
 * folders), so the reader trusts nothing: a line it did not write exactly
 * (too long, unknown, a PID <= 1, a start time of 0, a path outside the
 * lab's own work folder, another lab's namespace) refuses the whole log.
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
	if (!lab_name_valid(name))
		return -1;
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
	if (lab_state_path(name, path, sizeof(path)))
		return pt_fail(err, PT_EUSAGE, name, "bad lab name");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
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

int lab_name_valid(const char *s)
{
	return lab_valid_name(s, LAB_NAME_MAX, 1);
}

int lab_node_valid(const char *s)
{
	return lab_valid_name(s, LAB_NODE_MAX - 1, 0);
}

/* An absolute path without "." or ".." components, empty components or
 * control characters, shorter than max. */
static int abs_path_ok(const char *p, size_t max)
{
	size_t n = strlen(p);

	if (n < 2 || n >= max || p[0] != '/' || p[n - 1] == '/')
		return 0;
	for (const char *c = p; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
		if (*c == '/' &&
		    (c[1] == '/' ||
		     (c[1] == '.' && (c[2] == '/' || c[2] == 0)) ||
		     (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == 0))))
			return 0;
	}
	return 1;
}

/* A decimal number in [lo, hi], digits only. */
static int num_ok(const char *s, unsigned long long lo, unsigned long long hi,
		  unsigned long long *v)
{
	unsigned long long x = 0;

	if (!*s || strlen(s) > 20)
		return 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		if (x > (~0ull - 9) / 10)
			return 0;
		x = x * 10 + (unsigned long long)(*c - '0');
	}
	*v = x;
	return x >= lo && x <= hi;
}

/* Split line at single spaces into at most max words; returns the count,
 * or -1 for more words, an empty word (two spaces, a leading or trailing
 * space). */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');
		if (n == max || !*p || sp == p)
			return -1;
		w[n++] = p;
		if (!sp)
			return n;
		*sp = 0;
		p = sp + 1;
	}
}

static int grow(void *pp, unsigned n, size_t size)
{
	void *q = realloc(*(void **)pp, (n + 1) * size);

	if (!q)
		return -1;
	*(void **)pp = q;
	return 0;
}

/* One line (NUL-terminated, no newline) of the log of lab st->name. */
static const char *state_line(struct lab_state *st, char *line)
{
	char *w[5], want[160];
	unsigned long long pid, start, g;
	int n;

	if (!strncmp(line, "out ", 4)) {
		if (!abs_path_ok(line + 4, sizeof(st->out)))
			return "out: not an absolute path without '..'";
		snprintf(st->out, sizeof(st->out), "%s", line + 4);
		return NULL;
	}
	if (!strncmp(line, "work ", 5)) {
		snprintf(want, sizeof(want), "%s/%s", LAB_WORK_DIR, st->name);
		if (strcmp(line + 5, want))
			return "work: not the lab's work folder";
		snprintf(st->work, sizeof(st->work), "%s", want);
		return NULL;
	}
	n = words(line, w, 5);
	if (n < 2)
		return "malformed line";
	if (!strcmp(w[0], "lab") && n == 2) {
		return strcmp(w[1], st->name) ? "lab: another lab's name" : NULL;
	}
	if (!strcmp(w[0], "netns") && n == 2) {
		size_t l = strlen(st->name);
		if (strlen(w[1]) >= 64)
			return "netns: name too long";
		snprintf(want, sizeof(want), "p2psw-%s", st->name);
		if (strcmp(w[1], want) &&
		    !(!strncmp(w[1], "p2pn-", 5) &&
		      !strncmp(w[1] + 5, st->name, l) && w[1][5 + l] == '-' &&
		      lab_node_valid(w[1] + 6 + l)))
			return "netns: not one of the lab's namespaces";
		if (grow(&st->netns, st->nnetns, sizeof(*st->netns)))
			return "out of memory";
		snprintf(st->netns[st->nnetns++], 64, "%s", w[1]);
		return NULL;
	}
	if ((!strcmp(w[0], "proc") && n == 4) ||
	    (!strcmp(w[0], "capture") && n == 3)) {
		struct lab_proc *pr;
		/* pid 1 is init; -1 and 0 would signal groups */
		if (!num_ok(w[1], 2, 4194304, &pid))
			return "pid not in 2..4194304";
		if (!num_ok(w[2], 1, ~0ull, &start))
			return "start time not set";
		if (n == 4 && strcmp(w[3], "-") && !lab_node_valid(w[3]))
			return "bad node name";
		if (grow(&st->procs, st->nprocs, sizeof(*st->procs)))
			return "out of memory";
		pr = &st->procs[st->nprocs++];
		memset(pr, 0, sizeof(*pr));
		pr->pid = (pid_t)pid;
		pr->start = start;
		pr->capture = n == 3;
		if (n == 4)
			snprintf(pr->node, sizeof(pr->node), "%s", w[3]);
		return NULL;
	}
	if (!strcmp(w[0], "profile") && n == 2) {
		if (strlen(w[1]) >= 32 || !lab_profile_parse(w[1]))
			return "profile: not a profile of this p2ptrace";
		if (grow(&st->profiles, st->nprofiles, sizeof(*st->profiles)))
			return "out of memory";
		snprintf(st->profiles[st->nprofiles++], 32, "%s", w[1]);
		return NULL;
	}
	if (!strcmp(w[0], "qemu") && n == 4) {
		struct lab_vmrec *vm;
		if (!lab_node_valid(w[1]))
			return "qemu: bad node name";
		if (!num_ok(w[2], 0, 86400, &g))
			return "qemu: grace not in 0..86400";
		snprintf(want, sizeof(want), "%s/%s/vm-%s", LAB_WORK_DIR,
			 st->name, w[1]);
		if (strcmp(w[3], want))
			return "qemu: not the node's folder in the work folder";
		if (grow(&st->vms, st->nvms, sizeof(*st->vms)))
			return "out of memory";
		vm = &st->vms[st->nvms++];
		memset(vm, 0, sizeof(*vm));
		snprintf(vm->node, sizeof(vm->node), "%s", w[1]);
		snprintf(vm->dir, sizeof(vm->dir), "%s", want);
		vm->grace = (unsigned)g;
		return NULL;
	}
	return "unknown line";
}

int lab_state_parse(const char *name, const char *where, const char *text,
		    size_t len, struct lab_state *st, struct pt_err *err)
{
	char line[LAB_STATE_LINE];
	size_t pos = 0;
	unsigned no = 0;

	memset(st, 0, sizeof(*st));
	if (!lab_name_valid(name))
		return pt_fail(err, PT_EUSAGE, where,
			       "bad lab name (1-%d characters a-z 0-9 -)",
			       LAB_NAME_MAX);
	snprintf(st->name, sizeof(st->name), "%s", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *why;

		no++;
		if (!nl)
			why = "last line not ended (log cut short?)";
		else if (l >= sizeof(line))
			why = "line longer than the longest the lab writes";
		else if (memchr(text + pos, 0, l))
			why = "NUL byte in line";
		else if (no > LAB_STATE_MAX_LINES)
			why = "too many lines";
		else {
			memcpy(line, text + pos, l);
			line[l] = 0;
			why = state_line(st, line);
		}
		if (why) {
			lab_state_free(st);
			return pt_fail(err, PT_EFORMAT, where,
				       "line %u: %s: refusing the whole log",
				       no, why);
		}
		pos += l + 1;
	}
	return 0;
}

int lab_state_read(const char *name, struct lab_state *st, struct pt_err *err)
{
	char path[256], *buf;
	struct stat sb;
	ssize_t r;
	size_t got = 0;
	int fd, rc;

	memset(st, 0, sizeof(*st));
	if (!lab_name_valid(name))
		return pt_fail(err, PT_EUSAGE, name,
			       "bad lab name (1-%d characters a-z 0-9 -)",
			       LAB_NAME_MAX);
	lab_state_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pt_fail(err, errno == ENOENT ? PT_EUSAGE : PT_EIO, path,
			       "%s", strerror(errno));
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & 022) || sb.st_size > LAB_STATE_MAX_BYTES) {
		close(fd);
		return pt_fail(err, PT_EFORMAT, path,
			       "not a regular root-owned file of at most %d "
			       "bytes, writable by root only",
			       LAB_STATE_MAX_BYTES);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	while (got < (size_t)sb.st_size &&
	       (r = read(fd, buf + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	rc = lab_state_parse(name, path, buf, got, st, err);
	free(buf);
	return rc;
}

void lab_state_free(struct lab_state *st)
{
	free(st->netns);
	free(st->procs);
	free(st->vms);
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
