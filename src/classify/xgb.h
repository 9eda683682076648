/*
 * xgb.h -- the XGBoost C API behind one small interface: train a
 * multi-class model on a dense float matrix (NaN = missing), predict class
 * probabilities, save/load XGBoost JSON with p2ptrace's attributes, and
 * turn a booster into a struct forest (lib/model/) for fast per-flow
 * prediction.
 *
 * Training is deterministic: nthread 1, tree_method hist, fixed seed, no
 * row or column sampling randomness beyond the seed.
 */
#ifndef P2PTRACE_CLASSIFY_XGB_H
#define P2PTRACE_CLASSIFY_XGB_H
#include <stdint.h>
#include "p2ptrace/err.h"
#include "p2ptrace/forest.h"

struct xgb_params {
	int rounds;    /* boosting rounds (default 80) */
	int max_depth; /* default 6 */
	double eta;    /* default 0.2 */
	uint64_t seed; /* default 1 */
	int balance;   /* 0: rows weigh 1; 1: every class weighs the same;
			  2: also every group (node) inside its class */
};
void xgb_params_init(struct xgb_params *p);

/* A trained or loaded booster (XGBoost's BoosterHandle). */
struct xgb_model {
	void *bst;
	int nclass, nfeat;
};

/* Train on nrow x ncol (row-major) with labels y in 0..nclass-1; grp
 * (NULL: none) the group (trace file) of each row, for balance 2.
 * Classes without rows are allowed (they get no probability mass). */
int xgb_train(const float *x, int nrow, int ncol, const int *y,
	      const int *grp, int nclass, const struct xgb_params *p,
	      struct xgb_model *out, struct pt_err *err);
/* The row weights xgb_train uses for balance 0, 1 or 2 (xgb_params);
 * grp as in xgb_train. 0 ok, -1 out of memory. */
int xgb_row_weights(const int *y, const int *grp, int nrow, int nclass,
		    int balance, float *w);
/* Probabilities, nrow x nclass, row-major. */
int xgb_predict(const struct xgb_model *m, const float *x, int nrow,
		float *prob, struct pt_err *err);
int xgb_set_attr(struct xgb_model *m, const char *key, const char *val,
		 struct pt_err *err);
/* The attribute or NULL (borrowed until the next call on m). */
const char *xgb_get_attr(const struct xgb_model *m, const char *key);
/* XGBoost JSON, whatever the file name ends with. */
int xgb_save(const struct xgb_model *m, const char *path, struct pt_err *err);
int xgb_load(const char *path, struct xgb_model *out, struct pt_err *err);
void xgb_free(struct xgb_model *m);

/* ---- the same trees, evaluated without XGBoost (p2ptrace/forest.h) ---- */

/* From the booster (through its JSON, checked like a model file). */
int forest_from_xgb(const struct xgb_model *m, struct forest *f,
		    struct pt_err *err);

#endif
