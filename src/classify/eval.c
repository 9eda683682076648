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
static int fit_predict(const float *X, int ncol, const int *y, const int *tr,
		       int ntr, const int *te, int nte, int k,
		       const struct xgb_params *xp, int *pred, float *prob,
		       struct xgb_model *keep, struct pt_err *err)
{
	float *a = malloc(((size_t)ntr + 1) * (size_t)ncol * sizeof(float));
	float *b = malloc(((size_t)nte + 1) * (size_t)ncol * sizeof(float));
	float *p = malloc(((size_t)nte + 1) * (size_t)k * sizeof(float));
	int *yy = malloc(((size_t)ntr + 1) * sizeof(int));
	struct xgb_model m;
	int rc = 0;

	if (!a || !b || !p || !yy) {
		rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
		goto out;
	}
	for (int i = 0; i < ntr; i++) {
		memcpy(a + (size_t)i * ncol, X + (size_t)tr[i] * ncol,
		       (size_t)ncol * sizeof(float));
		yy[i] = y[tr[i]];
	}
	for (int i = 0; i < nte; i++)
		memcpy(b + (size_t)i * ncol, X + (size_t)te[i] * ncol,
		       (size_t)ncol * sizeof(float));
	if ((rc = xgb_train(a, ntr, ncol, yy, k, xp, &m, err)))
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

int eval_run(const struct dataset *ds, const struct eval_opts *o,
	     const int *explicit_fold, struct eval_result *r,
	     struct pt_err *err)
{
	int win = o->windows, n = win ? ds->nwin : ds->n;
	int k = ds->cls.n, ncol = win ? WIN_NFEAT : ds->nfeat;
	int *y = NULL, *eg = NULL, *tr = NULL, *te = NULL;
	int *pm = NULL, *pp = NULL, *pt = NULL, *pb = NULL, *pe[FIRSTN];
	float *prob = NULL;
	int *pb2 = NULL;
	float *X = NULL, *XB = NULL, *XE[FIRSTN];
	int rc = 0;
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	memset(pe, 0, sizeof(pe));
	memset(XE, 0, sizeof(XE));
	r->windows = win;
	r->have_early = o->early && !win;
	y = malloc(((size_t)n + 1) * sizeof(int));
	eg = malloc(((size_t)n + 1) * sizeof(int));
	tr = malloc(((size_t)n + 1) * sizeof(int));
	te = malloc(((size_t)n + 1) * sizeof(int));
	pm = malloc(((size_t)n + 1) * sizeof(int));
	pp = malloc(((size_t)n + 1) * sizeof(int));
	pt = malloc(((size_t)n + 1) * sizeof(int));
	pb = malloc(((size_t)n + 1) * sizeof(int));
	prob = malloc(((size_t)n + 1) * (size_t)k * sizeof(float));
	pb2 = malloc(((size_t)n + 1) * sizeof(int));
	if (!pb2 || !y || !eg || !tr || !te || !pm || !pp || !pt || !pb ||
	    !prob) {
		rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
		goto out;
	}
	/* rows, labels, effective groups */
	{
		int seg = o->segments > 1 && !explicit_fold ? o->segments : 1;
		long *gn = calloc((size_t)ds->ngroup + 1, sizeof(long));
		long *gi = calloc((size_t)ds->ngroup + 1, sizeof(long));
		if (!gn || !gi) {
			free(gn);
			free(gi);
			rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			y[i] = win ? ds->win[i].y : ds->m[i].y;
			gn[win ? ds->win[i].group : ds->m[i].group]++;
		}
		/* rows of a file are in flow-end order, close to time order:
		 * segment s holds the s-th share of them */
		r->ngroup_eff = ds->ngroup * seg;
		r->fold = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
		r->gfile = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
		r->gseg = calloc((size_t)r->ngroup_eff + 1, sizeof(int));
		if (!r->fold || !r->gfile || !r->gseg) {
			free(gn);
			free(gi);
			rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
			goto out;
		}
		for (int g = 0; g < r->ngroup_eff; g++) {
			r->gfile[g] = g / seg;
			r->gseg[g] = g % seg;
		}
		for (int i = 0; i < n; i++) {
			int g = win ? ds->win[i].group : ds->m[i].group;
			int s = (int)(gi[g]++ * seg / (gn[g] ? gn[g] : 1));
			eg[i] = g * seg + s;
		}
		free(gn);
		free(gi);
	}
	if (explicit_fold) {
		for (int g = 0; g < ds->ngroup; g++)
			r->fold[g] = explicit_fold[g] ? 1 : 0;
		r->nfolds = 1;
	} else {
		if (folds_generic(r->ngroup_eff, eg, y, n, k, o->kfold,
				  o->xp.seed, r->fold)) {
			rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
			goto out;
		}
		r->nfolds = o->kfold;
	}
	/* matrices */
	if (win) {
		X = malloc(((size_t)n + 1) * WIN_NFEAT * sizeof(float));
		if (!X) {
			rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++)
			memcpy(X + (size_t)i * WIN_NFEAT, ds->win[i].x,
			       sizeof(ds->win[i].x));
	} else {
		XB = malloc(((size_t)n + 1) * 2 * PLEN_NBINS * sizeof(float));
		if (!XB) {
			rc = pt_fail(err, PT_ENOMEM, "eval", "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			const struct ds_meta *m = &ds->m[i];
			memcpy(XB + (size_t)i * 2 * PLEN_NBINS, m->bins,
			       sizeof(m->bins));
			pp[i] = y[i] < 0 ? -1
					 : base_class(&ds->cls,
						      base_port(m->key.proto,
								m->sport,
								m->dport));
			pt[i] = y[i] < 0 ? -1
					 : base_class(&ds->cls,
						      base_ptp(m->key.proto,
							       m->sport,
							       m->dport,
							       &m->hf));
		}
		for (int e = 0; r->have_early && e < FIRSTN; e++) {
			int w = feat_count(FSET_EARLY, e + 1, 0);
			XE[e] = malloc(((size_t)n + 1) * (size_t)w *
				       sizeof(float));
			pe[e] = malloc(((size_t)n + 1) * sizeof(int));
			if (!XE[e] || !pe[e]) {
				rc = pt_fail(err, PT_ENOMEM, "eval",
					     "out of memory");
				goto out;
			}
			for (int i = 0; i < n; i++) {
				const struct ds_meta *m = &ds->m[i];
				feat_early(m->key.proto, m->first_len,
					   m->first_dir, m->first_us, m->nfirst,
					   e + 1, XE[e] + (size_t)i * w);
				pe[e][i] = -1;
			}
		}
		X = ds->x;
	}
	for (int i = 0; i < n; i++) {
		pm[i] = pb[i] = -1;
		prob[(size_t)i * k] = -1;
	}
	/* folds */
	for (int f = 0; f < r->nfolds; f++) {
		int ntr = 0, nte = 0;
		for (int i = 0; i < n; i++) {
			if (y[i] < 0)
				continue;
			if (r->fold[eg[i]] == f)
				te[nte++] = i;
			else if (win || ds->m[i].pkts >= o->train_min_pkts)
				tr[ntr++] = i;
		}
		if (f < 64) {
			r->train_rows[f] = ntr;
			r->test_rows[f] = nte;
		}
		if (!nte)
			continue;
		if (!ntr) {
			rc = pt_fail(err, PT_EUSAGE, "eval",
				     "fold %d has no training rows", f + 1);
			goto out;
		}
		{
			struct xgb_model keep;
			int last = f == r->nfolds - 1;
			if ((rc = fit_predict(X, ncol, y, tr, ntr, te, nte, k,
					      &o->xp, pm, prob,
					      last ? &keep : NULL, err)))
				goto out;
			if (last) {
				speed(X, ncol, te, nte, &keep, r);
				xgb_free(&keep);
			}
		}
		if (win)
			continue;
		if ((rc = fit_predict(XB, 2 * PLEN_NBINS, y, tr, ntr, te, nte,
				      k, &o->xp, pb, NULL, NULL, err)))
			goto out;
		for (int e = 0; r->have_early && e < FIRSTN; e++)
			if ((rc = fit_predict(XE[e],
					      feat_count(FSET_EARLY, e + 1, 0),
					      y, tr, ntr, te, nte, k, &o->xp,
					      pe[e], NULL, NULL, err)))
				goto out;
	}
	/* the split check: no effective group on both sides of any fold */
	{
		char *side = calloc((size_t)r->ngroup_eff * 2 + 2, 1);
		if (side) {
			for (int f = 0; f < r->nfolds; f++) {
				memset(side, 0, (size_t)r->ngroup_eff * 2 + 2);
				for (int i = 0; i < n; i++)
					if (y[i] >= 0)
						side[eg[i] * 2 +
						     (r->fold[eg[i]] == f)] = 1;
				for (int g = 0; g < r->ngroup_eff; g++)
					r->overlap +=
						side[g * 2] && side[g * 2 + 1];
			}
			free(side);
		}
	}
	/* which classes this split can evaluate */
	{
		double sum = 0;
		for (int c = 0; c < k && c < 16; c++) {
			long tot = 0, worst = -1;
			for (int i = 0; i < n; i++)
				tot += y[i] == c;
			for (int f = 0; f < r->nfolds; f++) {
				long t = 0;
				for (int i = 0; i < n; i++)
					t += y[i] == c && r->fold[eg[i]] == f;
				if (t && (worst < 0 || t > worst))
					worst = t;
			}
			r->train_share[c] =
				tot && worst >= 0
					? (double)(tot - worst) / (double)tot
					: 0;
			r->evaluable[c] =
				tot && r->train_share[c] >= EVAL_MIN_SHARE;
		}
		/* only tested rows are scored (an explicit split's training
		 * rows have no prediction) */
		for (int i = 0; i < n; i++)
			if (r->fold[eg[i]] >= r->nfolds)
				y[i] = -1;
		metrics_compute(&r->model, k, y, pm, n);
		for (int c = 0; c < k && c < 16; c++)
			if (r->evaluable[c]) {
				r->nevaluable++;
				sum += r->model.f1[c];
			}
		r->macro_f1_evaluable = r->nevaluable ? sum / r->nevaluable : 0;
	}
	if (!win) {
		node_vote(ds, y, pm, n, k, &r->node_vote);
		node_soft(ds, y, prob, n, k, o->node_min_pkts, &r->node);
		/* per flow, only the flows of >= node_min_pkts packets */
		for (int i = 0; i < n; i++)
			pb2[i] = ds->m[i].pkts >= o->node_min_pkts ? y[i] : -1;
		metrics_compute(&r->model_big, k, pb2, pm, n);
	}
	if (!win) {
		metrics_compute(&r->port, k, y, pp, n);
		metrics_compute(&r->ptp, k, y, pt, n);
		metrics_compute(&r->bins, k, y, pb, n);
		for (int e = 0; r->have_early && e < FIRSTN; e++)
			metrics_compute(&r->early[e], k, y, pe[e], n);
	}
	r->train_s = now_s() - t0;
out:
	free(y);
	free(eg);
	free(tr);
	free(te);
	free(pm);
	free(pp);
	free(pt);
	free(pb);
	free(prob);
	free(pb2);
	if (win)
		free(X);
	free(XB);
	for (int e = 0; e < FIRSTN; e++) {
		free(XE[e]);
		free(pe[e]);
	}
	return rc;
}

void eval_result_free(struct eval_result *r)
{
	free(r->fold);
	free(r->gfile);
	free(r->gseg);
	r->fold = r->gfile = r->gseg = NULL;
}

/* ---- output ----------------------------------------------------------------
 */

/* Mean F1 over the classes flagged in use[]. */
static double macro_over(const struct metrics *m, const int *use, int k)
{
	double sum = 0;
	int n = 0;

	for (int c = 0; c < k && c < 16; c++)
		if (use[c]) {
			sum += m->f1[c];
			n++;
		}
	return n ? sum / n : 0;
}

static void print_metrics(FILE *f, const char *title, const struct metrics *m,
			  const struct lbl_classes *c, int full)
{
	fprintf(f,
		"%s: macro-F1 %.4f  accuracy %.4f  (%ld rows, %d classes "
		"present)\n",
		title, m->macro_f1, m->accuracy, m->n, m->nclass_present);
	if (!full)
		return;
	fprintf(f, "  %-12s %9s %9s %9s %8s\n", "class", "precision", "recall",
		"F1", "support");
	for (int i = 0; i < c->n; i++)
		fprintf(f, "  %-12s %9.4f %9.4f %9.4f %8ld\n", c->name[i],
			m->prec[i], m->rec[i], m->f1[i], m->support[i]);
	fprintf(f, "  confusion (rows: true, columns: predicted)\n  %-12s", "");
	for (int j = 0; j < c->n; j++)
		fprintf(f, " %10.10s", c->name[j]);
	fprintf(f, "\n");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "  %-12s", c->name[i]);
		for (int j = 0; j < c->n; j++)
			fprintf(f, " %10ld", m->conf[i][j]);
		fprintf(f, "\n");
	}
}

void eval_print_text(FILE *f, const struct dataset *ds,
		     const struct eval_result *r)
{
	print_metrics(f, r->windows ? "model (node windows)" : "model",
		      &r->model, &ds->cls, 1);
	if (!r->windows) {
		print_metrics(f, "model, flows of >= node-min-pkts packets",
			      &r->model_big, &ds->cls, 0);
		print_metrics(f, "model, vote per trace file (node)",
			      &r->node_vote, &ds->cls, 0);
		print_metrics(f, "model, per node (mean probability)", &r->node,
			      &ds->cls, 1);
		print_metrics(f, "baseline port", &r->port, &ds->cls, 0);
		print_metrics(f, "baseline ptp (Karagiannis)", &r->ptp,
			      &ds->cls, 0);
		print_metrics(f, "baseline size_bins", &r->bins, &ds->cls, 0);
	}
	fprintf(f,
		"classes this split can evaluate (every fold that tests "
		"them trains on >= %.0f%% of their rows):",
		100 * EVAL_MIN_SHARE);
	for (int c = 0; c < ds->cls.n && c < 16; c++)
		fprintf(f, " %s%s(%.2f)",
			r->evaluable[c] ? "" : "NOT:", ds->cls.name[c],
			r->train_share[c]);
	fprintf(f, "\nmacro-F1 over those %d classes: model %.4f",
		r->nevaluable, r->macro_f1_evaluable);
	if (!r->windows)
		fprintf(f, ", port %.4f, ptp %.4f, size_bins %.4f",
			macro_over(&r->port, r->evaluable, ds->cls.n),
			macro_over(&r->ptp, r->evaluable, ds->cls.n),
			macro_over(&r->bins, r->evaluable, ds->cls.n));
	fprintf(f, "\n");
	if (r->have_early) {
		fprintf(f, "early (first N packets) macro-F1:");
		for (int e = 0; e < FIRSTN; e++)
			fprintf(f, " %d:%.3f", e + 1, r->early[e].macro_f1);
		fprintf(f, "\n");
	}
	fprintf(f,
		"split: %d fold(s) by %s, %d groups, groups on both sides: "
		"%ld\n",
		r->nfolds, r->ngroup_eff > ds->ngroup ? "file segment" : "file",
		r->ngroup_eff, r->overlap);
	fprintf(f, "prediction speed: %.0f flows/s (one core)\n",
		r->flows_per_s);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_metrics(FILE *f, const struct metrics *m,
			 const struct lbl_classes *c)
{
	fprintf(f,
		"{\"macro_f1\": %.6f, \"accuracy\": %.6f, \"rows\": %ld, "
		"\"per_class\": {",
		m->macro_f1, m->accuracy, m->n);
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, c->name[i]);
		fprintf(f,
			": {\"precision\": %.6f, \"recall\": %.6f, "
			"\"f1\": %.6f, \"support\": %ld}",
			m->prec[i], m->rec[i], m->f1[i], m->support[i]);
	}
	fprintf(f, "}, \"confusion\": {\"classes\": [");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, c->name[i]);
	}
	fprintf(f, "], \"matrix\": [");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s[", i ? ", " : "");
		for (int j = 0; j < c->n; j++)
			fprintf(f, "%s%ld", j ? ", " : "", m->conf[i][j]);
		fprintf(f, "]");
	}
	fprintf(f, "]}}");
}

void eval_print_json(FILE *f, const struct dataset *ds,
		     const struct eval_opts *o, const struct eval_result *r)
{
	fprintf(f, "{\"target\": \"%s\", \"model\": ",
		r->windows ? "node_windows" : "flows");
	json_metrics(f, &r->model, &ds->cls);
	if (!r->windows) {
		fprintf(f, ", \"node_vote\": ");
		json_metrics(f, &r->node_vote, &ds->cls);
		fprintf(f, ", \"node\": ");
		json_metrics(f, &r->node, &ds->cls);
		fprintf(f, ", \"model_min_pkts\": ");
		json_metrics(f, &r->model_big, &ds->cls);
		fprintf(f,
			", \"node_min_pkts\": %llu, \"train_min_pkts\": %llu",
			(unsigned long long)o->node_min_pkts,
			(unsigned long long)o->train_min_pkts);
	}
	fprintf(f, ", \"baselines\": {");
	if (!r->windows) {
		fprintf(f, "\"port\": ");
		json_metrics(f, &r->port, &ds->cls);
		fprintf(f, ", \"ptp\": ");
		json_metrics(f, &r->ptp, &ds->cls);
		fprintf(f, ", \"size_bins\": ");
		json_metrics(f, &r->bins, &ds->cls);
	}
	fprintf(f,
		"}, \"evaluable\": {\"min_train_share\": %.2f, "
		"\"classes\": [",
		EVAL_MIN_SHARE);
	for (int c = 0, first = 1; c < ds->cls.n && c < 16; c++)
		if (r->evaluable[c]) {
			fprintf(f, "%s", first ? "" : ", ");
			json_str(f, ds->cls.name[c]);
			first = 0;
		}
	fprintf(f, "], \"train_share\": {");
	for (int c = 0; c < ds->cls.n && c < 16; c++) {
		fprintf(f, "%s", c ? ", " : "");
		json_str(f, ds->cls.name[c]);
		fprintf(f, ": %.4f", r->train_share[c]);
	}
	fprintf(f, "}, \"model_macro_f1\": %.6f", r->macro_f1_evaluable);
	if (!r->windows)
		fprintf(f,
			", \"port_macro_f1\": %.6f, \"ptp_macro_f1\": %.6f, "
			"\"size_bins_macro_f1\": %.6f",
			macro_over(&r->port, r->evaluable, ds->cls.n),
			macro_over(&r->ptp, r->evaluable, ds->cls.n),
			macro_over(&r->bins, r->evaluable, ds->cls.n));
	fprintf(f, "}");
	fprintf(f, ", \"early\": {");
	for (int e = 0; r->have_early && e < FIRSTN; e++)
		fprintf(f, "%s\"%d\": %.6f", e ? ", " : "", e + 1,
			r->early[e].macro_f1);
	fprintf(f,
		"}, \"split\": {\"kind\": \"%s\", \"by\": \"%s\", "
		"\"folds\": %d, \"segments\": %d, "
		"\"groups_on_both_sides\": %ld, \"fold_files\": [",
		o->kfold ? "kfold" : "train_test",
		r->ngroup_eff > ds->ngroup ? "file_segment" : "file", r->nfolds,
		r->ngroup_eff > ds->ngroup ? r->ngroup_eff / ds->ngroup : 1,
		r->overlap);
	for (int fo = 0; fo < r->nfolds; fo++) {
		int first = 1;
		fprintf(f, "%s{\"test\": [", fo ? ", " : "");
		for (int g = 0; g < r->ngroup_eff; g++) {
			if (r->fold[g] != fo ||
			    (r->gseg[g] && r->ngroup_eff == ds->ngroup))
				continue;
			fprintf(f, "%s", first ? "" : ", ");
			first = 0;
			if (r->ngroup_eff > ds->ngroup) {
				char b[4200];
				snprintf(b, sizeof(b), "%s#%d",
					 ds->group[r->gfile[g]], r->gseg[g]);
				json_str(f, b);
			} else
				json_str(f, ds->group[r->gfile[g]]);
		}
		fprintf(f, "], \"train_rows\": %ld, \"test_rows\": %ld}",
			fo < 64 ? r->train_rows[fo] : 0,
			fo < 64 ? r->test_rows[fo] : 0);
	}
	fprintf(f, "]}, \"classes\": [");
	for (int i = 0; i < ds->cls.n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, ds->cls.name[i]);
	}
	fprintf(f,
		"], \"flows_seen\": %llu, \"flows_unlabeled\": %llu, "
		"\"flows_low_confidence\": %llu, \"flows_too_small\": %llu, \"files_skipped\": %d, "
		"\"prediction_flows_per_s\": %.0f, \"seconds\": %.2f}\n",
		(unsigned long long)ds->flows_seen,
		(unsigned long long)ds->flows_unlabeled,
		(unsigned long long)ds->flows_lowconf,
		(unsigned long long)ds->flows_small, ds->files_skipped,
		r->flows_per_s, r->train_s);
}
