/*
 * model.h -- applying a trained classifier to flows as they end (used by
 * `analyze --model FILE`). Implemented by src/classify/.
 */
#ifndef P2PTRACE_CLASSIFY_MODEL_H
#define P2PTRACE_CLASSIFY_MODEL_H
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"

struct clf_model;

/* Load a model saved by `classify train`. */
int clf_model_load(const char *path, struct clf_model **out,
		   struct pt_err *err);
/* Predict one flow: the class name (borrowed, valid while the model is)
 * and its probability. 0 ok, negative on error. */
int clf_model_predict(struct clf_model *m, const struct flow *f,
		      const char **cls, double *prob);
void clf_model_free(struct clf_model *m);

#endif
