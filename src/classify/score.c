/*
 * score.c -- a saved model against labeled traces (see score.h).
 *
 * The port table is the one the transfer benchmark names (issue 11):
 * 80/443 web, 22 ssh, 21 ftp, 4662/4672 edonkey, 6881-6889 bittorrent,
 * the responder's port first, then the originator's, any protocol;
 * anything else is `other`. It is kept apart
 * from baselines.c's longer IANA table on purpose: the benchmark's
 * figure is defined by this short one.
 */
#include <string.h>
#include "classify/score.h"

/* The lab's catalogs say http where nDPI's classes say web. */
static const char *canon(const char *c)
{
	return !strcmp(c, "http") ? "web" : c;
}

static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == n && !strncmp(p, name, n))
			return 1;
		if (!c)
			break;
		p = c + 1;
	}
	return 0;
}

static const char *port_class(uint16_t sp, uint16_t dp)
{
	for (int i = 0; i < 2; i++) {
		uint16_t p = i ? sp : dp;
		if (p == 80 || p == 443)
			return "web";
		if (p == 22)
			return "ssh";
		if (p == 21)
			return "ftp";
		if (p == 4662 || p == 4672)
			return "edonkey";
		if (p >= 6881 && p <= 6889)
			return "bittorrent";
	}
	return "other";
}

static int cls_index(struct score_result *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->c[i].name, name))
			return i;
	if (r->n == SCORE_MAXCLASS)
		return -1;
	memset(&r->c[r->n], 0, sizeof(r->c[0]));
	snprintf(r->c[r->n].name, sizeof(r->c[0].name), "%s", name);
	return r->n++;
}

static double f1_of(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static void finish(struct score_result *r, const struct score_opts *o)
{
	double s = 0, sp = 0;

	for (int i = 0; i < r->n; i++) {
		struct score_cls *c = &r->c[i];
		c->prec = c->pred ? (double)c->tp / (double)c->pred : 0;
		c->rec = c->support ? (double)c->tp / (double)c->support : 0;
		c->f1 = f1_of(c->prec, c->rec);
		c->port_prec =
			c->port_pred ? (double)c->port_tp / (double)c->port_pred
				     : 0;
		c->port_rec = c->support
				      ? (double)c->port_tp / (double)c->support
				      : 0;
		c->port_f1 = f1_of(c->port_prec, c->port_rec);
		c->in_macro = in_list(o->apps, c->name) &&
			      c->support >= o->min_support;
		if (c->in_macro) {
			r->nmacro++;
			s += c->f1;
			sp += c->port_f1;
		}
	}
	r->macro = r->nmacro ? s / r->nmacro : 0;
	r->port_macro = r->nmacro ? sp / r->nmacro : 0;
}

int score_run(const struct dataset *ds, struct model *m,
	      const struct score_opts *o, struct score_result *r,
	      struct pt_err *err)
{
	memset(r, 0, sizeof(*r));
	r->unknown_below = model_unknown_below(m);
	for (int c = 0; c < model_nclass(m); c++) {
		int k = cls_index(r, canon(model_class(m, c)));
		if (k >= 0)
			r->c[k].in_model = 1;
	}
	for (int i = 0; i < ds->n; i++) {
		const struct ds_meta *mt = &ds->m[i];
		const char *pc, *pp, *truth;
		double prob;
		int t, k, p, known, app;

		if (mt->fine < 0)
			continue;
		truth = canon(ds->names[mt->fine]);
		if ((t = cls_index(r, truth)) < 0)
			return pt_fail(err, PT_ELIMIT, "eval",
				       "more than %d classes", SCORE_MAXCLASS);
		k = model_predict_x(m, ds->x + (size_t)i * ds->nfeat, &pc,
				    &prob);
		r->rows++;
		r->c[t].support++;
		known = r->c[t].in_model;
		app = in_list(o->apps, truth);
		if (k >= 0) {
			pc = canon(pc);
			p = cls_index(r, pc);
			if (p >= 0) {
				r->c[p].pred++;
				r->c[p].tp += p == t;
			}
		} else {
			r->unknown++;
		}
		/* `other` is the lab's "none of the named applications": for
		 * a flow of a class the lab lacks it is the right answer */
		if (!known) {
			r->absent++;
			r->absent_called += k >= 0 && strcmp(pc, "other");
		}
		if (!app) {
			r->outside++;
			r->outside_called += k >= 0 && in_list(o->apps, pc);
		}
		pp = port_class(mt->sport, mt->dport);
		if ((p = cls_index(r, pp)) >= 0) {
			r->c[p].port_pred++;
			r->c[p].port_tp += p == t;
		}
	}
	finish(r, o);
	return 0;
}

static double pct(long a, long b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

void score_print_text(FILE *f, const struct score_result *r)
{
	fprintf(f, "%-12s %8s %9s %9s %9s   %9s %9s %9s  %s\n", "class",
		"support", "precision", "recall", "F1", "port_P", "port_R",
		"port_F1", "");
	for (int i = 0; i < r->n; i++) {
		const struct score_cls *c = &r->c[i];
		fprintf(f,
			"%-12s %8ld %9.4f %9.4f %9.4f   %9.4f %9.4f %9.4f  "
			"%s%s\n",
			c->name, c->support, c->prec, c->rec, c->f1,
			c->port_prec, c->port_rec, c->port_f1,
			c->in_model ? "lab" : "not in lab",
			c->in_macro ? ", in macro" : "");
	}
	fprintf(f, "macro-F1 over %d classes (", r->nmacro);
	for (int i = 0, n = 0; i < r->n; i++)
		if (r->c[i].in_macro)
			fprintf(f, "%s%s", n++ ? "," : "", r->c[i].name);
	fprintf(f, "): model %.4f, port %.4f\n", r->macro, r->port_macro);
	fprintf(f,
		"flows scored: %ld; called unknown: %ld (%.1f %%; "
		"threshold %.4f)\n",
		r->rows, r->unknown, pct(r->unknown, r->rows),
		r->unknown_below);
	fprintf(f,
		"flows of classes the model lacks: %ld; called one of its "
		"classes other than other: %ld (%.1f %%)\n",
		r->absent, r->absent_called, pct(r->absent_called, r->absent));
	fprintf(f,
		"flows outside the application classes: %ld; called an "
		"application class: %ld (%.1f %%)\n",
		r->outside, r->outside_called,
		pct(r->outside_called, r->outside));
}

void score_print_json(FILE *f, const struct dataset *ds,
		      const struct score_result *r)
{
	fprintf(f,
		"{\"target\": \"transfer\", \"rows\": %ld, \"unknown\": "
		"%ld, \"unknown_below\": %.6f,\n \"per_class\": {",
		r->rows, r->unknown, r->unknown_below);
	for (int i = 0; i < r->n; i++) {
		const struct score_cls *c = &r->c[i];
		fprintf(f,
			"%s\n  \"%s\": {\"support\": %ld, \"precision\": %.6f, "
			"\"recall\": %.6f, \"f1\": %.6f, \"port_precision\": "
			"%.6f, \"port_recall\": %.6f, \"port_f1\": %.6f, "
			"\"in_model\": %d, \"in_macro\": %d}",
			i ? "," : "", c->name, c->support, c->prec, c->rec,
			c->f1, c->port_prec, c->port_rec, c->port_f1,
			c->in_model, c->in_macro);
	}
	fprintf(f,
		"},\n \"macro_f1\": %.6f, \"port_macro_f1\": %.6f, "
		"\"macro_classes\": %d,\n \"absent\": %ld, \"absent_called\": "
		"%ld, \"outside\": %ld, \"outside_called\": %ld,\n "
		"\"flows_seen\": %llu, \"flows_unlabeled\": %llu, "
		"\"flows_low_confidence\": %llu, \"flows_too_small\": %llu, "
		"\"files\": %d, \"files_skipped\": %d}\n",
		r->macro, r->port_macro, r->nmacro, r->absent, r->absent_called,
		r->outside, r->outside_called,
		(unsigned long long)ds->flows_seen,
		(unsigned long long)ds->flows_unlabeled,
		(unsigned long long)ds->flows_lowconf,
		(unsigned long long)ds->flows_small, ds->ngroup,
		ds->files_skipped);
}
