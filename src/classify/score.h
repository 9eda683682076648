/*
 * score.h -- a saved model scored on labeled traces from elsewhere
 * (`classify eval --model FILE TRACE...`): does a label learned in the
 * lab carry over to other captures?
 *
 * No training: every flow of the traces is predicted by the model (open
 * set: `unknown` below the model's threshold) and compared with its label
 * (nDPI's, usually). The class names of the two sides meet by name, the
 * lab's `http` counting as `web`. Printed: per class precision, recall,
 * F1 and support for the model and for the port table; macro-F1 over the
 * application classes with enough flows; and how many flows whose class
 * the model lacks it called one of its classes.
 */
#ifndef P2PTRACE_CLASSIFY_SCORE_H
#define P2PTRACE_CLASSIFY_SCORE_H
#include <stdio.h>
#include "p2ptrace/model.h"
#include "classify/dataset.h"

#define SCORE_MAXCLASS 32
#define SCORE_APPS "bittorrent,web,ssh,ftp,edonkey"

struct score_opts {
	const char *apps; /* classes a macro-F1 may average (SCORE_APPS) */
	long min_support; /* ... when they have this many flows (10) */
};

struct score_cls {
	char name[24];
	int in_model; /* a class of the model */
	int in_macro; /* an app class with >= min_support flows */
	long support, pred, tp, port_pred, port_tp;
	double prec, rec, f1, port_prec, port_rec, port_f1;
};

struct score_result {
	int n;
	struct score_cls c[SCORE_MAXCLASS];
	long rows, unknown;
	long absent, absent_called;   /* true class not in the model; called
					 one of its classes (not `other`) */
	long outside, outside_called; /* true class not an app class; called
					 an app class of the model */
	double macro, port_macro;
	int nmacro;
	double unknown_below;
};

int score_run(const struct dataset *ds, struct model *m,
	      const struct score_opts *o, struct score_result *r,
	      struct pt_err *err);
void score_print_text(FILE *f, const struct score_result *r);
void score_print_json(FILE *f, const struct dataset *ds,
		      const struct score_result *r);

#endif
