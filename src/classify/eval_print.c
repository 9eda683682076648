/*
 * eval_print.c -- an evaluation's figures as text or as one JSON object
 * (the schema is in docs/classify.md, "eval --json").
 */
#include <stdio.h>
#include "classify/eval.h"

/* ---- output ----------------------------------------------------------------
 */

/* Mean F1 over the classes flagged in use[]. */
static double macro_over(const struct metrics *m, const int *use, int k)
{
	double sum = 0;
	int n = 0;

	for (int c = 0; c < k && c < 16; c++)
		if (use[c]) {
			sum += m->f1[c];
			n++;
		}
	return n ? sum / n : 0;
}

static void print_metrics(FILE *f, const char *title, const struct metrics *m,
			  const struct lbl_classes *c, int full)
{
	fprintf(f,
		"%s: macro-F1 %.4f  accuracy %.4f  (%ld rows, %d classes "
		"present)\n",
		title, m->macro_f1, m->accuracy, m->n, m->nclass_present);
	if (!full)
		return;
	fprintf(f, "  %-12s %9s %9s %9s %8s\n", "class", "precision", "recall",
		"F1", "support");
	for (int i = 0; i < c->n; i++)
		fprintf(f, "  %-12s %9.4f %9.4f %9.4f %8ld\n", c->name[i],
			m->prec[i], m->rec[i], m->f1[i], m->support[i]);
	fprintf(f, "  confusion (rows: true, columns: predicted)\n  %-12s", "");
	for (int j = 0; j < c->n; j++)
		fprintf(f, " %10.10s", c->name[j]);
	fprintf(f, "\n");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "  %-12s", c->name[i]);
		for (int j = 0; j < c->n; j++)
			fprintf(f, " %10ld", m->conf[i][j]);
		fprintf(f, "\n");
	}
}

void eval_print_text(FILE *f, const struct dataset *ds,
		     const struct eval_result *r)
{
	print_metrics(f, r->windows ? "model (node windows)" : "model",
		      &r->model, &ds->cls, 1);
	if (!r->windows) {
		print_metrics(f, "model, flows of >= node-min-pkts packets",
			      &r->model_big, &ds->cls, 0);
		print_metrics(f, "model, vote per trace file (node)",
			      &r->node_vote, &ds->cls, 0);
		print_metrics(f, "model, per node (mean probability)", &r->node,
			      &ds->cls, 1);
		print_metrics(f, "baseline port", &r->port, &ds->cls, 0);
		print_metrics(f, "baseline ptp (Karagiannis)", &r->ptp,
			      &ds->cls, 0);
		print_metrics(f, "baseline size_bins", &r->bins, &ds->cls, 0);
	}
	fprintf(f,
		"classes this split can evaluate (every fold that tests "
		"them trains on >= %.0f%% of their rows):",
		100 * EVAL_MIN_SHARE);
	for (int c = 0; c < ds->cls.n && c < 16; c++)
		fprintf(f, " %s%s(%.2f)",
			r->evaluable[c] ? "" : "NOT:", ds->cls.name[c],
			r->train_share[c]);
	fprintf(f, "\nmacro-F1 over those %d classes: model %.4f",
		r->nevaluable, r->macro_f1_evaluable);
	if (!r->windows)
		fprintf(f, ", port %.4f, ptp %.4f, size_bins %.4f",
			macro_over(&r->port, r->evaluable, ds->cls.n),
			macro_over(&r->ptp, r->evaluable, ds->cls.n),
			macro_over(&r->bins, r->evaluable, ds->cls.n));
	fprintf(f, "\n");
	if (r->have_early) {
		fprintf(f, "early (first N packets) macro-F1:");
		for (int e = 0; e < FIRSTN; e++)
			fprintf(f, " %d:%.3f", e + 1, r->early[e].macro_f1);
		fprintf(f, "\n");
	}
	fprintf(f,
		"split: %d fold(s) by %s, %d groups, groups on both sides: "
		"%ld\n",
		r->nfolds, r->ngroup_eff > ds->ngroup ? "file segment" : "file",
		r->ngroup_eff, r->overlap);
	fprintf(f, "prediction speed: %.0f flows/s (one core)\n",
		r->flows_per_s);
	if (!r->windows)
		fprintf(f,
			"open set: %ld flows called unknown; %ld flows of a "
			"class absent from their fold's training, %ld of them "
			"called a trained class\n",
			r->unknown, r->absent, r->absent_called);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_metrics(FILE *f, const struct metrics *m,
			 const struct lbl_classes *c)
{
	fprintf(f,
		"{\"macro_f1\": %.6f, \"accuracy\": %.6f, \"rows\": %ld, "
		"\"per_class\": {",
		m->macro_f1, m->accuracy, m->n);
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, c->name[i]);
		fprintf(f,
			": {\"precision\": %.6f, \"recall\": %.6f, "
			"\"f1\": %.6f, \"support\": %ld}",
			m->prec[i], m->rec[i], m->f1[i], m->support[i]);
	}
	fprintf(f, "}, \"confusion\": {\"classes\": [");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, c->name[i]);
	}
	fprintf(f, "], \"matrix\": [");
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s[", i ? ", " : "");
		for (int j = 0; j < c->n; j++)
			fprintf(f, "%s%ld", j ? ", " : "", m->conf[i][j]);
		fprintf(f, "]");
	}
	fprintf(f, "]}}");
}

void eval_print_json(FILE *f, const struct dataset *ds,
		     const struct eval_opts *o, const struct eval_result *r)
{
	fprintf(f, "{\"target\": \"%s\", \"model\": ",
		r->windows ? "node_windows" : "flows");
	json_metrics(f, &r->model, &ds->cls);
	if (!r->windows) {
		fprintf(f, ", \"node_vote\": ");
		json_metrics(f, &r->node_vote, &ds->cls);
		fprintf(f, ", \"node\": ");
		json_metrics(f, &r->node, &ds->cls);
		fprintf(f, ", \"model_min_pkts\": ");
		json_metrics(f, &r->model_big, &ds->cls);
		fprintf(f,
			", \"node_min_pkts\": %llu, \"train_min_pkts\": %llu",
			(unsigned long long)o->node_min_pkts,
			(unsigned long long)o->train_min_pkts);
	}
	fprintf(f, ", \"baselines\": {");
	if (!r->windows) {
		fprintf(f, "\"port\": ");
		json_metrics(f, &r->port, &ds->cls);
		fprintf(f, ", \"ptp\": ");
		json_metrics(f, &r->ptp, &ds->cls);
		fprintf(f, ", \"size_bins\": ");
		json_metrics(f, &r->bins, &ds->cls);
	}
	fprintf(f,
		"}, \"evaluable\": {\"min_train_share\": %.2f, "
		"\"classes\": [",
		EVAL_MIN_SHARE);
	for (int c = 0, first = 1; c < ds->cls.n && c < 16; c++)
		if (r->evaluable[c]) {
			fprintf(f, "%s", first ? "" : ", ");
			json_str(f, ds->cls.name[c]);
			first = 0;
		}
	fprintf(f, "], \"train_share\": {");
	for (int c = 0; c < ds->cls.n && c < 16; c++) {
		fprintf(f, "%s", c ? ", " : "");
		json_str(f, ds->cls.name[c]);
		fprintf(f, ": %.4f", r->train_share[c]);
	}
	fprintf(f, "}, \"model_macro_f1\": %.6f", r->macro_f1_evaluable);
	if (!r->windows)
		fprintf(f,
			", \"port_macro_f1\": %.6f, \"ptp_macro_f1\": %.6f, "
			"\"size_bins_macro_f1\": %.6f",
			macro_over(&r->port, r->evaluable, ds->cls.n),
			macro_over(&r->ptp, r->evaluable, ds->cls.n),
			macro_over(&r->bins, r->evaluable, ds->cls.n));
	fprintf(f, "}");
	fprintf(f, ", \"early\": {");
	for (int e = 0; r->have_early && e < FIRSTN; e++)
		fprintf(f, "%s\"%d\": %.6f", e ? ", " : "", e + 1,
			r->early[e].macro_f1);
	fprintf(f,
		"}, \"split\": {\"kind\": \"%s\", \"by\": \"%s\", "
		"\"folds\": %d, \"segments\": %d, "
		"\"groups_on_both_sides\": %ld, \"fold_files\": [",
		o->kfold ? "kfold" : "train_test",
		r->ngroup_eff > ds->ngroup ? "file_segment" : "file", r->nfolds,
		r->ngroup_eff > ds->ngroup ? r->ngroup_eff / ds->ngroup : 1,
		r->overlap);
	for (int fo = 0; fo < r->nfolds; fo++) {
		int first = 1;
		fprintf(f, "%s{\"test\": [", fo ? ", " : "");
		for (int g = 0; g < r->ngroup_eff; g++) {
			if (r->fold[g] != fo ||
			    (r->gseg[g] && r->ngroup_eff == ds->ngroup))
				continue;
			fprintf(f, "%s", first ? "" : ", ");
			first = 0;
			if (r->ngroup_eff > ds->ngroup) {
				char b[4200];
				snprintf(b, sizeof(b), "%s#%d",
					 ds->group[r->gfile[g]], r->gseg[g]);
				json_str(f, b);
			} else
				json_str(f, ds->group[r->gfile[g]]);
		}
		fprintf(f, "], \"train_rows\": %ld, \"test_rows\": %ld}",
			fo < 64 ? r->train_rows[fo] : 0,
			fo < 64 ? r->test_rows[fo] : 0);
	}
	fprintf(f, "]}, \"classes\": [");
	for (int i = 0; i < ds->cls.n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, ds->cls.name[i]);
	}
	fprintf(f,
		"], \"open_set\": {\"quantile\": %.4f, \"unknown\": %ld, "
		"\"absent\": %ld, \"absent_called\": %ld}",
		o->unknown_q, r->unknown, r->absent, r->absent_called);
	fprintf(f,
		", \"flows_seen\": %llu, \"flows_unlabeled\": %llu, "
		"\"flows_low_confidence\": %llu, \"flows_too_small\": %llu, \"files_skipped\": %d, "
		"\"prediction_flows_per_s\": %.0f, \"seconds\": %.2f}\n",
		(unsigned long long)ds->flows_seen,
		(unsigned long long)ds->flows_unlabeled,
		(unsigned long long)ds->flows_lowconf,
		(unsigned long long)ds->flows_small, ds->files_skipped,
		r->flows_per_s, r->train_s);
}
