/*
 * openset.h -- the open-set threshold of a flow model: below it, a flow's
 * best class probability means "none of the classes I know" (unknown).
 *
 * Learned at `classify train` on held-out lab nodes: the training rows are
 * split K ways by trace file (node), a model trained on the other folds
 * predicts each held-out fold, and the threshold is the q-quantile of the
 * best probability over the held-out flows predicted right: a flow of a
 * known class is called unknown with probability about q.
 */
#ifndef P2PTRACE_CLASSIFY_OPENSET_H
#define P2PTRACE_CLASSIFY_OPENSET_H
#include "classify/dataset.h"
#include "classify/xgb.h"

#define OPENSET_FOLDS 5
#define OPENSET_MIN_ROWS 20 /* fewer held-out flows predicted right: none */

struct openset {
	double thr;	  /* 0: not learned */
	long held, right; /* held-out flows, and those predicted right */
	int folds;
};

/* x: n training rows (ncol wide), y their classes (k), row[i] the
 * dataset row each came from (for its group). */
int openset_learn(const struct dataset *ds, const float *x, const int *y,
		  const int *row, int n, int ncol, int k,
		  const struct xgb_params *xp, double q, struct openset *out,
		  struct pt_err *err);

#endif
