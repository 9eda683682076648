/*
 * gnunet_stats.c -- profile gnunet at the end of a run: each peer's
 * file-sharing counters (`gnunet-statistics -s fs`, asked in the node's
 * namespace as the node's user while everything still runs) are kept
 * beside its trace, OUT/traces/NODE.fs.tsv, and three of them become
 * catalog columns, so the relaying role of every node can be seen and
 * plotted (docs/lab.md, "GNUnet").
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lab/profiles/gnunet.h"
#include "p2ptrace/clock.h"

/* catalog column -> GNUnet's fs counter */
const char *const gn_columns[] = { "fs_queries_in", "fs_queries_out",
				   "fs_replies_relayed", NULL };
static const char *const counters[] = {
	"# GET requests received (from other peers)",
	"# query messages sent to other peers",
	"# replies received for other peers",
};

/* Run gnunet-statistics for NODE (its folder work/NODE, owned by its
 * user) in its namespace; its output into OUT/traces/NODE.fs.tsv. */
static int one_node(const struct lab_down_ctx *d, const char *node)
{
	char dir[700], conf[800], ns[128], path[800], buf[16384];
	struct stat sb;
	int p[2], st = 0;
	size_t got = 0;
	pid_t pid;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", d->work, node);
	snprintf(conf, sizeof(conf), "%s/gnunet.conf", dir);
	if (lstat(conf, &sb) || !S_ISREG(sb.st_mode) || stat(dir, &sb))
		return 1; /* not a gnunet node */
	if (sb.st_uid == 0)
		return -1; /* peers never run as root */
	snprintf(ns, sizeof(ns), "p2pn-%s-%s", d->name, node);
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char home[720];
		char *argv[] = {
			"gnunet-statistics", "-c", conf, "-s", "fs", NULL
		};
		char *envp[] = { home, "PATH=/usr/bin:/bin", NULL };
		int nul = open("/dev/null", O_RDWR);

		snprintf(home, sizeof(home), "HOME=%s", dir);
		dup2(p[1], 1);
		if (nul >= 0)
			dup2(nul, 0), dup2(nul, 2);
		close(p[0]);
		close(p[1]);
		if (lab_ns_enter(ns) || setgroups(0, NULL) ||
		    setgid(sb.st_gid) || setuid(sb.st_uid))
			_exit(126);
		alarm(15); /* a hung peer does not hold up lab down */
		execve("/usr/bin/gnunet-statistics", argv, envp);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf) - 1)
			break;
	}
	buf[got] = 0;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	snprintf(path, sizeof(path), "%s/traces/%s.fs.tsv", d->out, node);
	unlink(path);
	f = fopen(path, "wx");
	if (!f)
		return -1;
	fprintf(f, "counter\tvalue\n");
	/* lines "  fs   # name:   value" -> "# name<TAB>value" */
	for (char *sv, *l = strtok_r(buf, "\n", &sv); l;
	     l = strtok_r(NULL, "\n", &sv)) {
		char *name = strchr(l, '#'),
		     *colon = name ? strrchr(name, ':') : NULL;
		unsigned long long v;

		if (!colon || sscanf(colon + 1, " %llu", &v) != 1)
			continue;
		fprintf(f, "%.*s\t%llu\n", (int)(colon - name), name, v);
	}
	if (fclose(f))
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Wait for the children pids[0..n): count their results. */
static void reap(const pid_t *pids, unsigned n, unsigned *bad, unsigned *done)
{
	for (unsigned k = 0; k < n; k++) {
		int st = 0;

		while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			(*done)++;
		else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 1))
			(*bad)++; /* 1: not a gnunet node */
	}
}

/* The peers are asked in parallel, 8 at a time (waited for by PID: lab
 * run's other children, capture among them, are not touched): a loaded
 * machine makes each gnunet-statistics take seconds. */
int gn_before_stop(const struct lab_down_ctx *d, struct pt_err *err)
{
	unsigned bad = 0, done = 0, running = 0;
	pid_t pids[8];

	fflush(NULL);
	for (unsigned i = 0; i < d->st->nprocs; i++) {
		const char *node = d->st->procs[i].node;
		pid_t pid;

		if (d->st->procs[i].capture || !node[0])
			continue;
		pid = fork();
		if (pid == 0) {
			int rc = one_node(d, node);

			_exit(rc < 0 ? 2 : rc);
		}
		if (pid < 0)
			bad++;
		else
			pids[running++] = pid;
		if (running == 8) {
			reap(pids, running, &bad, &done);
			running = 0;
		}
	}
	reap(pids, running, &bad, &done);
	if (bad)
		return pt_fail(
			err, PT_EIO, d->name,
			"gnunet: file-sharing counters of %u peers not read (of %u)",
			bad, bad + done);
	return 0;
}

void gn_column_down(const struct lab_down_ctx *d, const char *node,
		    unsigned col, char *val, size_t len)
{
	char path[800], line[512];
	FILE *f;

	if (col >= sizeof(counters) / sizeof(counters[0]))
		return;
	snprintf(path, sizeof(path), "%s/traces/%s.fs.tsv", d->out, node);
	f = fopen(path, "r");
	if (!f)
		return;
	snprintf(val, len, "0"); /* GNUnet leaves counters never touched out */
	while (fgets(line, sizeof(line), f)) {
		size_t k = strlen(counters[col]);

		if (!strncmp(line, counters[col], k) && line[k] == '\t') {
			line[strcspn(line, "\n")] = 0;
			snprintf(val, len, "%s", line + k + 1);
		}
	}
	fclose(f);
}
