/*
 * catalog.c -- OUT/catalog.tsv, the lab's ground truth: one row per node
 * (name, namespace, address, profile, labels, rates, start and stop,
 * trace, capture's counts, group; docs/lab.md), then the columns the lab's
 * profiles add (profile.h). Written at up; at down completed with the stop
 * time and capture's counters (OUT/capture-stats.tsv) and rewritten in
 * place through a temporary file, so a reader never sees half a catalog.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab/lab.h"
#include "lab/profile.h"

#define NCOMMON 14 /* the columns every catalog has */
#define MAXEXTRA 32
#define MAXCOLS (NCOMMON + MAXEXTRA)

static const char catalog_header[] =
	"node\tnetns\taddr\tprofile\tlabels\tup_kbps\tdown_kbps\tstart_ns\tstop_ns\ttrace\tpackets\tbytes\tdrops\tgroup";

/* The extra columns of the lab: those of every profile it uses, in table
 * order, each name once. */
static unsigned extra_columns(const struct lab_exp *e, const char **names)
{
	unsigned n = 0;

	for (unsigned p = 0; lab_profiles[p]; p++) {
		const char *const *c = lab_profiles[p]->columns;

		if (!c || !lab_uses(e, lab_profiles[p]))
			continue;
		for (; *c && n < MAXEXTRA; c++) {
			unsigned k = 0;

			while (k < n && strcmp(names[k], *c))
				k++;
			if (k == n)
				names[n++] = *c;
		}
	}
	return n;
}

/* Index of column NAME in profile P's own columns, -1 when it has none. */
static int own_column(const struct lab_profile *p, const char *name)
{
	for (int k = 0; p && p->columns && p->columns[k]; k++)
		if (!strcmp(p->columns[k], name))
			return k;
	return -1;
}

/* A new temporary file at path (root writes into OUT, which its owner
 * can change): a stale one goes, a planted link is never followed. */
static FILE *new_file(const char *path)
{
	int fd;
	FILE *f;

	if (unlink(path) && errno != ENOENT)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

/* Read OUT's files without following a planted link either. */
static FILE *old_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

int lab_catalog_write(const struct lab_ctx *ctx, uint64_t start)
{
	const struct lab_exp *e = ctx->exp;
	char path[PATH_MAX], tmp[PATH_MAX + 8], a[32];
	const char *extra[MAXEXTRA];
	unsigned nx = extra_columns(e, extra);
	FILE *f;

	snprintf(path, sizeof(path), "%s/catalog.tsv", ctx->out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = new_file(tmp);
	if (!f)
		return -1;
	fputs(catalog_header, f);
	for (unsigned x = 0; x < nx; x++)
		fprintf(f, "\t%s", extra[x]);
	fputc('\n', f);
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_node *n = &e->nodes[i];
		const struct lab_group *g = &e->groups[n->group];

		fprintf(f,
			"%s\t%s\t%s\t%s\t%s\t%g\t%g\t%llu\t\ttraces/%s.pcapng\t\t\t\t%s",
			n->name, n->netns, lab_addr_str(n->addr, a, sizeof(a)),
			lab_profile_name(g->profile), g->labels, n->up_kbps,
			n->down_kbps,
			(unsigned long long)(start +
					     (uint64_t)(g->start_s * 1e9)),
			n->name, g->name);
		for (unsigned x = 0; x < nx; x++) {
			int k = own_column(g->profile, extra[x]);
			char v[256] = "";

			if (k >= 0 && g->profile->column)
				g->profile->column(ctx, i, (unsigned)k, v,
						   sizeof(v));
			fprintf(f, "\t%s", v);
		}
		fputc('\n', f);
	}
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

struct cstat {
	char node[LAB_NODE_MAX];
	unsigned long long pkts, bytes, drops;
};

/* One line of f into line (without its newline): 1, 0 at the end. A line
 * longer than len is skipped whole (never read as two lines). */
static int get_line(FILE *f, char *line, size_t len)
{
	while (fgets(line, (int)len, f)) {
		size_t n = strlen(line);

		if (n && line[n - 1] == '\n') {
			line[n - 1] = 0;
			return 1;
		}
		if (n + 1 < len)
			return 1; /* the last line, without a newline */
		while (fgets(line, (int)len, f)) {
			size_t m = strlen(line);

			if (m && line[m - 1] == '\n')
				break;
		}
	}
	return 0;
}

/* Capture's --stats TSV: node iface received dropped_kernel dropped_iface
 * written bytes files. */
static unsigned read_capture_stats(FILE *f, struct cstat *cs, unsigned max)
{
	char line[4096];
	unsigned n = 0;

	while (f && n < max && get_line(f, line, sizeof(line))) {
		unsigned long long rcv, dk, di, wr, by;
		char node[64], iface[128];

		if (sscanf(line,
			   "%63[^\t]\t%127[^\t]\t%llu\t%llu\t%llu\t%llu\t%llu",
			   node, iface, &rcv, &dk, &di, &wr, &by) != 7)
			continue;
		snprintf(cs[n].node, sizeof(cs[n].node), "%.31s", node);
		cs[n].pkts = wr;
		cs[n].bytes = by;
		cs[n].drops = dk + di;
		n++;
	}
	return n;
}

/* Split LINE at tabs in place; returns the column count (<= max). */
static int split(char *line, char **col, int max)
{
	int nc = 0;
	char *p = line;

	while (nc < max) {
		col[nc++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = 0;
	}
	return nc;
}

struct totals {
	unsigned long long p, b, d;
	int print; /* the per-node table on stdout */
};

/* One row at down: stop time, capture's counts, the profile's columns. */
static void finish_row(const struct lab_down_ctx *d, FILE *o, char **col,
		       int nc, char **head, int nhead, const struct cstat *c,
		       uint64_t stop, struct totals *t)
{
	char pk[32] = "", by[32] = "", dr[32] = "", st[32];
	const struct lab_profile *p = lab_profile_parse(col[3]);

	if (c) {
		snprintf(pk, sizeof(pk), "%llu", c->pkts);
		snprintf(by, sizeof(by), "%llu", c->bytes);
		snprintf(dr, sizeof(dr), "%llu", c->drops);
		t->p += c->pkts;
		t->b += c->bytes;
		t->d += c->drops;
	}
	snprintf(st, sizeof(st), "%llu", (unsigned long long)stop);
	fprintf(o, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s",
		col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7],
		col[8][0] ? col[8] : st, col[9], c ? pk : col[10],
		c ? by : col[11], c ? dr : col[12], col[13]);
	for (int j = NCOMMON; j < nc; j++) {
		int k = j < nhead ? own_column(p, head[j]) : -1;
		char v[256];

		snprintf(v, sizeof(v), "%s", col[j]);
		if (k >= 0 && p->column_down)
			p->column_down(d, col[0], (unsigned)k, v, sizeof(v));
		fprintf(o, "\t%s", v);
	}
	fputc('\n', o);
	if (t->print)
		printf("%-20s %12s %14s %8s  %s/%s\n", col[0], c ? pk : "-",
		       c ? by : "-", c ? dr : "-", d->out, col[9]);
}

static const struct cstat *stat_of(const struct cstat *cs, unsigned n,
				   const char *node)
{
	const struct cstat *c = NULL;

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(cs[i].node, node))
			c = &cs[i];
	return c;
}

int lab_catalog_rewrite(const struct lab_down_ctx *d, FILE *in, FILE *stats,
			FILE *o, uint64_t stop, int print)
{
	char line[8192], hline[8192];
	char *head[MAXCOLS];
	int nhead = 0;
	struct cstat *cs = calloc(LAB_MAX_NODES, sizeof(*cs));
	struct totals t = { 0, 0, 0, print };
	unsigned ncs;

	if (!cs)
		return -1;
	ncs = read_capture_stats(stats, cs, LAB_MAX_NODES);
	if (print)
		printf("%-20s %12s %14s %8s  %s\n", "node", "packets", "bytes",
		       "drops", "trace");
	while (get_line(in, line, sizeof(line))) {
		char *col[MAXCOLS];
		int nc;

		if (!strncmp(line, "node\t", 5)) {
			fprintf(o, "%s\n", line);
			snprintf(hline, sizeof(hline), "%s", line);
			nhead = split(hline, head, MAXCOLS);
			continue;
		}
		nc = split(line, col, MAXCOLS);
		if (nc < NCOMMON)
			continue;
		finish_row(d, o, col, nc, head, nhead, stat_of(cs, ncs, col[0]),
			   stop, &t);
	}
	if (print)
		printf("%-20s %12llu %14llu %8llu  %s/catalog.tsv\n", "total",
		       t.p, t.b, t.d, d->out);
	free(cs);
	return 0;
}

void lab_catalog_finish(const struct lab_down_ctx *d, uint64_t stop, int print)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *in, *stats, *o;

	snprintf(path, sizeof(path), "%s/capture-stats.tsv", d->out);
	stats = old_file(path);
	snprintf(path, sizeof(path), "%s/catalog.tsv", d->out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	in = old_file(path);
	o = in ? new_file(tmp) : NULL;
	if (in && o)
		lab_catalog_rewrite(d, in, stats, o, stop, print);
	if (stats)
		fclose(stats);
	if (in)
		fclose(in);
	if (o && fclose(o) == 0)
		rename(tmp, path);
}
