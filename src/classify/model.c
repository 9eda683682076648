/*
 * model.c -- a saved classify model, applied flow by flow (see model.h).
 * Prediction uses struct forest (no XGBoost call per flow).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "classify/features.h"
#include "classify/labels.h"
#include "classify/model.h"
#include "classify/xgb.h"

struct clf_model {
	struct xgb_model xm;
	struct forest fo;
	struct lbl_classes cls;
	int ports, nfeat;
	int uses_hosts;	       /* some tree splits on a host_ feature: keep the
				  host context (else it is skipped: speed) */
	struct feat_plan plan; /* what the trees read */
	struct feat_hosts *hosts;
	float *x;
	float prob[16];
};

static int check_features(const char *have, int ports, struct pt_err *err,
			  const char *path)
{
	int n = feat_count(FSET_FULL, 0, ports);
	const char *p = have;
	char nb[64];

	for (int i = 0; i < n; i++) {
		size_t l;
		feat_name(FSET_FULL, 0, ports, i, nb, sizeof(nb));
		l = strlen(nb);
		if (strncmp(p, nb, l) || (p[l] != ',' && p[l] != 0))
			return pt_fail(err, PT_EFORMAT, path,
				       "trained on another feature list "
				       "(feature %d is not %s): retrain with "
				       "this p2ptrace",
				       i, nb);
		p += l + (p[l] == ',');
	}
	if (*p)
		return pt_fail(err, PT_EFORMAT, path,
			       "trained on more features than this p2ptrace "
			       "computes: retrain");
	return 0;
}

int clf_model_load(const char *path, struct clf_model **out, struct pt_err *err)
{
	struct clf_model *m = calloc(1, sizeof(*m));
	const char *a;
	int rc;

	*out = NULL;
	if (!m)
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	if ((rc = xgb_load(path, &m->xm, err)))
		goto fail;
	a = xgb_get_attr(&m->xm, "p2ptrace_format");
	if (!a || strcmp(a, CLF_FORMAT)) {
		rc = pt_fail(err, PT_EFORMAT, path,
			     "an XGBoost model, but not one written by "
			     "`p2ptrace classify train` (no p2ptrace_format "
			     "attribute %s)",
			     CLF_FORMAT);
		goto fail;
	}
	a = xgb_get_attr(&m->xm, "p2ptrace_target");
	if (a && strcmp(a, "flows")) {
		rc = pt_fail(err, PT_EFORMAT, path,
			     "a model of %s, not of flows", a);
		goto fail;
	}
	a = xgb_get_attr(&m->xm, "p2ptrace_use_ports");
	m->ports = a && !strcmp(a, "1");
	a = xgb_get_attr(&m->xm, "p2ptrace_classes");
	if (!a || (rc = lbl_classes_parse(a, &m->cls, err))) {
		rc = pt_fail(err, PT_EFORMAT, path,
			     "p2ptrace_classes attribute missing or bad");
		goto fail;
	}
	a = xgb_get_attr(&m->xm, "p2ptrace_features");
	if (!a) {
		rc = pt_fail(err, PT_EFORMAT, path,
			     "p2ptrace_features attribute missing");
		goto fail;
	}
	if ((rc = check_features(a, m->ports, err, path)))
		goto fail;
	m->nfeat = feat_count(FSET_FULL, 0, m->ports);
	if (m->xm.nclass != m->cls.n || m->xm.nfeat != m->nfeat) {
		rc = pt_fail(err, PT_EFORMAT, path,
			     "booster has %d classes / %d features, metadata "
			     "says %d / %d",
			     m->xm.nclass, m->xm.nfeat, m->cls.n, m->nfeat);
		goto fail;
	}
	if ((rc = forest_from_xgb(&m->xm, &m->fo, err)))
		goto fail;
	if (feat_plan_init(&m->plan, m->fo.used, m->fo.nused, m->ports)) {
		rc = pt_fail(err, PT_ENOMEM, path, "out of memory");
		goto fail;
	}
	m->uses_hosts = !!(m->plan.groups & FG_HOST);
	m->hosts = feat_hosts_new();
	m->x = calloc((size_t)m->nfeat, sizeof(float));
	if (!m->hosts || !m->x) {
		rc = pt_fail(err, PT_ENOMEM, path, "out of memory");
		goto fail;
	}
	*out = m;
	return 0;
fail:
	clf_model_free(m);
	return rc ? rc : PT_EFORMAT;
}

int clf_model_predict_x(struct clf_model *m, const float *x, const char **cls,
			double *prob)
{
	int b = 0;

	forest_predict(&m->fo, x, m->prob);
	for (int c = 1; c < m->cls.n; c++)
		if (m->prob[c] > m->prob[b])
			b = c;
	*cls = m->cls.name[b];
	*prob = m->prob[b];
	return 0;
}

int clf_model_predict(struct clf_model *m, const struct flow *f,
		      const char **cls, double *prob)
{
	struct host_feats hf;

	*cls = "";
	*prob = 0;
	if (!m)
		return -1;
	if (!m->uses_hosts)
		hf.pair_tcp_udp = hf.resp_peer_ips = hf.resp_peer_ports =
			hf.orig_peer_ips = hf.orig_peer_ports = hf.orig_rate =
				NAN;
	else if (feat_hosts_add(m->hosts, f, &hf))
		return -1;
	feat_full_some(f, &hf, m->ports, &m->plan, m->x);
	return clf_model_predict_x(m, m->x, cls, prob);
}

void clf_model_reset_hosts(struct clf_model *m)
{
	if (m)
		feat_hosts_reset(m->hosts);
}

int clf_model_uses_ports(const struct clf_model *m)
{
	return m->ports;
}

int clf_model_uses_hosts(const struct clf_model *m)
{
	return m->uses_hosts;
}

int clf_model_nfeat(const struct clf_model *m)
{
	return m->nfeat;
}

void clf_model_free(struct clf_model *m)
{
	if (!m)
		return;
	forest_free(&m->fo);
	xgb_free(&m->xm);
	feat_hosts_free(m->hosts);
	feat_plan_free(&m->plan);
	free(m->x);
	free(m);
}
