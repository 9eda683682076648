/*
 * openset.c -- learning the open-set threshold on held-out nodes (see
 * openset.h).
 */
#include <stdlib.h>
#include <string.h>
#include "classify/eval.h"
#include "classify/openset.h"

static int cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Train on the rows outside fold f, keep the best probability of each
 * held-out row predicted right into best[]. */
static int one_fold(const float *x, const int *y, const int *rg,
		    const int *rf, int n, int ncol, int k, int f,
		    const struct xgb_params *xp,
		    float *best, long *nbest, long *held, struct pt_err *err)
{
	size_t w = (size_t)ncol;
	float *a = malloc(((size_t)n + 1) * w * sizeof(float));
	float *b = malloc(((size_t)n + 1) * w * sizeof(float));
	float *p = malloc(((size_t)n + 1) * (size_t)k * sizeof(float));
	int *ya = malloc(((size_t)n + 1) * sizeof(int));
	int *yb = malloc(((size_t)n + 1) * sizeof(int));
	int *ga = malloc(((size_t)n + 1) * sizeof(int));
	int na = 0, nb = 0, rc = 0;
	struct xgb_model m;

	if (!a || !b || !p || !ya || !yb || !ga) {
		rc = pt_fail(err, PT_ENOMEM, "train", "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (rf[i] == f) {
			memcpy(b + (size_t)nb * w, x + (size_t)i * w,
			       w * sizeof(float));
			yb[nb++] = y[i];
		} else {
			memcpy(a + (size_t)na * w, x + (size_t)i * w,
			       w * sizeof(float));
			ga[na] = rg[i];
			ya[na++] = y[i];
		}
	}
	if (!na || !nb)
		goto out;
	if ((rc = xgb_train(a, na, ncol, ya, ga, k, xp, &m, err)))
		goto out;
	rc = xgb_predict(&m, b, nb, p, err);
	xgb_free(&m);
	if (rc)
		goto out;
	for (int i = 0; i < nb; i++) {
		const float *q = p + (size_t)i * k;
		int c = 0;
		for (int j = 1; j < k; j++)
			if (q[j] > q[c])
				c = j;
		if (c == yb[i])
			best[(*nbest)++] = q[c];
	}
	*held += nb;
out:
	free(a);
	free(b);
	free(p);
	free(ya);
	free(yb);
	free(ga);
	return rc;
}

int openset_learn(const struct dataset *ds, const float *x, const int *y,
		  const int *row, int n, int ncol, int k,
		  const struct xgb_params *xp, double q, struct openset *out,
		  struct pt_err *err)
{
	int nf = ds->ngroup < OPENSET_FOLDS ? ds->ngroup : OPENSET_FOLDS;
	int *gfold = calloc((size_t)ds->ngroup + 1, sizeof(int));
	int *rf = malloc(((size_t)n + 1) * sizeof(int));
	int *rg = malloc(((size_t)n + 1) * sizeof(int));
	float *best = malloc(((size_t)n + 1) * sizeof(float));
	long nbest = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!gfold || !rf || !rg || !best) {
		rc = pt_fail(err, PT_ENOMEM, "train", "out of memory");
		goto out;
	}
	if (nf < 2)
		goto out; /* one node: nothing to hold out */
	if (eval_folds(ds, nf, xp->seed, gfold)) {
		rc = pt_fail(err, PT_ENOMEM, "train", "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		rg[i] = ds->m[row[i]].group;
		rf[i] = gfold[rg[i]];
	}
	for (int f = 0; f < nf; f++)
		if ((rc = one_fold(x, y, rg, rf, n, ncol, k, f, xp, best, &nbest,
				   &out->held, err)))
			goto out;
	out->folds = nf;
	out->right = nbest;
	if (nbest >= OPENSET_MIN_ROWS) {
		long i = (long)(q * (double)nbest);
		qsort(best, (size_t)nbest, sizeof(float), cmp_f);
		out->thr = best[i < nbest ? i : nbest - 1];
	}
out:
	free(gfold);
	free(rf);
	free(rg);
	free(best);
	return rc;
}
