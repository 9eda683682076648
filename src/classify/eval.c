/*
 * eval.c -- split by file, train, predict, score (see eval.h).
 *
 * Macro-F1 is the mean F1 over the classes that have test rows (a class
 * absent from the test data has no defined recall); docs/classify.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "p2ptrace/clock.h"
#include "classify/baselines.h"
#include "classify/eval.h"
#include "classify/openset.h"

void metrics_compute(struct metrics *m, int k, const int *yt, const int *yp,
		     int n)
{
	long ok = 0;
	double sum = 0;

	memset(m, 0, sizeof(*m));
	m->k = k;
	for (int i = 0; i < n; i++) {
		if (yt[i] < 0)
			continue;
		/* a prediction outside the class list (a baseline's answer
		 * that is not a class here) is wrong: support, no column */
		m->support[yt[i]]++;
		m->n++;
		if (yp[i] < 0)
			continue;
		m->conf[yt[i]][yp[i]]++;
		m->predicted[yp[i]]++;
		ok += yt[i] == yp[i];
	}
	for (int c = 0; c < k; c++) {
		long tp = m->conf[c][c];
		m->prec[c] = m->predicted[c]
				     ? (double)tp / (double)m->predicted[c]
				     : 0;
		m->rec[c] =
			m->support[c] ? (double)tp / (double)m->support[c] : 0;
		m->f1[c] = m->prec[c] + m->rec[c] > 0
				   ? 2 * m->prec[c] * m->rec[c] /
					     (m->prec[c] + m->rec[c])
				   : 0;
		if (m->support[c]) {
			sum += m->f1[c];
			m->nclass_present++;
		}
	}
	m->macro_f1 = m->nclass_present ? sum / m->nclass_present : 0;
	m->accuracy = m->n ? (double)ok / (double)m->n : 0;
}

/* ---- folds -----------------------------------------------------------------
 */

static uint64_t rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct gsort {
	int g;
	long n;
	uint64_t r;
};

static int cmp_g(const void *a, const void *b)
{
	const struct gsort *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

/* ng groups; rows give (group, class). */
static int folds_generic(int ng, const int *grp, const int *y, int n, int nc,
			 int k, uint64_t seed, int *fold)
{
	long *gc = calloc((size_t)ng * (size_t)nc, sizeof(long));
	long *fc = calloc((size_t)k * (size_t)nc, sizeof(long));
	long *tot = calloc((size_t)nc, sizeof(long));
	long *frows = calloc((size_t)k, sizeof(long));
	struct gsort *gs = calloc((size_t)ng, sizeof(*gs));
	uint64_t s = seed;

	if (!gc || !fc || !tot || !frows || !gs) {
		free(gc);
		free(fc);
		free(tot);
		free(frows);
		free(gs);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (y[i] >= 0) {
			gc[(size_t)grp[i] * nc + y[i]]++;
			tot[y[i]]++;
		}
	for (int g = 0; g < ng; g++) {
		gs[g].g = g;
		for (int c = 0; c < nc; c++)
			gs[g].n += gc[(size_t)g * nc + c];
		gs[g].r = rnd(&s);
	}
	qsort(gs, (size_t)ng, sizeof(*gs), cmp_g);
	for (int i = 0; i < ng; i++) {
		int g = gs[i].g, best = 0;
		double bc = INFINITY;
		for (int f = 0; f < k; f++) {
			double cost = 0;
			for (int c = 0; c < nc; c++) {
				long v = gc[(size_t)g * nc + c];
				if (v)
					cost += (double)v *
						(double)fc[(size_t)f * nc + c] /
						(double)tot[c];
			}
			cost += 1e-9 * (double)frows[f];
			if (cost < bc) {
				bc = cost;
				best = f;
			}
		}
		fold[g] = best;
		frows[best] += gs[i].n;
		for (int c = 0; c < nc; c++)
			fc[(size_t)best * nc + c] += gc[(size_t)g * nc + c];
	}
	free(gc);
	free(fc);
	free(tot);
	free(frows);
	free(gs);
	return 0;
}

int eval_folds(const struct dataset *ds, int k, uint64_t seed, int *fold)
{
	int *grp = malloc(((size_t)ds->n + 1) * sizeof(int));
	int *y = malloc(((size_t)ds->n + 1) * sizeof(int));
	int rc;

	if (!grp || !y) {
		free(grp);
		free(y);
		return -1;
	}
	for (int i = 0; i < ds->n; i++) {
		grp[i] = ds->m[i].group;
		y[i] = ds->m[i].y;
	}
	rc = folds_generic(ds->ngroup, grp, y, ds->n, ds->cls.n, k, seed, fold);
	free(grp);
	free(y);
	return rc;
}

/* ---- one fold --------------------------------------------------------------
 */

static int argmax(const float *p, int k)
{
	int b = 0;

	for (int c = 1; c < k; c++)
		if (p[c] > p[b])
			b = c;
	return b;
}

/* Train on rows tr (ntr) of X (ncol wide), predict rows te into pred. */
static int fit_predict(const float *X, int ncol, const int *y, const int *eg,
		       const int *tr, int ntr, const int *te, int nte, int k,
		       const struct xgb_params *xp, int *pred, float *prob,
		       struct xgb_model *keep, struct pt_err *err)
{
	float *a = malloc(((size_t)ntr + 1) * (size_t)ncol * sizeof(float));
	float *b = malloc(((size_t)nte + 1) * (size_t)ncol * sizeof(float));
	float *p = malloc(((size_t)nte + 1) * (size_t)k * sizeof(float));
	int *yy = malloc(((size_t)ntr + 1) * sizeof(int));
	int *gg = malloc(((size_t)ntr + 1) * sizeof(int));
	struct xgb_model m;
	int rc = 0;

	if (!a || !b || !p || !yy || !gg) {
		rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
		goto out;
	}
	for (int i = 0; i < ntr; i++) {
		memcpy(a + (size_t)i * ncol, X + (size_t)tr[i] * ncol,
		       (size_t)ncol * sizeof(float));
		yy[i] = y[tr[i]];
		gg[i] = eg[tr[i]];
	}
	for (int i = 0; i < nte; i++)
		memcpy(b + (size_t)i * ncol, X + (size_t)te[i] * ncol,
		       (size_t)ncol * sizeof(float));
	if ((rc = xgb_train(a, ntr, ncol, yy, gg, k, xp, &m, err)))
		goto out;
	if ((rc = xgb_predict(&m, b, nte, p, err))) {
		xgb_free(&m);
		goto out;
	}
	for (int i = 0; i < nte; i++) {
		pred[te[i]] = argmax(p + (size_t)i * k, k);
		if (prob)
			memcpy(prob + (size_t)te[i] * k, p + (size_t)i * k,
			       (size_t)k * sizeof(float));
	}
	if (keep)
		*keep = m;
	else
		xgb_free(&m);
out:
	free(a);
	free(b);
	free(p);
	free(yy);
	free(gg);
	return rc;
}

static double now_s(void)
{
	return pt_mono_s();
}

static void speed(const float *X, int ncol, const int *te, int nte,
		  const struct xgb_model *m, struct eval_result *r)
{
	struct forest f;
	float p[16];
	double t0, t;
	long done = 0;

	if (nte <= 0 || forest_from_xgb(m, &f, NULL))
		return;
	t0 = now_s();
	do {
		for (int i = 0; i < nte; i++)
			forest_predict(&f, X + (size_t)te[i] * ncol, p);
		done += nte;
		t = now_s() - t0;
	} while (t < 0.2);
	r->flows_per_s = (double)done / t;
	forest_free(&f);
}

/* A baseline's fine class in this class list; lab catalogs say "http"
 * where the baselines say "web". */
static int base_class(const struct lbl_classes *c, const char *fine)
{
	int k = lbl_classes_map(c, fine);

	if (k < 0 && !strcmp(fine, "web"))
		k = lbl_classes_find(c, "http");
	return k;
}

static void node_vote(const struct dataset *ds, const int *y, const int *pm,
		      int n, int k, struct metrics *out)
{
	long *ct = calloc((size_t)ds->ngroup * (size_t)k + 1, sizeof(long));
	long *cp = calloc((size_t)ds->ngroup * (size_t)k + 1, sizeof(long));
	int *yt = calloc((size_t)ds->ngroup + 1, sizeof(int));
	int *yp = calloc((size_t)ds->ngroup + 1, sizeof(int));

	memset(out, 0, sizeof(*out));
	if (ct && cp && yt && yp) {
		for (int i = 0; i < n; i++)
			if (y[i] >= 0 && pm[i] >= 0) {
				ct[(size_t)ds->m[i].group * k + y[i]]++;
				cp[(size_t)ds->m[i].group * k + pm[i]]++;
			}
		for (int g = 0; g < ds->ngroup; g++) {
			long bt = 0, bp = 0;
			yt[g] = yp[g] = -1;
			for (int c = 0; c < k; c++) {
				if (ct[(size_t)g * k + c] > bt) {
					bt = ct[(size_t)g * k + c];
					yt[g] = c;
				}
				if (cp[(size_t)g * k + c] > bp) {
					bp = cp[(size_t)g * k + c];
					yp[g] = c;
				}
			}
		}
		metrics_compute(out, k, yt, yp, ds->ngroup);
	}
	free(ct);
	free(cp);
	free(yt);
	free(yp);
}

/* Node decision: per group, the class with the largest mean probability
 * over its test flows of at least min_pkts packets (all its flows when it
 * has none that large); truth: the class most of its flows have. */
static void node_soft(const struct dataset *ds, const int *y, const float *prob,
		      int n, int k, uint64_t min_pkts, struct metrics *out)
{
	double *sb = calloc((size_t)ds->ngroup * (size_t)k + 1, sizeof(double));
	double *sa = calloc((size_t)ds->ngroup * (size_t)k + 1, sizeof(double));
	long *ct = calloc((size_t)ds->ngroup * (size_t)k + 1, sizeof(long));
	long *nb = calloc((size_t)ds->ngroup + 1, sizeof(long));
	int *yt = calloc((size_t)ds->ngroup + 1, sizeof(int));
	int *yp = calloc((size_t)ds->ngroup + 1, sizeof(int));

	memset(out, 0, sizeof(*out));
	if (sb && sa && ct && nb && yt && yp) {
		for (int i = 0; i < n; i++) {
			size_t g = (size_t)ds->m[i].group;
			const float *p = prob + (size_t)i * k;
			if (y[i] < 0 || p[0] < 0)
				continue;
			ct[g * k + y[i]]++;
			for (int c = 0; c < k; c++)
				sa[g * k + c] += p[c];
			if (ds->m[i].pkts >= min_pkts) {
				nb[g]++;
				for (int c = 0; c < k; c++)
					sb[g * k + c] += p[c];
			}
		}
		for (int g = 0; g < ds->ngroup; g++) {
			const double *s = (nb[g] ? sb : sa) + (size_t)g * k;
			long bt = 0;
			double bp = 0;
			yt[g] = yp[g] = -1;
			for (int c = 0; c < k; c++) {
				if (ct[(size_t)g * k + c] > bt) {
					bt = ct[(size_t)g * k + c];
					yt[g] = c;
				}
				if (s[c] > bp) {
					bp = s[c];
					yp[g] = c;
				}
			}
			if (yt[g] < 0)
				yp[g] = -1;
		}
		metrics_compute(out, k, yt, yp, ds->ngroup);
	}
	free(sb);
	free(sa);
	free(ct);
	free(nb);
	free(yt);
	free(yp);
}

/* ---- eval_run, step by step ------------------------------------------------
 *
 * The rows' arrays of one evaluation, allocated once (ctx_alloc) and
 * filled by the steps below in order.
 */
struct ctx {
	const struct dataset *ds;
	const struct eval_opts *o;
	struct eval_result *r;
	int win, n, k, ncol;
	int *y;	      /* class of each row (-1: not scored) */
	int *eg;      /* effective group (file, or file segment) of each row */
	int *tr, *te; /* row lists of one fold */
	int *pm, *pp, *pt, *pb; /* predictions: model, port, ptp, bins */
	int *pe[FIRSTN];	/* early models */
	int *big;		/* y, but -1 below node_min_pkts */
	float *prob;		/* model probabilities, n x k */
	float *X, *XB, *XE[FIRSTN];
};

static int nomem(struct pt_err *err)
{
	return pt_fail(err, PT_ENOMEM, "eval", "out of memory");
}

static int ctx_alloc(struct ctx *c)
{
	size_t n1 = (size_t)c->n + 1;

	c->y = malloc(n1 * sizeof(int));
	c->eg = malloc(n1 * sizeof(int));
	c->tr = malloc(n1 * sizeof(int));
	c->te = malloc(n1 * sizeof(int));
	c->pm = malloc(n1 * sizeof(int));
	c->pp = malloc(n1 * sizeof(int));
	c->pt = malloc(n1 * sizeof(int));
	c->pb = malloc(n1 * sizeof(int));
	c->big = malloc(n1 * sizeof(int));
	c->prob = malloc(n1 * (size_t)c->k * sizeof(float));
	if (!c->y || !c->eg || !c->tr || !c->te || !c->pm || !c->pp || !c->pt ||
	    !c->pb || !c->big || !c->prob)
		return -1;
	for (int i = 0; i < c->n; i++) {
		c->pm[i] = c->pb[i] = -1;
		c->prob[(size_t)i * c->k] = -1;
	}
	return 0;
}

static void ctx_free(struct ctx *c)
{
	free(c->y);
	free(c->eg);
	free(c->tr);
	free(c->te);
	free(c->pm);
	free(c->pp);
	free(c->pt);
	free(c->pb);
	free(c->big);
	free(c->prob);
	if (c->win)
		free(c->X);
	free(c->XB);
	for (int e = 0; e < FIRSTN; e++) {
		free(c->XE[e]);
		free(c->pe[e]);
	}
}

/* Rows' classes, and their effective groups: a file, or with --segments
 * S the s-th share of a file's rows (in flow-end order, close to time
 * order). */
static int groups(struct ctx *c, int seg)
{
	const struct dataset *ds = c->ds;
	struct eval_result *r = c->r;
	long *gn = calloc((size_t)ds->ngroup + 1, sizeof(long));
	long *gi = calloc((size_t)ds->ngroup + 1, sizeof(long));
	int rc = -1;

	if (!gn || !gi)
		goto out;
	for (int i = 0; i < c->n; i++) {
		c->y[i] = c->win ? ds->win[i].y : ds->m[i].y;
		gn[c->win ? ds->win[i].group : ds->m[i].group]++;
	}
	r->ngroup_eff = ds->ngroup * seg;
	r->fold = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
	r->gfile = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
	r->gseg = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
	if (!r->fold || !r->gfile || !r->gseg)
		goto out;
	for (int g = 0; g < r->ngroup_eff; g++) {
		r->gfile[g] = g / seg;
		r->gseg[g] = g % seg;
	}
	for (int i = 0; i < c->n; i++) {
		int g = c->win ? ds->win[i].group : ds->m[i].group;
		int s = (int)(gi[g]++ * seg / (gn[g] ? gn[g] : 1));
		c->eg[i] = g * seg + s;
	}
	rc = 0;
out:
	free(gn);
	free(gi);
	return rc;
}

/* The feature matrices (model, size bins, early) and the baselines'
 * answers, which need no training. */
static int matrices(struct ctx *c)
{
	const struct dataset *ds = c->ds;
	int n = c->n;

	if (c->win) {
		c->X = malloc(((size_t)n + 1) * WIN_NFEAT * sizeof(float));
		if (!c->X)
			return -1;
		for (int i = 0; i < n; i++)
			memcpy(c->X + (size_t)i * WIN_NFEAT, ds->win[i].x,
			       sizeof(ds->win[i].x));
		return 0;
	}
	c->XB = malloc(((size_t)n + 1) * 2 * PLEN_NBINS * sizeof(float));
	if (!c->XB)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct ds_meta *m = &ds->m[i];
		memcpy(c->XB + (size_t)i * 2 * PLEN_NBINS, m->bins,
		       sizeof(m->bins));
		c->pp[i] = c->y[i] < 0
				   ? -1
				   : base_class(&ds->cls,
						base_port(m->key.proto,
							  m->sport, m->dport));
		c->pt[i] = c->y[i] < 0
				   ? -1
				   : base_class(&ds->cls,
						base_ptp(m->key.proto, m->sport,
							 m->dport, &m->hf));
	}
	for (int e = 0; c->r->have_early && e < FIRSTN; e++) {
		int w = feat_count(FSET_EARLY, e + 1, 0);
		c->XE[e] = malloc(((size_t)n + 1) * (size_t)w * sizeof(float));
		c->pe[e] = malloc(((size_t)n + 1) * sizeof(int));
		if (!c->XE[e] || !c->pe[e])
			return -1;
		for (int i = 0; i < n; i++) {
			const struct ds_meta *m = &ds->m[i];
			feat_early(m->key.proto, m->first_len, m->first_dir,
				   m->first_us, m->nfirst, e + 1,
				   c->XE[e] + (size_t)i * w);
			c->pe[e][i] = -1;
		}
	}
	c->X = ds->x;
	return 0;
}

/* Open set in one fold (tr, te filled): test flows below the threshold
 * learned on the fold's training nodes become unknown (-1); test flows of
 * a class without training rows are counted, and whether the model
 * called them a trained class. */
static int open_set(struct ctx *c, int ntr, int nte, struct pt_err *err)
{
	struct eval_result *r = c->r;
	long have[16] = { 0 };
	struct openset os;
	float *x = NULL;
	int *y = NULL, rc = 0;

	for (int i = 0; i < ntr; i++)
		if (c->y[c->tr[i]] < 16)
			have[c->y[c->tr[i]]]++;
	if (c->o->unknown_q > 0) {
		x = malloc(((size_t)ntr + 1) * (size_t)c->ncol * sizeof(float));
		y = malloc(((size_t)ntr + 1) * sizeof(int));
		if (!x || !y) {
			rc = nomem(err);
			goto out;
		}
		for (int i = 0; i < ntr; i++) {
			memcpy(x + (size_t)i * c->ncol,
			       c->X + (size_t)c->tr[i] * c->ncol,
			       (size_t)c->ncol * sizeof(float));
			y[i] = c->y[c->tr[i]];
		}
		if ((rc = openset_learn(c->ds, x, y, c->tr, ntr, c->ncol, c->k,
					&c->o->xp, c->o->unknown_q, &os, err)))
			goto out;
		for (int i = 0; i < nte && os.thr > 0; i++) {
			int t = c->te[i];
			if (c->pm[t] >= 0 &&
			    c->prob[(size_t)t * c->k + c->pm[t]] < os.thr) {
				c->pm[t] = -1;
				r->unknown++;
			}
		}
	}
	for (int i = 0; i < nte; i++) {
		int t = c->te[i];
		if (c->y[t] < 16 && !have[c->y[t]]) {
			r->absent++;
			r->absent_called += c->pm[t] >= 0;
		}
	}
out:
	free(x);
	free(y);
	return rc;
}

/* One fold: train on the other folds' rows, predict this one's, with the
 * model, the size-bins model and the early models. */
static int one_fold(struct ctx *c, int f, struct pt_err *err)
{
	const struct eval_opts *o = c->o;
	struct eval_result *r = c->r;
	int ntr = 0, nte = 0, rc, last = f == r->nfolds - 1;
	struct xgb_model keep;

	for (int i = 0; i < c->n; i++) {
		if (c->y[i] < 0)
			continue;
		if (r->fold[c->eg[i]] == f)
			c->te[nte++] = i;
		else if (c->win || c->ds->m[i].pkts >= o->train_min_pkts)
			c->tr[ntr++] = i;
	}
	if (f < 64) {
		r->train_rows[f] = ntr;
		r->test_rows[f] = nte;
	}
	if (!nte)
		return 0;
	if (!ntr)
		return pt_fail(err, PT_EUSAGE, "eval",
			       "fold %d has no training rows", f + 1);
	if ((rc = fit_predict(c->X, c->ncol, c->y, c->eg, c->tr, ntr, c->te,
			      nte, c->k,
			      &o->xp, c->pm, c->prob, last ? &keep : NULL,
			      err)))
		return rc;
	if (last) {
		speed(c->X, c->ncol, c->te, nte, &keep, r);
		xgb_free(&keep);
	}
	if (!c->win && (rc = open_set(c, ntr, nte, err)))
		return rc;
	if (c->win)
		return 0;
	if ((rc = fit_predict(c->XB, 2 * PLEN_NBINS, c->y, c->eg, c->tr, ntr,
			      c->te, nte, c->k, &o->xp, c->pb, NULL, NULL,
			      err)))
		return rc;
	for (int e = 0; r->have_early && e < FIRSTN; e++)
		if ((rc = fit_predict(c->XE[e],
				      feat_count(FSET_EARLY, e + 1, 0), c->y,
				      c->eg, c->tr, ntr, c->te, nte, c->k, &o->xp,
				      c->pe[e], NULL, NULL, err)))
			return rc;
	return 0;
}

/* The split check: no effective group on both sides of any fold. */
static void split_check(struct ctx *c)
{
	struct eval_result *r = c->r;
	char *side = calloc((size_t)r->ngroup_eff * 2 + 2, 1);

	if (!side)
		return;
	for (int f = 0; f < r->nfolds; f++) {
		memset(side, 0, (size_t)r->ngroup_eff * 2 + 2);
		for (int i = 0; i < c->n; i++)
			if (c->y[i] >= 0)
				side[c->eg[i] * 2 + (r->fold[c->eg[i]] == f)] =
					1;
		for (int g = 0; g < r->ngroup_eff; g++)
			r->overlap += side[g * 2] && side[g * 2 + 1];
	}
	free(side);
}

/* Which classes this split can evaluate: every fold that tests a class
 * keeps at least EVAL_MIN_SHARE of its rows for training. */
static void evaluable(struct ctx *c)
{
	struct eval_result *r = c->r;

	for (int k = 0; k < c->k && k < 16; k++) {
		long tot = 0, worst = -1;
		for (int i = 0; i < c->n; i++)
			tot += c->y[i] == k;
		for (int f = 0; f < r->nfolds; f++) {
			long t = 0;
			for (int i = 0; i < c->n; i++)
				t += c->y[i] == k && r->fold[c->eg[i]] == f;
			if (t && (worst < 0 || t > worst))
				worst = t;
		}
		r->train_share[k] =
			tot && worst >= 0 ? (double)(tot - worst) / (double)tot
					  : 0;
		r->evaluable[k] = tot && r->train_share[k] >= EVAL_MIN_SHARE;
	}
}

/* The figures, over the tested rows only (an explicit split's training
 * rows have no prediction). */
static void score(struct ctx *c)
{
	const struct dataset *ds = c->ds;
	struct eval_result *r = c->r;
	double sum = 0;
	int n = c->n, k = c->k;

	for (int i = 0; i < n; i++)
		if (r->fold[c->eg[i]] >= r->nfolds)
			c->y[i] = -1;
	metrics_compute(&r->model, k, c->y, c->pm, n);
	for (int j = 0; j < k && j < 16; j++)
		if (r->evaluable[j]) {
			r->nevaluable++;
			sum += r->model.f1[j];
		}
	r->macro_f1_evaluable = r->nevaluable ? sum / r->nevaluable : 0;
	if (c->win)
		return;
	node_vote(ds, c->y, c->pm, n, k, &r->node_vote);
	node_soft(ds, c->y, c->prob, n, k, c->o->node_min_pkts, &r->node);
	/* per flow, only the flows of >= node_min_pkts packets */
	for (int i = 0; i < n; i++)
		c->big[i] = ds->m[i].pkts >= c->o->node_min_pkts ? c->y[i] : -1;
	metrics_compute(&r->model_big, k, c->big, c->pm, n);
	metrics_compute(&r->port, k, c->y, c->pp, n);
	metrics_compute(&r->ptp, k, c->y, c->pt, n);
	metrics_compute(&r->bins, k, c->y, c->pb, n);
	for (int e = 0; r->have_early && e < FIRSTN; e++)
		metrics_compute(&r->early[e], k, c->y, c->pe[e], n);
}

int eval_run(const struct dataset *ds, const struct eval_opts *o,
	     const int *explicit_fold, struct eval_result *r,
	     struct pt_err *err)
{
	struct ctx c;
	int rc = 0;
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.ds = ds;
	c.o = o;
	c.r = r;
	c.win = o->windows;
	c.n = c.win ? ds->nwin : ds->n;
	c.k = ds->cls.n;
	c.ncol = c.win ? WIN_NFEAT : ds->nfeat;
	r->windows = c.win;
	r->have_early = o->early && !c.win;
	if (ctx_alloc(&c) ||
	    groups(&c, o->segments > 1 && !explicit_fold ? o->segments : 1)) {
		rc = nomem(err);
		goto out;
	}
	if (explicit_fold) {
		for (int g = 0; g < ds->ngroup; g++)
			r->fold[g] = explicit_fold[g] ? 1 : 0;
		r->nfolds = 1;
	} else {
		if (folds_generic(r->ngroup_eff, c.eg, c.y, c.n, c.k, o->kfold,
				  o->xp.seed, r->fold)) {
			rc = nomem(err);
			goto out;
		}
		r->nfolds = o->kfold;
	}
	if (matrices(&c)) {
		rc = nomem(err);
		goto out;
	}
	for (int f = 0; f < r->nfolds; f++)
		if ((rc = one_fold(&c, f, err)))
			goto out;
	split_check(&c);
	evaluable(&c);
	score(&c);
	r->train_s = now_s() - t0;
out:
	ctx_free(&c);
	return rc;
}

void eval_result_free(struct eval_result *r)
{
	free(r->fold);
	free(r->gfile);
	free(r->gseg);
	r->fold = r->gfile = r->gseg = NULL;
}
