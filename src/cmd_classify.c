/*
 * cmd_classify.c -- `p2ptrace classify train|eval|predict`: learn
 * applications (or node working modes) from labeled flows, evaluate by
 * trace file against the port, Karagiannis and size-bin baselines, and
 * label new traffic. The parts live in src/classify/; docs/classify.md.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/dataset.h"
#include "classify/eval.h"
#include "classify/openset.h"
#include "classify/score.h"
#include "p2ptrace/model.h"
#include "classify/xgb.h"
#include "tool.h"

struct copts {
	struct ds_opts ds;
	struct eval_opts ev;
	const char *model, *classes;
	int json, kfold;
	double unknown_q;     /* open-set quantile (0: no threshold) */
	int unknown_given;    /* --unknown-quantile on the command line */
	struct score_opts sc; /* eval --model */
	char **traces, **train, **test;
	int ntraces, ntrain, ntest;
	char dropbuf[512];
};

/* --compact: a model cheap enough for `analyze --model` (docs/classify.md,
 * "Speed"): few shallow trees and no host features, so prediction skips
 * the host context. */
#define COMPACT_ROUNDS 2
#define COMPACT_DEPTH 4
#define COMPACT_ETA 0.8

/* --portable: features a network or a capture sets rather than the
 * application (docs/classify.md, "Transfer"): times between packets and
 * the flow's length depend on the path's RTT and rate; packet and byte
 * totals, and the counts of PSH and of bare ACK packets, on how long the
 * capture ran; SYN/FIN/RST counts and the OR of
 * the flags on whether the capture saw the flow start and end; the host
 * features on how many hosts the network has (a lab of 50 nodes against
 * an office or an ISP link). */
#define PORTABLE_DROP                                                          \
	"duration_s,fwd_iat,rev_iat,first2_gap,first3_gap,first4_gap,"          \
	"first5_gap,first6_gap,first7_gap,first8_gap,first9_gap,first10_gap,"   \
	"fwd_pkts,rev_pkts,fwd_bytes,rev_bytes,fwd_payload,rev_payload,"        \
	"fwd_syn,rev_syn,fwd_fin,rev_fin,fwd_rst,rev_rst,fwd_tcp_flags,"        \
	"rev_tcp_flags,fwd_psh,rev_psh,fwd_ack_only,rev_ack_only,host_"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2ptrace classify train --model FILE [OPTIONS] TRACE...\n"
		"       p2ptrace classify eval --train TRACE... --test TRACE... "
		"[OPTIONS]\n"
		"       p2ptrace classify eval --kfold K [OPTIONS] TRACE...\n"
		"       p2ptrace classify eval --model FILE [OPTIONS] TRACE...  "
		"(score a saved model)\n"
		"       p2ptrace classify predict --model FILE TRACE...\n"
		"A TRACE is a pcap/pcapng with NAME.ndpi.out beside it, or a "
		"lab output\nfolder with its catalog.tsv. Evaluation splits "
		"by trace file, never by flow.\n\n"
		"  --label SRC      catalog | ndpi | ndpi-out | ndpi-any "
		"(ndpi-out when the\n"
		"                   file is there, else ndpi; default: "
		"catalog for folders,\n"
		"                   else NAME.ndpi.out)\n"
		"  --label-key K    catalog label naming the class (default "
		"app)\n"
		"  --classes LIST   class names, comma-separated (default for "
		"nDPI labels:\n"
		"                   " LBL_DEFAULT_CLASSES ")\n"
		"  --all-confidence also flows nDPI labeled by port or guess\n"
		"  --use-ports      port numbers are features\n"
		"  --min-pkts N     leave out flows of fewer than N packets "
		"(default 1)\n"
		"  --train-min-pkts N  training leaves out flows of fewer "
		"than N packets\n"
		"                   (they are still predicted and scored)\n"
		"  --node-min-pkts N   eval: the per-node decision and the "
		"model_min_pkts\n"
		"                   figure use flows of >= N packets (default 3)\n"
		"  --compact        a model for analyze --model: --rounds 2 "
		"--depth 4 --eta 0.8,\n"
		"                   no host_ features (options after it "
		"override)\n"
		"  --drop-features P,P  features whose names start so are "
		"missing (ablation)\n"
		"  --portable       train without the features that depend on "
		"the network's\n"
		"                   timing (gaps, duration), its size (host_), "
		"or the capture's\n"
		"                   length (packet and byte totals, SYN/FIN/RST "
		"counts)\n"
		"  --unknown-quantile Q  train: open-set threshold = the Q "
		"quantile of the\n"
		"                   best probability over held-out nodes' flows "
		"predicted right\n"
		"                   (default 0.05; 0: no threshold, never "
		"unknown); eval: learn\n"
		"                   one per fold and call flows below it "
		"unknown (default off)\n"
		"  --min-support N  eval --model: a class enters the macro-F1 "
		"with >= N flows (10)\n"
		"  --macro-classes LIST  eval --model: the classes it may "
		"average\n"
		"                   (default " SCORE_APPS ")\n"
		"  --windows        classify node windows (working mode), not "
		"flows\n"
		"  --window S       window length in seconds (default 10)\n"
		"  --seed N         (default 1)   --rounds N (40)   --depth N "
		"(5)   --eta X (0.2)\n"
		"  --segments S     eval: cut each file into S time segments, "
		"each a group\n"
		"  --no-early       eval: skip the early (first N packets) "
		"models\n"
		"  --no-balance     rows weigh 1 (default: every class weighs "
		"the same)\n"
		"  --balance-nodes  also every node (trace file) weighs the "
		"same inside its class\n"
		"  --json           eval: one JSON object (docs/classify.md)\n");
}

static int parse_u(const char *opt, const char *v, uint64_t lo, uint64_t hi,
		   uint64_t *out)
{
	if (!v || tool_parse_u64(v, out) || *out < lo || *out > hi) {
		tool_msg("%s: bad value '%s'", opt, v ? v : "");
		return -1;
	}
	return 0;
}

/* A number in the unit interval: (0, 1] (a rate, with_zero 0) or [0, 1)
 * (a quantile, with_zero 1). */
static int parse_unit(const char *opt, const char *v, int with_zero,
		      double *out)
{
	double d;

	if (tool_parse_double(v, &d) ||
	    !(with_zero ? d >= 0 && d < 1 : d > 0 && d <= 1)) {
		tool_msg("%s: '%s' is not a number in %s", opt, v,
			 with_zero ? "[0, 1)" : "(0, 1]");
		return -1;
	}
	*out = d;
	return 0;
}

/* The parse_* helpers below take one option a with its value v (NULL at
 * the end of the line): 1 when they used v, 0 when a is not theirs (or
 * lacks its value: the caller then calls it unknown), -1 on a bad value
 * (reported). */

/* What the rows are: labels, classes, windows, features, packets. */
static int parse_data(struct copts *o, const char *a, const char *v)
{
	if (!strcmp(a, "--label") && v) {
		if (!strcmp(v, "catalog"))
			o->ds.label = LS_CATALOG;
		else if (!strcmp(v, "ndpi"))
			o->ds.label = LS_NDPI;
		else if (!strcmp(v, "ndpi-out"))
			o->ds.label = LS_NDPI_OUT;
		else if (!strcmp(v, "ndpi-any"))
			o->ds.label = LS_NDPI_ANY;
		else {
			tool_msg("--label: '%s' is not catalog, ndpi, "
				 "ndpi-out or ndpi-any",
				 v);
			return -1;
		}
	} else if (!strcmp(a, "--label-key") && v) {
		o->ds.label_key = v;
	} else if (!strcmp(a, "--classes") && v) {
		o->classes = v;
	} else if (!strcmp(a, "--window")) {
		if (!v || tool_parse_seconds_ns(v, &o->ds.cfg.window_ns) ||
		    !o->ds.cfg.window_ns) {
			tool_msg("--window: bad value '%s'", v ? v : "");
			return -1;
		}
	} else if (!strcmp(a, "--drop-features") && v) {
		if (o->ds.drop == o->dropbuf) {
			size_t l = strlen(o->dropbuf);
			snprintf(o->dropbuf + l, sizeof(o->dropbuf) - l, ",%s",
				 v);
		} else
			o->ds.drop = v;
	} else if (!strcmp(a, "--min-pkts")) {
		if (parse_u(a, v, 1, UINT32_MAX, &o->ds.min_pkts))
			return -1;
	} else {
		return 0;
	}
	return 1;
}

/* How the model learns and when it says unknown. */
static int parse_learn(struct copts *o, const char *a, const char *v)
{
	uint64_t u;

	if (!strcmp(a, "--model") && v) {
		o->model = v;
	} else if (!strcmp(a, "--seed")) {
		if (parse_u(a, v, 0, UINT32_MAX, &o->ev.xp.seed))
			return -1;
	} else if (!strcmp(a, "--rounds")) {
		if (parse_u(a, v, 1, 10000, &u))
			return -1;
		o->ev.xp.rounds = (int)u;
	} else if (!strcmp(a, "--eta") && v) {
		if (parse_unit(a, v, 0, &o->ev.xp.eta))
			return -1;
	} else if (!strcmp(a, "--depth")) {
		if (parse_u(a, v, 1, 20, &u))
			return -1;
		o->ev.xp.max_depth = (int)u;
	} else if (!strcmp(a, "--unknown-quantile") && v) {
		if (parse_unit(a, v, 1, &o->unknown_q))
			return -1;
		o->unknown_given = 1;
	} else if (!strcmp(a, "--train-min-pkts")) {
		if (parse_u(a, v, 1, UINT32_MAX, &o->ev.train_min_pkts))
			return -1;
	} else {
		return 0;
	}
	return 1;
}

/* eval only: folds, segments, scoring. */
static int parse_eval(struct copts *o, const char *a, const char *v)
{
	uint64_t u;

	if (!strcmp(a, "--kfold")) {
		if (parse_u(a, v, 2, 100, &u))
			return -1;
		o->kfold = (int)u;
	} else if (!strcmp(a, "--segments")) {
		if (parse_u(a, v, 1, 100, &u))
			return -1;
		o->ev.segments = (int)u;
	} else if (!strcmp(a, "--min-support")) {
		if (parse_u(a, v, 1, UINT32_MAX, &u))
			return -1;
		o->sc.min_support = (long)u;
	} else if (!strcmp(a, "--macro-classes") && v) {
		o->sc.apps = v;
	} else if (!strcmp(a, "--node-min-pkts")) {
		if (parse_u(a, v, 1, UINT32_MAX, &o->ev.node_min_pkts))
			return -1;
	} else {
		return 0;
	}
	return 1;
}

/* The options without a value: 1 when a is one of them, else 0. */
static int parse_flag(struct copts *o, const char *a, int is_eval)
{
	if (!strcmp(a, "--portable")) {
		size_t l = strlen(o->dropbuf);
		if (o->ds.drop && o->ds.drop != o->dropbuf)
			l = (size_t)snprintf(o->dropbuf, sizeof(o->dropbuf),
					     "%s", o->ds.drop);
		snprintf(o->dropbuf + l, sizeof(o->dropbuf) - l, "%s%s",
			 l ? "," : "", PORTABLE_DROP);
		o->ds.drop = o->dropbuf;
	} else if (!strcmp(a, "--compact")) {
		o->ev.xp.rounds = COMPACT_ROUNDS;
		o->ev.xp.max_depth = COMPACT_DEPTH;
		o->ev.xp.eta = COMPACT_ETA;
		snprintf(o->dropbuf, sizeof(o->dropbuf), "host_%s%s",
			 o->ds.drop ? "," : "", o->ds.drop ? o->ds.drop : "");
		o->ds.drop = o->dropbuf;
	} else if (!strcmp(a, "--use-ports")) {
		o->ds.ports = 1;
	} else if (!strcmp(a, "--all-confidence")) {
		o->ds.all_confidence = 1;
	} else if (!strcmp(a, "--windows")) {
		o->ev.windows = 1;
	} else if (!strcmp(a, "--no-balance")) {
		o->ev.xp.balance = 0;
	} else if (!strcmp(a, "--balance-nodes")) {
		o->ev.xp.balance = 2;
	} else if (!strcmp(a, "--no-early")) {
		o->ev.early = 0;
	} else if (!strcmp(a, "--json") && is_eval) {
		o->json = 1;
	} else {
		return 0;
	}
	return 1;
}

/* Options anywhere; --train / --test switch where bare words go. */
static int parse(int argc, char **argv, struct copts *o, int is_eval)
{
	char ***list = &o->traces;
	int *cnt = &o->ntraces;

	o->traces = calloc((size_t)argc + 1, sizeof(char *));
	o->train = calloc((size_t)argc + 1, sizeof(char *));
	o->test = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->traces || !o->train || !o->test)
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		r = parse_data(o, a, v);
		if (!r)
			r = parse_learn(o, a, v);
		if (!r && is_eval)
			r = parse_eval(o, a, v);
		if (r < 0)
			return -1;
		if (r > 0) {
			i++;
			continue;
		}
		if (parse_flag(o, a, is_eval)) {
			continue;
		} else if (!strcmp(a, "--train") && is_eval) {
			list = &o->train;
			cnt = &o->ntrain;
		} else if (!strcmp(a, "--test") && is_eval) {
			list = &o->test;
			cnt = &o->ntest;
		} else if (a[0] == '-' && a[1] == '-') {
			tool_msg("classify: unknown option or missing value: "
				 "%s",
				 a);
			usage(stderr);
			return -1;
		} else {
			(*list)[(*cnt)++] = argv[i];
		}
	}
	return 0;
}

static void free_opts(struct copts *o)
{
	free(o->traces);
	free(o->train);
	free(o->test);
}

/* Load, name the classes, and refuse data that cannot train anything. */
static int load(struct copts *o, char **tr, int ntr, struct dataset *ds,
		int need_two)
{
	struct pt_err err = { 0 };
	int cnt[16], present = 0, rows = 0, last = -1;

	if (ds_load(ds, tr, ntr, &o->ds, &err) ||
	    ds_set_classes(ds, o->classes, o->ds.label, &err)) {
		tool_perr(&err);
		return 2;
	}
	if (o->ev.windows) {
		memset(cnt, 0, sizeof(cnt));
		for (int i = 0; i < ds->nwin; i++)
			if (ds->win[i].y >= 0)
				cnt[ds->win[i].y]++;
	} else {
		ds_class_counts(ds, cnt);
	}
	for (int c = 0; c < ds->cls.n; c++) {
		rows += cnt[c];
		if (cnt[c]) {
			present++;
			last = c;
		}
	}
	if (!rows) {
		tool_msg("%s%s: no labels: none of the %llu flows has a label "
			 "in the class list",
			 tr[0], ntr > 1 ? " ..." : "",
			 (unsigned long long)ds->flows_seen);
		return 2;
	}
	if (need_two && present < 2) {
		tool_msg("%s%s: only one class (%s, %d %s) in the labeled "
			 "data: need at least 2",
			 tr[0], ntr > 1 ? " ..." : "", ds->cls.name[last], rows,
			 o->ev.windows ? "windows" : "flows");
		return 2;
	}
	return 0;
}

static int features_attr(const struct dataset *ds, int windows, char **out)
{
	size_t cap = 1, len = 0;
	int n = windows ? WIN_NFEAT : ds->nfeat;
	char nb[64], *s;

	for (int i = 0; i < n; i++)
		cap += strlen(windows ? ds_win_feat_name(i)
				      : feat_name(FSET_FULL, 0, ds->ports, i,
						  nb, sizeof(nb))) +
		       1;
	s = malloc(cap);
	if (!s)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *nm = windows ? ds_win_feat_name(i)
					 : feat_name(FSET_FULL, 0, ds->ports, i,
						     nb, sizeof(nb));
		len += (size_t)snprintf(s + len, cap - len, "%s%s",
					i ? "," : "", nm);
	}
	*out = s;
	return 0;
}

/* The rows train learns from: labeled windows, or labeled flows of at
 * least --train-min-pkts packets; row[] maps a flow row back to the
 * dataset, grp[] names its trace file (node). Returns the row count. */
static int train_rows(const struct copts *o, const struct dataset *ds,
		      int ncol, float *x, int *y, int *row, int *grp)
{
	int n = 0;

	if (o->ev.windows) {
		for (int i = 0; i < ds->nwin; i++)
			if (ds->win[i].y >= 0) {
				memcpy(x + (size_t)n * ncol, ds->win[i].x,
				       sizeof(ds->win[i].x));
				grp[n] = ds->win[i].group;
				y[n++] = ds->win[i].y;
			}
	} else {
		for (int i = 0; i < ds->n; i++)
			if (ds->m[i].y >= 0 &&
			    ds->m[i].pkts >= o->ev.train_min_pkts) {
				memcpy(x + (size_t)n * ncol,
				       ds->x + (size_t)i * ncol,
				       (size_t)ncol * sizeof(float));
				row[n] = i;
				grp[n] = ds->m[i].group;
				y[n++] = ds->m[i].y;
			}
	}
	return n;
}

static int do_train(struct copts *o)
{
	struct dataset ds;
	struct xgb_model m;
	struct pt_err err = { 0 };
	float *x = NULL;
	int *y = NULL, *row = NULL, *grp = NULL, n = 0, rc, ncol;
	char *feats = NULL, buf[512];
	struct openset os = { 0 };

	if (!o->model || !o->ntraces) {
		tool_msg("classify train: need --model FILE and at least one "
			 "TRACE");
		return 2;
	}
	if ((rc = load(o, o->traces, o->ntraces, &ds, 1))) {
		ds_free(&ds);
		return rc;
	}
	ncol = o->ev.windows ? WIN_NFEAT : ds.nfeat;
	x = malloc(((size_t)(o->ev.windows ? ds.nwin : ds.n) + 1) *
		   (size_t)ncol * sizeof(float));
	y = malloc(((size_t)(o->ev.windows ? ds.nwin : ds.n) + 1) *
		   sizeof(int));
	row = malloc(((size_t)(o->ev.windows ? ds.nwin : ds.n) + 1) *
		     sizeof(int));
	grp = malloc(((size_t)(o->ev.windows ? ds.nwin : ds.n) + 1) *
		     sizeof(int));
	if (!x || !y || !row || !grp || features_attr(&ds, o->ev.windows, &feats)) {
		tool_msg("out of memory");
		rc = 1;
		goto out;
	}
	n = train_rows(o, &ds, ncol, x, y, row, grp);
	buf[0] = 0;
	for (int c = 0, at = 0; c < ds.cls.n && at < (int)sizeof(buf); c++)
		at += snprintf(buf + at, sizeof(buf) - (size_t)at, "%s%s",
			       c ? "," : "", ds.cls.name[c]);
	if (xgb_train(x, n, ncol, y, grp, ds.cls.n, &o->ev.xp, &m, &err)) {
		tool_perr(&err);
		rc = 1;
		goto out;
	}
	if (!o->ev.windows && o->unknown_q > 0 &&
	    openset_learn(&ds, x, y, row, n, ncol, ds.cls.n, &o->ev.xp,
			  o->unknown_q, &os, &err)) {
		tool_perr(&err);
		xgb_free(&m);
		rc = 1;
		goto out;
	}
	if (os.thr > 0) {
		char t[32];
		snprintf(t, sizeof(t), "%.6f", os.thr);
		if (xgb_set_attr(&m, "p2ptrace_unknown_below", t, &err)) {
			tool_perr(&err);
			xgb_free(&m);
			rc = 1;
			goto out;
		}
		fprintf(stderr,
			"p2ptrace: open set: a flow is unknown below class "
			"probability %.4f (the %.2f quantile over %ld of %ld "
			"flows of held-out nodes predicted right, %d folds "
			"by node)\n",
			os.thr, o->unknown_q, os.right, os.held, os.folds);
	}
	{
		char seed[32];
		snprintf(seed, sizeof(seed), "%" PRIu64, o->ev.xp.seed);
		if (xgb_set_attr(&m, "p2ptrace_format", MODEL_FORMAT, &err) ||
		    xgb_set_attr(&m, "p2ptrace_target",
				 o->ev.windows ? "node_windows" : "flows",
				 &err) ||
		    xgb_set_attr(&m, "p2ptrace_classes", buf, &err) ||
		    xgb_set_attr(&m, "p2ptrace_features", feats, &err) ||
		    xgb_set_attr(&m, "p2ptrace_use_ports", ds.ports ? "1" : "0",
				 &err) ||
		    xgb_set_attr(&m, "p2ptrace_label_source",
				 lsrc_name(o->ds.label), &err) ||
		    xgb_set_attr(&m, "p2ptrace_seed", seed, &err) ||
		    xgb_save(&m, o->model, &err)) {
			tool_perr(&err);
			rc = 1;
		}
	}
	xgb_free(&m);
	if (!rc)
		fprintf(stderr,
			"p2ptrace: trained on %d %s from %d trace file(s), "
			"classes %s -> %s\n",
			n, o->ev.windows ? "windows" : "flows", ds.ngroup, buf,
			o->model);
out:
	free(x);
	free(y);
	free(row);
	free(grp);
	free(feats);
	ds_free(&ds);
	return rc;
}

/* eval --model: a saved model scored on labeled traces (score.h). */
static int do_score(struct copts *o)
{
	struct dataset ds;
	struct model *m = NULL;
	struct score_result r;
	struct pt_err err = { 0 };
	int rc = 0;

	if (o->ntrain || o->ntest || o->kfold || !o->ntraces) {
		tool_msg("classify eval --model FILE: TRACE... only (no "
			 "--kfold, --train or --test)");
		return 2;
	}
	if (model_load(o->model, &m, &err)) {
		tool_perr(&err);
		return 2;
	}
	o->ds.ports = model_uses_ports(m);
	if (ds_load(&ds, o->traces, o->ntraces, &o->ds, &err)) {
		tool_perr(&err);
		model_free(m);
		return 2;
	}
	if (score_run(&ds, m, &o->sc, &r, &err)) {
		tool_perr(&err);
		rc = 1;
	} else if (!r.rows) {
		tool_msg("%s%s: no labels: none of the %llu flows has one",
			 o->traces[0], o->ntraces > 1 ? " ..." : "",
			 (unsigned long long)ds.flows_seen);
		rc = 2;
	} else if (o->json) {
		score_print_json(stdout, &ds, &r);
	} else {
		score_print_text(stdout, &r);
	}
	ds_free(&ds);
	model_free(m);
	return rc;
}

static int same_file(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = ra && rb && !strcmp(ra, rb);

	free(ra);
	free(rb);
	return same;
}

static int do_eval(struct copts *o)
{
	struct dataset ds;
	struct eval_result r;
	struct pt_err err = { 0 };
	int rc, *efold = NULL;

	if (o->model)
		return do_score(o);
	if (o->kfold && (o->ntrain || o->ntest)) {
		tool_msg("classify eval: --kfold or --train/--test, not both");
		return 2;
	}
	if (!o->kfold) {
		if (!o->ntrain || !o->ntest) {
			tool_msg("classify eval: need --train TRACE... --test "
				 "TRACE..., or --kfold K TRACE...");
			return 2;
		}
		for (int i = 0; i < o->ntrain; i++)
			for (int j = 0; j < o->ntest; j++)
				if (same_file(o->train[i], o->test[j])) {
					tool_msg("%s: on both sides of the "
						 "split (train and test)",
						 o->test[j]);
					return 2;
				}
		for (int i = 0; i < o->ntraces; i++)
			o->train[o->ntrain++] = o->traces[i];
		memcpy(o->traces, o->train, (size_t)o->ntrain * sizeof(char *));
		memcpy(o->traces + o->ntrain, o->test,
		       (size_t)o->ntest * sizeof(char *));
		o->ntraces = o->ntrain + o->ntest;
	} else if (!o->ntraces) {
		tool_msg("classify eval --kfold: no TRACE");
		return 2;
	}
	if ((rc = load(o, o->traces, o->ntraces, &ds, 1))) {
		ds_free(&ds);
		return rc;
	}
	if (o->kfold &&
	    o->kfold > ds.ngroup * (o->ev.segments > 1 ? o->ev.segments : 1)) {
		tool_msg("classify eval: --kfold %d needs at least %d trace "
			 "files (have %d)",
			 o->kfold, o->kfold, ds.ngroup);
		ds_free(&ds);
		return 2;
	}
	if (!o->kfold) {
		/* groups are created in load order: train files first; a
		 * catalog folder adds one group per node */
		efold = calloc((size_t)ds.ngroup + 1, sizeof(int));
		if (!efold) {
			ds_free(&ds);
			return 1;
		}
		for (int g = 0; g < ds.ngroup; g++)
			efold[g] = ds.garg[g] < o->ntrain;
	}
	o->ev.kfold = o->kfold;
	/* eval learns a threshold per fold only when asked (it trains the
	 * model OPENSET_FOLDS more times per fold) */
	o->ev.unknown_q = o->unknown_given ? o->unknown_q : 0;
	rc = eval_run(&ds, &o->ev, efold, &r, &err);
	if (rc) {
		tool_perr(&err);
		rc = rc == PT_EUSAGE ? 2 : 1;
	} else {
		if (o->json)
			eval_print_json(stdout, &ds, &o->ev, &r);
		else
			eval_print_text(stdout, &ds, &r);
		if (r.overlap) {
			tool_msg("internal error: %ld groups on both sides of "
				 "a split",
				 r.overlap);
			rc = 1;
		}
	}
	eval_result_free(&r);
	free(efold);
	ds_free(&ds);
	return rc;
}

static int do_predict(struct copts *o)
{
	struct dataset ds;
	struct model *m = NULL;
	struct pt_err err = { 0 };
	int rc = 0;

	if (!o->model || !o->ntraces) {
		tool_msg("classify predict: need --model FILE and at least "
			 "one TRACE");
		return 2;
	}
	if (model_load(o->model, &m, &err)) {
		tool_perr(&err);
		return 2;
	}
	o->ds.keep_unlabeled = 1;
	o->ds.labels_optional = 1;
	o->ds.ports = model_uses_ports(m);
	if (ds_load(&ds, o->traces, o->ntraces, &o->ds, &err)) {
		tool_perr(&err);
		model_free(m);
		return 2;
	}
	printf("trace,src,sport,dst,dport,proto,first_ns,pkts,label,"
	       "label_source,pred_class,pred_prob\n");
	for (int i = 0; i < ds.n; i++) {
		const struct ds_meta *r = &ds.m[i];
		const char *cls;
		double p;
		char a[46], b[46];
		const uint8_t *src = r->orig_is_a ? r->key.a : r->key.b;
		const uint8_t *dst = r->orig_is_a ? r->key.b : r->key.a;

		model_predict_x(m, ds.x + (size_t)i * ds.nfeat, &cls, &p);
		flow_addr_str(src, r->key.ipver, a);
		flow_addr_str(dst, r->key.ipver, b);
		printf("%s,%s,%u,%s,%u,%u,%" PRIu64 ",%" PRIu64 ",%s,%s,%s,"
		       "%.4f\n",
		       ds.group[r->group], a, r->sport, b, r->dport,
		       r->key.proto, r->first_ns, r->pkts,
		       r->fine >= 0 ? ds.names[r->fine] : "",
		       r->fine >= 0 ? lsrc_name((enum lsrc)r->lsrc) : "", cls,
		       p);
	}
	if (fflush(stdout)) {
		tool_msg("stdout: write failed");
		rc = 1;
	}
	ds_free(&ds);
	model_free(m);
	return rc;
}

int cmd_classify(int argc, char **argv)
{
	struct copts o;
	int rc;

	memset(&o, 0, sizeof(o));
	ds_opts_init(&o.ds);
	xgb_params_init(&o.ev.xp);
	o.ev.early = 1;
	o.ev.node_min_pkts = 3;
	o.unknown_q = 0.05;
	o.sc.apps = SCORE_APPS;
	o.sc.min_support = 10;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	rc = parse(argc - 1, argv + 1, &o, !strcmp(argv[1], "eval"));
	if (rc) {
		free_opts(&o);
		return rc < 0 ? 2 : 0;
	}
	if (!strcmp(argv[1], "train"))
		rc = do_train(&o);
	else if (!strcmp(argv[1], "eval"))
		rc = do_eval(&o);
	else if (!strcmp(argv[1], "predict"))
		rc = do_predict(&o);
	else {
		tool_msg("classify: unknown subcommand '%s' (train, eval, "
			 "predict)",
			 argv[1]);
		rc = 2;
	}
	free_opts(&o);
	return rc;
}
