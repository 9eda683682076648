/*
 * label.h -- where labels come from: the lab's catalog (ground truth per
 * node) and, for classify, nDPI (see classify's docs).
 *
 * catalog.tsv: tab-separated, a header line naming the columns, one row per
 * node. Columns used here: node, addr, labels ("k=v;k=v"), trace (path
 * relative to the catalog's folder). Other columns are kept as text.
 */
#ifndef P2PTRACE_LABEL_H
#define P2PTRACE_LABEL_H
#include "p2ptrace/err.h"

struct catalog_row {
	char *node;
	char *addr;	  /* "" when unknown */
	char *labels;	  /* "k=v;k=v" */
	char *trace;	  /* as written in the file */
	char *trace_path; /* resolved against the catalog's folder */
	char **cols;	  /* every column, in header order */
};

struct catalog {
	char *path;
	char *dir;
	int ncols;
	char **header;
	int nrows;
	struct catalog_row *rows;
};

/* Read a catalog.tsv. Errors name the file and line. */
int catalog_load(const char *path, struct catalog **out, struct pt_err *err);
/* The row whose trace is this file (same path, or same base name), or NULL. */
const struct catalog_row *catalog_find_trace(const struct catalog *c,
					     const char *path);
const struct catalog_row *catalog_find_node(const struct catalog *c,
					    const char *node);
/* Column value by header name, or NULL. */
const char *catalog_col(const struct catalog *c, const struct catalog_row *r,
			const char *name);
void catalog_free(struct catalog *c);

/* Look up key in a "k=v;k=v" string; copies the value into buf (len) and
 * returns buf, or NULL when absent. */
const char *label_get(const char *labels, const char *key, char *buf,
		      unsigned len);

#endif
