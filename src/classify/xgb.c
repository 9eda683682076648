/*
 * xgb.c -- XGBoost C API wrapper and the forest evaluator (see xgb.h).
 *
 * The forest is read from XGBoost's own text dump ("0:[f12<3.5] yes=1,
 * no=2,missing=1" / "1:leaf=0.25"); tests/unit/test_classify_xgb.c checks
 * that it gives XGBoost's probabilities.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>
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

int xgb_train(const float *x, int nrow, int ncol, const int *y, int nclass,
	      const struct xgb_params *p, struct xgb_model *out,
	      struct pt_err *err)
{
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	float *lab = NULL, *w = NULL;
	int *cnt = NULL, rc = 0;
	char buf[64];

	quiet();
	memset(out, 0, sizeof(*out));
	if (nrow < 1)
		return pt_fail(err, PT_EUSAGE, "train", "no labeled flows");
	lab = malloc((size_t)nrow * sizeof(*lab));
	w = malloc((size_t)nrow * sizeof(*w));
	cnt = calloc((size_t)nclass, sizeof(*cnt));
	if (!lab || !w || !cnt) {
		rc = pt_fail(err, PT_ENOMEM, "train", "out of memory");
		goto out;
	}
	for (int i = 0; i < nrow; i++) {
		lab[i] = (float)y[i];
		cnt[y[i]]++;
	}
	{
		int present = 0;
		for (int c = 0; c < nclass; c++)
			present += cnt[c] > 0;
		for (int i = 0; i < nrow; i++)
			w[i] = p->balance
				       ? (float)((double)nrow /
						 ((double)present * cnt[y[i]]))
				       : 1.0f;
	}
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
	free(cnt);
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
			out->nclass = atoi(p + 13);
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

static int grow_nodes(struct forest *f, int need, int *cap)
{
	if (need <= *cap)
		return 0;
	int nc = *cap ? *cap * 2 : 4096;
	while (nc < need)
		nc *= 2;
	struct forest_node *n = realloc(f->nodes, (size_t)nc * sizeof(*n));
	if (!n)
		return -1;
	f->nodes = n;
	*cap = nc;
	return 0;
}

/* One tree's text dump into nodes[base ...]; node id k -> base + k. */
static int parse_tree(const char *s, struct forest *f, int base, int *cap,
		      int *maxid)
{
	const char *p = s;

	*maxid = -1;
	while (*p) {
		char *e;
		long id;
		struct forest_node nd;

		while (*p == '\t' || *p == '\n' || *p == ' ')
			p++;
		if (!*p)
			break;
		id = strtol(p, &e, 10);
		if (e == p || *e != ':' || id < 0 || id > 1000000)
			return -1;
		p = e + 1;
		memset(&nd, 0, sizeof(nd));
		if (!strncmp(p, "leaf=", 5)) {
			nd.feat = -1;
			nd.val = strtof(p + 5, &e);
			if (e == p + 5)
				return -1;
			nd.yes = nd.no = nd.missing = -1;
		} else if (!strncmp(p, "[f", 2)) {
			long fi = strtol(p + 2, &e, 10), y, n, m;
			if (*e != '<')
				return -1;
			nd.feat = (int32_t)fi;
			nd.val = strtof(e + 1, &e);
			if (sscanf(e, "] yes=%ld,no=%ld,missing=%ld", &y, &n,
				   &m) != 3)
				return -1;
			nd.yes = (int32_t)(base + y);
			nd.no = (int32_t)(base + n);
			nd.missing = (int32_t)(base + m);
		} else {
			return -1;
		}
		if (grow_nodes(f, base + (int)id + 1, cap))
			return -2;
		f->nodes[base + id] = nd;
		if (id > *maxid)
			*maxid = (int)id;
		p = strchr(p, '\n');
		if (!p)
			break;
	}
	return *maxid >= 0 ? 0 : -1;
}

static int depth_of(const struct forest *f, int n, int d)
{
	const struct forest_node *nd = &f->nodes[n];
	int a, b;

	if (nd->feat < 0 || d > 12)
		return d;
	a = depth_of(f, nd->yes, d + 1);
	b = depth_of(f, nd->no, d + 1);
	return a > b ? a : b;
}

/* Node n of the source tree at perfect position i (depth d). */
static void lay(struct forest *f, struct forest_pnode *pn, float *pl, int n,
		int i, int d)
{
	const struct forest_node *nd = &f->nodes[n];
	int ninner = (1 << f->depth) - 1;

	if (d == f->depth) {
		pl[i - ninner] = nd->val;
		return;
	}
	if (nd->feat < 0) {
		/* pass-through: everything goes left, to the same leaf */
		pn[i].thr = INFINITY;
		pn[i].feat = 0;
		pn[i].dleft = 1;
		lay(f, pn, pl, n, 2 * i + 1, d + 1);
		lay(f, pn, pl, n, 2 * i + 2, d + 1);
		return;
	}
	pn[i].thr = nd->val;
	pn[i].dleft = nd->missing == nd->yes;
	pn[i].feat = (uint16_t)nd->feat; /* remapped in perfect() */
	lay(f, pn, pl, nd->yes, 2 * i + 1, d + 1);
	lay(f, pn, pl, nd->no, 2 * i + 2, d + 1);
}

static int perfect(struct forest *f)
{
	int d = 0;
	size_t ni, nl, nt = f->ntrees > 0 ? (size_t)f->ntrees : 0;

	for (int t = 0; t < f->ntrees; t++) {
		int x = depth_of(f, f->root[t], 0);
		if (x > d)
			d = x;
	}
	if (d > 12)
		return -1;
	f->depth = d;
	ni = ((size_t)1 << d) - 1;
	nl = (size_t)1 << d;
	f->pn = calloc(nt * ni + 1, sizeof(*f->pn));
	f->pl = calloc(nt * nl + 1, sizeof(*f->pl));
	if (!f->pn || !f->pl)
		return -1;
	for (int t = 0; t < f->ntrees; t++)
		lay(f, f->pn + (size_t)t * ni, f->pl + (size_t)t * nl,
		    f->root[t], 0, 0);
	/* the used features (pass-through nodes: thr +inf, feature 0,
	 * missing left: everything goes left) */
	{
		int32_t *map = malloc(((size_t)f->nfeat + 1) * sizeof(int32_t));
		if (!map)
			return -1;
		for (int j = 0; j < f->nfeat; j++)
			map[j] = -1;
		f->nused = 0;
		f->used = malloc(((size_t)f->nfeat + 1) * sizeof(int32_t));
		if (!f->used) {
			free(map);
			return -1;
		}
		for (int i = 0; i < f->nnodes; i++) {
			int j = f->nodes[i].feat;
			if (j >= 0 && map[j] < 0) {
				map[j] = f->nused;
				f->used[f->nused++] = j;
			}
		}
		if (f->nused > FOREST_MAXUSED) {
			free(map);
			return -1;
		}
		for (size_t i = 0; i < nt * ni; i++) {
			struct forest_pnode *q = &f->pn[i];
			if (isinf(q->thr) && q->thr > 0) {
				q->feat = 0;
				continue;
			}
			/* q->feat stays the feature index */
		}
		free(map);
	}
	return 0;
}

int forest_uses(const struct forest *f, int i)
{
	for (int u = 0; u < f->nused; u++)
		if (f->used[u] == i)
			return 1;
	return 0;
}

int forest_from_xgb(const struct xgb_model *m, struct forest *f,
		    struct pt_err *err)
{
	bst_ulong n = 0;
	const char **dump = NULL;
	int cap = 0, base = 0;

	memset(f, 0, sizeof(*f));
	if (XGBoosterDumpModelEx(m->bst, "", 0, "text", &n, &dump))
		return xfail(err, "xgboost", "cannot dump the model");
	f->nclass = m->nclass > 1 ? m->nclass : 1;
	f->nfeat = m->nfeat;
	f->ntrees = (int)n;
	f->root = malloc((n + 1) * sizeof(*f->root));
	f->klass = malloc((n + 1) * sizeof(*f->klass));
	if (!f->root || !f->klass) {
		forest_free(f);
		return pt_fail(err, PT_ENOMEM, "forest", "out of memory");
	}
	for (bst_ulong t = 0; t < n; t++) {
		int maxid, rc = parse_tree(dump[t], f, base, &cap, &maxid);
		if (rc) {
			forest_free(f);
			return pt_fail(err, rc == -2 ? PT_ENOMEM : PT_EFORMAT,
				       "forest",
				       "cannot read tree %llu of "
				       "the model dump",
				       (unsigned long long)t);
		}
		f->root[t] = base;
		f->klass[t] = (int32_t)(t % (bst_ulong)f->nclass);
		base += maxid + 1;
	}
	f->nnodes = base;
	for (int i = 0; i < f->nnodes; i++)
		if (f->nodes[i].feat >= f->nfeat || f->nodes[i].feat > 65535) {
			forest_free(f);
			return pt_fail(err, PT_EFORMAT, "forest",
				       "split on feature %d of %d",
				       f->nodes[i].feat, f->nfeat);
		}
	if (perfect(f)) {
		forest_free(f);
		return pt_fail(err, PT_EFORMAT, "forest",
			       "trees deeper than 12 or out of memory");
	}
	return 0;
}

static inline int step(const struct forest_pnode *pn, const float *x, int i)
{
	float v = x[pn[i].feat];
	/* NaN: v < thr is false; then the node's default direction
	 * (no branch: the direction is data-dependent) */
	int left = (v < pn[i].thr) | ((v != v) & pn[i].dleft);

	return 2 * i + 2 - left;
}

void forest_predict(const struct forest *f, const float *xin, float *prob)
{
	float m[64], mx = -INFINITY, sum = 0;
	const float *x = xin;
	int k = f->nclass < 64 ? f->nclass : 64, t = 0;
	int ni = (1 << f->depth) - 1, nl = 1 << f->depth, D = f->depth;

	for (int c = 0; c < k; c++)
		m[c] = 0;
	/* four trees side by side: independent chains of loads */
	for (; t + 4 <= f->ntrees; t += 4) {
		const struct forest_pnode *p0 = f->pn + (size_t)t * ni;
		const struct forest_pnode *p1 = p0 + ni, *p2 = p1 + ni,
					  *p3 = p2 + ni;
		int i0 = 0, i1 = 0, i2 = 0, i3 = 0;
		for (int d = 0; d < D; d++) {
			i0 = step(p0, x, i0);
			i1 = step(p1, x, i1);
			i2 = step(p2, x, i2);
			i3 = step(p3, x, i3);
		}
		m[f->klass[t]] += f->pl[(size_t)t * nl + i0 - ni];
		m[f->klass[t + 1]] += f->pl[(size_t)(t + 1) * nl + i1 - ni];
		m[f->klass[t + 2]] += f->pl[(size_t)(t + 2) * nl + i2 - ni];
		m[f->klass[t + 3]] += f->pl[(size_t)(t + 3) * nl + i3 - ni];
	}
	for (; t < f->ntrees; t++) {
		const struct forest_pnode *p0 = f->pn + (size_t)t * ni;
		int i0 = 0;
		for (int d = 0; d < D; d++)
			i0 = step(p0, x, i0);
		m[f->klass[t]] += f->pl[(size_t)t * nl + i0 - ni];
	}
	for (int c = 0; c < k; c++)
		if (m[c] > mx)
			mx = m[c];
	for (int c = 0; c < k; c++)
		sum += (m[c] = expf(m[c] - mx));
	for (int c = 0; c < k; c++)
		prob[c] = m[c] / sum;
}

void forest_free(struct forest *f)
{
	free(f->used);
	free(f->root);
	free(f->klass);
	free(f->nodes);
	free(f->pn);
	free(f->pl);
	memset(f, 0, sizeof(*f));
}
