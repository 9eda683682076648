/* model_stub.c -- placeholder until src/classify lands (its owner
 * replaces this file). */
#include <stdlib.h>
#include "classify/model.h"

int clf_model_load(const char *path, struct clf_model **out,
		   struct pt_err *err)
{
	(void)out;
	return pt_fail(err, PT_EUSAGE, path, "classify is not built yet");
}

int clf_model_predict(struct clf_model *m, const struct flow *f,
		      const char **cls, double *prob)
{
	(void)m;
	(void)f;
	*cls = "";
	*prob = 0;
	return -1;
}

void clf_model_free(struct clf_model *m)
{
	(void)m;
}
