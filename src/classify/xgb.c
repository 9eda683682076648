/*
 * xgb.c -- XGBoost C API wrapper and the forest evaluator (see xgb.h).
 *
 * The forest (lib/model/forest.c) is read from the booster's JSON by the
 * same checked reader as a model file; tests/unit/test_classify_learn.c
 * checks that it gives XGBoost's probabilities. A model file is checked
 * (model_check_buf) before XGBoost parses it: XGBoost indexes nodes from
 * the file's arrays without bounds checks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>
#include "p2ptrace/model.h"
#include "classify/xgb.h"

static int xfail(struct pt_err *err, const char *where, const char *what)
{
	const char *m = XGBGetLastError();
	char buf[160];
	size_t n;

	/* XGBoost's messages are long: keep the last line, bounded. */
	snprintf(buf, sizeof(buf), "%s", m ? m : "");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	{
		char *nl = strrchr(buf, '\n');
		if (nl)
			memmove(buf, nl + 1, strlen(nl + 1) + 1);
	}
	return pt_fail(err, PT_EFORMAT, where, "%s (XGBoost: %s)", what, buf);
}

static void quiet(void)
{
	static int done;

	if (!done) {
		XGBSetGlobalConfig("{\"verbosity\":0}");
		done = 1;
	}
}

void xgb_params_init(struct xgb_params *p)
{
	p->rounds = 40;
	p->max_depth = 5;
	p->eta = 0.2;
	p->seed = 1;
	p->balance = 1;
}

static int dmat(const float *x, int nrow, int ncol, DMatrixHandle *d,
		struct pt_err *err)
{
	if (XGDMatrixCreateFromMat_omp(x, (bst_ulong)nrow, (bst_ulong)ncol, NAN,
				       d, 1))
		return xfail(err, "xgboost", "cannot make a matrix");
	return 0;
}

/* Row weights. balance 1: every class weighs the same. balance 2 (and
 * groups given): also, inside a class, every group (trace file: a lab
 * node) weighs the same, so a node that makes thousands of small flows
 * (a DNS client) does not outweigh one that makes ten long ones (a media
 * stream): what a class looks like is the variety of its workloads, not
 * the flow count of the busiest. */
int xgb_row_weights(const int *y, const int *grp, int nrow, int nclass,
		    int balance, float *w)
{
	int ng = 0, present = 0, rc = -1;
	long *cnt = calloc((size_t)nclass, sizeof(long));
	long *ngc = calloc((size_t)nclass, sizeof(long)), *gc = NULL;

	if (!cnt || !ngc)
		goto out;
	for (int i = 0; i < nrow; i++)
		cnt[y[i]]++;
	for (int c = 0; c < nclass; c++)
		present += cnt[c] > 0;
	if (balance == 2 && grp) {
		for (int i = 0; i < nrow; i++)
			if (grp[i] >= ng)
				ng = grp[i] + 1;
		/* gc: rows per (group, class); ngc: groups per class */
		gc = calloc((size_t)ng * (size_t)nclass + 1, sizeof(long));
		if (!gc)
			goto out;
		for (int i = 0; i < nrow; i++)
			if (!gc[(size_t)grp[i] * nclass + y[i]]++)
				ngc[y[i]]++;
	}
	for (int i = 0; i < nrow; i++) {
		double share = (double)present * (double)cnt[y[i]];

		if (gc)
			share = (double)present * (double)ngc[y[i]] *
				(double)gc[(size_t)grp[i] * nclass + y[i]];
		w[i] = balance ? (float)((double)nrow / share) : 1.0f;
	}
	rc = 0;
out:
	free(cnt);
	free(ngc);
	free(gc);
	return rc;
}

int xgb_train(const float *x, int nrow, int ncol, const int *y,
	      const int *grp, int nclass, const struct xgb_params *p,
	      struct xgb_model *out, struct pt_err *err)
{
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	float *lab = NULL, *w = NULL;
	int rc = 0;
	char buf[64];

	quiet();
	memset(out, 0, sizeof(*out));
	if (nrow < 1)
		return pt_fail(err, PT_EUSAGE, "train", "no labeled flows");
	lab = malloc((size_t)nrow * sizeof(*lab));
	w = malloc((size_t)nrow * sizeof(*w));
	if (!lab || !w || xgb_row_weights(y, grp, nrow, nclass, p->balance, w)) {
		rc = pt_fail(err, PT_ENOMEM, "train", "out of memory");
		goto out;
	}
	for (int i = 0; i < nrow; i++)
		lab[i] = (float)y[i];
	if ((rc = dmat(x, nrow, ncol, &d, err)))
		goto out;
	if (XGDMatrixSetFloatInfo(d, "label", lab, (bst_ulong)nrow) ||
	    XGDMatrixSetFloatInfo(d, "weight", w, (bst_ulong)nrow) ||
	    XGBoosterCreate(&d, 1, &b)) {
		rc = xfail(err, "xgboost", "cannot set up training");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%d", nclass);
	if (XGBoosterSetParam(b, "objective", "multi:softprob") ||
	    XGBoosterSetParam(b, "num_class", buf) ||
	    XGBoosterSetParam(b, "nthread", "1") ||
	    XGBoosterSetParam(b, "tree_method", "hist") ||
	    XGBoosterSetParam(b, "eval_metric", "mlogloss") ||
	    XGBoosterSetParam(b, "verbosity", "0")) {
		rc = xfail(err, "xgboost", "bad parameter");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%d", p->max_depth);
	XGBoosterSetParam(b, "max_depth", buf);
	snprintf(buf, sizeof(buf), "%.17g", p->eta);
	XGBoosterSetParam(b, "eta", buf);
	snprintf(buf, sizeof(buf), "%llu",
		 (unsigned long long)(p->seed % 2147483647u));
	XGBoosterSetParam(b, "seed", buf);
	for (int it = 0; it < p->rounds; it++)
		if (XGBoosterUpdateOneIter(b, it, d)) {
			rc = xfail(err, "xgboost", "training failed");
			goto out;
		}
	out->bst = b;
	out->nclass = nclass;
	out->nfeat = ncol;
	b = NULL;
out:
	if (b)
		XGBoosterFree(b);
	if (d)
		XGDMatrixFree(d);
	free(lab);
	free(w);
	return rc;
}

int xgb_predict(const struct xgb_model *m, const float *x, int nrow,
		float *prob, struct pt_err *err)
{
	DMatrixHandle d;
	bst_ulong n = 0;
	const float *r = NULL;
	int rc;

	if (nrow == 0)
		return 0;
	if ((rc = dmat(x, nrow, m->nfeat, &d, err)))
		return rc;
	if (XGBoosterPredict(m->bst, d, 0, 0, 0, &n, &r)) {
		XGDMatrixFree(d);
		return xfail(err, "xgboost", "prediction failed");
	}
	if (n != (bst_ulong)nrow * (bst_ulong)m->nclass) {
		XGDMatrixFree(d);
		return pt_fail(err, PT_EFORMAT, "xgboost",
			       "%llu predictions for %d rows x %d classes",
			       (unsigned long long)n, nrow, m->nclass);
	}
	memcpy(prob, r, (size_t)n * sizeof(float));
	XGDMatrixFree(d);
	return 0;
}

int xgb_set_attr(struct xgb_model *m, const char *key, const char *val,
		 struct pt_err *err)
{
	if (XGBoosterSetAttr(m->bst, key, val))
		return xfail(err, "xgboost", "cannot set attribute");
	return 0;
}

const char *xgb_get_attr(const struct xgb_model *m, const char *key)
{
	const char *out = NULL;
	int ok = 0;

	if (XGBoosterGetAttr(m->bst, key, &out, &ok) || !ok)
		return NULL;
	return out;
}

int xgb_save(const struct xgb_model *m, const char *path, struct pt_err *err)
{
	bst_ulong n = 0;
	const char *buf = NULL;
	FILE *f;

	if (XGBoosterSaveModelToBuffer(m->bst, "{\"format\":\"json\"}", &n,
				       &buf))
		return xfail(err, path, "cannot serialise the model");
	f = fopen(path, "wb");
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot create: %s",
			       strerror(errno));
	if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return pt_fail(err, PT_EIO, path, "write failed: %s",
			       strerror(errno));
	}
	if (fclose(f))
		return pt_fail(err, PT_EIO, path, "write failed: %s",
			       strerror(errno));
	return 0;
}

int xgb_load(const char *path, struct xgb_model *out, struct pt_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;
	BoosterHandle b = NULL;
	bst_ulong nf = 0;
	char const *cfg = NULL;
	bst_ulong clen = 0;

	quiet();
	memset(out, 0, sizeof(*out));
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return pt_fail(err, PT_EIO, path, "cannot read");
	}
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return pt_fail(err, PT_EIO, path, "cannot read");
	}
	fclose(f);
	buf[len] = 0;
	if (len < 2 || buf[0] != '{' || !strstr(buf, "\"learner\"")) {
		free(buf);
		return pt_fail(err, PT_EFORMAT, path,
			       "not an XGBoost JSON model");
	}
	{
		struct forest fo;
		int rc = model_forest_from_json(buf, (size_t)len, path, &fo,
						err);
		forest_free(&fo);
		if (rc) {
			free(buf);
			return rc;
		}
	}
	if (XGBoosterCreate(NULL, 0, &b) ||
	    XGBoosterSetParam(b, "nthread", "1") ||
	    XGBoosterLoadModelFromBuffer(b, buf, (bst_ulong)len)) {
		free(buf);
		if (b)
			XGBoosterFree(b);
		return xfail(err, path, "not a readable XGBoost model");
	}
	free(buf);
	/* one thread: the dump and any prediction stay on this thread, and
	 * no OpenMP workers spin afterwards (CPU time of analyze --model) */
	XGBoosterSetParam(b, "nthread", "1");
	XGBoosterGetNumFeature(b, &nf);
	out->bst = b;
	out->nfeat = (int)nf;
	/* num_class from the saved configuration */
	if (!XGBoosterSaveJsonConfig(b, &clen, &cfg) && cfg) {
		const char *p = strstr(cfg, "\"num_class\":\"");
		if (p)
			out->nclass = (int)strtol(p + 13, NULL, 10);
	}
	return 0;
}

void xgb_free(struct xgb_model *m)
{
	if (m && m->bst)
		XGBoosterFree(m->bst);
	if (m)
		m->bst = NULL;
}

/* ---- forest ----------------------------------------------------------------
 */

int forest_from_xgb(const struct xgb_model *m, struct forest *f,
		    struct pt_err *err)
{
	bst_ulong len = 0;
	const char *buf = NULL;

	memset(f, 0, sizeof(*f));
	if (XGBoosterSaveModelToBuffer(m->bst, "{\"format\":\"json\"}", &len,
				       &buf))
		return xfail(err, "xgboost", "cannot save the model");
	return model_forest_from_json(buf, (size_t)len, "xgboost", f, err);
}
