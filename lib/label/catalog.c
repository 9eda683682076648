/*
 * catalog.c -- the lab's catalog.tsv: one row per node with its labels
 * (ground truth by construction). See catalog.h and docs/lab.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/catalog.h"

static char **split_tabs(char *line, int *n)
{
	int cap = 8, k = 0;
	char **v = malloc((size_t)cap * sizeof(*v));
	char *p = line;

	if (!v)
		return NULL;
	for (;;) {
		char *t = strchr(p, '\t');
		if (k == cap) {
			char **nv = realloc(v, (size_t)cap * 2 * sizeof(*v));
			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		if (t)
			*t = 0;
		v[k++] = p;
		if (!t)
			break;
		p = t + 1;
	}
	*n = k;
	return v;
}

static int col_index(const struct catalog *c, const char *name)
{
	for (int i = 0; i < c->ncols; i++)
		if (!strcmp(c->header[i], name))
			return i;
	return -1;
}

static int load(FILE *fp, struct catalog *c, struct pt_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, inode, iaddr, ilab, itrace;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		char **f;
		int nf;
		struct catalog_row *r;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0 || line[0] == '#')
			continue;
		f = split_tabs(line, &nf);
		if (!f)
			goto nomem;
		if (!c->header) {
			c->header = calloc((size_t)nf, sizeof(char *));
			if (!c->header) {
				free(f);
				goto nomem;
			}
			for (int i = 0; i < nf; i++)
				c->header[i] = strdup(f[i]);
			c->ncols = nf;
			free(f);
			if (col_index(c, "node") < 0) {
				free(line);
				return pt_fail(err, PT_EFORMAT, c->path,
					       "line %d: the header has no "
					       "'node' column",
					       lineno);
			}
			continue;
		}
		if (nf != c->ncols) {
			free(f);
			free(line);
			return pt_fail(err, PT_EFORMAT, c->path,
				       "line %d: %d columns, the header has %d",
				       lineno, nf, c->ncols);
		}
		r = realloc(c->rows, (size_t)(c->nrows + 1) * sizeof(*r));
		if (!r) {
			free(f);
			goto nomem;
		}
		c->rows = r;
		r = &c->rows[c->nrows++];
		memset(r, 0, sizeof(*r));
		r->cols = calloc((size_t)nf, sizeof(char *));
		if (!r->cols) {
			free(f);
			goto nomem;
		}
		for (int i = 0; i < nf; i++)
			r->cols[i] = strdup(f[i]);
		free(f);
	}
	free(line);
	if (!c->header)
		return pt_fail(err, PT_EFORMAT, c->path,
			       "empty: no header line");
	inode = col_index(c, "node");
	iaddr = col_index(c, "addr");
	ilab = col_index(c, "labels");
	itrace = col_index(c, "trace");
	for (int i = 0; i < c->nrows; i++) {
		struct catalog_row *r = &c->rows[i];
		const char *t;
		r->node = r->cols[inode];
		r->addr = iaddr >= 0 ? r->cols[iaddr] : (char *)"";
		r->labels = ilab >= 0 ? r->cols[ilab] : (char *)"";
		r->trace = itrace >= 0 ? r->cols[itrace] : (char *)"";
		t = r->trace;
		if (*t && *t != '/') {
			size_t len = strlen(c->dir) + strlen(t) + 2;
			r->trace_path = malloc(len);
			if (!r->trace_path)
				return pt_fail(err, PT_ENOMEM, c->path,
					       "out of memory");
			snprintf(r->trace_path, len, "%s/%s", c->dir, t);
		} else {
			r->trace_path = strdup(t);
		}
	}
	return 0;
nomem:
	free(line);
	return pt_fail(err, PT_ENOMEM, c->path, "out of memory");
}

int catalog_load(const char *path, struct catalog **out, struct pt_err *err)
{
	struct catalog *c = calloc(1, sizeof(*c));
	char *tmp;
	FILE *fp;
	int rc;

	if (!c)
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	c->path = strdup(path);
	tmp = strdup(path);
	c->dir = tmp ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	fp = fopen(path, "r");
	if (!fp) {
		rc = pt_fail(err, PT_EIO, path, "cannot open catalog: %s",
			     strerror(errno));
		catalog_free(c);
		return rc;
	}
	rc = load(fp, c, err);
	fclose(fp);
	if (rc) {
		catalog_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

const struct catalog_row *catalog_find_trace(const struct catalog *c,
					     const char *path)
{
	for (int i = 0; i < c->nrows; i++)
		if (c->rows[i].trace_path &&
		    !strcmp(c->rows[i].trace_path, path))
			return &c->rows[i];
	for (int i = 0; i < c->nrows; i++)
		if (c->rows[i].trace[0] &&
		    !strcmp(base(c->rows[i].trace), base(path)))
			return &c->rows[i];
	return NULL;
}

const struct catalog_row *catalog_find_node(const struct catalog *c,
					    const char *node)
{
	for (int i = 0; i < c->nrows; i++)
		if (!strcmp(c->rows[i].node, node))
			return &c->rows[i];
	return NULL;
}

const char *catalog_col(const struct catalog *c, const struct catalog_row *r,
			const char *name)
{
	int i = col_index(c, name);

	return i >= 0 ? r->cols[i] : NULL;
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nrows; i++) {
		for (int k = 0; k < c->ncols; k++)
			free(c->rows[i].cols ? c->rows[i].cols[k] : NULL);
		free(c->rows[i].cols);
		free(c->rows[i].trace_path);
	}
	for (int k = 0; c->header && k < c->ncols; k++)
		free(c->header[k]);
	free(c->header);
	free(c->rows);
	free(c->path);
	free(c->dir);
	free(c);
}

const char *label_get(const char *labels, const char *key, char *buf,
		      unsigned len)
{
	size_t kl = strlen(key);
	const char *p = labels;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = n - kl - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(buf, p + kl + 1, vl);
			buf[vl] = 0;
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

void trace_node(const struct catalog_row *row, const char *path,
		const char *file_labels, struct trace_node *tn)
{
	const char *b = strrchr(path, '/');
	char *dot;

	memset(tn, 0, sizeof(*tn));
	tn->labels = file_labels ? file_labels : "";
	if (row) {
		snprintf(tn->name, sizeof(tn->name), "%s", row->node);
		tn->labels = row->labels;
		if (inet_pton(AF_INET, row->addr, tn->addr) == 1)
			tn->ipver = 4;
		else if (inet_pton(AF_INET6, row->addr, tn->addr) == 1)
			tn->ipver = 6;
		return;
	}
	if (tn->labels[0] &&
	    label_get(tn->labels, "node", tn->name, sizeof(tn->name)))
		return;
	snprintf(tn->name, sizeof(tn->name), "%s", b ? b + 1 : path);
	dot = strrchr(tn->name, '.');
	if (dot && (!strcmp(dot, ".pcap") || !strcmp(dot, ".pcapng") ||
		    !strcmp(dot, ".cap")))
		*dot = 0;
}
