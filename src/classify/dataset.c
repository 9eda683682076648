/*
 * dataset.c -- traces -> labeled feature rows (see dataset.h).
 *
 * One engine run per trace file, with fine bins on. Each ended flow is
 * added to the trace's host context (Karagiannis features), turned into a
 * feature vector and joined to its label. Windows (node figures per
 * window) are kept too, for the working-mode classifier.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include "p2ptrace/catalog.h"
#include "p2ptrace/ndpi.h"
#include "p2ptrace/source.h"
#include "classify/dataset.h"

const char *lsrc_name(enum lsrc s)
{
	switch (s) {
	case LS_AUTO:
		return "auto";
	case LS_CATALOG:
		return "catalog";
	case LS_NDPI:
		return "ndpi";
	case LS_NDPI_OUT:
		return "ndpi-out";
	case LS_NDPI_ANY:
		return "ndpi-any";
	}
	return "?";
}

void ds_opts_init(struct ds_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->label = LS_AUTO;
	o->label_key = "app";
	engine_cfg_init(&o->cfg);
	o->cfg.ft.fine_bins = 1;
	o->cfg.window_ns = 10ull * 1000000000ull;
}

static int name_index(struct dataset *ds, const char *v, struct pt_err *err)
{
	char **nn;

	for (int i = 0; i < ds->nnames; i++)
		if (!strcmp(ds->names[i], v))
			return i;
	nn = realloc(ds->names, (size_t)(ds->nnames + 1) * sizeof(*nn));
	if (!nn)
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	ds->names = nn;
	if (!(nn[ds->nnames] = strdup(v)))
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	return ds->nnames++;
}

static int add_group(struct dataset *ds, const char *path, const char *node,
		     struct pt_err *err)
{
	char **g = realloc(ds->group, (size_t)(ds->ngroup + 1) * sizeof(*g));
	char **n;

	if (!g)
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	ds->group = g;
	n = realloc(ds->gnode, (size_t)(ds->ngroup + 1) * sizeof(*n));
	if (!n)
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	ds->gnode = n;
	{
		int *ga = realloc(ds->garg,
				  (size_t)(ds->ngroup + 1) * sizeof(*ga));
		if (!ga)
			return pt_fail(err, PT_ENOMEM, "dataset",
				       "out of memory");
		ds->garg = ga;
		ga[ds->ngroup] = ds->cur_arg;
	}
	g[ds->ngroup] = strdup(path);
	n[ds->ngroup] = strdup(node);
	if (!g[ds->ngroup] || !n[ds->ngroup])
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	return ds->ngroup++;
}

/* ---- one trace ------------------------------------------------------------
 */

struct run {
	struct dataset *ds;
	const struct ds_opts *o;
	struct feat_hosts *hosts;
	const struct lbl_set *lbl; /* per-flow labels, or NULL */
	int node_label;		   /* name index of the node's label, or -1 */
	enum lsrc src;
	const char *trace;
	int group;
	int failed;
	struct pt_err err;
};

static int grow_rows(struct dataset *ds)
{
	int nc;
	float *nx;
	struct ds_meta *nm;

	if (ds->n < ds->cap)
		return 0;
	nc = ds->cap ? ds->cap * 2 : 1024;
	nx = realloc(ds->x, (size_t)nc * (size_t)ds->nfeat * sizeof(*nx));
	if (!nx)
		return -1;
	ds->x = nx;
	nm = realloc(ds->m, (size_t)nc * sizeof(*nm));
	if (!nm)
		return -1;
	ds->m = nm;
	ds->cap = nc;
	return 0;
}

/* Features whose names start with one of the comma-separated prefixes
 * become missing. */
static void drop_features(const struct dataset *ds, const char *drop, float *x)
{
	char nb[64];

	for (int i = 0; i < ds->nfeat; i++) {
		const char *p = drop, *nm;
		nm = feat_name(FSET_FULL, 0, ds->ports, i, nb, sizeof(nb));
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			if (n && !strncmp(nm, p, n))
				x[i] = NAN;
			if (!c)
				break;
			p = c + 1;
		}
	}
}

static void on_flow(void *arg, const struct node_info *n, const struct flow *f,
		    enum flow_end why)
{
	struct run *r = arg;
	struct dataset *ds = r->ds;
	struct ds_meta *m;
	struct host_feats hf;
	int fine = -1;

	(void)n;
	(void)why;
	if (r->failed)
		return;
	ds->flows_seen++;
	if (feat_hosts_add(r->hosts, f, &hf)) {
		r->failed =
			pt_fail(&r->err, PT_ENOMEM, r->trace, "out of memory");
		return;
	}
	if (r->lbl) {
		const struct lbl_entry *e = lbl_find(r->lbl, f);
		const char *cls =
			e ? lbl_class_of_ndpi(e->name, r->trace) : NULL;
		if (cls && !e->dpi && !r->o->all_confidence) {
			ds->flows_lowconf++;
			cls = NULL;
		}
		if (cls) {
			fine = name_index(ds, cls, &r->err);
			if (fine < 0) {
				r->failed = fine;
				return;
			}
		}
	} else {
		fine = r->node_label;
	}
	if (f->dir[0].pkts + f->dir[1].pkts < r->o->min_pkts) {
		ds->flows_small++;
		return;
	}
	if (fine < 0)
		ds->flows_unlabeled++;
	if (fine < 0 && !r->o->keep_unlabeled)
		return;
	if (grow_rows(ds)) {
		r->failed =
			pt_fail(&r->err, PT_ENOMEM, r->trace, "out of memory");
		return;
	}
	m = &ds->m[ds->n];
	memset(m, 0, sizeof(*m));
	feat_full(f, &hf, ds->ports, ds->x + (size_t)ds->n * ds->nfeat);
	if (r->o->drop)
		drop_features(ds, r->o->drop,
			      ds->x + (size_t)ds->n * ds->nfeat);
	m->key = f->key;
	m->orig_is_a = f->orig_is_a;
	m->nfirst = f->nfirst;
	m->lsrc = (uint8_t)r->src;
	m->sport = flow_sport(f);
	m->dport = flow_dport(f);
	memcpy(m->first_len, f->first_len, sizeof(m->first_len));
	memcpy(m->first_dir, f->first_dir, sizeof(m->first_dir));
	memcpy(m->first_us, f->first_us, sizeof(m->first_us));
	feat_bins(f, m->bins);
	m->hf = hf;
	m->first_ns = flow_first_ns(f);
	m->pkts = f->dir[0].pkts + f->dir[1].pkts;
	m->group = r->group;
	m->fine = fine;
	m->y = -1;
	ds->n++;
}

static const char *const win_names[WIN_NFEAT] = {
	"pkts",
	"bytes_B",
	"flows",
	"flows_initiated",
	"conv_per_s",
	"conv_init_per_s",
	"pkts_per_s",
	"bytes_per_s",
	"avg_pkt_size_B",
	"up_pkt_share",
	"up_byte_share",
	"duration_s",
	"plen_0_19_frac",
	"plen_20_39_frac",
	"plen_40_79_frac",
	"plen_80_159_frac",
	"plen_160_319_frac",
	"plen_320_639_frac",
	"plen_640_1279_frac",
	"plen_1280_2559_frac",
	"plen_2560_5119_frac",
	"plen_5120_up_frac",
	"up_plen_40_79_frac",
	"up_plen_1280_2559_frac",
	"down_plen_40_79_frac",
	"down_plen_1280_2559_frac",
	"window_s",
	"flows_per_pkt",
};

const char *ds_win_feat_name(int i)
{
	return i >= 0 && i < WIN_NFEAT ? win_names[i] : "?";
}

static float frac(uint64_t a, uint64_t b)
{
	return b ? (float)((double)a / (double)b) : 0.0f;
}

static void on_window(void *arg, const struct node_info *n, uint64_t start,
		      uint64_t len, const struct node_figs *w)
{
	struct run *r = arg;
	struct dataset *ds = r->ds;
	struct ds_win *v;
	double secs = (double)len / 1e9;

	(void)n;
	if (r->failed || !w->pkts || r->node_label < 0)
		return;
	if (ds->nwin == ds->capwin) {
		int nc = ds->capwin ? ds->capwin * 2 : 256;
		struct ds_win *nw = realloc(ds->win, (size_t)nc * sizeof(*nw));
		if (!nw) {
			r->failed = pt_fail(&r->err, PT_ENOMEM, r->trace,
					    "out of memory");
			return;
		}
		ds->win = nw;
		ds->capwin = nc;
	}
	v = &ds->win[ds->nwin++];
	memset(v, 0, sizeof(*v));
	v->group = r->group;
	v->fine = r->node_label;
	v->y = -1;
	v->start_ns = start;
	v->x[0] = (float)w->pkts;
	v->x[1] = (float)w->bytes;
	v->x[2] = (float)w->flows;
	v->x[3] = (float)w->flows_initiated;
	v->x[4] = (float)((double)w->flows / secs);
	v->x[5] = (float)((double)w->flows_initiated / secs);
	v->x[6] = (float)((double)w->pkts / secs);
	v->x[7] = (float)((double)w->bytes / secs);
	v->x[8] = frac(w->bytes, w->pkts);
	v->x[9] = w->pkts_up + w->pkts_down
			  ? frac(w->pkts_up, w->pkts_up + w->pkts_down)
			  : NAN;
	v->x[10] = w->bytes_up + w->bytes_down
			   ? frac(w->bytes_up, w->bytes_up + w->bytes_down)
			   : NAN;
	v->x[11] = (float)((double)(w->last_ns - w->first_ns) / 1e9);
	for (int b = 0; b < PLEN_NBINS; b++)
		v->x[12 + b] = frac(w->plen[b], w->pkts);
	v->x[22] = frac(w->plen_up[2], w->pkts_up);
	v->x[23] = frac(w->plen_up[7], w->pkts_up);
	v->x[24] = frac(w->plen_down[2], w->pkts_down);
	v->x[25] = frac(w->plen_down[7], w->pkts_down);
	v->x[26] = (float)secs;
	v->x[27] = frac(w->flows, w->pkts);
}

static void on_warn(void *arg, const struct pt_err *w)
{
	(void)arg;
	fprintf(stderr, "p2ptrace: warning: %s: %s\n", w->where, w->msg);
}

static void ndpi_cb(void *arg, const struct ptndpi_flow *f)
{
	struct lbl_set *s = arg;
	struct lbl_entry e;

	memset(&e, 0, sizeof(e));
	e.proto = f->proto;
	e.ipver = f->ipver;
	e.port[0] = f->port[0];
	e.port[1] = f->port[1];
	memcpy(e.addr, f->addr, sizeof(e.addr));
	snprintf(e.name, sizeof(e.name), "%s", f->name);
	e.dpi = f->dpi;
	lbl_set_add(s, &e, NULL);
}

static int file_exists(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* NAME.pcap.ndpi.out or NAME.ndpi.out beside the trace. */
static int find_ndpi_out(const char *path, char *buf, size_t len)
{
	char *dot;

	snprintf(buf, len, "%s.ndpi.out", path);
	if (file_exists(buf))
		return 1;
	snprintf(buf, len, "%s", path);
	dot = strrchr(buf, '.');
	if (dot && !strchr(dot, '/')) {
		snprintf(dot, len - (size_t)(dot - buf), ".ndpi.out");
		if (file_exists(buf))
			return 1;
	}
	return 0;
}

/* Run one trace file; ROW: its catalog row, or NULL. The node's name,
 * labels and address follow catalog.h's trace_node rule. */
static int load_file(struct dataset *ds, const char *path,
		     const struct catalog_row *row, const struct ds_opts *o,
		     struct pt_err *err)
{
	struct trace_node tn;
	const char *labels;
	struct run r;
	struct source *src = NULL;
	struct node_info ni;
	struct engine_stats st;
	struct engine_events ev;
	struct lbl_set lbl;
	char ob[4096], val[128];
	enum lsrc s = o->label;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&lbl, 0, sizeof(lbl));
	r.ds = ds;
	r.o = o;
	r.trace = path;
	r.node_label = -1;
	if ((rc = source_open_file(path, &src, err)))
		return rc;
	trace_node(row, path, source_labels(src), &tn);
	labels = tn.labels;
	if (s == LS_NDPI_ANY)
		s = find_ndpi_out(path, ob, sizeof(ob)) ? LS_NDPI_OUT : LS_NDPI;
	if (s == LS_AUTO)
		s = find_ndpi_out(path, ob, sizeof(ob)) ? LS_NDPI_OUT
		    : labels && label_get(labels, o->label_key, val,
					  sizeof(val))
			    ? LS_CATALOG
			    : LS_NDPI_OUT;
	if (s == LS_NDPI_OUT) {
		if (!find_ndpi_out(path, ob, sizeof(ob)) &&
		    o->labels_optional) {
			s = LS_CATALOG;
		} else if (!find_ndpi_out(path, ob, sizeof(ob))) {
			source_close(src);
			return pt_fail(err, PT_EUSAGE, path,
				       "no labels: no NAME.ndpi.out beside "
				       "it (use --label ndpi, or a lab folder "
				       "with catalog.tsv)");
		} else {
			if ((rc = lbl_read_ndpi_out(ob, &lbl, err))) {
				source_close(src);
				lbl_set_free(&lbl);
				return rc;
			}
			r.lbl = &lbl;
		}
	} else if (s == LS_NDPI) {
		if ((rc = ptndpi_label_file(path, ndpi_cb, &lbl, err))) {
			source_close(src);
			lbl_set_free(&lbl);
			return rc;
		}
		r.lbl = &lbl;
	}
	if (labels && label_get(labels, o->label_key, val, sizeof(val)) &&
	    s == LS_CATALOG && (r.node_label = name_index(ds, val, err)) < 0)
		goto fail;
	if (s == LS_CATALOG && r.node_label < 0 && !o->labels_optional) {
		rc = pt_fail(err, PT_EUSAGE, path,
			     "no labels: the node has no '%s=' label",
			     o->label_key);
		goto out;
	}
	r.src = s;
	if ((r.group = add_group(ds, path, tn.name, err)) < 0)
		goto fail;
	if (!(r.hosts = feat_hosts_new())) {
		rc = pt_fail(err, PT_ENOMEM, path, "out of memory");
		goto out;
	}
	memset(&ni, 0, sizeof(ni));
	ni.name = tn.name;
	ni.labels = tn.labels;
	ni.trace = path;
	memcpy(ni.addr, tn.addr, sizeof(ni.addr));
	ni.ipver = tn.ipver;
	memset(&ev, 0, sizeof(ev));
	ev.arg = &r;
	ev.flow = on_flow;
	ev.window = on_window;
	ev.warn = on_warn;
	rc = engine_run(&o->cfg, &ni, &src, 1, &ev, &st, err);
	if (!rc && r.failed) {
		*err = r.err;
		rc = r.failed;
	}
	goto out;
fail:
	rc = err->code ? err->code : PT_ENOMEM;
out:
	feat_hosts_free(r.hosts);
	lbl_set_free(&lbl);
	source_close(src);
	return rc;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

int ds_load(struct dataset *ds, char **traces, int ntraces,
	    const struct ds_opts *o, struct pt_err *err)
{
	struct ds_opts lo;

	memset(ds, 0, sizeof(*ds));
	ds->ports = o->ports;
	lo = *o;
	lo.skip_unreadable = ntraces > 1;
	o = &lo;
	ds->nfeat = feat_count(FSET_FULL, 0, o->ports);
	for (int t = 0; t < ntraces; t++) {
		int rc;

		ds->cur_arg = t;
		if (is_dir(traces[t])) {
			char cp[4096];
			struct catalog *c = NULL;
			struct ds_opts oc = *o;

			if (oc.label == LS_AUTO)
				oc.label = LS_CATALOG;
			snprintf(cp, sizeof(cp), "%s/catalog.tsv", traces[t]);
			if (!file_exists(cp))
				return pt_fail(err, PT_EUSAGE, traces[t],
					       "no labels: a folder must hold "
					       "a lab catalog.tsv");
			if ((rc = catalog_load(cp, &c, err)))
				return rc;
			if (!c->nrows) {
				catalog_free(c);
				return pt_fail(err, PT_EUSAGE, cp,
					       "no labels: the catalog has no "
					       "node");
			}
			for (int i = 0; i < c->nrows && !rc; i++)
				rc = load_file(ds, c->rows[i].trace_path,
					       &c->rows[i], &oc, err);
			catalog_free(c);
			if (rc)
				return rc;
		} else if ((rc = load_file(ds, traces[t], NULL, o, err))) {
			if (!o->skip_unreadable || rc != PT_EFORMAT)
				return rc;
			/* one unreadable file does not stop a corpus run (the
			 * flows read before the error are kept) */
			fprintf(stderr, "p2ptrace: warning: %s: %s: skipped\n",
				err->where, err->msg);
			ds->files_skipped++;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A lab node's label is its application's, but its trace also holds what
 * its kernel sends: ICMP errors (port unreachable to a peer gone) and
 * other flows of neither TCP nor UDP. With a class "other" (exp3-mix's
 * "none of the applications") such flows of a catalog-labeled node are
 * other, not the node's application. */
static void relabel_kernel(struct dataset *ds)
{
	int other = -1;

	for (int c = 0; c < ds->cls.n; c++)
		if (!strcmp(ds->cls.name[c], "other"))
			other = c;
	if (other < 0)
		return;
	for (int i = 0; i < ds->n; i++)
		if (ds->m[i].y >= 0 && ds->m[i].lsrc == LS_CATALOG &&
		    ds->m[i].key.proto != IPPROTO_TCP &&
		    ds->m[i].key.proto != IPPROTO_UDP)
			ds->m[i].y = other;
}

int ds_set_classes(struct dataset *ds, const char *list, enum lsrc src,
		   struct pt_err *err)
{
	int rc;
	int *map;

	if (!list && src == LS_AUTO)
		for (int i = 0; i < ds->n; i++)
			if (ds->m[i].fine >= 0 && ds->m[i].lsrc != LS_CATALOG) {
				src = (enum lsrc)ds->m[i].lsrc;
				break;
			}
	if (!list && src != LS_CATALOG && src != LS_AUTO)
		list = LBL_DEFAULT_CLASSES;
	if (!list && ds->nnames == 1)
		return pt_fail(err, PT_EUSAGE,
			       ds->ngroup ? ds->group[0] : "labels",
			       "only one class (%s) in the labeled data: need "
			       "at least 2",
			       ds->names[0]);
	if (!list && ds->nnames) {
		/* the distinct values seen, sorted */
		char **v = malloc((size_t)ds->nnames * sizeof(*v));
		char buf[16 * 25] = "";
		size_t o = 0;
		if (!v)
			return pt_fail(err, PT_ENOMEM, "dataset",
				       "out of memory");
		memcpy(v, ds->names, (size_t)ds->nnames * sizeof(*v));
		qsort(v, (size_t)ds->nnames, sizeof(*v), cmp_str);
		for (int i = 0; i < ds->nnames && i < 16; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "%s%.23s", i ? "," : "", v[i]);
		free(v);
		rc = lbl_classes_parse(buf, &ds->cls, err);
	} else {
		rc = lbl_classes_parse(list ? list : LBL_DEFAULT_CLASSES,
				       &ds->cls, err);
	}
	if (rc)
		return rc;
	map = malloc((size_t)(ds->nnames + 1) * sizeof(*map));
	if (!map)
		return pt_fail(err, PT_ENOMEM, "dataset", "out of memory");
	for (int i = 0; i < ds->nnames; i++)
		map[i] = lbl_classes_map(&ds->cls, ds->names[i]);
	for (int i = 0; i < ds->n; i++)
		ds->m[i].y = ds->m[i].fine >= 0 ? map[ds->m[i].fine] : -1;
	relabel_kernel(ds);
	for (int i = 0; i < ds->nwin; i++)
		ds->win[i].y = ds->win[i].fine >= 0 ? map[ds->win[i].fine] : -1;
	free(map);
	return 0;
}

void ds_class_counts(const struct dataset *ds, int *cnt)
{
	for (int c = 0; c < ds->cls.n; c++)
		cnt[c] = 0;
	for (int i = 0; i < ds->n; i++)
		if (ds->m[i].y >= 0)
			cnt[ds->m[i].y]++;
}

void ds_free(struct dataset *ds)
{
	for (int i = 0; i < ds->ngroup; i++) {
		free(ds->group[i]);
		free(ds->gnode[i]);
	}
	for (int i = 0; i < ds->nnames; i++)
		free(ds->names[i]);
	free(ds->group);
	free(ds->gnode);
	free(ds->garg);
	free(ds->names);
	free(ds->x);
	free(ds->m);
	free(ds->win);
	memset(ds, 0, sizeof(*ds));
}
