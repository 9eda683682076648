/*
 * fuzz_model.c -- libFuzzer target over the model loader (lib/model/):
 * the input is a model file. model_load_buf must refuse it with an error
 * or accept it; an accepted model must predict without reading outside
 * its trees (ASan) and give probabilities that sum to 1, and the same
 * buffer, having passed model_check_buf, must load in XGBoost itself
 * without a crash (the checks stand between a crafted file and
 * libxgboost, which indexes nodes without bounds checks).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>
#include "p2ptrace/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr,                                        \
				"fuzz_model: check failed: %s (%s:%d)\n", #c,  \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

/* XGBoost on what xgb_load (src/classify/xgb.c) would give it: a buffer
 * the checker accepted that starts with '{'. XGBoost reads anything else
 * as its old binary format, whose lengths come from the file (a buffer
 * with a newline before the JSON made it ask for 3 * 10^18 bytes; the
 * fuzzer found it, tests/fuzz/crashes/model/), so xgb_load refuses it
 * before XGBoost sees it. */
static void try_xgboost(const uint8_t *data, size_t size)
{
	BoosterHandle b = NULL;

	if (size < 2 || data[0] != '{')
		return;
	XGBSetGlobalConfig("{\"verbosity\":0}");
	if (!XGBoosterCreate(NULL, 0, &b)) {
		XGBoosterSetParam(b, "nthread", "1");
		(void)XGBoosterLoadModelFromBuffer(b, data, (bst_ulong)size);
		XGBoosterFree(b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model *m = NULL;
	struct pt_err err = { 0 };
	float x[512], p[32];
	const char *cls;
	double prob;
	int n, rc, chk;

	rc = model_load_buf((const char *)data, size, "fuzz", &m, &err);
	chk = model_check_buf((const char *)data, size, "fuzz", &err);
	CHECK((rc == 0) == (chk == 0));
	if (rc) {
		CHECK(err.msg[0] != 0);
		return 0;
	}
	n = model_nfeat(m);
	CHECK(n > 0 && n <= 512);
	for (int v = 0; v < 3; v++) {
		double sum = 0;
		for (int i = 0; i < n; i++)
			x[i] = v == 0	? 0.0f
			       : v == 1 ? NAN
					: (float)(i * 37 % 1500);
		model_probs(m, x, p);
		for (int c = 0; c < model_nclass(m); c++) {
			CHECK(p[c] >= 0 && p[c] <= 1);
			sum += p[c];
		}
		CHECK(fabs(sum - 1) < 1e-3);
		rc = model_predict_x(m, x, &cls, &prob);
		CHECK(rc >= -1 && rc < model_nclass(m) && cls && cls[0]);
	}
	model_free(m);
	try_xgboost(data, size);
	return 0;
}
