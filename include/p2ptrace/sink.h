/*
 * sink.h -- where events go: rows of CSV (header line) or JSON lines, and
 * IPFIX files (libfixbuf). One row writer serves every table, so a column
 * has one name in CSV and JSON. Columns are documented in docs/OUTPUTS.md.
 *
 * The header of the folder lib/sink/ (as source.h is of lib/source/), one
 * part per file: rows.c (the row writer), tables.c (the flow, node and
 * window tables), ipfix.c (IPFIX). A sink sees flows and node figures,
 * never the engine: the engine's events call it (src/cmd_analyze.c).
 */
#ifndef P2PTRACE_SINK_H
#define P2PTRACE_SINK_H
#include <stdint.h>
#include <stdio.h>
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"
#include "p2ptrace/node.h"

/* ---- rows.c: CSV or JSON lines --------------------------------------- */
struct rowout;

/* Open path ("-" = stdout) for rows. json: JSON lines, else CSV. */
int rowout_open(const char *path, int json, struct rowout **out,
		struct pt_err *err);
void row_begin(struct rowout *ro);
void row_str(struct rowout *ro, const char *name, const char *v);
void row_u64(struct rowout *ro, const char *name, uint64_t v);
void row_i64(struct rowout *ro, const char *name, int64_t v);
void row_f64(struct rowout *ro, const char *name, double v);
/* v with at most `decimals` digits after the point (fast; no exponent). */
void row_fixed(struct rowout *ro, const char *name, double v, int decimals);
void row_end(struct rowout *ro);
/* Flush and close; reports a write error (ENOSPC, ...). NULL is a no-op. */
int rowout_close(struct rowout *ro, struct pt_err *err);
const char *rowout_path(const struct rowout *ro);

/* ---- tables.c: the tables ------------------------------------------ */
/* One flow row. sink_flow_fields below gives the columns alone, so a
 * caller can append its own (analyze --model adds the predicted class). */
void sink_flow_row(struct rowout *ro, const struct node_info *n,
		   const struct flow *f, enum flow_end why, unsigned groups);
/* Optional column groups of a flow row (nfstream's convention: the
 * statistical and first-packets features only when asked for). */
enum {
	SINK_FLOW_STATS = 1,  /* sizes, inter-arrival times, flag counts */
	SINK_FLOW_FIRSTN = 2, /* the first FIRSTN packets */
};
/* The flow columns without row_begin/row_end, to append more. */
void sink_flow_fields(struct rowout *ro, const struct node_info *n,
		      const struct flow *f, enum flow_end why, unsigned groups);
void sink_node_row(struct rowout *ro, const struct node_info *n,
		   const char *kind, const uint8_t *addr, int ipver,
		   const struct node_figs *fig);
void sink_window_row(struct rowout *ro, const struct node_info *n,
		     uint64_t start_ns, uint64_t len_ns,
		     const struct node_figs *w);

/* ---- ipfix.c: IPFIX (RFC 7011) through libfixbuf --------------------- */
struct ipfix_out;
int ipfix_open(const char *path, struct ipfix_out **out, struct pt_err *err);
int ipfix_flow(struct ipfix_out *io, const struct flow *f, enum flow_end why,
	       struct pt_err *err);
int ipfix_close(struct ipfix_out *io, struct pt_err *err);

#endif
