/*
 * report.h -- `p2ptrace report`: the paper's Figures 2-5 as one HTML page.
 *
 * The data path: collect.c turns the inputs (experiment folders, traces
 * with a catalog, analyze's nodes CSV) into one rp_node per node, running
 * the same engine as `analyze` (so the numbers are the same); figs.c groups
 * the nodes by labels into the figures' points (mean and error per group);
 * svg.c draws a chart as inline SVG; page.c writes the page (figures, the
 * paper's observations checked against our numbers, the tables) and the
 * text summary. Who allocates frees: every rp_* struct has its _free.
 */
#ifndef P2PTRACE_REPORT_H
#define P2PTRACE_REPORT_H
#include <stdio.h>
#include "p2ptrace/engine.h"
#include "p2ptrace/err.h"
#include "p2ptrace/node.h"

/* ---- nodes (collect.c) ------------------------------------------------ */
struct rp_node {
	char *name;   /* the catalog's node, or the trace's base name */
	char *labels; /* "k=v;k=v" */
	char *addr;   /* as analyze writes it, "" when unknown */
	char *source; /* trace path, or "nodes.csv:LINE" */
	char *input;  /* the INPUT it came from (folder or file base name) */
	struct node_figs fig;
	/* queries of other peers handled per second, from the catalog's
	 * fs_queries_in over the run (profile gnunet); has_relay 0: none */
	double relay_qps;
	int has_relay;
};

struct rp_set {
	struct rp_node *v;
	int n, cap;
};

/* An experiment folder: DIR/catalog.tsv and the traces it names. Every
 * trace must exist (checked before any is read). */
int rp_add_folder(struct rp_set *s, const char *dir,
		  const struct engine_cfg *cfg, struct pt_err *err);
/* Trace files, labeled by catalog (may be NULL: then every trace must carry
 * labels in its pcapng). Every trace must be in the catalog. */
int rp_add_traces(struct rp_set *s, const char *catalog_path, char **files,
		  int nfiles, const struct engine_cfg *cfg, struct pt_err *err);
/* analyze's --nodes CSV (rows of kind "node"). */
int rp_add_csv(struct rp_set *s, const char *path, struct pt_err *err);
/* 1 if path looks like analyze's nodes CSV (its header line). */
int rp_is_nodes_csv(const char *path);
void rp_set_free(struct rp_set *s);
/* Set the input name of nodes [from, s->n). 0 ok, -1 out of memory. */
int rp_set_input(struct rp_set *s, int from, const char *input);
/* Number of distinct input names. */
int rp_ninputs(const struct rp_set *s);

/* Value of label key of node, or NULL (buf holds it). */
const char *rp_label(const struct rp_node *n, const char *key, char *buf,
		     unsigned len);
/* Does any node carry the label key? */
int rp_has_label(const struct rp_set *s, const char *key);

/* ---- statistics (figs.c) ---------------------------------------------- */
enum rp_errkind { RP_ERR_SD = 0, RP_ERR_CI95 = 1 };

struct rp_stat {
	int n;
	double mean, sd, err; /* err: sd or the 95% half-interval */
};
void rp_stat_of(const double *v, int n, enum rp_errkind ek,
		struct rp_stat *out);
/* Spearman's rank correlation of (x, y); 0 when n < 2 or constant. */
double rp_spearman(const double *x, const double *y, int n);

/* ---- figures (figs.c) ------------------------------------------------- */
struct rp_series {
	char *name;
	int npts;
	double *x; /* numeric x, or the category index */
	struct rp_stat *y;
};

struct rp_fig {
	const char *id; /* "fig2" ... "fig5-fine" */
	char *title, *caption, *xlabel, *ylabel, *note; /* note: why empty */
	int xlog, xcat; /* log axis; categorical axis */
	int nxcats;
	char **xcats;	/* category names (xcat) / tick labels */
	double *xticks; /* numeric axes: tick positions (nxcats) */
	int bars;	/* grouped bars instead of lines */
	int nseries;
	struct rp_series *s;
	int nodes_used, nodes_left; /* nodes in the figure / without labels */
};

struct rp_opts {
	const char *x, *series, *group, *title;
	int x_given, series_given, group_given;
	enum rp_errkind ek;
};

/* Metric of a node for figures 2-4. */
enum rp_metric { RP_CONV = 0, RP_PPS = 1, RP_AVG = 2, RP_RELAY = 3 };
/* figures: fig2, fig3, fig4, fig5, fig5-fine, fig-relay */
#define RP_NFIGS 6
double rp_metric_of(const struct node_figs *f, enum rp_metric m);

/* Build fig2..fig4 (metric vs x, one series per series label), fig5 /
 * fig5-fine (size distribution per group) and fig-relay (relayed queries
 * per second vs x, nodes with forwarding counters only). figs[RP_NFIGS]
 * in that order. */
int rp_build_figs(const struct rp_set *s, const struct rp_opts *o,
		  struct rp_fig figs[RP_NFIGS], struct pt_err *err);
void rp_fig_free(struct rp_fig *f);
/* The group name of a node ("--group app,mode" joins the values with
 * '/'), or NULL when it has none of the keys. buf holds it. */
const char *rp_group_of(const struct rp_node *n, const char *keys, char *buf,
			unsigned len);

/* ---- drawing (svg.c) -------------------------------------------------- */
/* The chart as an <svg> element (standalone adds the XML namespace
 * declaration for a .svg file). */
void rp_svg(FILE *f, const struct rp_fig *fig, enum rp_errkind ek,
	    int standalone);
/* HTML/XML escaping of text. */
void rp_esc(FILE *f, const char *s);

/* ---- page (page.c) ---------------------------------------------------- */
void rp_page(FILE *f, const struct rp_set *s, const struct rp_opts *o,
	     const struct rp_fig figs[RP_NFIGS], char *const svgs[RP_NFIGS]);
/* The text summary of the figures and the observations. */
void rp_summary(FILE *f, const struct rp_set *s, const struct rp_opts *o,
		const struct rp_fig figs[RP_NFIGS]);
/* ---- observations (observe.c) ------------------------------------------ */
/* One paper observation: what the paper says, our numbers, the verdict
 * (agrees / partly agrees / disagrees). */
typedef void rp_emit_fn(void *arg, const char *claim, const char *ours,
			const char *verdict);
/* One call of emit per paper observation. */
void rp_observations(const struct rp_set *s, const struct rp_opts *o,
		     rp_emit_fn *emit, void *arg);
/* The name of size bin b as the page shows it ("0-19", ..., "5120+"). */
void rp_bin_name(int b, char *buf, size_t len);

#endif
