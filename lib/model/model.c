/*
 * model.c -- the flow model (see model.h): read a model file without
 * XGBoost, check all of it, and predict flow by flow.
 *
 * What is checked, and why: the JSON itself (bounded reader, json.c);
 * p2ptrace's attributes (format, target, classes, the feature list this
 * build computes); XGBoost's learner parameters (objective
 * multi:softprob, gbtree, num_class, num_feature); every tree's arrays
 * (same length as num_nodes, integer indexes, the tree rules of
 * forest_add_tree, parents matching children, no categorical splits, no
 * deleted nodes). XGBoost itself indexes nodes from these arrays without
 * bounds checks, so model_check_buf is what stands between a crafted
 * file and libxgboost.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "p2ptrace/flowfeat.h"
#include "p2ptrace/forest.h"
#include "p2ptrace/model.h"
#include "json.h"

#define CLASS_MAXNAME 24
#define ATTR_MAX 65536 /* longest attribute read (the feature list) */

struct model {
	struct forest fo;
	int nclass;
	char cls[FOREST_MAXCLASS][CLASS_MAXNAME];
	int ports, nfeat;
	int uses_hosts;	       /* some tree splits on a host_ feature: keep the
				  host context (else it is skipped: speed) */
	double unknown_below;  /* open-set threshold, 0 = none */
	struct feat_plan plan; /* what the trees read */
	struct feat_hosts *hosts;
	float *x;
	float prob[FOREST_MAXCLASS];
};

/* One reading: the document, the file's name, the error. */
struct rd {
	struct jdoc d;
	const char *name;
	struct pt_err *err;
};

static int fail(struct rd *r, const char *what)
{
	return pt_fail(r->err, PT_EFORMAT, r->name, "%s", what);
}

static const struct jval *at(struct rd *r, const struct jval *o, const char *a,
			     const char *b, const char *c)
{
	const char *k[3] = { a, b, c };

	return json_path(&r->d, o, k, c ? 3 : b ? 2 : 1);
}

static int attr(struct rd *r, const struct jval *attrs, const char *key,
		char *out, size_t cap)
{
	return json_str(&r->d, json_get(&r->d, attrs, key), out, cap);
}

static int check_features(struct rd *r, const char *have, int ports)
{
	int n = feat_count(FSET_FULL, 0, ports);
	const char *p = have;
	char nb[64];

	for (int i = 0; i < n; i++) {
		size_t l;
		feat_name(FSET_FULL, 0, ports, i, nb, sizeof(nb));
		l = strlen(nb);
		if (strncmp(p, nb, l) || (p[l] != ',' && p[l] != 0))
			return pt_fail(r->err, PT_EFORMAT, r->name,
				       "trained on another feature list "
				       "(feature %d is not %s): retrain with "
				       "this p2ptrace",
				       i, nb);
		p += l + (p[l] == ',');
	}
	if (*p)
		return fail(r, "trained on more features than this p2ptrace "
			       "computes: retrain");
	return 0;
}

static int parse_classes(struct model *m, const char *list)
{
	const char *p = list;

	m->nclass = 0;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (!n || n >= CLASS_MAXNAME || m->nclass == FOREST_MAXCLASS)
			return -1;
		memcpy(m->cls[m->nclass], p, n);
		m->cls[m->nclass][n] = 0;
		if (!strcmp(m->cls[m->nclass], MODEL_UNKNOWN))
			return -1;
		m->nclass++;
		if (!c)
			break;
		p = c + 1;
		if (!*p)
			return -1;
	}
	return m->nclass >= 1 ? 0 : -1;
}

/* p2ptrace's attributes. */
static int read_attrs(struct rd *r, const struct jval *learner, struct model *m)
{
	const struct jval *a = json_get(&r->d, learner, "attributes");
	char v[64];
	int rc;

	if (attr(r, a, "p2ptrace_format", v, sizeof(v)) ||
	    strcmp(v, MODEL_FORMAT))
		return pt_fail(r->err, PT_EFORMAT, r->name,
			       "an XGBoost model, but not one written by "
			       "`p2ptrace classify train` (no "
			       "p2ptrace_format attribute %s)",
			       MODEL_FORMAT);
	if (!attr(r, a, "p2ptrace_target", v, sizeof(v)) && strcmp(v, "flows"))
		return pt_fail(r->err, PT_EFORMAT, r->name,
			       "a model of %s, not of flows", v);
	m->ports = !attr(r, a, "p2ptrace_use_ports", v, sizeof(v)) &&
		   !strcmp(v, "1");
	{
		char *big = malloc(ATTR_MAX);
		if (!big)
			return pt_fail(r->err, PT_ENOMEM, r->name,
				       "out of memory");
		if (attr(r, a, "p2ptrace_classes", big, ATTR_MAX) ||
		    parse_classes(m, big))
			rc = fail(r, "p2ptrace_classes attribute missing or "
				     "bad (1 to 16 names of 1 to 23 "
				     "characters, not 'unknown')");
		else if (attr(r, a, "p2ptrace_features", big, ATTR_MAX))
			rc = fail(r, "p2ptrace_features attribute missing");
		else
			rc = check_features(r, big, m->ports);
		free(big);
		if (rc)
			return rc;
	}
	m->nfeat = feat_count(FSET_FULL, 0, m->ports);
	if (!attr(r, a, "p2ptrace_unknown_below", v, sizeof(v))) {
		char *e;
		m->unknown_below = strtod(v, &e);
		if (*e || !(m->unknown_below >= 0 && m->unknown_below <= 1))
			return fail(r, "p2ptrace_unknown_below is not a "
				       "number in [0, 1]");
	}
	return 0;
}

/* XGBoost's parameters: objective, booster, num_class, num_feature. */
static int read_params(struct rd *r, const struct jval *learner,
		       struct model *m, int trees_only)
{
	char v[64];
	double nc, nf;

	if (json_str(&r->d, at(r, learner, "objective", "name", NULL), v,
		     sizeof(v)) ||
	    strcmp(v, "multi:softprob"))
		return fail(r, "objective is not multi:softprob");
	if (json_str(&r->d, at(r, learner, "gradient_booster", "name", NULL), v,
		     sizeof(v)) ||
	    strcmp(v, "gbtree"))
		return fail(r, "booster is not gbtree");
	if (json_num(&r->d,
		     at(r, learner, "learner_model_param", "num_class", NULL),
		     &nc) ||
	    json_num(&r->d,
		     at(r, learner, "learner_model_param", "num_feature", NULL),
		     &nf))
		return fail(r, "learner_model_param: num_class or num_feature "
			       "missing");
	if (trees_only) {
		/* no metadata to compare with: the booster's own numbers */
		if (!(nc >= 1 && nc <= FOREST_MAXCLASS && nf >= 1 &&
		      nf <= 65535))
			return fail(r, "num_class or num_feature out of range");
		m->nclass = (int)nc;
		m->nfeat = (int)nf;
	}
	if (nc != m->nclass || nf != m->nfeat)
		return pt_fail(r->err, PT_EFORMAT, r->name,
			       "booster has %.0f classes / %.0f features, "
			       "metadata says %d / %d",
			       nc, nf, m->nclass, m->nfeat);
	return 0;
}

/* An array of n numbers into ints (integral, within [lo, hi]) or floats. */
static int ints(struct rd *r, const struct jval *a, int n, int32_t *out,
		double lo, double hi)
{
	int i = 0;

	if (!a || a->type != J_ARR || a->n != n)
		return -1;
	for (const struct jval *v = json_kid(&r->d, a); v;
	     v = json_next(&r->d, v), i++)
		if (v->type != J_NUM || v->num != floor(v->num) ||
		    v->num < lo || v->num > hi)
			return -1;
		else
			out[i] = (int32_t)v->num;
	return 0;
}

static int floats(struct rd *r, const struct jval *a, int n, float *out)
{
	int i = 0;

	if (!a || a->type != J_ARR || a->n != n)
		return -1;
	for (const struct jval *v = json_kid(&r->d, a); v;
	     v = json_next(&r->d, v), i++)
		if (v->type != J_NUM)
			return -1;
		else
			out[i] = (float)v->num;
	return 0;
}

/* Scratch arrays of one tree. */
struct tarr {
	int32_t *l, *rt, *par, *feat, *st, *dl;
	float *cond, *tmp;
	uint8_t *dleft;
};

static int tarr_alloc(struct tarr *t, int n)
{
	size_t s = (size_t)n + 1;

	memset(t, 0, sizeof(*t));
	t->l = malloc(s * sizeof(int32_t));
	t->rt = malloc(s * sizeof(int32_t));
	t->par = malloc(s * sizeof(int32_t));
	t->feat = malloc(s * sizeof(int32_t));
	t->st = malloc(s * sizeof(int32_t));
	t->dl = malloc(s * sizeof(int32_t));
	t->cond = malloc(s * sizeof(float));
	t->tmp = malloc(s * sizeof(float));
	t->dleft = malloc(s);
	return t->l && t->rt && t->par && t->feat && t->st && t->dl &&
			       t->cond && t->tmp && t->dleft
		       ? 0
		       : -1;
}

static void tarr_free(struct tarr *t)
{
	free(t->l);
	free(t->rt);
	free(t->par);
	free(t->feat);
	free(t->st);
	free(t->dl);
	free(t->cond);
	free(t->tmp);
	free(t->dleft);
}

/* Tree number ti: its arrays, checked, into the forest. */
static int read_tree(struct rd *r, const struct jval *tv, int ti, int klass,
		     struct model *m)
{
	static const char *const extra[] = { "base_weights", "loss_changes",
					     "sum_hessian" };
	static const char *const cats[] = { "categories", "categories_nodes",
					    "categories_segments",
					    "categories_sizes" };
	const struct jval *c;
	char where[64];
	struct tarr t;
	double n, v;
	int rc = PT_EFORMAT;

	snprintf(where, sizeof(where), "tree %d", ti);
	if (json_num(&r->d, at(r, tv, "tree_param", "num_nodes", NULL), &n) ||
	    n < 1 || n > FOREST_MAXNODES || n != floor(n))
		return pt_fail(r->err, PT_EFORMAT, r->name,
			       "%s: tree_param.num_nodes missing or not in "
			       "1..%d",
			       where, FOREST_MAXNODES);
	if (json_num(&r->d, at(r, tv, "tree_param", "num_deleted", NULL), &v) ||
	    v != 0 ||
	    json_num(&r->d, at(r, tv, "tree_param", "num_feature", NULL), &v) ||
	    v != m->nfeat || json_num(&r->d, json_get(&r->d, tv, "id"), &v) ||
	    v != ti)
		return pt_fail(r->err, PT_EFORMAT, r->name,
			       "%s: id, num_deleted or num_feature wrong",
			       where);
	if (tarr_alloc(&t, (int)n)) {
		tarr_free(&t);
		return pt_fail(r->err, PT_ENOMEM, r->name, "out of memory");
	}
	{
		/* each array: its name, where it goes, its allowed range */
		const struct {
			const char *name;
			int32_t *to;
			double lo, hi;
		} ia[] = {
			{ "left_children", t.l, -1, n - 1 },
			{ "right_children", t.rt, -1, n - 1 },
			{ "parents", t.par, 0, 2147483647.0 },
			{ "split_indices", t.feat, 0, m->nfeat - 1 },
			{ "split_type", t.st, 0, 0 }, /* 1 = categorical */
			{ "default_left", t.dl, 0, 1 },
		};
		for (unsigned i = 0; i < sizeof(ia) / sizeof(ia[0]); i++)
			if (ints(r, json_get(&r->d, tv, ia[i].name), (int)n,
				 ia[i].to, ia[i].lo, ia[i].hi)) {
				pt_fail(r->err, PT_EFORMAT, r->name,
					"%s: %s: missing, not %.0f entries "
					"(num_nodes), or a value outside "
					"%.0f..%.0f",
					where, ia[i].name, n, ia[i].lo,
					ia[i].hi);
				goto out;
			}
	}
	if (floats(r, json_get(&r->d, tv, "split_conditions"), (int)n,
		   t.cond)) {
		pt_fail(r->err, PT_EFORMAT, r->name,
			"%s: split_conditions missing or not %.0f numbers",
			where, n);
		goto out;
	}
	for (int i = 0; i < 3; i++)
		if (floats(r, json_get(&r->d, tv, extra[i]), (int)n, t.tmp)) {
			pt_fail(r->err, PT_EFORMAT, r->name,
				"%s: %s missing or not of %.0f numbers", where,
				extra[i], n);
			goto out;
		}
	for (int i = 0; i < 4; i++)
		if (!(c = json_get(&r->d, tv, cats[i])) || c->type != J_ARR ||
		    c->n) {
			pt_fail(r->err, PT_EFORMAT, r->name,
				"%s: categorical splits are not supported "
				"(%s)",
				where, cats[i]);
			goto out;
		}
	for (int i = 0; i < (int)n; i++)
		t.dleft[i] = (uint8_t)t.dl[i];
	{
		char tw[300];
		snprintf(tw, sizeof(tw), "%s: %s", r->name, where);
		if ((rc = forest_add_tree(&m->fo, (int)n, t.l, t.rt, t.feat,
					  t.cond, t.dleft, klass, tw, r->err)))
			goto out;
	}
	/* parents as XGBoost reads them: the root's is 2^31-1, each
	 * child's is the node that points to it */
	rc = PT_EFORMAT;
	if (t.par[0] != 2147483647) {
		pt_fail(r->err, PT_EFORMAT, r->name,
			"%s: the root has a parent", where);
		goto out;
	}
	for (int i = 0; i < (int)n; i++)
		if (t.l[i] >= 0 &&
		    (t.par[t.l[i]] != i || t.par[t.rt[i]] != i)) {
			pt_fail(r->err, PT_EFORMAT, r->name,
				"%s: node %d: its children name another "
				"parent",
				where, i);
			goto out;
		}
	rc = 0;
out:
	tarr_free(&t);
	return rc;
}

static int read_trees(struct rd *r, const struct jval *learner, struct model *m)
{
	const struct jval *mdl =
		at(r, learner, "gradient_booster", "model", NULL);
	const struct jval *trees = json_get(&r->d, mdl, "trees");
	const struct jval *info = json_get(&r->d, mdl, "tree_info");
	const struct jval *tv, *iv;
	double nt, npt;
	int rc, ti = 0;

	if (!trees || trees->type != J_ARR || !info || info->type != J_ARR ||
	    info->n != trees->n || !trees->n)
		return fail(r, "gradient_booster.model: trees and tree_info "
			       "missing or of different lengths");
	if (json_num(&r->d, at(r, mdl, "gbtree_model_param", "num_trees", NULL),
		     &nt) ||
	    nt != trees->n ||
	    json_num(
		    &r->d,
		    at(r, mdl, "gbtree_model_param", "num_parallel_tree", NULL),
		    &npt) ||
	    npt != 1)
		return fail(r, "gbtree_model_param: num_trees is not the "
			       "number of trees, or num_parallel_tree is not "
			       "1");
	if ((rc = forest_init(&m->fo, m->nclass, m->nfeat, r->err)))
		return pt_fail(r->err, PT_EFORMAT, r->name, "%s", r->err->msg);
	for (tv = json_kid(&r->d, trees), iv = json_kid(&r->d, info); tv && iv;
	     tv = json_next(&r->d, tv), iv = json_next(&r->d, iv), ti++) {
		if (iv->type != J_NUM || iv->num != floor(iv->num) ||
		    iv->num < 0 || iv->num >= m->nclass)
			return pt_fail(r->err, PT_EFORMAT, r->name,
				       "tree_info[%d] is not a class of %d", ti,
				       m->nclass);
		if ((rc = read_tree(r, tv, ti, (int)iv->num, m)))
			return rc;
	}
	if ((rc = forest_finish(&m->fo, r->err)))
		return pt_fail(r->err, rc, r->name, "%s", r->err->msg);
	return 0;
}

static int load(const char *buf, size_t len, const char *name, struct model *m,
		int trees_only, struct pt_err *err)
{
	struct rd r;
	char why[128];
	const struct jval *learner;
	int rc;

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.err = err;
	rc = json_parse(&r.d, buf, len, why, sizeof(why));
	if (rc) {
		json_free(&r.d);
		return rc == -2 ? pt_fail(err, PT_ENOMEM, name, "out of memory")
				: pt_fail(err, PT_EFORMAT, name,
					  "not an XGBoost JSON model: %s", why);
	}
	learner = json_get(&r.d, &r.d.v[0], "learner");
	if (!learner || learner->type != J_OBJ)
		rc = fail(&r, "not an XGBoost JSON model (no \"learner\")");
	else if ((trees_only || !(rc = read_attrs(&r, learner, m))) &&
		 !(rc = read_params(&r, learner, m, trees_only)))
		rc = read_trees(&r, learner, m);
	json_free(&r.d);
	return rc;
}

int model_check_buf(const char *buf, size_t len, const char *name,
		    struct pt_err *err)
{
	struct model m;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = load(buf, len, name, &m, 0, err);
	forest_free(&m.fo);
	return rc;
}

int model_forest_from_json(const char *buf, size_t len, const char *name,
			   struct forest *f, struct pt_err *err)
{
	struct model m;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = load(buf, len, name, &m, 1, err);
	if (rc)
		forest_free(&m.fo);
	*f = m.fo;
	return rc;
}

int model_load_buf(const char *buf, size_t len, const char *name,
		   struct model **out, struct pt_err *err)
{
	struct model *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m)
		return pt_fail(err, PT_ENOMEM, name, "out of memory");
	if ((rc = load(buf, len, name, m, 0, err)))
		goto fail;
	if (feat_plan_init(&m->plan, m->fo.used, m->fo.nused, m->ports)) {
		rc = pt_fail(err, PT_ENOMEM, name, "out of memory");
		goto fail;
	}
	m->uses_hosts = !!(m->plan.groups & FG_HOST);
	m->hosts = feat_hosts_new();
	m->x = calloc((size_t)m->nfeat, sizeof(float));
	if (!m->hosts || !m->x) {
		rc = pt_fail(err, PT_ENOMEM, name, "out of memory");
		goto fail;
	}
	*out = m;
	return 0;
fail:
	model_free(m);
	return rc;
}

int model_load(const char *path, struct model **out, struct pt_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;
	int rc;

	*out = NULL;
	if (fd < 0)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return pt_fail(err, PT_EFORMAT, path, "not a regular file");
	}
	if ((unsigned long long)st.st_size > MODEL_MAXFILE) {
		close(fd);
		return pt_fail(err, PT_ELIMIT, path,
			       "%lld bytes: a model file is at most %u",
			       (long long)st.st_size, MODEL_MAXFILE);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return pt_fail(err, PT_EIO, path, "cannot read");
	}
	rc = model_load_buf(buf, got, path, out, err);
	free(buf);
	return rc;
}

void model_probs(struct model *m, const float *x, float *prob)
{
	forest_predict(&m->fo, x, prob);
}

int model_predict_x(struct model *m, const float *x, const char **cls,
		    double *prob)
{
	int b = 0;

	forest_predict(&m->fo, x, m->prob);
	for (int c = 1; c < m->nclass; c++)
		if (m->prob[c] > m->prob[b])
			b = c;
	*prob = m->prob[b];
	if (m->prob[b] < m->unknown_below) {
		*cls = MODEL_UNKNOWN;
		return -1;
	}
	*cls = m->cls[b];
	return b;
}

int model_predict_flow(struct model *m, const struct flow *f, const char **cls,
		       double *prob)
{
	struct host_feats hf;

	*cls = "";
	*prob = 0;
	if (!m)
		return -2;
	if (!m->uses_hosts)
		hf.pair_tcp_udp = hf.resp_peer_ips = hf.resp_peer_ports =
			hf.orig_peer_ips = hf.orig_peer_ports = hf.orig_rate =
				NAN;
	else if (feat_hosts_add(m->hosts, f, &hf))
		return -2;
	feat_full_some(f, &hf, m->ports, &m->plan, m->x);
	return model_predict_x(m, m->x, cls, prob);
}

void model_reset_hosts(struct model *m)
{
	if (m)
		feat_hosts_reset(m->hosts);
}

int model_uses_ports(const struct model *m)
{
	return m->ports;
}

int model_uses_hosts(const struct model *m)
{
	return m->uses_hosts;
}

int model_nfeat(const struct model *m)
{
	return m->nfeat;
}

int model_nclass(const struct model *m)
{
	return m->nclass;
}

const char *model_class(const struct model *m, int i)
{
	return i >= 0 && i < m->nclass ? m->cls[i] : MODEL_UNKNOWN;
}

double model_unknown_below(const struct model *m)
{
	return m->unknown_below;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	forest_free(&m->fo);
	feat_hosts_free(m->hosts);
	feat_plan_free(&m->plan);
	free(m->x);
	free(m);
}
