/*
 * svg.c -- one chart as SVG text written by the program (no JavaScript, no
 * fonts or files fetched): axes with ticks and labels, one line (or one
 * set of bars) per series with markers, error bars, a legend that says
 * what the bars are. Colors are the Okabe-Ito palette (colour-blind safe)
 * and every series also has its own marker and dash, so the chart reads
 * in grey print too. Each point carries data-* attributes (series, x,
 * mean, err, n) so tests and scripts can read the values back.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "report/report.h"

#define W 760
#define H 440
#define PL 78.0 /* plot area: left, right, top, bottom */
#define PR (W - 190.0)
#define PT 24.0
#define PB (H - 78.0)

static const char *const colors[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7",
	"#E69F00", "#56B4E9", "#000000", "#F0E442",
};
static const char *const dashes[] = { "", "7 4", "2 3", "9 3 2 3" };
#define NCOLORS (int)(sizeof(colors) / sizeof(colors[0]))

void rp_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* A "nice" step (1, 2, 5 x 10^k) for about n ticks over [0, hi]. */
static double nice_step(double hi, int n)
{
	double raw = hi / n, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

struct axes {
	const struct rp_fig *fig;
	double xlo, xhi, ymax;
};

static double px(const struct axes *a, double x)
{
	const struct rp_fig *f = a->fig;

	if (f->xcat)
		return PL + (x + 0.5) * (PR - PL) / (f->nxcats ? f->nxcats : 1);
	if (f->xlog)
		x = log10(x);
	if (a->xhi <= a->xlo)
		return (PL + PR) / 2;
	return PL + (x - a->xlo) / (a->xhi - a->xlo) * (PR - PL);
}

static double py(const struct axes *a, double y)
{
	return PB - y / a->ymax * (PB - PT);
}

static void marker(FILE *f, int k, double x, double y, const char *c)
{
	switch (k % 4) {
	case 0:
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>",
			x, y, c);
		break;
	case 1:
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
			"fill=\"%s\"/>",
			x - 4, y - 4, c);
		break;
	case 2:
		fprintf(f, "<path d=\"M%.1f %.1fl5 8.5h-10z\" fill=\"%s\"/>", x,
			y - 5.5, c);
		break;
	default:
		fprintf(f,
			"<path d=\"M%.1f %.1fl5 5 -5 5 -5 -5z\" fill=\"%s\"/>",
			x, y - 5, c);
	}
}

static void err_bar(FILE *f, const struct axes *a, double x,
		    const struct rp_stat *st, const char *c)
{
	double lo, hi;

	if (st->n < 2 || st->err <= 0)
		return;
	lo = py(a, st->mean - st->err < 0 ? 0 : st->mean - st->err);
	hi = py(a, st->mean + st->err);
	fprintf(f,
		"<path class=\"errbar\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f "
		"%.1fh8\" stroke=\"%s\" stroke-width=\"1.3\" fill=\"none\"/>",
		x, lo, hi, x - 4, lo, x - 4, hi, c);
}

static void point_attrs(FILE *f, const struct rp_series *s,
			const struct rp_fig *fig, int i)
{
	const struct rp_stat *st = &s->y[i];

	fputs("<g class=\"pt\" data-series=\"", f);
	rp_esc(f, s->name);
	fputs("\" data-x=\"", f);
	if (fig->xcat) {
		int c = (int)s->x[i];
		rp_esc(f, c >= 0 && c < fig->nxcats ? fig->xcats[c] : "");
	} else {
		fprintf(f, "%.10g", s->x[i]);
	}
	fprintf(f, "\" data-mean=\"%.10g\" data-err=\"%.10g\" data-n=\"%d\">",
		st->mean, st->err, st->n);
}

static void y_axis(FILE *f, const struct axes *a)
{
	double step = nice_step(a->ymax, 5);

	for (double y = 0; y <= a->ymax * 1.0001; y += step) {
		char lab[32];
		snprintf(lab, sizeof(lab), "%g", y);
		fprintf(f,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#ddd\"/>",
			PL, PR, py(a, y), py(a, y));
		fprintf(f,
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\">%s</text>",
			PL - 6, py(a, y) + 4, lab);
	}
}

static void x_axis(FILE *f, const struct axes *a)
{
	const struct rp_fig *fg = a->fig;
	int every = fg->nxcats > 16 ? 4 : 1;

	for (int i = 0; i < fg->nxcats; i++) {
		double x = fg->xcat ? i : fg->xticks[i];
		char lab[64];
		if (i % every)
			continue;
		if (!fg->xcat)
			snprintf(lab, sizeof(lab), "%s",
				 fg->nxcats > 16 ? "" : fg->xcats[i]);
		if (!fg->xcat && fg->nxcats > 16)
			snprintf(lab, sizeof(lab), "%d", (int)(x - 16));
		fprintf(f,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#444\"/>",
			px(a, x), px(a, x), PB, PB + 5);
		if (fg->xcat) {
			fprintf(f,
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"end\" transform=\"rotate(-35 "
				"%.1f %.1f)\">",
				px(a, x) + 3, PB + 16, px(a, x) + 3, PB + 16);
			rp_esc(f, fg->xcats[i]);
		} else {
			fprintf(f,
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">",
				px(a, fg->nxcats > 16 ? x - 16 : x), PB + 18);
			rp_esc(f, lab);
		}
		fputs("</text>", f);
	}
}

static void legend(FILE *f, const struct rp_fig *fg, enum rp_errkind ek)
{
	double y = PT + 6;
	const double lx = PR + 18;

	for (int k = 0; k < fg->nseries; k++, y += 20) {
		const char *c = colors[k % NCOLORS];
		fprintf(f,
			"<g class=\"legend-item\"><line x1=\"%.1f\" "
			"x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"%s\"/>",
			lx, lx + 26, y, y, c, fg->bars ? "" : dashes[k % 4]);
		if (fg->bars || fg->nxcats <= 16)
			marker(f, k, lx + 13, y, c);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 32, y + 4);
		rp_esc(f, fg->s[k].name);
		fputs("</text></g>", f);
	}
	fprintf(f,
		"<text class=\"legend-note\" x=\"%.1f\" y=\"%.1f\">mean over "
		"nodes;</text>",
		lx, y + 6);
	fprintf(f,
		"<text class=\"legend-note\" x=\"%.1f\" y=\"%.1f\">%s</text>",
		lx, y + 20,
		ek == RP_ERR_CI95 ? "bars: 95% CI of the mean"
				  : "bars: \xc2\xb1 1 std. deviation");
}

static void bars(FILE *f, const struct axes *a)
{
	const struct rp_fig *fg = a->fig;
	double slot = (PR - PL) / (fg->nxcats ? fg->nxcats : 1);
	double bw = slot * 0.8 / (fg->nseries ? fg->nseries : 1);

	for (int k = 0; k < fg->nseries; k++) {
		const struct rp_series *s = &fg->s[k];
		const char *c = colors[k % NCOLORS];
		fputs("<g class=\"series\" data-series=\"", f);
		rp_esc(f, s->name);
		fputs("\">", f);
		for (int i = 0; i < s->npts; i++) {
			double x0 = PL + s->x[i] * slot + slot * 0.1 + k * bw;
			double y = py(a, s->y[i].mean);
			point_attrs(f, s, fg, i);
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\" "
				"fill-opacity=\"%.2f\" stroke=\"%s\"/>",
				x0, y, bw, PB - y, c, 0.55 + 0.15 * (k % 3), c);
			err_bar(f, a, x0 + bw / 2, &s->y[i], "#222");
			fputs("</g>", f);
		}
		fputs("</g>", f);
	}
}

static void lines(FILE *f, const struct axes *a)
{
	const struct rp_fig *fg = a->fig;
	int small = fg->nxcats > 16;

	for (int k = 0; k < fg->nseries; k++) {
		const struct rp_series *s = &fg->s[k];
		const char *c = colors[k % NCOLORS];
		fputs("<g class=\"series\" data-series=\"", f);
		rp_esc(f, s->name);
		fprintf(f,
			"\"><polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"%s\" "
			"points=\"",
			c, dashes[k % 4]);
		for (int i = 0; i < s->npts; i++)
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(a, s->x[i]),
				py(a, s->y[i].mean));
		fputs("\"/>", f);
		for (int i = 0; i < s->npts; i++) {
			point_attrs(f, s, fg, i);
			err_bar(f, a, px(a, s->x[i]), &s->y[i], c);
			if (!small)
				marker(f, k, px(a, s->x[i]),
				       py(a, s->y[i].mean), c);
			fputs("</g>", f);
		}
		fputs("</g>", f);
	}
}

void rp_svg(FILE *f, const struct rp_fig *fg, enum rp_errkind ek,
	    int standalone)
{
	struct axes a = { .fig = fg, .xlo = 0, .xhi = 1, .ymax = 0 };
	double lo = INFINITY, hi = -INFINITY;

	for (int k = 0; k < fg->nseries; k++)
		for (int i = 0; i < fg->s[k].npts; i++) {
			const struct rp_stat *st = &fg->s[k].y[i];
			double top = st->mean + (st->n > 1 ? st->err : 0);
			a.ymax = top > a.ymax ? top : a.ymax;
		}
	if (a.ymax <= 0)
		a.ymax = 1;
	a.ymax = ceil(a.ymax * 1.06 / nice_step(a.ymax * 1.06, 5)) *
		 nice_step(a.ymax * 1.06, 5);
	for (int i = 0; i < fg->nxcats; i++) {
		double x = fg->xlog ? log10(fg->xticks[i]) : fg->xticks[i];
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	if (fg->nxcats > 16) { /* 32-byte bins: the axis is 0..1536 bytes */
		lo = 0;
		hi = FINE_NBINS * 32;
	} else if (fg->nxcats) {
		double pad = hi > lo ? (hi - lo) * 0.06 : 1;
		lo -= pad;
		hi += pad;
	}
	a.xlo = lo;
	a.xhi = hi;

	fprintf(f,
		"<svg %sviewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"",
		standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "", W,
		H + (standalone ? 24 : 0), W, H + (standalone ? 24 : 0));
	rp_esc(f, fg->title);
	fprintf(f, "\" class=\"chart\" font-family=\"DejaVu Sans, Helvetica, "
		   "Arial, sans-serif\" font-size=\"12\">");
	fputs("<title>", f);
	rp_esc(f, fg->title);
	fputs("</title>", f);
	if (standalone) {
		fputs("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
		      "<text x=\"10\" y=\"18\" font-size=\"15\" "
		      "font-weight=\"bold\">",
		      f);
		rp_esc(f, fg->title);
		fputs("</text><g transform=\"translate(0 24)\">", f);
	}
	y_axis(f, &a);
	x_axis(f, &a);
	fprintf(f,
		"<path d=\"M%.1f %.1fV%.1fH%.1f\" stroke=\"#444\" "
		"fill=\"none\"/>",
		PL, PT, PB, PR);
	fprintf(f,
		"<text class=\"axis-label xlabel\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\" font-size=\"13\">",
		(PL + PR) / 2, H - 8.0);
	rp_esc(f, fg->xlabel);
	fprintf(f,
		"</text><text class=\"axis-label ylabel\" x=\"%.1f\" "
		"y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" "
		"transform=\"rotate(-90 %.1f %.1f)\">",
		18.0, (PT + PB) / 2, 18.0, (PT + PB) / 2);
	rp_esc(f, fg->ylabel);
	fputs("</text>", f);
	if (fg->bars)
		bars(f, &a);
	else
		lines(f, &a);
	if (fg->nseries)
		legend(f, fg, ek);
	if (fg->note || !fg->nseries) {
		fprintf(f,
			"<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\" font-size=\"14\" "
			"fill=\"#a00\">no data: see the note below</text>",
			(PL + PR) / 2, (PT + PB) / 2);
	}
	if (standalone)
		fputs("</g>", f);
	fputs("</svg>", f);
}
