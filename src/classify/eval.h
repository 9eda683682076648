/*
 * eval.h -- evaluation that does not lie: splits by trace file (group),
 * never by flow; a confusion matrix with per-class precision, recall and
 * F1, macro-F1 and accuracy; the model against the port, PTP and size-bin
 * baselines and early classification (first N packets) in the same run.
 */
#ifndef P2PTRACE_CLASSIFY_EVAL_H
#define P2PTRACE_CLASSIFY_EVAL_H
#include <stdio.h>
#include "classify/dataset.h"
#include "classify/xgb.h"

struct metrics {
	int k;
	long conf[16][16]; /* [true][pred] */
	long support[16], predicted[16];
	double prec[16], rec[16], f1[16];
	double macro_f1, accuracy;
	long n;
	int nclass_present; /* classes with support: macro-F1 averages them */
};
/* From true/pred arrays (entries < 0 skipped). */
void metrics_compute(struct metrics *m, int k, const int *yt, const int *yp,
		     int n);

/* Stratified group k-fold: fold of each group (k folds), every group in
 * one fold; groups are placed, largest first, where their classes are
 * least represented. */
int eval_folds(const struct dataset *ds, int k, uint64_t seed, int *fold);

/* A class counts as evaluable by this split when every fold that tests it
 * keeps at least this share of its rows for training (a class whose flows
 * sit in one file is not: testing that file leaves none to learn from). */
#define EVAL_MIN_SHARE 0.25

struct eval_opts {
	int kfold;   /* k, or 0 for an explicit train/test split */
	int early;   /* also early models N = 1..FIRSTN */
	int windows; /* classify node windows instead of flows */
	struct xgb_params xp;
	int segments; /* cut each file into this many time segments */
	uint64_t train_min_pkts; /* training leaves out flows of fewer
				    packets (they are still tested) */
	uint64_t node_min_pkts;	 /* the node decision and model_big use
				    flows of at least this many packets */
	double unknown_q; /* > 0: open set, a threshold learned per fold on
			     its training nodes (openset.h); the model's
			     answer below it is unknown (a miss) */
};

struct eval_result {
	struct metrics model, port, ptp, bins, early[FIRSTN];
	struct metrics node_vote;  /* per trace file: the class most of its
				      flows got vs the class most have */
	struct metrics node;	   /* per trace file: the largest mean
				      probability over its flows of >=
				      node_min_pkts packets */
	struct metrics model_big;  /* per flow, flows of >= node_min_pkts */
	double train_share[16];	   /* per class: least share of its rows in
				      training over the folds that test it */
	int evaluable[16];	   /* train_share >= EVAL_MIN_SHARE */
	double macro_f1_evaluable; /* model macro-F1 over evaluable classes */
	int nevaluable;
	int have_early, windows;
	int ngroup_eff;
	int *fold;  /* per effective group */
	int *gfile; /* effective group -> file group */
	int *gseg;  /* effective group -> segment */
	int nfolds;
	long overlap; /* groups with rows on both sides of a fold: 0 */
	long train_rows[64], test_rows[64];
	long unknown;	    /* tested flows the model called unknown */
	long absent;	    /* tested flows whose class the fold's training
			       rows lack */
	long absent_called; /* ... called one of the trained classes */
	double train_s, flows_per_s;
};

/* fold[g] for an explicit split: 0 test, 1 train (pass kfold 0). */
int eval_run(const struct dataset *ds, const struct eval_opts *o,
	     const int *explicit_fold, struct eval_result *r,
	     struct pt_err *err);
void eval_result_free(struct eval_result *r);

void eval_print_text(FILE *f, const struct dataset *ds,
		     const struct eval_result *r);
void eval_print_json(FILE *f, const struct dataset *ds,
		     const struct eval_opts *o, const struct eval_result *r);

#endif
