/*
 * page.c -- the report page (one self-contained HTML file: inline CSS and
 * SVG, nothing fetched) and the text summary printed on stdout. The
 * paper's observations they show are checked in observe.c.
 *
 * The node tables print every number as analyze's CSV does (counts as
 * integers, the rest with %.6g) and tag each cell with data-col=<the CSV
 * column>, so the page can be checked against `analyze --nodes` cell by
 * cell.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/report.h"
#include "tool.h"

/* ---- the page ------------------------------------------------------- */

static const char css[] =
	"body{font:15px/1.5 'DejaVu Sans',Helvetica,Arial,sans-serif;"
	"color:#222;background:#fff;margin:0}"
	"main{max-width:1040px;margin:0 auto;padding:16px 24px}"
	"h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.25em;"
	"border-bottom:1px solid #ccc;margin-top:1.6em}"
	"h3{font-size:1.05em;margin:.2em 0 .4em}"
	".meta{color:#555}nav a{margin-right:1em}"
	"figure{margin:1.2em 0;padding:10px;border:1px solid #ddd;"
	"border-radius:4px;break-inside:avoid;page-break-inside:avoid}"
	"svg.chart{max-width:100%;height:auto;display:block}"
	"figcaption{font-size:.9em;color:#444;margin-top:.3em}"
	".note{background:#fff4e5;border-left:4px solid #e69f00;"
	"padding:.4em .8em}"
	".tick{font-size:11px;fill:#333}.legend-note{font-size:11px;"
	"fill:#555}"
	"table{border-collapse:collapse;font-size:12px;margin:.5em 0}"
	"th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;"
	"white-space:nowrap}th{background:#f3f3f3;position:sticky;top:0}"
	"td.t,th.t{text-align:left}.wide{overflow-x:auto;max-width:100%}"
	".verdict{font-weight:bold}ul.obs{padding-left:1.2em}ul.obs li{margin:.5em 0}"
	".v{font-weight:bold;padding:0 .4em;border-radius:3px}"
	".v-agrees{background:#d9f2e3}.v-disagrees{background:#fbd9d3}"
	".v-partly{background:#fdf0c8}.v-cannot{background:#e8e8e8}"
	"@media print{body{font-size:11pt}main{max-width:none;padding:0}"
	"nav{display:none}.wide{overflow:visible}th{position:static}"
	"details>*{display:block}table{font-size:7pt}}";

struct tally {
	int n, agree, partly, disagree, cannot;
	char which[1024], partial[1024];
};

static void emit_count(void *arg, const char *claim, const char *ours,
		       const char *verdict)
{
	struct tally *t = arg;
	size_t len = strlen(t->which);

	(void)ours;
	t->n++;
	if (!strncmp(verdict, "agree", 5))
		t->agree++;
	else if (!strncmp(verdict, "partly", 6)) {
		size_t pl = strlen(t->partial);
		int cl = (int)strcspn(claim, "(");
		while (cl > 0 && (claim[cl - 1] == ' ' || claim[cl - 1] == '.'))
			cl--;
		t->partly++;
		snprintf(t->partial + pl, sizeof(t->partial) - pl,
			 "%s\xe2\x80\x9c%.*s\xe2\x80\x9d", pl ? "; " : "", cl,
			 claim);
	} else if (!strncmp(verdict, "cannot", 6))
		t->cannot++;
	else {
		int cl = (int)strcspn(claim, "(");
		t->disagree++;
		while (cl > 0 && (claim[cl - 1] == ' ' || claim[cl - 1] == '.'))
			cl--;
		snprintf(t->which + len, sizeof(t->which) - len,
			 "%s\xe2\x80\x9c%.*s\xe2\x80\x9d", len ? "; " : "", cl,
			 claim);
	}
}

static void emit_html(void *arg, const char *claim, const char *ours,
		      const char *verdict)
{
	FILE *f = arg;
	const char *cls = !strncmp(verdict, "agree", 5)	     ? "agrees"
			  : !strncmp(verdict, "disagree", 8) ? "disagrees"
			  : !strncmp(verdict, "partly", 6)   ? "partly"
							     : "cannot";

	fputs("<li><b>Paper:</b> ", f);
	rp_esc(f, claim);
	fprintf(f, " <span class=\"v v-%s\">Our data: ", cls);
	rp_esc(f, verdict);
	fputs(".</span><br><b>Ours:</b> ", f);
	rp_esc(f, ours);
	fputs(".</li>\n", f);
}

static void th(FILE *f, const char *name, int text)
{
	fprintf(f, "<th%s>", text ? " class=\"t\"" : "");
	rp_esc(f, name);
	fputs("</th>", f);
}

static void td_u(FILE *f, const char *col, uint64_t v)
{
	fprintf(f, "<td data-col=\"%s\">%llu</td>", col, (unsigned long long)v);
}

/* As row_f64 in lib/sink/rows.c. */
static void td_f(FILE *f, const char *col, double v)
{
	if (!isfinite(v))
		v = 0;
	fprintf(f, "<td data-col=\"%s\">%.6g</td>", col, v);
}

static void td_s(FILE *f, const char *col, const char *v)
{
	fputs("<td class=\"t\" data-col=\"", f);
	rp_esc(f, col);
	fputs("\">", f);
	rp_esc(f, v);
	fputs("</td>", f);
}

/* Label keys seen, x / series / group first. */
static int label_keys(const struct rp_set *s, const struct rp_opts *o,
		      char (*keys)[64], int max)
{
	int n = 0;
	const char *first[3] = { o->x, o->series, o->group };

	for (int k = 0; k < 3; k++) {
		char buf[64];
		const char *p = first[k];
		while (*p && n < max) { /* --group may be a list */
			size_t l = strcspn(p, ",");
			int dup = 0;
			snprintf(buf, sizeof(buf), "%.*s",
				 (int)(l < 63 ? l : 63), p);
			for (int j = 0; j < n; j++)
				dup |= !strcmp(keys[j], buf);
			if (!dup && rp_has_label(s, buf))
				snprintf(keys[n++], 64, "%s", buf);
			p += l + (p[l] == ',');
		}
	}
	for (int i = 0; i < s->n; i++) {
		const char *p = s->v[i].labels;
		while (p && *p && n < max) {
			size_t l = strcspn(p, "=;");
			int dup = 0;
			char k[64];
			snprintf(k, sizeof(k), "%.*s", (int)l, p);
			for (int j = 0; j < n; j++)
				dup |= !strcmp(keys[j], k);
			if (!dup && k[0])
				snprintf(keys[n++], 64, "%s", k);
			p = strchr(p, ';');
			p = p ? p + 1 : NULL;
		}
	}
	return n;
}

#define MAXKEYS 32

static void node_cells(FILE *f, const struct rp_node *n, char (*keys)[64],
		       int nk, int multi)
{
	char b[256], col[80];

	td_s(f, "node", n->name);
	if (multi)
		td_s(f, "input", n->input ? n->input : "");
	for (int k = 0; k < nk; k++) {
		snprintf(col, sizeof(col), "label:%s", keys[k]);
		td_s(f, col, rp_label(n, keys[k], b, sizeof(b)) ? b : "");
	}
}

/* The node table: analyze's nodes columns, one row per node. */
static void table_nodes(FILE *f, const struct rp_set *s, char (*keys)[64],
			int nk, int multi)
{
	fputs("<h3 id=\"t-nodes\">Figures per node</h3><div class=\"wide\">"
	      "<table id=\"nodes\"><thead><tr>",
	      f);
	th(f, "node", 1);
	if (multi)
		th(f, "input", 1);
	for (int k = 0; k < nk; k++)
		th(f, keys[k], 1);
	th(f, "addr", 1);
	for (int c = 0; c < node_nmetrics; c++) /* analyze's columns */
		th(f, node_metrics[c].name, 0);
	fputs("</tr></thead><tbody>\n", f);
	for (int i = 0; i < s->n; i++) {
		const struct rp_node *n = &s->v[i];
		const struct node_figs *g = &n->fig;
		fputs("<tr>", f);
		node_cells(f, n, keys, nk, multi);
		td_s(f, "addr", n->addr);
		for (int c = 0; c < node_nmetrics; c++) {
			const struct node_metric *m = &node_metrics[c];
			if (m->is_int)
				td_u(f, m->name, (uint64_t)m->get(g));
			else
				td_f(f, m->name, m->get(g));
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

/* The size distribution per node, in % of its packets. */
static void table_sizes(FILE *f, const struct rp_set *s, char (*keys)[64],
			int nk, int multi)
{
	char col[40];

	fputs("<h3 id=\"t-sizes\">Packet sizes per node (% of packets, the "
	      "paper's bins)</h3><div class=\"wide\"><table id=\"sizes\">"
	      "<thead><tr>",
	      f);
	th(f, "node", 1);
	if (multi)
		th(f, "input", 1);
	for (int k = 0; k < nk; k++)
		th(f, keys[k], 1);
	for (int b = 0; b < PLEN_NBINS; b++) {
		rp_bin_name(b, col, sizeof(col));
		th(f, col, 0);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (int i = 0; i < s->n; i++) {
		const struct node_figs *g = &s->v[i].fig;
		fputs("<tr>", f);
		node_cells(f, &s->v[i], keys, nk, multi);
		for (int b = 0; b < PLEN_NBINS; b++) {
			snprintf(col, sizeof(col), "pct_%s", plen_bin_names[b]);
			td_f(f, col,
			     g->pkts ? 100.0 * (double)g->plen[b] /
					       (double)g->pkts
				     : 0);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

/* The packet counts behind the figures (the paper's bins, by direction,
 * and the 32-byte bins), folded away. */
static void table_counts(FILE *f, const struct rp_set *s, int multi)
{
	char col[40];

	fputs("<details id=\"t-counts\"><summary>Packet counts per node and "
	      "bin: the paper's bins (all, up = sent by the node, down), "
	      "and 32-byte bins</summary><div class=\"wide\"><table "
	      "id=\"counts\"><thead><tr>",
	      f);
	th(f, "node", 1);
	if (multi)
		th(f, "input", 1);
	th(f, "first_ns", 0);
	th(f, "last_ns", 0);
	for (int b = 0; b < PLEN_NBINS; b++) {
		snprintf(col, sizeof(col), "plen_%s", plen_bin_names[b]);
		th(f, col, 0);
	}
	for (int b = 0; b < PLEN_NBINS; b++) {
		snprintf(col, sizeof(col), "up_%s", plen_bin_names[b]);
		th(f, col, 0);
	}
	for (int b = 0; b < PLEN_NBINS; b++) {
		snprintf(col, sizeof(col), "down_%s", plen_bin_names[b]);
		th(f, col, 0);
	}
	for (int b = 0; b < FINE_NBINS; b++) {
		if (b == FINE_NBINS - 1)
			snprintf(col, sizeof(col), "fine_%d_up", b * 32);
		else
			snprintf(col, sizeof(col), "fine_%d_%d", b * 32,
				 b * 32 + 31);
		th(f, col, 0);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (int i = 0; i < s->n; i++) {
		const struct node_figs *g = &s->v[i].fig;
		fputs("<tr>", f);
		td_s(f, "node", s->v[i].name);
		if (multi)
			td_s(f, "input", s->v[i].input ? s->v[i].input : "");
		td_u(f, "first_ns", g->first_ns);
		td_u(f, "last_ns", g->last_ns);
		for (int b = 0; b < PLEN_NBINS; b++) {
			snprintf(col, sizeof(col), "plen_%s",
				 plen_bin_names[b]);
			td_u(f, col, g->plen[b]);
		}
		for (int b = 0; b < PLEN_NBINS; b++) {
			snprintf(col, sizeof(col), "up_%s", plen_bin_names[b]);
			td_u(f, col, g->plen_up[b]);
		}
		for (int b = 0; b < PLEN_NBINS; b++) {
			snprintf(col, sizeof(col), "down_%s",
				 plen_bin_names[b]);
			td_u(f, col, g->plen_down[b]);
		}
		for (int b = 0; b < FINE_NBINS; b++) {
			if (b == FINE_NBINS - 1)
				snprintf(col, sizeof(col), "fine_%d_up",
					 b * 32);
			else
				snprintf(col, sizeof(col), "fine_%d_%d", b * 32,
					 b * 32 + 31);
			td_u(f, col, g->fine[b]);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></details>\n", f);
}

static void tables(FILE *f, const struct rp_set *s, const struct rp_opts *o)
{
	char keys[MAXKEYS][64];
	int nk = label_keys(s, o, keys, MAXKEYS), multi = rp_ninputs(s) > 1;

	table_nodes(f, s, keys, nk, multi);
	table_sizes(f, s, keys, nk, multi);
	table_counts(f, s, multi);
}

void rp_page(FILE *f, const struct rp_set *s, const struct rp_opts *o,
	     const struct rp_fig figs[RP_NFIGS], char *const svgs[RP_NFIGS])
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\"><title>",
	      f);
	rp_esc(f, o->title);
	fprintf(f, "</title><style>%s</style></head>\n<body><main>\n<h1>", css);
	rp_esc(f, o->title);
	fprintf(f,
		"</h1>\n<p class=\"meta\">%d node%s. x axis: label "
		"<code>",
		s->n, s->n == 1 ? "" : "s");
	rp_esc(f, o->x);
	fputs("</code>; one line per <code>", f);
	rp_esc(f, o->series);
	fputs("</code>; size distributions per <code>", f);
	rp_esc(f, o->group);
	fprintf(f,
		"</code>; error bars: %s. Made by p2ptrace %s on %s, with "
		"the same engine as <code>p2ptrace analyze</code> "
		"(definitions: docs/report.md).</p>\n",
		o->ek == RP_ERR_CI95 ? "95% confidence interval of the mean"
				     : "\xc2\xb1 1 sample standard deviation",
		P2PTRACE_VERSION, when);
	fputs("<nav><a href=\"#observations\">Observations</a>", f);
	for (int i = 0; i < RP_NFIGS; i++)
		fprintf(f, "<a href=\"#%s\">%s</a>", figs[i].id,
			(const char *[]){ "Fig. 2", "Fig. 3", "Fig. 4",
					  "Fig. 5", "Fig. 5 fine",
					  "Relayed queries" }[i]);
	fputs("<a href=\"#tables\">Tables</a></nav>\n", f);

	fputs("<section id=\"observations\"><h2>The paper's observations, "
	      "checked against our numbers</h2>\n",
	      f);
	{
		struct tally t = { 0 };
		rp_observations(s, o, emit_count, &t);
		fprintf(f,
			"<p class=\"verdict\">Of the paper's %d "
			"observations, our data agrees with %d, partly "
			"with %d, and disagrees with %d",
			t.n, t.agree, t.partly, t.disagree);
		if (t.cannot)
			fprintf(f, "; %d cannot be checked with these labels",
				t.cannot);
		fputs(".", f);
		if (t.disagree) {
			fputs(" We disagree on: ", f);
			rp_esc(f, t.which);
			fputs(".", f);
		}
		if (t.partly) {
			fputs(" Only partly on: ", f);
			rp_esc(f, t.partial);
			fputs(".", f);
		}
		fputs("</p>\n<ul class=\"obs\">\n", f);
	}
	rp_observations(s, o, emit_html, f);
	fputs("</ul></section>\n<section id=\"figures\"><h2>Figures</h2>\n", f);
	for (int i = 0; i < RP_NFIGS; i++) {
		fprintf(f, "<figure id=\"%s\"><h3>", figs[i].id);
		rp_esc(f, figs[i].title);
		fputs("</h3>\n", f);
		fputs(svgs[i], f);
		if (figs[i].note) { /* figcaption must stay the last child */
			fputs("\n<p class=\"note\">", f);
			rp_esc(f, figs[i].note);
			fputs("</p>", f);
		}
		fputs("\n<figcaption>", f);
		rp_esc(f, figs[i].caption);
		fputs("</figcaption></figure>\n", f);
	}
	fputs("</section>\n<section id=\"tables\"><h2>Per node</h2>\n<p>Every "
	      "number as <code>p2ptrace analyze --nodes</code> writes it "
	      "(column names as in its CSV; docs/OUTPUTS.md).</p>\n",
	      f);
	tables(f, s, o);
	fputs("<h3>Sources</h3><ul>", f);
	for (int i = 0; i < s->n; i++) {
		fputs("<li><code>", f);
		rp_esc(f, s->v[i].name);
		fputs("</code>: <code>", f);
		rp_esc(f, s->v[i].source);
		fputs("</code></li>", f);
	}
	fputs("</ul></section>\n</main></body></html>\n", f);
}

/* ---- text summary --------------------------------------------------- */

static void emit_text(void *arg, const char *claim, const char *ours,
		      const char *verdict)
{
	FILE *f = arg;

	fprintf(f, "  - %s\n    ours (%s): %s\n", claim, verdict, ours);
}

void rp_summary(FILE *f, const struct rp_set *s, const struct rp_opts *o,
		const struct rp_fig figs[RP_NFIGS])
{
	for (int j = 0; j < 4; j++) { /* the line figures: 2, 3, 4, relay */
		const struct rp_fig *g = &figs[j < 3 ? j : 5];
		fprintf(f, "%s (mean %s, n)\n", g->title,
			o->ek == RP_ERR_CI95 ? "\xc2\xb1 95% CI"
					     : "\xc2\xb1 sd");
		if (g->note) {
			fprintf(f, "  %s\n", g->note);
			continue;
		}
		fprintf(f, "  %-10s", o->x);
		for (int k = 0; k < g->nseries; k++)
			fprintf(f, " %26s", g->s[k].name);
		fputc('\n', f);
		for (int c = 0; c < g->nxcats; c++) {
			fprintf(f, "  %-10s", g->xcats[c]);
			for (int k = 0; k < g->nseries; k++) {
				const struct rp_series *se = &g->s[k];
				char cell[64] = "-";
				for (int p = 0; p < se->npts; p++)
					if (se->x[p] == g->xticks[c])
						snprintf(
							cell, sizeof(cell),
							"%.4g \xc2\xb1 %.3g (%d)",
							se->y[p].mean,
							se->y[p].err,
							se->y[p].n);
				fprintf(f, " %26s", cell);
			}
			fputc('\n', f);
		}
	}
	fprintf(f, "%s (mean %% of packets per %s)\n", figs[3].title, o->group);
	if (figs[3].note)
		fprintf(f, "  %s\n", figs[3].note);
	else {
		fprintf(f, "  %-14s", o->group);
		for (int b = 0; b < PLEN_NBINS; b++)
			fprintf(f, " %9s", figs[3].xcats[b]);
		fputc('\n', f);
		for (int k = 0; k < figs[3].nseries; k++) {
			const struct rp_series *se = &figs[3].s[k];
			fprintf(f, "  %-14s", se->name);
			for (int b = 0; b < se->npts; b++)
				fprintf(f, " %9.1f", se->y[b].mean);
			fprintf(f, "   (%d node%s)\n", se->y[0].n,
				se->y[0].n == 1 ? "" : "s");
		}
	}
	fprintf(f, "The paper's observations, with our numbers:\n");
	rp_observations(s, o, emit_text, f);
}
