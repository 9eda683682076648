/*
 * observe.c -- the paper's observations on its Figures 2-5 (conversations,
 * packet rates, average sizes and size peaks by mode, download vs query
 * sizes) checked against our numbers: a claim, our figure and a verdict
 * each, for the report page and the text summary (page.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "tool.h"

struct side {
	int n;
	double *v;
};

/* Values of metric m for nodes whose series label is val (and, with
 * xval, whose x label is xval). */
static int pick(const struct rp_set *s, const struct rp_opts *o,
		const char *val, const char *xval, enum rp_metric m,
		double *out)
{
	char b[128];
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		double x;
		char *end;
		if (!rp_label(&s->v[i], o->series, b, sizeof(b)) ||
		    strcmp(b, val))
			continue;
		/* only the nodes of Figs. 2-4: with an x label, not <= 0 */
		if (!rp_label(&s->v[i], o->x, b, sizeof(b)))
			continue;
		x = strtod(b, &end);
		if (!*end && end != b && x <= 0)
			continue;
		if (xval && strcmp(b, xval))
			continue;
		out[n++] = rp_metric_of(&s->v[i].fig, m);
	}
	return n;
}

static double mean_of(const double *v, int n)
{
	struct rp_stat st;

	rp_stat_of(v, n, RP_ERR_SD, &st);
	return st.mean;
}

/* Distinct x values among nodes with the series label val. */
static int xvals(const struct rp_set *s, const struct rp_opts *o,
		 char (*xs)[64], int max)
{
	char b[64];
	int n = 0;

	for (int i = 0; i < s->n && n < max; i++) {
		int k;
		if (!rp_label(&s->v[i], o->x, b, sizeof(b)))
			continue;
		for (k = 0; k < n && strcmp(xs[k], b); k++)
			;
		if (k == n)
			snprintf(xs[n++], 64, "%s", b);
	}
	return n;
}

#define MAXX 64

static void obs_conv(const struct rp_set *s, const struct rp_opts *o, double *a,
		     double *b, rp_emit_fn *emit, void *arg, enum rp_metric m,
		     const char *claim, const char *unit)
{
	char ours[1024], xs[MAXX][64];
	int na = pick(s, o, "download", NULL, m, a);
	int nb = pick(s, o, "query", NULL, m, b);
	int nx = xvals(s, o, xs, MAXX), both = 0, wins = 0;
	double ma, mb;

	if (!na || !nb) {
		snprintf(ours, sizeof(ours),
			 "no nodes with %s=download and %s=query to compare",
			 o->series, o->series);
		emit(arg, claim, ours, "cannot check");
		return;
	}
	ma = mean_of(a, na);
	mb = mean_of(b, nb);
	for (int k = 0; k < nx; k++) {
		int ka = pick(s, o, "download", xs[k], m, a);
		int kb = pick(s, o, "query", xs[k], m, b);
		if (!ka || !kb)
			continue;
		both++;
		wins += mean_of(a, ka) > mean_of(b, kb);
	}
	snprintf(ours, sizeof(ours),
		 "download %.4g %s (mean of %d nodes) vs query %.4g %s (%d "
		 "nodes); download is higher at %d of the %d %s values where "
		 "both modes were measured",
		 ma, unit, na, mb, unit, nb, wins, both, o->x);
	emit(arg, claim, ours,
	     ma > mb && wins == both ? "agrees"
	     : ma > mb || wins > 0   ? "partly agrees"
				     : "disagrees");
}

static void obs_growth(const struct rp_set *s, const struct rp_opts *o,
		       double *xv, double *yv, rp_emit_fn *emit, void *arg)
{
	const char *claim = "Packets per second grow with the upload rank, "
			    "in both modes (Fig. 3).";
	char ours[2048] = "", b[128], cur[128];
	const char *vals[2] = { "download", "query" };
	int pos = 0, neg = 0, tried = 0;
	size_t len = 0;

	for (int k = 0; k < 2; k++) {
		int n = 0;
		double rho, lo = INFINITY, hi = -INFINITY, ylo = 0, yhi = 0;
		for (int i = 0; i < s->n; i++) {
			double x;
			char *end;
			if (!rp_label(&s->v[i], o->x, b, sizeof(b)))
				continue;
			x = strtod(b, &end);
			if (*end || end == b)
				continue;
			if (rp_has_label(s, o->series) &&
			    (!rp_label(&s->v[i], o->series, cur, sizeof(cur)) ||
			     strcmp(cur, vals[k])))
				continue;
			xv[n] = x;
			yv[n] = node_pkts_per_s(&s->v[i].fig);
			n++;
		}
		if (n < 3)
			continue;
		for (int i = 0; i < n; i++) {
			lo = xv[i] < lo ? xv[i] : lo;
			hi = xv[i] > hi ? xv[i] : hi;
		}
		{
			double sl = 0, sh = 0;
			int cl = 0, ch = 0;
			for (int i = 0; i < n; i++) {
				if (xv[i] == lo)
					sl += yv[i], cl++;
				if (xv[i] == hi)
					sh += yv[i], ch++;
			}
			ylo = sl / cl;
			yhi = sh / ch;
		}
		rho = rp_spearman(xv, yv, n);
		tried++;
		pos += rho >= 0.5;
		neg += rho <= 0;
		len += (size_t)snprintf(
			ours + len, sizeof(ours) - len,
			"%s%s: %.4g pkt/s at %s %g, %.4g pkt/s at %s %g; "
			"Spearman's rho over %d nodes %.2f (%s)",
			len ? "; " : "",
			rp_has_label(s, o->series) ? vals[k] : "all nodes", ylo,
			o->x, lo, yhi, o->x, hi, n, rho,
			rho >= 0.5 ? "grows"
			: rho > 0  ? "no clear growth"
				   : "does not grow");
		if (!rp_has_label(s, o->series))
			break;
	}
	if (!tried) {
		snprintf(ours, sizeof(ours),
			 "fewer than 3 nodes with a numeric %s label per "
			 "mode",
			 o->x);
		emit(arg, claim, ours, "cannot check");
		return;
	}
	emit(arg, claim, ours,
	     pos == tried   ? "agrees"
	     : neg == tried ? "disagrees"
			    : "partly agrees");
}

static void obs_avg(const struct rp_set *s, const struct rp_opts *o, double *a,
		    double *b, rp_emit_fn *emit, void *arg)
{
	const char *claim = "The two working modes differ in average packet "
			    "size: control messages (query) vs content "
			    "(download) (Fig. 4).";
	char ours[1024];
	int na = pick(s, o, "download", NULL, RP_AVG, a);
	int nb = pick(s, o, "query", NULL, RP_AVG, b);
	struct rp_stat sa, sb;
	double t, se;

	if (na < 2 || nb < 2) {
		snprintf(ours, sizeof(ours),
			 "needs at least 2 nodes with %s=download and 2 with "
			 "%s=query",
			 o->series, o->series);
		emit(arg, claim, ours, "cannot check");
		return;
	}
	rp_stat_of(a, na, RP_ERR_SD, &sa);
	rp_stat_of(b, nb, RP_ERR_SD, &sb);
	se = sqrt(sa.sd * sa.sd / na + sb.sd * sb.sd / nb);
	t = se > 0 ? (sa.mean - sb.mean) / se
		   : (sa.mean != sb.mean ? INFINITY : 0);
	snprintf(ours, sizeof(ours),
		 "download %.1f B (sd %.1f, %d nodes) vs query %.1f B (sd "
		 "%.1f, %d nodes): a difference of %.1f B; Welch's t = %.2f",
		 sa.mean, sa.sd, na, sb.mean, sb.sd, nb, sa.mean - sb.mean, t);
	emit(arg, claim, ours, fabs(t) >= 2 ? "agrees" : "disagrees");
}

void rp_bin_name(int b, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s",
		 b == PLEN_NBINS - 1 ? "5120+" : plen_bin_names[b]);
	for (p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
}

static void obs_peaks(const struct rp_fig *f5, rp_emit_fn *emit, void *arg)
{
	const char *claim = "All applications peak at 40-79 and 1280-2559 "
			    "bytes (Fig. 5).";
	char ours[4096] = "", n1[16], n2[16];
	size_t len = 0;
	int good = 0, big = 0;

	for (int k = 0; k < f5->nseries; k++) {
		const struct rp_series *se = &f5->s[k];
		int t1 = 0, t2 = -1;
		for (int b = 1; b < se->npts; b++)
			if (se->y[b].mean > se->y[t1].mean)
				t1 = b;
		for (int b = 0; b < se->npts; b++)
			if (b != t1 &&
			    (t2 < 0 || se->y[b].mean > se->y[t2].mean))
				t2 = b;
		if (t2 < 0)
			continue;
		good += (t1 == 2 && t2 == 7) || (t1 == 7 && t2 == 2);
		big += se->y[8].mean + se->y[9].mean > 5;
		rp_bin_name(t1, n1, sizeof(n1));
		rp_bin_name(t2, n2, sizeof(n2));
		len += (size_t)snprintf(
			ours + len, sizeof(ours) - len,
			"%s%s: 40-79 %.1f%%, 1280-2559 %.1f%%; top bins %s "
			"and %s",
			len ? "; " : "", se->name, se->y[2].mean, se->y[7].mean,
			n1, n2);
		if (len >= sizeof(ours))
			len = sizeof(ours) - 1;
	}
	if (!f5->nseries) {
		emit(arg, claim, "no groups to compare (see Fig. 5's note)",
		     "cannot check");
		return;
	}
	if (big && len < sizeof(ours))
		snprintf(ours + len, sizeof(ours) - len,
			 ". %d group%s have more than 5%% of packets above "
			 "2559 bytes: frames bigger than the MTU are "
			 "segmentation offload (GSO/TSO) seen at the capture "
			 "point",
			 big, big == 1 ? "" : "s");
	emit(arg, claim, ours,
	     good == f5->nseries ? "agrees"
	     : good		 ? "partly agrees"
				 : "disagrees");
}

/* Total variation distance between the mean distributions of the two
 * modes (0 = same, 1 = disjoint). */
static void obs_similar(const struct rp_set *s, const struct rp_opts *o,
			rp_emit_fn *emit, void *arg)
{
	const char *claim = "The two working modes have very similar packet "
			    "size distributions (Fig. 5).";
	const char *vals[2] = { "download", "query" };
	double d[2][PLEN_NBINS] = { { 0 } }, tv = 0;
	int n[2] = { 0, 0 };
	char b[128], ours[512];

	for (int i = 0; i < s->n; i++) {
		const struct node_figs *g = &s->v[i].fig;
		if (!g->pkts || !rp_label(&s->v[i], o->series, b, sizeof(b)))
			continue;
		for (int k = 0; k < 2; k++) {
			if (strcmp(b, vals[k]))
				continue;
			n[k]++;
			for (int j = 0; j < PLEN_NBINS; j++)
				d[k][j] += (double)g->plen[j] / (double)g->pkts;
		}
	}
	if (!n[0] || !n[1]) {
		snprintf(ours, sizeof(ours),
			 "no nodes with %s=download and %s=query to compare",
			 o->series, o->series);
		emit(arg, claim, ours, "cannot check");
		return;
	}
	for (int j = 0; j < PLEN_NBINS; j++)
		tv += fabs(d[0][j] / n[0] - d[1][j] / n[1]) / 2;
	snprintf(ours, sizeof(ours),
		 "total variation distance between the mean distributions of "
		 "download (%d nodes) and query (%d nodes): %.2f (0 = the "
		 "same, 1 = disjoint; we call below 0.2 similar)",
		 n[0], n[1], tv);
	emit(arg, claim, ours, tv < 0.2 ? "agrees" : "disagrees");
}

void rp_observations(const struct rp_set *s, const struct rp_opts *o,
		     rp_emit_fn *emit, void *arg)
{
	double *a = calloc((size_t)s->n + 1, sizeof(double));
	double *b = calloc((size_t)s->n + 1, sizeof(double));
	struct rp_opts g = *o;
	struct rp_fig f5;
	struct pt_err err;

	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	obs_conv(s, o, a, b, emit, arg, RP_CONV,
		 "A node in download mode opens more conversations than one "
		 "in query mode (Fig. 2).",
		 "conv/s");
	obs_growth(s, o, a, b, emit, arg);
	obs_conv(s, o, a, b, emit, arg, RP_PPS,
		 "Query mode moves fewer packets per second than download "
		 "mode (Fig. 3).",
		 "pkt/s");
	obs_avg(s, o, a, b, emit, arg);
	g.ek = RP_ERR_SD;
	{
		struct rp_fig figs[RP_NFIGS];
		if (!rp_build_figs(s, &g, figs, &err)) {
			f5 = figs[3];
			obs_peaks(&f5, emit, arg);
		}
		for (int i = 0; i < RP_NFIGS; i++)
			rp_fig_free(&figs[i]);
	}
	obs_similar(s, o, emit, arg);
	free(a);
	free(b);
}
