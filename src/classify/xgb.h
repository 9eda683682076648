/*
 * xgb.h -- the XGBoost C API behind one small interface: train a
 * multi-class model on a dense float matrix (NaN = missing), predict class
 * probabilities, save/load XGBoost JSON with p2ptrace's attributes, and
 * turn a booster into a struct forest for fast per-flow prediction.
 *
 * Training is deterministic: nthread 1, tree_method hist, fixed seed, no
 * row or column sampling randomness beyond the seed.
 */
#ifndef P2PTRACE_CLASSIFY_XGB_H
#define P2PTRACE_CLASSIFY_XGB_H
#include <stdint.h>
#include "p2ptrace/err.h"

struct xgb_params {
	int rounds;    /* boosting rounds (default 80) */
	int max_depth; /* default 6 */
	double eta;    /* default 0.2 */
	uint64_t seed; /* default 1 */
	int balance;   /* weight rows so every class weighs the same */
};
void xgb_params_init(struct xgb_params *p);

/* A trained or loaded booster (XGBoost's BoosterHandle). */
struct xgb_model {
	void *bst;
	int nclass, nfeat;
};

/* Train on nrow x ncol (row-major) with labels y in 0..nclass-1.
 * Classes without rows are allowed (they get no probability mass). */
int xgb_train(const float *x, int nrow, int ncol, const int *y, int nclass,
	      const struct xgb_params *p, struct xgb_model *out,
	      struct pt_err *err);
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

/* ---- the same trees, evaluated without XGBoost --------------------------- */

struct forest_node {
	int32_t feat;		  /* -1: leaf */
	int32_t yes, no, missing; /* node indexes within the tree (absolute) */
	float val; /* split value (go "yes" when x < val) or leaf value */
};

/* Every tree laid out as a perfect binary tree of the forest's depth
 * (a leaf above the bottom becomes pass-through nodes), so that several
 * trees are walked side by side without branches on the layout. */
struct forest_pnode {
	float thr; /* go left when x < thr */
	uint16_t feat;
	uint8_t dleft; /* missing goes left */
	uint8_t pad;
};

#define FOREST_MAXUSED 1024

struct forest {
	int nclass, ntrees, nfeat;
	int depth;		 /* perfect layout depth */
	struct forest_pnode *pn; /* ntrees x (2^depth - 1) */
	float *pl;		 /* ntrees x 2^depth leaves */
	int32_t *root;	/* ntrees: index of each tree's root in nodes */
	int32_t *klass; /* ntrees: class of each tree */
	struct forest_node *nodes;
	int nnodes;
	int nused;     /* distinct features the trees split on */
	int32_t *used; /* nused: their indexes in the feature vector */
};

/* From the booster's text dump. */
int forest_from_xgb(const struct xgb_model *m, struct forest *f,
		    struct pt_err *err);
/* Whether some tree splits on feature i. */
int forest_uses(const struct forest *f, int i);
/* Softmax probabilities (nclass floats) for one row. */
void forest_predict(const struct forest *f, const float *x, float *prob);
void forest_free(struct forest *f);

#endif
