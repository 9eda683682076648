/*
 * catalog.h -- the lab's catalog (ground truth per node: name, address,
 * labels, trace file), the one rule that names a trace's node, and the
 * "k=v;k=v" label strings (lib/label/catalog.c). nDPI's labels: ndpi.h.
 *
 * catalog.tsv: tab-separated, a header line naming the columns, one row per
 * node. Columns used here: node, addr, labels ("k=v;k=v"), trace (path
 * relative to the catalog's folder). Other columns are kept as text.
 */
#ifndef P2PTRACE_CATALOG_H
#define P2PTRACE_CATALOG_H
#include <stdint.h>
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

/* The node a trace belongs to, one rule for analyze, report and classify:
 * its catalog row ROW (NULL: none), else the "node=" label among the
 * trace's own labels FILE_LABELS (the pcapng section comment that capture
 * writes; may be NULL), else the file's base name without .pcap, .pcapng or
 * .cap. Labels: the row's, else the file's, else "". Address: the row's
 * (ipver 4 or 6), else ipver 0 (the engine infers it). The strings point
 * into ROW and FILE_LABELS, which must outlive TN. */
struct trace_node {
	char name[256];
	const char *labels;
	uint8_t addr[16];
	int ipver;
};
void trace_node(const struct catalog_row *row, const char *path,
		const char *file_labels, struct trace_node *tn);

/* Look up key in a "k=v;k=v" string; copies the value into buf (len) and
 * returns buf, or NULL when absent. */
const char *label_get(const char *labels, const char *key, char *buf,
		      unsigned len);

#endif
