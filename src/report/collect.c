/*
 * collect.c -- the report's inputs to one rp_node per node.
 *
 * Traces go through engine_run exactly as `p2ptrace analyze` drives it
 * (one run per trace file = one node; name, labels and address from the
 * catalog row), so the report's numbers are analyze's numbers. analyze's
 * nodes CSV is read back into the same struct node_figs, and the derived
 * figures (per second, average size) are computed by the same node_*
 * functions.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "p2ptrace/catalog.h"
#include "p2ptrace/source.h"
#include "report/report.h"
#include "tool.h"

static struct rp_node *set_push(struct rp_set *s)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct rp_node *v = realloc(s->v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

void rp_set_free(struct rp_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].labels);
		free(s->v[i].addr);
		free(s->v[i].source);
		free(s->v[i].input);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int rp_set_input(struct rp_set *s, int from, const char *input)
{
	size_t len = strlen(input);
	const char *b;

	while (len > 1 && input[len - 1] == '/')
		len--;
	for (b = input + len; b > input && b[-1] != '/'; b--)
		;
	for (int i = from; i < s->n; i++) {
		free(s->v[i].input);
		s->v[i].input = strndup(b, (size_t)(input + len - b));
		if (!s->v[i].input)
			return -1;
	}
	return 0;
}

int rp_ninputs(const struct rp_set *s)
{
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(s->v[i].input ? s->v[i].input : "",
				       s->v[j].input ? s->v[j].input : "");
		n += !seen;
	}
	return n;
}

const char *rp_label(const struct rp_node *n, const char *key, char *buf,
		     unsigned len)
{
	return label_get(n->labels, key, buf, len);
}

int rp_has_label(const struct rp_set *s, const char *key)
{
	char b[128];

	for (int i = 0; i < s->n; i++)
		if (rp_label(&s->v[i], key, b, sizeof(b)))
			return 1;
	return 0;
}

/* ---- traces through the engine -------------------------------------- */

struct grab {
	struct node_figs fig;
	int got;
};

static void ev_node(void *arg, const struct node_info *n,
		    const struct node_figs *g, const struct engine_stats *st)
{
	struct grab *gr = arg;

	(void)n;
	(void)st;
	gr->fig = *g;
	gr->got = 1;
}

static void ev_warn(void *arg, const struct pt_err *w)
{
	(void)arg;
	tool_progress_done();
	fprintf(stderr, "p2ptrace: warning: %s: %s\n", w->where, w->msg);
}

static void ev_progress(void *arg, const struct engine_stats *st, uint64_t off,
			uint64_t size)
{
	(void)arg;
	(void)st;
	tool_progress("report: %.1f / %.1f MB", (double)off / 1e6,
		      (double)size / 1e6);
}

/* The catalog's fs_queries_in of row r over its run (stop_ns - start_ns),
 * per second, in *v; 0 when the catalog has no such value. */
static int relay_of(const struct catalog *cat, const struct catalog_row *r,
		    double *v)
{
	double q = -1, t0 = -1, t1 = -1;

	for (int c = 0; cat && r && r->cols && c < cat->ncols; c++) {
		char *end;
		double x;

		if (!r->cols[c] || !r->cols[c][0])
			continue;
		x = strtod(r->cols[c], &end);
		if (*end)
			continue;
		if (!strcmp(cat->header[c], "fs_queries_in"))
			q = x;
		else if (!strcmp(cat->header[c], "start_ns"))
			t0 = x;
		else if (!strcmp(cat->header[c], "stop_ns"))
			t1 = x;
	}
	if (q < 0 || t0 <= 0 || t1 <= t0)
		return 0;
	*v = q / ((t1 - t0) / 1e9);
	return 1;
}

/* One trace = one node, named by the rule of catalog.h (trace_node). */
static int run_trace(struct rp_set *s, const char *path,
		     const struct catalog *cat, const struct catalog_row *r,
		     const struct engine_cfg *cfg, struct pt_err *err)
{
	struct source *src = NULL;
	struct node_info ni;
	struct engine_stats st;
	struct engine_events ev;
	struct grab gr;
	struct rp_node *n;
	struct trace_node tn;
	char addr[46] = "";
	char *name;
	int e;

	e = source_open_file(path, &src, err);
	if (!e && cfg->filter)
		e = source_set_filter(src, cfg->filter, err);
	if (e) {
		source_close(src);
		return e;
	}
	memset(&ni, 0, sizeof(ni));
	memset(&gr, 0, sizeof(gr));
	memset(&ev, 0, sizeof(ev));
	trace_node(r, path, source_labels(src), &tn);
	name = strdup(tn.name);
	ni.trace = path;
	ni.labels = tn.labels;
	memcpy(ni.addr, tn.addr, sizeof(ni.addr));
	ni.ipver = tn.ipver;
	ni.name = name ? name : "";
	ev.arg = &gr;
	ev.node = ev_node;
	ev.warn = ev_warn;
	ev.progress = ev_progress;
	e = engine_run(cfg, &ni, &src, 1, &ev, &st, err);
	tool_progress_done();
	if (!e && !gr.got)
		e = pt_fail(err, PT_EFORMAT, path, "the engine gave no node");
	if (!e && !(n = set_push(s)))
		e = pt_fail(err, PT_ENOMEM, path, "out of memory");
	if (!e) {
		if (ni.ipver)
			flow_addr_str(ni.addr, ni.ipver, addr);
		n->name = name;
		name = NULL;
		n->labels = strdup(ni.labels);
		n->addr = strdup(addr);
		n->source = strdup(path);
		n->fig = gr.fig;
		n->has_relay = relay_of(cat, r, &n->relay_qps);
		if (!n->name || !n->labels || !n->addr || !n->source)
			e = pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	free(name);
	source_close(src);
	return e;
}

static int readable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       access(path, R_OK) == 0;
}

int rp_add_folder(struct rp_set *s, const char *dir,
		  const struct engine_cfg *cfg, struct pt_err *err)
{
	char path[4096];
	struct catalog *cat = NULL;
	int e;

	snprintf(path, sizeof(path), "%s/catalog.tsv", dir);
	if (!readable(path))
		return pt_fail(err, PT_EUSAGE, dir,
			       "no catalog.tsv in this folder (an experiment "
			       "output folder has one; or give traces with "
			       "--catalog F)");
	e = catalog_load(path, &cat, err);
	if (e)
		return e;
	if (cat->nrows == 0) {
		catalog_free(cat);
		return pt_fail(err, PT_EFORMAT, path,
			       "no nodes in the catalog");
	}
	for (int i = 0; i < cat->nrows; i++) {
		const struct catalog_row *r = &cat->rows[i];
		if (!r->trace[0] || !readable(r->trace_path)) {
			e = pt_fail(err, PT_EUSAGE, path,
				    "node %s: trace '%s' %s", r->node, r->trace,
				    r->trace[0]
					    ? "is missing"
					    : "not given (no trace column)");
			catalog_free(cat);
			return e;
		}
	}
	for (int i = 0; i < cat->nrows && !e; i++)
		e = run_trace(s, cat->rows[i].trace_path, cat, &cat->rows[i],
			      cfg, err);
	catalog_free(cat);
	return e;
}

int rp_add_traces(struct rp_set *s, const char *catalog_path, char **files,
		  int nfiles, const struct engine_cfg *cfg, struct pt_err *err)
{
	struct catalog *cat = NULL;
	int e = 0;

	if (catalog_path && (e = catalog_load(catalog_path, &cat, err)))
		return e;
	for (int i = 0; i < nfiles && !e; i++) {
		if (!readable(files[i]))
			e = pt_fail(err, PT_EUSAGE, files[i], "cannot open: %s",
				    errno ? strerror(errno) : "not a file");
		else if (cat && !catalog_find_trace(cat, files[i]))
			e = pt_fail(err, PT_EUSAGE, files[i],
				    "not in catalog %s (no labels for it)",
				    catalog_path);
	}
	for (int i = 0; i < nfiles && !e; i++) {
		int before = s->n;
		e = run_trace(s, files[i], cat,
			      cat ? catalog_find_trace(cat, files[i]) : NULL,
			      cfg, err);
		if (!e && !cat && s->n > before &&
		    !strchr(s->v[before].labels, '='))
			e = pt_fail(err, PT_EUSAGE, files[i],
				    "no catalog: give --catalog F (the "
				    "trace carries no labels)");
	}
	catalog_free(cat);
	return e;
}

/* ---- analyze's nodes CSV -------------------------------------------- */

int rp_is_nodes_csv(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");
	int yes;

	if (!f)
		return 0;
	yes = fgets(line, sizeof(line), f) &&
	      (!strncmp(line, "node,labels,addr,", 17) ||
	       !strncmp(line, "{\"node\":", 8));
	fclose(f);
	return yes;
}

/* Split one CSV line (RFC 4180 quotes, no newlines inside fields) in
 * place. Returns the field count, or -1 if there are more than max. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *w;

	for (;;) {
		if (n == max)
			return -1;
		if (*p == '"') {
			f[n++] = w = ++p;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = 0;
			while (*p && *p != ',')
				p++;
		} else {
			f[n++] = p;
			while (*p && *p != ',')
				p++;
		}
		if (!*p)
			return n;
		*p++ = 0;
	}
}

#define CSV_MAXCOL 256

struct csvmap {
	int ncol;
	char *names[CSV_MAXCOL];
};

static int col(const struct csvmap *m, const char *name)
{
	for (int i = 0; i < m->ncol; i++)
		if (!strcmp(m->names[i], name))
			return i;
	return -1;
}

static int get_u64(const struct csvmap *m, char **f, const char *name,
		   uint64_t *out, const char *where, struct pt_err *err)
{
	int i = col(m, name);

	if (i < 0)
		return pt_fail(err, PT_EFORMAT, where, "no column '%s'", name);
	if (tool_parse_u64(f[i], out))
		return pt_fail(err, PT_EFORMAT, where,
			       "column %s: '%s' is not a count", name, f[i]);
	return 0;
}

static int csv_row(struct csvmap *m, char **f, struct rp_node *n,
		   const char *where, struct pt_err *err)
{
	struct node_figs *g = &n->fig;
	char c[32];
	int e = 0;
	static const struct {
		const char *name;
		size_t off;
	} u[] = {
#define U(x) { #x, offsetof(struct node_figs, x) }
		U(first_ns),  U(last_ns),	  U(pkts),
		U(bytes),     U(ip_pkts),	  U(pkts_up),
		U(pkts_down), U(bytes_up),	  U(bytes_down),
		U(flows),     U(flows_initiated),
#undef U
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]) && !e; i++)
		e = get_u64(m, f, u[i].name, (uint64_t *)((char *)g + u[i].off),
			    where, err);
	for (int i = 0; i < PLEN_NBINS && !e; i++) {
		snprintf(c, sizeof(c), "plen_%s", plen_bin_names[i]);
		e = get_u64(m, f, c, &g->plen[i], where, err);
		snprintf(c, sizeof(c), "up_%s", plen_bin_names[i]);
		if (!e)
			e = get_u64(m, f, c, &g->plen_up[i], where, err);
		snprintf(c, sizeof(c), "down_%s", plen_bin_names[i]);
		if (!e)
			e = get_u64(m, f, c, &g->plen_down[i], where, err);
	}
	for (int i = 0; i < FINE_NBINS && !e; i++) {
		if (i == FINE_NBINS - 1)
			snprintf(c, sizeof(c), "fine_%d_up", i * 32);
		else
			snprintf(c, sizeof(c), "fine_%d_%d", i * 32,
				 i * 32 + 31);
		e = get_u64(m, f, c, &g->fine[i], where, err);
	}
	if (e)
		return e;
	n->name = strdup(f[col(m, "node")]);
	n->labels = strdup(f[col(m, "labels")]);
	n->addr = strdup(f[col(m, "addr")]);
	n->source = strdup(where);
	if (!n->name || !n->labels || !n->addr || !n->source)
		return pt_fail(err, PT_ENOMEM, where, "out of memory");
	return 0;
}

/* A JSON string at *pp (after its opening quote), unescaped in place;
 * *pp is left after the closing quote. NULL if it does not end. */
static char *json_str(char **pp)
{
	char *p = *pp, *w = p, *start = p;

	while (*p && *p != '"') {
		if (*p != '\\') {
			*w++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'u': {
			unsigned v = 0;
			int k;
			for (k = 1; k <= 4 && isxdigit((unsigned char)p[k]);
			     k++)
				v = v * 16 +
				    (unsigned)(isdigit((unsigned char)p[k])
						       ? p[k] - '0'
						       : (tolower((
								  unsigned char)
									  p[k]) -
							  'a' + 10));
			if (k != 5)
				return NULL;
			*w++ = v < 0x80 ? (char)v : '?';
			p += 4;
			break;
		}
		case 0:
			return NULL;
		default:
			*w++ = *p;
		}
		p++;
	}
	if (*p != '"')
		return NULL;
	*w = 0;
	*pp = p + 1;
	return start;
}

/* One flat JSON object (string and number values) split in place into
 * keys and values. Returns the count, or -1 if it is not such an object. */
static int json_flat(char *p, char **keys, char **vals, int max)
{
	int n = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '{')
		return -1;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '}')
			return n;
		if (*p++ != '"' || n == max || !(keys[n] = json_str(&p)))
			return -1;
		while (isspace((unsigned char)*p))
			p++;
		if (*p++ != ':')
			return -1;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '"') {
			p++;
			if (!(vals[n] = json_str(&p)))
				return -1;
		} else {
			char *e, end;
			vals[n] = p;
			while (*p && *p != ',' && *p != '}')
				p++;
			for (e = p;
			     e > vals[n] && isspace((unsigned char)e[-1]); e--)
				;
			end = *p;
			if (e == vals[n] || !end)
				return -1;
			*e = 0;
			if (end == '}')
				return n + 1;
			p++; /* the ',' */
			n++;
			continue;
		}
		n++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '}')
			return n;
		if (*p++ != ',')
			return -1;
	}
}

int rp_add_csv(struct rp_set *s, const char *path, struct pt_err *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *head = NULL, *f[CSV_MAXCOL];
	size_t cap = 0;
	ssize_t len;
	struct csvmap m;
	int lineno = 0, e = 0, kind, before = s->n;

	if (!fp)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	memset(&m, 0, sizeof(m));
	while (!e && (len = getline(&line, &cap, fp)) >= 0) {
		char where[300];
		int nf;
		lineno++;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (line[0] == '{') { /* analyze --json: one object a line */
			head = head ? head : strdup("");
			m.ncol = json_flat(line, m.names, f, CSV_MAXCOL);
			if (!head)
				e = pt_fail(err, PT_ENOMEM, path,
					    "out of memory");
			else if (m.ncol < 0)
				e = pt_fail(err, PT_EFORMAT, where,
					    "not a flat JSON object");
			else if (col(&m, "node") < 0 || col(&m, "labels") < 0 ||
				 col(&m, "addr") < 0)
				e = pt_fail(err, PT_EFORMAT, where,
					    "not a node row of p2ptrace "
					    "analyze --nodes --json");
			if (e)
				break;
			nf = m.ncol;
			goto row;
		}
		if (!head) {
			head = strdup(line);
			if (!head) {
				e = pt_fail(err, PT_ENOMEM, path,
					    "out of memory");
				break;
			}
			m.ncol = csv_split(head, m.names, CSV_MAXCOL);
			if (m.ncol < 0 || col(&m, "node") < 0 ||
			    col(&m, "labels") < 0 || col(&m, "addr") < 0)
				e = pt_fail(err, PT_EFORMAT, where,
					    "not a nodes table of p2ptrace "
					    "analyze --nodes");
			continue;
		}
		nf = csv_split(line, f, CSV_MAXCOL);
		if (nf != m.ncol) {
			e = pt_fail(err, PT_EFORMAT, where,
				    "%d fields, the header has %d", nf, m.ncol);
			break;
		}
	row:
		kind = col(&m, "kind");
		if (kind >= 0 && strcmp(f[kind], "node"))
			continue; /* --by-host rows */
		{
			struct rp_node *n = set_push(s);
			if (!n)
				e = pt_fail(err, PT_ENOMEM, path,
					    "out of memory");
			else
				e = csv_row(&m, f, n, where, err);
		}
	}
	if (!e && !head)
		e = pt_fail(err, PT_EFORMAT, path, "empty: no header line");
	if (!e && s->n == before)
		e = pt_fail(err, PT_EFORMAT, path, "no node rows");
	free(line);
	free(head);
	fclose(fp);
	return e;
}
