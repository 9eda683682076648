/*
 * cmd_report.c -- `p2ptrace report`: inputs -> nodes (the analyze engine)
 * -> the paper's Figures 2-5 -> one self-contained HTML page (and SVG
 * files with --figures) plus a text summary on stdout.
 *
 * Nothing is written until every input has been read and every label the
 * user asked for was found; files are written to temporary names and
 * renamed at the end, so a failed run leaves no partial report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report/report.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2ptrace report [OPTIONS] INPUT...\n"
		"The paper's Figures 2-5 as one HTML page. INPUT: an "
		"experiment output folder\n(traces + catalog.tsv), trace files "
		"(with --catalog), or the nodes CSV of\n'p2ptrace analyze "
		"--nodes' (CSV or --json).\n\n"
		"  -o FILE          the page (default report.html)\n"
		"  --figures DIR    also each figure as DIR/fig2.svg ... "
		"fig5-fine.svg\n"
		"  --catalog F      labels of the trace files given as INPUT\n"
		"  --x KEY          x axis of Figs. 2-4 (default rank)\n"
		"  --series KEY     one line per value (default mode)\n"
		"  --group KEY[,KEY] groups of Fig. 5 (default app)\n"
		"  --ci95           error bars: 95%% interval of the mean "
		"(default: std. dev.)\n"
		"  --title T        the page's title\n"
		"  --idle S         flow idle timeout, as analyze (default "
		"64)\n"
		"  -q               no summary on stdout\n"
		"Details: docs/report.md\n");
}

enum { O_CATALOG = 256, O_FIGS, O_X, O_SERIES, O_GROUP, O_TITLE, O_CI, O_IDLE };

static const struct option opts[] = {
	{ "catalog", required_argument, NULL, O_CATALOG },
	{ "figures", required_argument, NULL, O_FIGS },
	{ "x", required_argument, NULL, O_X },
	{ "series", required_argument, NULL, O_SERIES },
	{ "group", required_argument, NULL, O_GROUP },
	{ "title", required_argument, NULL, O_TITLE },
	{ "ci95", no_argument, NULL, O_CI },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Files written under a temporary name, renamed at the end. */
struct outfile {
	char *tmp, *path;
};

static FILE *open_tmp(const char *path, struct outfile *of)
{
	int fd;
	FILE *f;

	of->path = strdup(path);
	if (asprintf(&of->tmp, "%s.tmp.XXXXXX", path) < 0)
		of->tmp = NULL;
	if (!of->path || !of->tmp)
		return NULL;
	fd = mkstemp(of->tmp);
	if (fd < 0) {
		free(of->tmp);
		of->tmp = NULL;
		return NULL;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static void outfile_drop(struct outfile *of)
{
	if (of->tmp)
		unlink(of->tmp);
	free(of->tmp);
	free(of->path);
	of->tmp = of->path = NULL;
}

static int check_labels(const struct rp_set *s, const char *opt,
			const char *keys)
{
	const char *p = keys;

	while (*p) {
		size_t l = strcspn(p, ",");
		char k[64];
		snprintf(k, sizeof(k), "%.*s", (int)l, p);
		if (!l || !rp_has_label(s, k)) {
			char seen[512] = "";
			size_t used = 0;
			for (int i = 0; i < s->n && used < 400; i++) {
				const char *q = s->v[i].labels;
				while (q && *q && used < 400) {
					size_t kl = strcspn(q, "=;");
					char key[64];
					snprintf(key, sizeof(key), "%.*s",
						 (int)kl, q);
					if (kl && !strstr(seen, key))
						used += (size_t)snprintf(
							seen + used,
							sizeof(seen) - used,
							"%s%s",
							used ? ", " : "", key);
					q = strchr(q, ';');
					q = q ? q + 1 : NULL;
				}
			}
			tool_msg("%s %s: no node carries the label '%s' "
				 "(labels seen: %s)",
				 opt, keys, k, used ? seen : "none");
			return -1;
		}
		p += l + (p[l] == ',');
	}
	return 0;
}

static int write_all(const struct rp_set *s, const struct rp_opts *o,
		     const char *out, const char *figdir, int quiet)
{
	struct rp_fig figs[RP_NFIGS];
	struct outfile of[RP_NFIGS + 1]; /* the figures and the page */
	char *svgs[RP_NFIGS] = { 0 }, *standalone[RP_NFIGS] = { 0 };
	struct pt_err err = { 0 };
	int rc = 1, nof = 0;

	memset(of, 0, sizeof(of));
	if (rp_build_figs(s, o, figs, &err)) {
		tool_perr(&err);
		goto out;
	}
	for (int i = 0; i < RP_NFIGS; i++) {
		size_t len;
		FILE *m = open_memstream(&svgs[i], &len);
		if (!m)
			goto nomem;
		rp_svg(m, &figs[i], o->ek, 0);
		if (fclose(m))
			goto nomem;
		m = open_memstream(&standalone[i], &len);
		if (!m)
			goto nomem;
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", m);
		rp_svg(m, &figs[i], o->ek, 1);
		fputc('\n', m);
		if (fclose(m))
			goto nomem;
	}
	if (figdir) {
		if (mkdir(figdir, 0777) && errno != EEXIST) {
			tool_msg("%s: cannot make the folder: %s", figdir,
				 strerror(errno));
			goto out;
		}
		for (int i = 0; i < RP_NFIGS; i++) {
			char path[4096];
			FILE *f;
			snprintf(path, sizeof(path), "%s/%s.svg", figdir,
				 figs[i].id);
			f = open_tmp(path, &of[nof]);
			nof++;
			if (!f) {
				tool_msg("%s: cannot write: %s", path,
					 strerror(errno));
				goto out;
			}
			fputs(standalone[i], f);
			if (fclose(f)) {
				tool_msg("%s: write failed: %s", path,
					 strerror(errno));
				goto out;
			}
		}
	}
	{
		FILE *f = open_tmp(out, &of[nof]);
		nof++;
		if (!f) {
			tool_msg("%s: cannot write: %s", out, strerror(errno));
			goto out;
		}
		rp_page(f, s, o, figs, svgs);
		if (ferror(f) | fclose(f)) {
			tool_msg("%s: write failed: %s", out, strerror(errno));
			goto out;
		}
	}
	for (int i = 0; i < nof; i++) {
		if (rename(of[i].tmp, of[i].path)) {
			tool_msg("%s: cannot rename into place: %s", of[i].path,
				 strerror(errno));
			goto out;
		}
		free(of[i].tmp);
		of[i].tmp = NULL;
	}
	if (!quiet) {
		rp_summary(stdout, s, o, figs);
		if (figdir)
			printf("figures: %s/fig2.svg ... %s/fig5-fine.svg\n",
			       figdir, figdir);
		printf("report: %s (%d nodes)\n", out, s->n);
	}
	rc = 0;
	goto out;
nomem:
	tool_msg("report: out of memory");
out:
	for (int i = 0; i < nof; i++)
		outfile_drop(&of[i]);
	for (int i = 0; i < RP_NFIGS; i++) {
		free(svgs[i]);
		free(standalone[i]);
		rp_fig_free(&figs[i]);
	}
	return rc;
}

/* The command line. */
struct rep {
	struct rp_opts o;
	const char *catalog, *out, *figdir;
	struct engine_cfg cfg;
	int quiet;
};

/* The options into r, checked: -1 to go on, else the exit status. */
static int parse_opts(struct rep *r, int argc, char **argv)
{
	struct stat ob;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			r->out = optarg;
			break;
		case O_FIGS:
			r->figdir = optarg;
			break;
		case O_CATALOG:
			r->catalog = optarg;
			break;
		case O_X:
			r->o.x = optarg;
			r->o.x_given = 1;
			break;
		case O_SERIES:
			r->o.series = optarg;
			r->o.series_given = 1;
			break;
		case O_GROUP:
			r->o.group = optarg;
			r->o.group_given = 1;
			break;
		case O_TITLE:
			r->o.title = optarg;
			break;
		case O_CI:
			r->o.ek = RP_ERR_CI95;
			break;
		case O_IDLE:
			if (tool_parse_seconds_ns(optarg, &r->cfg.ft.idle_ns)) {
				tool_msg("--idle: bad value '%s'", optarg);
				return 2;
			}
			break;
		case 'q':
			r->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!r->o.x[0] || !r->o.series[0] || !r->o.group[0]) {
		tool_msg("--x, --series and --group need a label name");
		return 2;
	}
	if (!stat(r->out, &ob) && S_ISDIR(ob.st_mode)) {
		tool_msg("-o %s: is a folder (give the page's file name)",
			 r->out);
		return 2;
	}
	return -1;
}

/* The trace files given as INPUT: one input group, named after
 * --catalog's folder ("traces" without one). 0, -1 out of memory, 1 an
 * error in err. */
static int add_traces(struct rep *r, struct rp_set *set, char **traces, int ntr,
		      struct pt_err *err)
{
	int from = set->n, rc;
	char *dir = strdup(r->catalog ? r->catalog : "traces");

	if (!dir)
		return -1;
	if (r->catalog && strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
	} else if (r->catalog) { /* "c.tsv" is shorter than "catalog" */
		free(dir);
		dir = strdup("catalog");
		if (!dir)
			return -1;
	}
	if (rp_add_traces(set, r->catalog, traces, ntr, &r->cfg, err)) {
		free(dir);
		return 1;
	}
	rc = rp_set_input(set, from, dir) ? -1 : 0;
	free(dir);
	return rc;
}

/* Every INPUT into set: folders, nodes CSVs, then the trace files
 * together. 0, or the exit status (reported). */
static int read_inputs(struct rep *r, struct rp_set *set, char **in, int nin)
{
	struct pt_err err = { 0 };
	char **traces = calloc((size_t)nin, sizeof(char *));
	int ntr = 0, rc = 2, e;

	if (!traces)
		return 1;
	for (int i = 0; i < nin; i++) {
		struct stat sb;
		int from = set->n;
		if (stat(in[i], &sb)) {
			tool_msg("%s: no such file or folder", in[i]);
			goto out;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (rp_add_folder(set, in[i], &r->cfg, &err))
				goto perr;
		} else if (rp_is_nodes_csv(in[i])) {
			if (rp_add_csv(set, in[i], &err))
				goto perr;
		} else {
			traces[ntr++] = in[i];
			continue;
		}
		if (rp_set_input(set, from, in[i]))
			goto nomem;
	}
	if (ntr && (e = add_traces(r, set, traces, ntr, &err))) {
		if (e < 0)
			goto nomem;
		goto perr;
	}
	if (r->catalog && !ntr)
		tool_msg("warning: --catalog %s is used for trace files only; "
			 "folders have their own catalog.tsv",
			 r->catalog);
	rc = 0;
	goto out;
nomem:
	tool_msg("report: out of memory");
	rc = 1;
	goto out;
perr:
	tool_perr(&err);
	rc = 2;
out:
	free(traces);
	return rc;
}

/* The label keys given by --x, --series and --group are carried by some
 * node: 0, or -1 (reported). */
static int check_axes(const struct rp_set *s, const struct rp_opts *o)
{
	if ((o->x_given && check_labels(s, "--x", o->x)) ||
	    (o->series_given && check_labels(s, "--series", o->series)) ||
	    (o->group_given && check_labels(s, "--group", o->group)))
		return -1;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct rep r = {
		.o = { .x = "rank",
		       .series = "mode",
		       .group = "app",
		       .title = "p2ptrace report: the paper's Figures 2-5",
		       .ek = RP_ERR_SD },
		.out = "report.html",
	};
	struct rp_set set = { 0 };
	int rc;

	engine_cfg_init(&r.cfg);
	rc = parse_opts(&r, argc, argv);
	if (rc >= 0)
		return rc;
	rc = read_inputs(&r, &set, argv + optind, argc - optind);
	if (!rc && !set.n) {
		tool_msg("report: no nodes in the input");
		rc = 2;
	} else if (!rc && check_axes(&set, &r.o)) {
		rc = 2;
	} else if (!rc) {
		rc = write_all(&set, &r.o, r.out, r.figdir, r.quiet);
	}
	rp_set_free(&set);
	return rc;
}
