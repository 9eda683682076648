/*
 * model.h -- applying a trained classifier to flows as they end (used by
 * `analyze --model FILE` and `classify predict`). Implemented by
 * src/classify/model.c.
 *
 * The model file is XGBoost JSON written by `classify train`; p2ptrace's
 * metadata rides in the booster's attributes (p2ptrace_format,
 * p2ptrace_classes, p2ptrace_features, p2ptrace_use_ports, ...). Host
 * features are computed from the flows this model has seen so far.
 */
#ifndef P2PTRACE_CLASSIFY_MODEL_H
#define P2PTRACE_CLASSIFY_MODEL_H
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"

#define CLF_FORMAT "p2ptrace-classify-1"

struct clf_model;

/* Load a model saved by `classify train`. */
int clf_model_load(const char *path, struct clf_model **out,
		   struct pt_err *err);
/* Predict one flow: the class name (borrowed, valid while the model is)
 * and its probability. 0 ok, negative on error. */
int clf_model_predict(struct clf_model *m, const struct flow *f,
		      const char **cls, double *prob);
/* The same from a ready feature vector (classify predict). */
int clf_model_predict_x(struct clf_model *m, const float *x, const char **cls,
			double *prob);
/* Forget the host context (a new trace starts). */
void clf_model_reset_hosts(struct clf_model *m);
int clf_model_uses_ports(const struct clf_model *m);
int clf_model_nfeat(const struct clf_model *m);
/* Whether a tree splits on a host_ feature (when none does, prediction
 * skips the host context: a model trained with --compact or
 * --drop-features host_). */
int clf_model_uses_hosts(const struct clf_model *m);
void clf_model_free(struct clf_model *m);

#endif
