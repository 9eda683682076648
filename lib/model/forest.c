/*
 * forest.c -- the flow model's trees: checked as they are added, laid out
 * as perfect trees, walked four at a time (see forest.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/forest.h"

int forest_init(struct forest *f, int nclass, int nfeat, struct pt_err *err)
{
	memset(f, 0, sizeof(*f));
	if (nclass < 1 || nclass > FOREST_MAXCLASS)
		return pt_fail(err, PT_EFORMAT, "model",
			       "%d classes (1 to %d allowed)", nclass,
			       FOREST_MAXCLASS);
	if (nfeat < 1 || nfeat > 65535)
		return pt_fail(err, PT_EFORMAT, "model",
			       "%d features (1 to 65535 allowed)", nfeat);
	f->nclass = nclass;
	f->nfeat = nfeat;
	return 0;
}

static int grow(struct forest *f, int nodes)
{
	if (f->nnodes + nodes > f->capnodes) {
		int nc = f->capnodes ? f->capnodes : 4096;
		struct forest_node *n;
		while (nc < f->nnodes + nodes)
			nc *= 2;
		n = realloc(f->nodes, (size_t)nc * sizeof(*n));
		if (!n)
			return -1;
		f->nodes = n;
		f->capnodes = nc;
	}
	if (f->ntrees == f->captrees) {
		int nc = f->captrees ? f->captrees * 2 : 256;
		int32_t *r = realloc(f->root, (size_t)nc * sizeof(*r));
		int32_t *k;
		if (!r)
			return -1;
		f->root = r;
		k = realloc(f->klass, (size_t)nc * sizeof(*k));
		if (!k)
			return -1;
		f->klass = k;
		f->captrees = nc;
	}
	return 0;
}

/* Every node reached exactly once from node 0, children inside the tree,
 * depth bounded. Iterative (a crafted tree could be deep). */
static int check_tree(int n, const int32_t *left, const int32_t *right,
		      const int32_t *feat, const float *cond, int nfeat,
		      int *depth, char *why, size_t wl)
{
	uint8_t *seen = calloc((size_t)n, 1);
	int32_t *stack = malloc(((size_t)n + 1) * 2 * sizeof(int32_t));
	int sp = 0, rc = 0;

	*depth = 0;
	if (!seen || !stack) {
		free(seen);
		free(stack);
		snprintf(why, wl, "out of memory");
		return -2;
	}
	stack[sp++] = 0;
	stack[sp++] = 0;
	seen[0] = 1;
	while (sp && !rc) {
		int d = stack[--sp], i = stack[--sp];
		if (d > *depth)
			*depth = d;
		if (left[i] < 0 && right[i] < 0) {
			if (!isfinite(cond[i]))
				rc = snprintf(why, wl,
					      "node %d: leaf value not finite",
					      i);
			continue;
		}
		if (left[i] <= 0 || right[i] <= 0 || left[i] >= n ||
		    right[i] >= n) {
			rc = snprintf(why, wl,
				      "node %d: child %d/%d outside the "
				      "tree's %d nodes",
				      i, left[i], right[i], n);
			break;
		}
		if (seen[left[i]] || seen[right[i]] || left[i] == right[i]) {
			rc = snprintf(why, wl,
				      "node %d: a child reached twice (not a "
				      "tree)",
				      i);
			break;
		}
		if (feat[i] < 0 || feat[i] >= nfeat) {
			rc = snprintf(why, wl,
				      "node %d: split on feature %d of %d", i,
				      feat[i], nfeat);
			break;
		}
		if (isnan(cond[i])) {
			rc = snprintf(why, wl, "node %d: split value NaN", i);
			break;
		}
		if (d + 1 > FOREST_MAXDEPTH) {
			rc = snprintf(why, wl, "deeper than %d",
				      FOREST_MAXDEPTH);
			break;
		}
		seen[left[i]] = seen[right[i]] = 1;
		stack[sp++] = left[i];
		stack[sp++] = d + 1;
		stack[sp++] = right[i];
		stack[sp++] = d + 1;
	}
	free(seen);
	free(stack);
	return rc ? -1 : 0;
}

int forest_add_tree(struct forest *f, int n, const int32_t *left,
		    const int32_t *right, const int32_t *feat,
		    const float *cond, const uint8_t *dleft, int klass,
		    const char *where, struct pt_err *err)
{
	char why[160];
	int depth, rc;

	if (n < 1 || n > FOREST_MAXNODES)
		return pt_fail(err, PT_EFORMAT, where,
			       "%d nodes (1 to %d allowed)", n,
			       FOREST_MAXNODES);
	if (klass < 0 || klass >= f->nclass)
		return pt_fail(err, PT_EFORMAT, where, "adds to class %d of %d",
			       klass, f->nclass);
	rc = check_tree(n, left, right, feat, cond, f->nfeat, &depth, why,
			sizeof(why));
	if (rc == -2)
		return pt_fail(err, PT_ENOMEM, where, "out of memory");
	if (rc)
		return pt_fail(err, PT_EFORMAT, where, "%s", why);
	if (grow(f, n))
		return pt_fail(err, PT_ENOMEM, where, "out of memory");
	for (int i = 0; i < n; i++) {
		struct forest_node *nd = &f->nodes[f->nnodes + i];
		int leaf = left[i] < 0 && right[i] < 0;
		nd->feat = leaf ? -1 : feat[i];
		nd->val = cond[i];
		nd->yes = leaf ? -1 : f->nnodes + left[i];
		nd->no = leaf ? -1 : f->nnodes + right[i];
		nd->missing = leaf ? -1 : dleft[i] ? nd->yes : nd->no;
	}
	f->root[f->ntrees] = f->nnodes;
	f->klass[f->ntrees] = klass;
	f->ntrees++;
	f->nnodes += n;
	if (depth > f->depth)
		f->depth = depth;
	return 0;
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
	pn[i].feat = (uint16_t)nd->feat;
	lay(f, pn, pl, nd->yes, 2 * i + 1, d + 1);
	lay(f, pn, pl, nd->no, 2 * i + 2, d + 1);
}

/* The distinct split features, in first-use order. */
static int used_features(struct forest *f)
{
	uint8_t *seen = calloc((size_t)f->nfeat + 1, 1);

	f->nused = 0;
	f->used = malloc(((size_t)f->nfeat + 1) * sizeof(int32_t));
	if (!seen || !f->used) {
		free(seen);
		return -1;
	}
	for (int i = 0; i < f->nnodes; i++) {
		int j = f->nodes[i].feat;
		if (j >= 0 && !seen[j]) {
			seen[j] = 1;
			f->used[f->nused++] = j;
		}
	}
	free(seen);
	return 0;
}

int forest_finish(struct forest *f, struct pt_err *err)
{
	size_t ni = ((size_t)1 << f->depth) - 1, nl = (size_t)1 << f->depth;
	size_t nt = (size_t)f->ntrees;

	if (!f->ntrees)
		return pt_fail(err, PT_EFORMAT, "model", "no trees");
	if ((double)nt * (double)nl > 64e6)
		return pt_fail(err, PT_ELIMIT, "model",
			       "%d trees of depth %d: more than 64 M leaves "
			       "laid out",
			       f->ntrees, f->depth);
	f->pn = calloc(nt * ni + 1, sizeof(*f->pn));
	f->pl = calloc(nt * nl + 1, sizeof(*f->pl));
	if (!f->pn || !f->pl || used_features(f))
		return pt_fail(err, PT_ENOMEM, "model", "out of memory");
	if (f->nused > FOREST_MAXUSED)
		return pt_fail(err, PT_ELIMIT, "model",
			       "trees split on %d features (at most %d)",
			       f->nused, FOREST_MAXUSED);
	for (int t = 0; t < f->ntrees; t++)
		lay(f, f->pn + (size_t)t * ni, f->pl + (size_t)t * nl,
		    f->root[t], 0, 0);
	return 0;
}

int forest_uses(const struct forest *f, int i)
{
	for (int u = 0; u < f->nused; u++)
		if (f->used[u] == i)
			return 1;
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

void forest_predict(const struct forest *f, const float *x, float *prob)
{
	float m[FOREST_MAXCLASS], mx = -INFINITY, sum = 0;
	int k = f->nclass, t = 0;
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
