/*
 * common.c -- what the profiles share: building a command line, writing a
 * config file, running a helper (mktorrent, ssh-keygen) to completion,
 * deterministic data files, and the curl loop of the http and ftp clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lab/profile.h"

int lab_opt_choice(const char *key, const char *v, const char *const *names,
		   int n, int *out, char *msg, size_t len)
{
	char list[256] = "";
	size_t at = 0;

	if (n < 0)
		for (n = 0; names[n]; n++)
			;
	for (int k = 0; k < n; k++)
		if (!strcmp(v, names[k])) {
			*out = k;
			return 0;
		}
	for (int k = 0; k < n && at < sizeof(list); k++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
				       !k ? "" : k == n - 1 ? " or " : ", ",
				       names[k]);
	snprintf(msg, len, "%s: expected %s, got '%s'", key, list, v);
	return -1;
}

void lab_arg(struct lab_cmd *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n + 1 >= a->max || a->used >= a->len) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->len - a->used) {
		a->overflow = 1;
		return;
	}
	a->argv[a->n++] = a->buf + a->used;
	a->argv[a->n] = NULL;
	a->used += (size_t)n + 1;
}

int lab_write_text(const char *path, mode_t mode, const char *fmt, ...)
{
	FILE *f;
	va_list ap;
	int rc, fd;

	/* a new file, never through a link (the folder is root-only while
	 * profiles write, see up.c node_dir; this is the second belt) */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	va_start(ap, fmt);
	rc = vfprintf(f, fmt, ap);
	va_end(ap);
	if (rc >= 0 && fchmod(fileno(f), mode))
		rc = -1;
	if (fclose(f) || rc < 0)
		return -1;
	return 0;
}

/* xorshift64* seeded by FNV-1a of the seed: a file's checksum depends only
 * on its name and size, so a test can recompute it. */
int lab_make_data(const char *path, const char *seed, uint64_t size)
{
	uint64_t x = 1469598103934665603ull;
	static uint64_t buf[1 << 17];
	int fd;

	for (const char *s = seed; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return -1;
	while (size) {
		size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);

		for (size_t i = 0; i < (n + 7) / 8; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 2685821657736338717ull;
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		size -= n;
	}
	return close(fd);
}

int lab_copy_file(const char *from, const char *to, uid_t uid, gid_t gid)
{
	int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out;
	static char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -1;
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (fchown(out, uid, gid))
		n = -1;
	close(in);
	if (close(out) || n < 0)
		return -1;
	return 0;
}

int lab_server_file(const char *dir, uint64_t size)
{
	char path[700];

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/file.bin", dir);
	return lab_make_data(path, dir, size ? size : 1 << 20);
}

void lab_sh(struct lab_cmd *a, const char *script)
{
	lab_arg(a, "/bin/sh");
	lab_arg(a, "-c");
	lab_arg(a, "%s", script);
}

int lab_fetch_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const char *scheme = g->profile->data;
	char sa[32], cmd[1400];

	(void)dir;
	(void)err;
	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	snprintf(
		cmd, sizeof(cmd),
		"while :; do curl -s -S --noproxy '*' --max-time 600 -o /dev/null "
		"-w '%%{http_code} %%{size_download} %%{time_total}\\n' %s://%s:%u/file.bin; sleep %g; done",
		scheme, sa, lab_group_port(&e->groups[g->server]),
		g->interval_s);
	lab_sh(a, cmd);
	return 0;
}
