/*
 * test_classify_learn.c -- the learning layer without pcaps: a separable
 * rule is learned to >= 0.99 held-out accuracy, shuffled labels fall to
 * chance, the forest evaluator gives XGBoost's own probabilities, the
 * same seed gives byte-identical model files, metrics match a hand count,
 * and the group folds keep every group in one fold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "classify/eval.h"
#include "classify/xgb.h"

#define NROW 1200
#define NCOL 6

static uint64_t st = 42;
static double urand(void)
{
	st = st * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(st >> 11) / 9007199254740992.0;
}

/* Class by feature 0 (3 bands) and feature 3 (sign); others are noise;
 * some values missing. */
static void make(float *x, int *y, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < NCOL; j++)
			x[i * NCOL + j] = (float)(urand() * 100);
		x[i * NCOL + 3] = (float)(urand() * 2 - 1);
		if (i % 17 == 0)
			x[i * NCOL + 5] = NAN;
		y[i] = x[i * NCOL] < 33 ? 0 : x[i * NCOL] < 66 ? 1 : 2;
		if (y[i] == 2 && x[i * NCOL + 3] < 0)
			y[i] = 3;
	}
}

static double heldout_acc(const int *ylab)
{
	static float x[NROW * NCOL];
	int y[NROW], half = NROW / 2, ok = 0;
	float *p = malloc((size_t)half * 4 * sizeof(float));
	struct xgb_params xp;
	struct xgb_model m;
	struct pt_err err = { 0 };

	st = 42;
	make(x, y, NROW);
	if (ylab)
		memcpy(y, ylab, sizeof(y));
	xgb_params_init(&xp);
	assert_int_equal(xgb_train(x, half, NCOL, y, NULL, 4, &xp, &m, &err), 0);
	assert_int_equal(xgb_predict(&m, x + half * NCOL, half, p, &err), 0);
	for (int i = 0; i < half; i++) {
		int b = 0;
		for (int c = 1; c < 4; c++)
			if (p[i * 4 + c] > p[i * 4 + b])
				b = c;
		ok += b == y[half + i];
	}
	xgb_free(&m);
	free(p);
	return (double)ok / half;
}

static void test_separable(void **s)
{
	(void)s;
	assert_true(heldout_acc(NULL) >= 0.99);
}

static void test_shuffled(void **s)
{
	static float x[NROW * NCOL];
	int y[NROW];
	double a;

	(void)s;
	st = 42;
	make(x, y, NROW);
	/* a random permutation of the labels */
	st = 7;
	for (int i = NROW - 1; i > 0; i--) {
		int j = (int)(urand() * (i + 1)), t = y[i];
		y[i] = y[j];
		y[j] = t;
	}
	a = heldout_acc(y);
	/* 4 classes of sizes ~1/3, 1/3, 1/6, 1/6: chance is <= 0.34 */
	assert_true(a < 0.45);
}

static void test_forest_matches_xgboost(void **s)
{
	static float x[NROW * NCOL];
	int y[NROW];
	float *p = malloc((size_t)NROW * 4 * sizeof(float)), q[4];
	struct xgb_params xp;
	struct xgb_model m;
	struct forest f;
	struct pt_err err = { 0 };
	double worst = 0;

	(void)s;
	st = 42;
	make(x, y, NROW);
	xgb_params_init(&xp);
	xp.rounds = 30;
	xp.max_depth = 6;
	assert_int_equal(xgb_train(x, NROW / 2, NCOL, y, NULL, 4, &xp, &m, &err), 0);
	assert_int_equal(xgb_predict(&m, x, NROW, p, &err), 0);
	assert_int_equal(forest_from_xgb(&m, &f, &err), 0);
	assert_int_equal(f.ntrees, 30 * 4);
	for (int i = 0; i < NROW; i++) {
		forest_predict(&f, x + i * NCOL, q);
		for (int c = 0; c < 4; c++)
			if (fabs(q[c] - p[i * 4 + c]) > worst)
				worst = fabs(q[c] - p[i * 4 + c]);
	}
	assert_true(worst < 1e-4);
	forest_free(&f);
	xgb_free(&m);
	free(p);
}

static int slurp(const char *path, char **out, long *len)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc((size_t)*len + 1);
	if (fread(*out, 1, (size_t)*len, f) != (size_t)*len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void test_deterministic(void **s)
{
	static float x[NROW * NCOL];
	int y[NROW];
	char p1[] = "/tmp/p2pt-clf-det1-XXXXXX",
	     p2[] = "/tmp/p2pt-clf-det2-XXXXXX";
	char *a = NULL, *b = NULL;
	long la = 0, lb = 0;
	struct xgb_params xp;
	struct pt_err err = { 0 };

	(void)s;
	st = 42;
	make(x, y, NROW);
	xgb_params_init(&xp);
	xp.seed = 9;
	for (int k = 0; k < 2; k++) {
		struct xgb_model m;
		char *p = k ? p2 : p1;
		int fd = mkstemp(p);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(xgb_train(x, NROW, NCOL, y, NULL, 4, &xp, &m, &err),
				 0);
		assert_int_equal(xgb_set_attr(&m, "k", "v", &err), 0);
		assert_int_equal(xgb_save(&m, p, &err), 0);
		xgb_free(&m);
	}
	assert_int_equal(slurp(p1, &a, &la), 0);
	assert_int_equal(slurp(p2, &b, &lb), 0);
	assert_true(la > 1000);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, (size_t)la);
	/* and it loads back with its attribute */
	{
		struct xgb_model m;
		assert_int_equal(xgb_load(p1, &m, &err), 0);
		assert_string_equal(xgb_get_attr(&m, "k"), "v");
		assert_int_equal(m.nclass, 4);
		assert_int_equal(m.nfeat, NCOL);
		xgb_free(&m);
	}
	/* the same model after a newline is refused before XGBoost reads it
	 * (XGBoost takes anything not starting with '{' for its old binary
	 * format: lengths from the file; tests/fuzz/crashes/model/) */
	{
		struct xgb_model m;
		FILE *f = fopen(p2, "w");
		assert_non_null(f);
		fputc('\n', f);
		fwrite(a, 1, (size_t)la, f);
		fclose(f);
		assert_int_not_equal(xgb_load(p2, &m, &err), 0);
		assert_non_null(strstr(err.msg, "not an XGBoost JSON model"));
	}
	free(a);
	free(b);
	unlink(p1);
	unlink(p2);
}

/* Row weights, counted by hand: 4 rows, class 0 in group 0 (2 rows) and
 * group 1 (1 row), class 1 in group 2 (1 row); 2 classes present.
 * balance 1: nrow / (classes * rows of the class) = 4/6, 4/6, 4/6, 2.
 * balance 2: nrow / (classes * groups of the class * rows of the group in
 * the class) = 4/8, 4/8, 4/4, 4/2: each class sums to 2 and, inside class
 * 0, each group to 1. */
static void test_row_weights(void **s)
{
	int y[] = { 0, 0, 0, 1 }, g[] = { 0, 0, 1, 2 };
	float w[4];
	const float b0[] = { 1, 1, 1, 1 };
	const float b1[] = { 4.0f / 6, 4.0f / 6, 4.0f / 6, 2 };
	const float b2[] = { 0.5f, 0.5f, 1, 2 };

	(void)s;
	assert_int_equal(xgb_row_weights(y, g, 4, 2, 0, w), 0);
	for (int i = 0; i < 4; i++)
		assert_float_equal(w[i], b0[i], 1e-6);
	assert_int_equal(xgb_row_weights(y, g, 4, 2, 1, w), 0);
	for (int i = 0; i < 4; i++)
		assert_float_equal(w[i], b1[i], 1e-6);
	assert_int_equal(xgb_row_weights(y, g, 4, 2, 2, w), 0);
	for (int i = 0; i < 4; i++)
		assert_float_equal(w[i], b2[i], 1e-6);
	/* balance 2 without groups is balance 1 */
	assert_int_equal(xgb_row_weights(y, NULL, 4, 2, 2, w), 0);
	for (int i = 0; i < 4; i++)
		assert_float_equal(w[i], b1[i], 1e-6);
}

static void test_metrics(void **s)
{
	/* true:  0 0 0 1 1 2 ; pred: 0 0 1 1 2 2  (hand count)
	 * class 0: tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 0.8
	 * class 1: tp 1, fp 1, fn 1 -> P 0.5, R 0.5, F1 0.5
	 * class 2: tp 1, fp 1, fn 0 -> P 0.5, R 1, F1 2/3
	 * class 3: no support, not in the macro mean */
	int yt[] = { 0, 0, 0, 1, 1, 2, -1 }, yp[] = { 0, 0, 1, 1, 2, 2, 3 };
	struct metrics m;

	(void)s;
	metrics_compute(&m, 4, yt, yp, 7);
	assert_int_equal(m.n, 6);
	assert_int_equal(m.conf[0][1], 1);
	assert_int_equal(m.conf[1][2], 1);
	assert_true(fabs(m.f1[0] - 0.8) < 1e-9);
	assert_true(fabs(m.f1[1] - 0.5) < 1e-9);
	assert_true(fabs(m.f1[2] - 2.0 / 3) < 1e-9);
	assert_int_equal(m.nclass_present, 3);
	assert_true(fabs(m.macro_f1 - (0.8 + 0.5 + 2.0 / 3) / 3) < 1e-9);
	assert_true(fabs(m.accuracy - 4.0 / 6) < 1e-9);
}

static void test_folds(void **s)
{
	struct dataset ds;
	int fold[20], seen[5] = { 0 };

	(void)s;
	memset(&ds, 0, sizeof(ds));
	ds.n = 200;
	ds.ngroup = 20;
	ds.cls.n = 3;
	ds.m = calloc(200, sizeof(*ds.m));
	for (int i = 0; i < 200; i++) {
		ds.m[i].group = i % 20;
		ds.m[i].y = (i % 20) % 3;
	}
	assert_int_equal(eval_folds(&ds, 5, 1, fold), 0);
	for (int g = 0; g < 20; g++) {
		assert_true(fold[g] >= 0 && fold[g] < 5);
		seen[fold[g]]++;
	}
	for (int f = 0; f < 5; f++)
		assert_true(seen[f] >= 1);
	/* every row of a group is on the side of its group */
	for (int f = 0; f < 5; f++)
		for (int i = 0; i < 200; i++)
			for (int j = 0; j < 200; j++)
				if (ds.m[i].group == ds.m[j].group)
					assert_int_equal(
						fold[ds.m[i].group] == f,
						fold[ds.m[j].group] == f);
	free(ds.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_separable),
		cmocka_unit_test(test_shuffled),
		cmocka_unit_test(test_forest_matches_xgboost),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_row_weights),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_folds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
