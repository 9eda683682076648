/*
 * figs.c -- from nodes to the figures' points: group the nodes by their
 * labels (x, series, group), and per group the mean and its error bar
 * (sample standard deviation, or the 95% interval of the mean with
 * Student's t). Figures 2-4 plot a node figure against the x label (the
 * upload rank), one series per series label (the working mode); Figure 5
 * the share of packets per size bin per group (the application).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"

/* ---- statistics ----------------------------------------------------- */

/* Student's t, two-sided 95%, for 1..30 degrees of freedom. */
static const double t95[30] = {
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201,	2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080,	2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

void rp_stat_of(const double *v, int n, enum rp_errkind ek, struct rp_stat *out)
{
	double sum = 0, sq = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++)
		sum += v[i];
	out->mean = sum / n;
	if (n < 2)
		return;
	for (int i = 0; i < n; i++)
		sq += (v[i] - out->mean) * (v[i] - out->mean);
	out->sd = sqrt(sq / (n - 1));
	if (ek == RP_ERR_CI95)
		out->err = (n - 1 <= 30 ? t95[n - 2] : 1.96) * out->sd /
			   sqrt((double)n);
	else
		out->err = out->sd;
}

/* Ranks 1..n, ties get their average rank. */
static void ranks(const double *v, int n, double *r)
{
	for (int i = 0; i < n; i++) {
		int less = 0, eq = 0;
		for (int j = 0; j < n; j++) {
			less += v[j] < v[i];
			eq += v[j] == v[i];
		}
		r[i] = less + (eq + 1) / 2.0;
	}
}

double rp_spearman(const double *x, const double *y, int n)
{
	double *rx, *ry, mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

	if (n < 2)
		return 0;
	rx = calloc((size_t)n * 2, sizeof(double));
	if (!rx)
		return 0;
	ry = rx + n;
	ranks(x, n, rx);
	ranks(y, n, ry);
	for (int i = 0; i < n; i++) {
		mx += rx[i] / n;
		my += ry[i] / n;
	}
	for (int i = 0; i < n; i++) {
		sxy += (rx[i] - mx) * (ry[i] - my);
		sxx += (rx[i] - mx) * (rx[i] - mx);
		syy += (ry[i] - my) * (ry[i] - my);
	}
	free(rx);
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

double rp_metric_of(const struct node_figs *f, enum rp_metric m)
{
	switch (m) {
	case RP_CONV:
		return node_conv_per_s(f);
	case RP_PPS:
		return node_pkts_per_s(f);
	case RP_AVG:
		return node_avg_pkt_size(f);
	case RP_RELAY: /* not in node_figs: node_metric() */
		break;
	}
	return 0;
}

const char *rp_group_of(const struct rp_node *n, const char *keys, char *buf,
			unsigned len)
{
	char key[64], val[128];
	const char *p = keys;
	int any = 0;

	buf[0] = 0;
	while (*p) {
		size_t k = strcspn(p, ",");
		snprintf(key, sizeof(key), "%.*s", (int)k, p);
		if (rp_label(n, key, val, sizeof(val))) {
			size_t used = strlen(buf);
			snprintf(buf + used, len - used, "%s%s", any ? "/" : "",
				 val);
			any = 1;
		}
		p += k;
		if (*p == ',')
			p++;
	}
	return any ? buf : NULL;
}

/* ---- small owned strings -------------------------------------------- */

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* A list of distinct strings in order of first appearance. */
struct strs {
	char **v;
	int n;
};

static int strs_find(const struct strs *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return i;
	return -1;
}

static int strs_add(struct strs *l, const char *s)
{
	int i = strs_find(l, s);
	char **v;

	if (i >= 0)
		return i;
	v = realloc(l->v, (size_t)(l->n + 1) * sizeof(char *));
	if (!v)
		return -1;
	l->v = v;
	if (!(l->v[l->n] = strdup(s)))
		return -1;
	return l->n++;
}

static void strs_free(struct strs *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int is_number(const char *s, double *v)
{
	char *end;

	if (!*s)
		return 0;
	*v = strtod(s, &end);
	return !*end && isfinite(*v);
}

static int cmp_num(const void *a, const void *b)
{
	double x = atof(*(char *const *)a), y = atof(*(char *const *)b);

	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Series ordered: download, query first (the paper's), then the rest. */
static int series_rank(const char *s)
{
	if (!strcmp(s, "download"))
		return 0;
	if (!strcmp(s, "query"))
		return 1;
	return 2;
}

static int cmp_series(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int d = series_rank(x) - series_rank(y);

	return d ? d : strcmp(x, y);
}

void rp_fig_free(struct rp_fig *f)
{
	free(f->title);
	free(f->caption);
	free(f->xlabel);
	free(f->ylabel);
	free(f->note);
	for (int i = 0; i < f->nxcats; i++)
		free(f->xcats[i]);
	free(f->xcats);
	free(f->xticks);
	for (int i = 0; i < f->nseries; i++) {
		free(f->s[i].name);
		free(f->s[i].x);
		free(f->s[i].y);
	}
	free(f->s);
	memset(f, 0, sizeof(*f));
}

static const char *err_words(enum rp_errkind ek)
{
	return ek == RP_ERR_CI95
		       ? "bars: 95% confidence interval of the mean "
			 "(Student's t); no bar where a group has one node"
		       : "bars: \xc2\xb1 1 standard deviation "
			 "(sample, n\xe2\x88\x92"
			 "1); no bar where a "
			 "group has one node";
}

/* ---- figures 2-4 ---------------------------------------------------- */

static const struct {
	const char *id, *title, *ylabel, *what;
} line_figs[4] = {
	{ "fig2", "Fig. 2 \xe2\x80\x94 Conversations per second",
	  "conversations per second",
	  "Conversations per second: flows started in which the node takes "
	  "part, over the trace's duration" },
	{ "fig3", "Fig. 3 \xe2\x80\x94 Packets per second",
	  "packets per second",
	  "Packets per second: every packet of the node's trace over its "
	  "duration" },
	{ "fig4", "Fig. 4 \xe2\x80\x94 Average packet size",
	  "average packet size (bytes)",
	  "Average packet size: bytes / packets (frame length)" },
	{ "fig-relay", "Relayed queries per second (the peers' own counters)",
	  "queries of other peers per second",
	  "Queries of other peers a node handled per second (GNUnet's "
	  "'GET requests received from other peers', catalog column "
	  "fs_queries_in, over the run; nodes without it not shown)" },
};

/* A node's value for a line figure; 0 when it has none (RP_RELAY). */
static double node_metric(const struct rp_node *n, enum rp_metric m)
{
	return m == RP_RELAY ? n->relay_qps : rp_metric_of(&n->fig, m);
}

/* The x axis of a line figure: categories unless every x is a number; a
 * log axis when the positive ones span at least 4x (nodes at x <= 0, rank
 * 0 = not shaped, are then left out). Returns 1 when numeric. */
static int line_xaxis(const struct rp_set *s, const struct rp_opts *o,
		      struct rp_fig *f)
{
	char xb[128];
	int numeric = 1;
	double v, lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < s->n; i++) {
		if (!rp_label(&s->v[i], o->x, xb, sizeof(xb)))
			continue;
		if (!is_number(xb, &v))
			numeric = 0;
		else if (v > 0) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	f->xcat = !numeric;
	f->xlog = numeric && isfinite(lo) && hi / lo >= 4;
	return numeric;
}

/* The series (line) a node belongs to, into sb. */
static void line_series(const struct rp_node *n, const struct rp_opts *o,
			int have_series, char *sb, size_t len)
{
	if (!have_series)
		snprintf(sb, len, "all nodes");
	else if (!rp_label(n, o->series, sb, len))
		snprintf(sb, len, "(no %s)", o->series);
}

/* One series' points: at each x, the mean (and error) of its nodes.
 * vals: room for s->n values. */
static void line_points(const struct rp_set *s, const struct rp_opts *o,
			enum rp_metric m, const struct rp_fig *f,
			int have_series, struct rp_series *se, double *vals)
{
	char xb[128], sb[128];

	for (int c = 0; c < f->nxcats; c++) {
		int nv = 0;
		for (int i = 0; i < s->n; i++) {
			if (!rp_label(&s->v[i], o->x, xb, sizeof(xb)) ||
			    strcmp(xb, f->xcats[c]))
				continue;
			line_series(&s->v[i], o, have_series, sb, sizeof(sb));
			if (strcmp(sb, se->name) ||
			    (m == RP_RELAY && !s->v[i].has_relay))
				continue;
			vals[nv++] = node_metric(&s->v[i], m);
		}
		if (!nv)
			continue;
		se->x[se->npts] = f->xticks[c];
		rp_stat_of(vals, nv, o->ek, &se->y[se->npts]);
		se->npts++;
	}
}

/* The note (nothing to plot) and the caption of a line figure. */
static void line_caption(struct rp_fig *f, const struct rp_opts *o,
			 enum rp_metric m, int have_series, int nonpos)
{
	char left[256] = "", per[160];

	if (!f->nodes_used && m == RP_RELAY)
		f->note = fmt("No node has forwarding counters (the catalog "
			      "column fs_queries_in, written by `lab run` for "
			      "profile gnunet), so there is nothing to plot.");
	else if (!f->nodes_used)
		f->note = fmt("No node carries the label '%s' (the x axis), "
			      "so there is nothing to plot. Label the nodes "
			      "(e.g. rank=819.2 in the catalog) or choose "
			      "another label with --x.",
			      o->x);
	if (f->nodes_left)
		snprintf(left, sizeof(left),
			 "; %d without the label %s not shown", f->nodes_left,
			 o->x);
	if (nonpos)
		snprintf(left + strlen(left), sizeof(left) - strlen(left),
			 "; %d with %s <= 0 not shown (log axis)", nonpos,
			 o->x);
	if (have_series)
		snprintf(per, sizeof(per), "one line per %s", o->series);
	else
		snprintf(per, sizeof(per),
			 "one line (no node has the label %s)", o->series);
	f->caption = fmt("%s, against %s; %s. A point is the mean "
			 "over the nodes of that %s and %s; %s. %d "
			 "node%s shown%s.",
			 line_figs[m].what, o->x, per, o->x,
			 have_series ? o->series : "group", err_words(o->ek),
			 f->nodes_used, f->nodes_used == 1 ? "" : "s", left);
}

static int build_line(const struct rp_set *s, const struct rp_opts *o,
		      enum rp_metric m, struct rp_fig *f)
{
	struct strs xs = { 0 }, ss = { 0 };
	char xb[128], sb[128];
	int numeric, rc = -1, have_series = rp_has_label(s, o->series);
	int nonpos = 0;
	double v;
	double *vals = calloc((size_t)s->n + 1, sizeof(double));

	if (!vals)
		return -1;
	f->id = line_figs[m].id;
	f->title = strdup(line_figs[m].title);
	f->ylabel = strdup(line_figs[m].ylabel);
	numeric = line_xaxis(s, o, f);
	for (int i = 0; i < s->n; i++) {
		if (m == RP_RELAY && !s->v[i].has_relay)
			continue;
		if (!rp_label(&s->v[i], o->x, xb, sizeof(xb))) {
			f->nodes_left++;
			continue;
		}
		if (f->xlog && is_number(xb, &v) && v <= 0) {
			nonpos++;
			continue;
		}
		f->nodes_used++;
		if (strs_add(&xs, xb) < 0)
			goto out;
		line_series(&s->v[i], o, have_series, sb, sizeof(sb));
		if (strs_add(&ss, sb) < 0)
			goto out;
	}
	if (xs.n)
		qsort(xs.v, (size_t)xs.n, sizeof(char *),
		      numeric ? cmp_num : cmp_str);
	if (ss.n)
		qsort(ss.v, (size_t)ss.n, sizeof(char *), cmp_series);
	f->xlabel = !strcmp(o->x, "rank")
			    ? fmt("upload rank (kbit/s)%s",
				  f->xlog ? ", log scale" : "")
			    : fmt("%s%s", o->x, f->xlog ? " (log scale)" : "");
	f->nxcats = xs.n;
	f->xcats = xs.v;
	f->xticks = calloc((size_t)xs.n + 1, sizeof(double));
	xs.v = NULL;
	xs.n = 0;
	if (!f->xticks)
		goto out;
	for (int i = 0; i < f->nxcats; i++)
		f->xticks[i] = numeric ? atof(f->xcats[i]) : i;
	f->s = calloc((size_t)ss.n + 1, sizeof(*f->s));
	if (!f->s)
		goto out;
	f->nseries = ss.n;
	for (int k = 0; k < ss.n; k++) {
		struct rp_series *se = &f->s[k];
		se->name = strdup(ss.v[k]);
		se->x = calloc((size_t)f->nxcats + 1, sizeof(double));
		se->y = calloc((size_t)f->nxcats + 1, sizeof(*se->y));
		if (!se->name || !se->x || !se->y)
			goto out;
		line_points(s, o, m, f, have_series, se, vals);
	}
	line_caption(f, o, m, have_series, nonpos);
	rc = f->title && f->ylabel && f->xlabel && f->caption ? 0 : -1;
out:
	strs_free(&xs);
	strs_free(&ss);
	free(vals);
	return rc;
}

/* ---- figure 5 and 5-fine -------------------------------------------- */

static int build_sizes(const struct rp_set *s, const struct rp_opts *o,
		       int fine, struct rp_fig *f)
{
	struct strs gs = { 0 };
	char gb[256];
	int nb = fine ? FINE_NBINS : PLEN_NBINS, rc = -1;
	double *vals = calloc((size_t)s->n + 1, sizeof(double));

	if (!vals)
		return -1;
	f->id = fine ? "fig5-fine" : "fig5";
	f->title =
		strdup(fine ? "Fig. 5 (finer bins) \xe2\x80\x94 Packet size "
			      "distribution, 32-byte bins"
			    : "Fig. 5 \xe2\x80\x94 Packet size distribution");
	f->ylabel = strdup("% of packets");
	f->xlabel = strdup(fine ? "frame length (bytes), 32-byte bins"
				: "frame length (bytes), the paper's bins");
	for (int i = 0; i < s->n; i++) {
		if (!rp_group_of(&s->v[i], o->group, gb, sizeof(gb)) ||
		    !s->v[i].fig.pkts) {
			f->nodes_left++;
			continue;
		}
		f->nodes_used++;
		if (strs_add(&gs, gb) < 0)
			goto out;
	}
	if (gs.n)
		qsort(gs.v, (size_t)gs.n, sizeof(char *), cmp_str);
	f->bars = !fine;
	f->xcat = !fine;
	f->nxcats = nb;
	f->xcats = calloc((size_t)nb, sizeof(char *));
	f->xticks = calloc((size_t)nb, sizeof(double));
	f->s = calloc((size_t)gs.n + 1, sizeof(*f->s));
	if (!f->xcats || !f->xticks || !f->s)
		goto out;
	for (int b = 0; b < nb; b++) {
		if (!fine) {
			char *p = f->xcats[b] = strdup(plen_bin_names[b]);
			for (; p && *p; p++)
				if (*p == '_')
					*p = '-';
			if (b == PLEN_NBINS - 1) {
				free(f->xcats[b]);
				f->xcats[b] = strdup("5120+");
			}
			f->xticks[b] = b;
		} else {
			f->xcats[b] =
				b == nb - 1 ? fmt("%d+", b * 32)
					    : fmt("%d-%d", b * 32, b * 32 + 31);
			f->xticks[b] = b * 32 + 16;
		}
		if (!f->xcats[b])
			goto out;
	}
	f->nseries = gs.n;
	for (int k = 0; k < gs.n; k++) {
		struct rp_series *se = &f->s[k];
		se->name = strdup(gs.v[k]);
		se->x = calloc((size_t)nb, sizeof(double));
		se->y = calloc((size_t)nb, sizeof(*se->y));
		if (!se->name || !se->x || !se->y)
			goto out;
		for (int b = 0; b < nb; b++) {
			int nv = 0;
			for (int i = 0; i < s->n; i++) {
				const struct node_figs *g = &s->v[i].fig;
				if (!g->pkts ||
				    !rp_group_of(&s->v[i], o->group, gb,
						 sizeof(gb)) ||
				    strcmp(gb, se->name))
					continue;
				vals[nv++] = 100.0 *
					     (double)(fine ? g->fine[b]
							   : g->plen[b]) /
					     (double)g->pkts;
			}
			se->x[b] = f->xticks[b];
			rp_stat_of(vals, nv, o->ek, &se->y[b]);
		}
		se->npts = nb;
	}
	if (!f->nodes_used)
		f->note = fmt("No node carries the label '%s' (the groups), "
			      "so there is nothing to plot. Label the nodes "
			      "(e.g. app=bittorrent) or choose another label "
			      "with --group.",
			      o->group);
	f->caption = fmt(
		"Share of the node's packets (every packet of its trace, frame "
		"length) in %s, per %s. %s is the mean over the nodes of the "
		"%s; %s. %d node%s shown%s.",
		fine ? "32-byte bins ([0,32) ... [1472,1504), then 1504 and up; "
		       "the finer bins the paper asks for)"
		     : "the paper's bins (Wireshark's packet-length tree)",
		o->group, fine ? "A point" : "A bar", o->group,
		err_words(o->ek), f->nodes_used, f->nodes_used == 1 ? "" : "s",
		f->nodes_left ? " (nodes without the label or packets are "
				"left out)"
			      : "");
	rc = f->title && f->ylabel && f->xlabel && f->caption ? 0 : -1;
out:
	strs_free(&gs);
	free(vals);
	return rc;
}

int rp_build_figs(const struct rp_set *s, const struct rp_opts *o,
		  struct rp_fig figs[RP_NFIGS], struct pt_err *err)
{
	memset(figs, 0, RP_NFIGS * sizeof(figs[0]));
	for (int m = 0; m < 3; m++)
		if (build_line(s, o, (enum rp_metric)m, &figs[m]))
			return pt_fail(err, PT_ENOMEM, "report",
				       "out of memory");
	if (build_sizes(s, o, 0, &figs[3]) || build_sizes(s, o, 1, &figs[4]) ||
	    build_line(s, o, RP_RELAY, &figs[5]))
		return pt_fail(err, PT_ENOMEM, "report", "out of memory");
	return 0;
}
