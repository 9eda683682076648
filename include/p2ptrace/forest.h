/*
 * forest.h -- a boosted forest of regression trees (XGBoost's
 * multi:softprob), walked without XGBoost: the flow model's trees.
 *
 * Trees are added one by one from their node arrays (as XGBoost's JSON
 * model stores them) and checked on the way in: child indexes inside the
 * tree, every node reached once from the root (no loop, no shared child),
 * split features inside the vector, depth at most FOREST_MAXDEPTH. A
 * forest that passed forest_add_tree cannot make forest_predict read
 * outside its arrays.
 */
#ifndef P2PTRACE_FOREST_H
#define P2PTRACE_FOREST_H
#include <stdint.h>
#include "p2ptrace/err.h"

#define FOREST_MAXDEPTH 12
#define FOREST_MAXNODES 8191 /* a tree of depth 12 has at most this many */
#define FOREST_MAXCLASS 16
#define FOREST_MAXUSED 1024

struct forest_node {
	int32_t feat;		  /* -1: leaf */
	int32_t yes, no, missing; /* node indexes within the forest */
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

struct forest {
	int nclass, ntrees, nfeat;
	int depth;		 /* perfect layout depth */
	struct forest_pnode *pn; /* ntrees x (2^depth - 1) */
	float *pl;		 /* ntrees x 2^depth leaves */
	int32_t *root;	/* ntrees: index of each tree's root in nodes */
	int32_t *klass; /* ntrees: class of each tree */
	struct forest_node *nodes;
	int nnodes, capnodes, captrees;
	int nused;     /* distinct features the trees split on */
	int32_t *used; /* nused: their indexes in the feature vector */
};

/* Start an empty forest of nclass (1..FOREST_MAXCLASS) classes over
 * nfeat (1..65535) features. */
int forest_init(struct forest *f, int nclass, int nfeat, struct pt_err *err);
/* One tree of n nodes (XGBoost's arrays: left/right child or -1 for a
 * leaf, split feature, split value or leaf value, missing goes left),
 * adding to class klass. Checked as said above; where names the tree in
 * errors. */
int forest_add_tree(struct forest *f, int n, const int32_t *left,
		    const int32_t *right, const int32_t *feat,
		    const float *cond, const uint8_t *dleft, int klass,
		    const char *where, struct pt_err *err);
/* After the last tree: lay the trees out for forest_predict. */
int forest_finish(struct forest *f, struct pt_err *err);
/* Whether some tree splits on feature i. */
int forest_uses(const struct forest *f, int i);
/* Softmax probabilities (nclass floats) for one row. */
void forest_predict(const struct forest *f, const float *x, float *prob);
void forest_free(struct forest *f);

#endif
