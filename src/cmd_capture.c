/*
 * cmd_capture.c -- `p2ptrace capture`: the command line (see
 * docs/capture.md and the lab's contract), labels from --label and the
 * lab's catalog, the output folder, signals and the privilege drop; the
 * session itself is src/capture/capture.c.
 *
 *   p2ptrace capture -i SPEC [-i SPEC ...] -w DIR [--label K=V ...]
 *       [--catalog CATALOG.tsv] [--stats FILE] [-s SNAPLEN] [-C MB]
 *       [-G SECONDS] [-B KiB] [-Z USER] [--one-file NAME] [--flows FILE]
 *       [FILTER...]
 *   SPEC = [NETNS:]IFACE[=NODE]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture/capture.h"
#include "capture/flows.h"
#include "capture/privdrop.h"
#include "tool.h"

#define MAX_IFACES 4096

static volatile sig_atomic_t g_stop, g_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		g_hup = 1;
	else
		g_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2ptrace capture -i SPEC [-i SPEC ...] -w DIR [options] "
		"[FILTER...]\n"
		"  -i [NETNS:]IFACE[=NODE]  interface (in network namespace "
		"NETNS); file DIR/NODE.pcapng\n"
		"  -w DIR                   output folder (created if missing)\n"
		"  --label KEY=VALUE        label written into every file "
		"(repeatable)\n"
		"  --catalog CATALOG.tsv    add each node's labels from the "
		"lab's catalog\n"
		"  --stats FILE             per-interface counters as TSV at "
		"stop\n"
		"  -s SNAPLEN               bytes kept per packet (default: "
		"whole packets)\n"
		"  -C MB                    rotate when a file reaches MB "
		"(10^6 bytes; decimals ok)\n"
		"  -G SECONDS               rotate every SECONDS\n"
		"  -B KiB                   kernel ring per interface (default "
		"2048)\n"
		"  -Z USER                  drop root to USER once the "
		"interfaces are open\n"
		"  --one-file NAME          all interfaces into DIR/NAME.pcapng\n"
		"  --flows FILE             also the flows of every interface, "
		"as CSV\n"
		"Stops on SIGINT/SIGTERM (drains, closes, prints counters); "
		"SIGHUP rotates.\n");
}

struct opts {
	char **specs;
	int nspecs;
	char **labels;
	int nlabels;
	const char *dir, *catalog, *stats, *user, *one_file, *flows;
	char *filter;
	uint32_t snaplen;
	uint64_t rot_bytes, rot_ns;
	unsigned buf_kib;
};

static int push(char ***v, int *n, const char *s)
{
	char **nv = realloc(*v, (size_t)(*n + 1) * sizeof(char *));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -1;
	(*n)++;
	return 0;
}

static void free_strv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int bad(const char *where, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "p2ptrace: %s: %s\n", where, msg);
	return 2;
}

static int valid_label(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return 0;
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r' || *s == ';')
			return 0;
	return 1;
}

static int valid_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') &&
	       strlen(s) < 200;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_LABEL = 256, O_CATALOG, O_STATS, O_ONEFILE, O_FLOWS };
	static const struct option lo[] = {
		{ "label", required_argument, NULL, O_LABEL },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "stats", required_argument, NULL, O_STATS },
		{ "one-file", required_argument, NULL, O_ONEFILE },
		{ "flows", required_argument, NULL, O_FLOWS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	uint64_t v;
	double d;

	o->buf_kib = 2048;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:w:s:C:G:B:Z:h", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			if (push(&o->specs, &o->nspecs, optarg))
				return bad("-i", "%s", "out of memory");
			break;
		case 'w':
			o->dir = optarg;
			break;
		case O_LABEL:
			if (!valid_label(optarg))
				return bad("--label", "'%s' is not KEY=VALUE",
					   optarg);
			if (push(&o->labels, &o->nlabels, optarg))
				return bad("--label", "%s", "out of memory");
			break;
		case O_CATALOG:
			o->catalog = optarg;
			break;
		case O_STATS:
			o->stats = optarg;
			break;
		case O_ONEFILE:
			if (!valid_name(optarg))
				return bad("--one-file",
					   "'%s' is not a file name", optarg);
			o->one_file = optarg;
			break;
		case O_FLOWS:
			o->flows = optarg;
			break;
		case 's':
			if (tool_parse_u64(optarg, &v) || v > 262144)
				return bad("-s",
					   "'%s' is not a snap length "
					   "(0..262144)",
					   optarg);
			o->snaplen = (uint32_t)v;
			break;
		case 'C':
			if (tool_parse_double(optarg, &d) || d <= 0 || d > 1e7)
				return bad("-C", "'%s' is not a size in MB",
					   optarg);
			o->rot_bytes = (uint64_t)(d * 1e6);
			if (o->rot_bytes < 4096)
				o->rot_bytes = 4096;
			break;
		case 'G':
			if (tool_parse_seconds_ns(optarg, &o->rot_ns) ||
			    o->rot_ns < 10000000)
				return bad("-G",
					   "'%s' is not a number of "
					   "seconds (>= 0.01)",
					   optarg);
			break;
		case 'B':
			if (tool_parse_u64(optarg, &v) || v < 128 ||
			    v > 4u * 1024 * 1024)
				return bad("-B",
					   "'%s' is not a size in KiB "
					   "(128..4194304)",
					   optarg);
			o->buf_kib = (unsigned)v;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt && optopt < 256)
				fprintf(stderr,
					"p2ptrace: capture: unknown option "
					"or missing value: -%c (see 'p2ptrace "
					"capture --help')\n",
					optopt);
			else
				fprintf(stderr,
					"p2ptrace: capture: unknown option "
					"or missing value: %s (see 'p2ptrace "
					"capture --help')\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (!o->nspecs)
		return bad("capture", "%s", "no interface (-i) given");
	if (o->nspecs > MAX_IFACES)
		return bad("-i", "%s", "too many interfaces");
	if (!o->dir)
		return bad("capture", "%s", "no output folder (-w DIR) given");
	return tool_filter("capture", argv + optind, argc - optind, &o->filter);
}

/* The labels of node in the catalog ("k=v;k=v" split into out). */
static int catalog_labels(const char *path, const char *node, char ***out,
			  int *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int col_node = -1, col_labels = -1, lineno = 0, rc = 0;

	if (!f) {
		fprintf(stderr, "p2ptrace: %s: cannot open: %s\n", path,
			strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok, *vnode = NULL, *vlab = NULL;
		char *rest = line;
		int col = 0;

		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		/* strsep, not strtok: empty columns count. */
		for (tok = strsep(&rest, "\t"); tok;
		     tok = strsep(&rest, "\t"), col++) {
			if (lineno == 1) {
				if (!strcmp(tok, "node"))
					col_node = col;
				else if (!strcmp(tok, "labels"))
					col_labels = col;
			} else if (col == col_node) {
				vnode = tok;
			} else if (col == col_labels) {
				vlab = tok;
			}
		}
		if (lineno == 1 && col_node < 0) {
			fprintf(stderr,
				"p2ptrace: %s:1: no 'node' column in the "
				"header\n",
				path);
			rc = 2;
			break;
		}
		if (lineno == 1 || !vnode || strcmp(vnode, node) || !vlab)
			continue;
		for (tok = strtok_r(vlab, ";", &save); tok;
		     tok = strtok_r(NULL, ";", &save))
			if (valid_label(tok) && push(out, n, tok)) {
				rc = 2;
				break;
			}
	}
	if (lineno == 0) {
		fprintf(stderr, "p2ptrace: %s: empty catalog\n", path);
		rc = 2;
	}
	free(line);
	fclose(f);
	return rc;
}

static int has_key(char **v, int n, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < n; i++)
		if (!strncmp(v[i], key, k) && v[i][k] == '=')
			return 1;
	return 0;
}

/* Parse SPEC = [NETNS:]IFACE[=NODE] into f. */
static int parse_spec(const char *spec, struct cap_iface *f)
{
	const char *colon = strchr(spec, ':');
	const char *ifs = colon ? colon + 1 : spec;
	const char *eq = strchr(ifs, '=');
	size_t il = eq ? (size_t)(eq - ifs) : strlen(ifs);
	char buf[600];

	if (colon && colon == spec)
		return bad("-i", "'%s': empty namespace name", spec);
	if (!il || il >= 16)
		return bad("-i", "'%s': bad interface name", spec);
	if (colon)
		f->netns = strndup(spec, (size_t)(colon - spec));
	f->iface = strndup(ifs, il);
	f->node = strdup(eq ? eq + 1 : f->iface ? f->iface : "");
	if (!f->iface || !f->node || (colon && !f->netns))
		return bad("-i", "%s", "out of memory");
	if (!valid_name(f->node))
		return bad("-i", "'%s': bad node name", spec);
	snprintf(buf, sizeof(buf), "%s%s%s", f->netns ? f->netns : "",
		 f->netns ? ":" : "", f->iface);
	f->ifname = strdup(buf);
	return f->ifname ? 0 : bad("-i", "%s", "out of memory");
}

static int mkdir_p(const char *dir, int *created)
{
	char buf[4096];
	size_t n = strlen(dir);

	*created = 0;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0755) == 0) {
			if (i == n || (i == n - 1 && dir[n - 1] == '/'))
				*created = 1;
		} else if (errno != EEXIST) {
			return -1;
		}
		buf[i] = dir[i];
	}
	{
		struct stat st;

		if (stat(dir, &st) != 0)
			return -1;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	return 0;
}

/* Build the interfaces and outputs from the options. */
static int build(struct opts *o, struct capture *c)
{
	int rc;

	c->ifs = calloc((size_t)o->nspecs, sizeof(*c->ifs));
	c->outs = calloc((size_t)o->nspecs, sizeof(*c->outs));
	if (!c->ifs || !c->outs)
		return bad("capture", "%s", "out of memory");
	c->nifs = o->nspecs;
	for (int i = 0; i < c->nifs; i++)
		ring_init(&c->ifs[i].ring);
	for (int i = 0; i < c->nifs; i++) {
		struct cap_iface *f = &c->ifs[i];

		rc = parse_spec(o->specs[i], f);
		if (rc)
			return rc;
		for (int j = 0; j < o->nlabels; j++)
			if (push(&f->labels, &f->nlabels, o->labels[j]))
				return bad("--label", "%s", "out of memory");
		if (o->catalog) {
			rc = catalog_labels(o->catalog, f->node, &f->labels,
					    &f->nlabels);
			if (rc)
				return rc;
		}
		if (!has_key(f->labels, f->nlabels, "node")) {
			char b[300];

			snprintf(b, sizeof(b), "node=%s", f->node);
			if (push(&f->labels, &f->nlabels, b))
				return bad("--label", "%s", "out of memory");
		}
		for (int j = 0; j < i; j++) {
			if (!strcmp(c->ifs[j].ifname, f->ifname))
				return bad("-i", "'%s' given twice", f->ifname);
			if (!o->one_file && !strcmp(c->ifs[j].node, f->node))
				return bad("-i",
					   "node '%s' given twice "
					   "(each node is one file)",
					   f->node);
		}
	}
	if (o->one_file) {
		struct cap_out *out = &c->outs[0];

		c->nouts = 1;
		out->name = strdup(o->one_file);
		out->ifs = calloc((size_t)c->nifs, sizeof(*out->ifs));
		if (!out->name || !out->ifs)
			return bad("capture", "%s", "out of memory");
		for (int j = 0; j < o->nlabels; j++)
			if (push(&out->shb, &out->nshb, o->labels[j]))
				return bad("--label", "%s", "out of memory");
		for (int i = 0; i < c->nifs; i++) {
			out->ifs[out->nifs] = &c->ifs[i];
			c->ifs[i].ifid = (uint32_t)out->nifs++;
			c->ifs[i].out = out;
		}
		return 0;
	}
	c->nouts = c->nifs;
	for (int i = 0; i < c->nifs; i++) {
		struct cap_out *out = &c->outs[i];
		struct cap_iface *f = &c->ifs[i];

		out->name = strdup(f->node);
		out->ifs = calloc(1, sizeof(*out->ifs));
		if (!out->name || !out->ifs)
			return bad("capture", "%s", "out of memory");
		out->ifs[0] = f;
		out->nifs = 1;
		f->out = out;
		f->ifid = 0;
		for (int j = 0; j < f->nlabels; j++)
			if (push(&out->shb, &out->nshb, f->labels[j]))
				return bad("--label", "%s", "out of memory");
	}
	return 0;
}

static void setup_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	/* Blocked except inside ppoll: no lost wake-ups. */
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
}

static int run(struct opts *o, struct capture *c, struct cap_flows **flp)
{
	struct pt_err err;
	sigset_t waitmask;
	uid_t uid = 0;
	gid_t gid = 0;
	int rc, created = 0;

	rc = build(o, c);
	if (rc)
		return rc;
	if (o->user && privdrop_lookup(o->user, &uid, &gid, &err)) {
		tool_perr(&err);
		return 2;
	}
	setup_signals(&waitmask);
	{
		/* 3-5 descriptors per interface: allow the hard limit. */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	c->cfg.dir = o->dir;
	c->cfg.snaplen = o->snaplen;
	c->cfg.rot_bytes = o->rot_bytes;
	c->cfg.rot_ns = o->rot_ns;
	c->cfg.buf_kib = o->buf_kib;
	c->cfg.filter = o->filter;
	c->cfg.userappl = "p2ptrace " P2PTRACE_VERSION;
	rc = capture_open_ifaces(c, &err);
	if (rc) {
		tool_perr(&err);
		return 2;
	}
	if (o->flows && cap_flows_open(c, flp, &err)) {
		tool_perr(&err);
		return 2;
	}
	if (mkdir_p(o->dir, &created) != 0) {
		fprintf(stderr,
			"p2ptrace: %s: cannot use as output folder: %s\n",
			o->dir, strerror(errno));
		return 2;
	}
	if (o->user) {
		if (created && chown(o->dir, uid, gid) != 0) {
			fprintf(stderr, "p2ptrace: %s: chown to %s: %s\n",
				o->dir, o->user, strerror(errno));
			return 2;
		}
		if (privdrop_to(o->user, uid, gid, &err)) {
			tool_perr(&err);
			return 1;
		}
	}
	rc = capture_open_files(c, &err);
	if (rc) {
		tool_perr(&err);
		return 2;
	}
	if (*flp && cap_flows_start(*flp, o->flows, &err)) {
		tool_perr(&err);
		return 2;
	}
	fprintf(stderr,
		"p2ptrace: capture: listening on %d interface%s, "
		"writing to %s\n",
		c->nifs, c->nifs == 1 ? "" : "s", o->dir);
	rc = capture_run(c, &g_stop, &g_hup, &waitmask);
	if (*flp && cap_flows_finish(*flp, &err)) {
		tool_perr(&err);
		if (!rc)
			rc = PT_EIO;
	}
	capture_print_stats(c, stderr);
	if (o->stats && capture_write_stats(c, o->stats, &err)) {
		tool_perr(&err);
		if (!rc)
			return 1;
	}
	if (rc && c->failed) {
		tool_perr(&c->werr);
		tool_msg("capture: stopped after a write error%s; the files "
			 "written are valid up to their last whole packet",
			 c->werr.code == PT_ENOSPC ? " (disk full)" : "");
		return 1;
	}
	return rc ? 1 : 0;
}

int cmd_capture(int argc, char **argv)
{
	struct opts o;
	struct capture c;
	struct cap_flows *fl = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	rc = parse_args(argc, argv, &o);
	if (!rc)
		rc = run(&o, &c, &fl);
	cap_flows_free(fl);
	capture_free(&c);
	free_strv(o.specs, o.nspecs);
	free_strv(o.labels, o.nlabels);
	free(o.filter);
	return rc;
}
