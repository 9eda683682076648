/*
 * model.h -- the flow model: a model file written by `classify train`
 * applied to flows as they end (features, then the trees). Used by
 * `analyze --model` (on its output thread) and `classify predict`.
 *
 * The model file is XGBoost JSON; p2ptrace's metadata ride in the
 * booster's attributes (p2ptrace_format, p2ptrace_classes,
 * p2ptrace_features, p2ptrace_use_ports, p2ptrace_unknown_below, ...).
 * It is read here, without XGBoost, and checked whole (JSON, attributes,
 * every tree's node indexes and features) before any of it is used: a
 * crafted file gets PT_EFORMAT naming the file and what is wrong.
 *
 * Open set: when the model holds p2ptrace_unknown_below = T (learned by
 * `classify train` on held-out lab nodes), a flow whose best class
 * probability is below T is called MODEL_UNKNOWN.
 *
 * A struct model keeps scratch space and the host context: one thread
 * at a time per model (load one per thread to predict in parallel).
 */
#ifndef P2PTRACE_MODEL_H
#define P2PTRACE_MODEL_H
#include <stddef.h>
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"

#define MODEL_FORMAT "p2ptrace-classify-1"
#define MODEL_UNKNOWN "unknown"
#define MODEL_MAXFILE (256u << 20) /* a model file larger is refused */

struct model;

/* Load and check a model file. path names the file in errors. */
int model_load(const char *path, struct model **out, struct pt_err *err);
/* The same from memory (name: for errors). */
int model_load_buf(const char *buf, size_t len, const char *name,
		   struct model **out, struct pt_err *err);
/* Only the checks model_load makes on the JSON and its trees (before a
 * buffer is handed to XGBoost, which does not check tree indexes). */
int model_check_buf(const char *buf, size_t len, const char *name,
		    struct pt_err *err);
/* Only the trees of any XGBoost multi:softprob JSON model (no p2ptrace
 * metadata needed; the same checks): for evaluation and tests. */
struct forest;
int model_forest_from_json(const char *buf, size_t len, const char *name,
			   struct forest *f, struct pt_err *err);

/* Predict one flow (after adding it to the host context when the trees
 * read host_ features): the class name (borrowed, valid while the model
 * is; MODEL_UNKNOWN below the threshold) and the best class's
 * probability. Returns the class index, -1 for unknown, -2 on error. */
int model_predict_flow(struct model *m, const struct flow *f, const char **cls,
		       double *prob);
/* The same from a ready feature vector (model_nfeat floats). */
int model_predict_x(struct model *m, const float *x, const char **cls,
		    double *prob);
/* Class probabilities (model_nclass floats) of a feature vector. */
void model_probs(struct model *m, const float *x, float *prob);
/* Forget the host context (a new trace starts). */
void model_reset_hosts(struct model *m);
int model_uses_ports(const struct model *m);
/* Whether a tree splits on a host_ feature (when none does, prediction
 * skips the host context). */
int model_uses_hosts(const struct model *m);
int model_nfeat(const struct model *m);
int model_nclass(const struct model *m);
const char *model_class(const struct model *m, int i);
/* The open-set threshold (0: none). */
double model_unknown_below(const struct model *m);
void model_free(struct model *m);

#endif
