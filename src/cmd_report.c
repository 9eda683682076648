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

int cmd_report(int argc, char **argv)
{
	struct rp_opts o = { .x = "rank",
			     .series = "mode",
			     .group = "app",
			     .title =
				     "p2ptrace report: the paper's Figures 2-5",
			     .ek = RP_ERR_SD };
	const char *catalog = NULL, *out = "report.html", *figdir = NULL;
	struct engine_cfg cfg;
	struct rp_set set = { 0 };
	struct pt_err err = { 0 };
	char **traces = NULL;
	int c, ntr = 0, quiet = 0, rc = 2;

	engine_cfg_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case O_FIGS:
			figdir = optarg;
			break;
		case O_CATALOG:
			catalog = optarg;
			break;
		case O_X:
			o.x = optarg;
			o.x_given = 1;
			break;
		case O_SERIES:
			o.series = optarg;
			o.series_given = 1;
			break;
		case O_GROUP:
			o.group = optarg;
			o.group_given = 1;
			break;
		case O_TITLE:
			o.title = optarg;
			break;
		case O_CI:
			o.ek = RP_ERR_CI95;
			break;
		case O_IDLE:
			if (tool_parse_seconds_ns(optarg, &cfg.ft.idle_ns)) {
				tool_msg("--idle: bad value '%s'", optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
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
	if (!o.x[0] || !o.series[0] || !o.group[0]) {
		tool_msg("--x, --series and --group need a label name");
		return 2;
	}
	{
		struct stat ob;
		if (!stat(out, &ob) && S_ISDIR(ob.st_mode)) {
			tool_msg("-o %s: is a folder (give the page's file "
				 "name)",
				 out);
			return 2;
		}
	}
	traces = calloc((size_t)argc, sizeof(char *));
	if (!traces)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb)) {
			tool_msg("%s: no such file or folder", argv[i]);
			goto out;
		}
		if (S_ISDIR(sb.st_mode)) {
			int from = set.n;
			if (rp_add_folder(&set, argv[i], &cfg, &err))
				goto perr;
			if (rp_set_input(&set, from, argv[i]))
				goto nomem;
		} else if (rp_is_nodes_csv(argv[i])) {
			int from = set.n;
			if (rp_add_csv(&set, argv[i], &err))
				goto perr;
			if (rp_set_input(&set, from, argv[i]))
				goto nomem;
		} else {
			traces[ntr++] = argv[i];
		}
	}
	if (ntr) {
		int from = set.n;
		char *dir = strdup(catalog ? catalog : "traces");
		if (!dir)
			goto nomem;
		if (catalog && strrchr(dir, '/'))
			*strrchr(dir, '/') = 0;
		else if (catalog) { /* "c.tsv" is shorter than "catalog" */
			free(dir);
			dir = strdup("catalog");
			if (!dir)
				goto nomem;
		}
		if (rp_add_traces(&set, catalog, traces, ntr, &cfg, &err)) {
			free(dir);
			goto perr;
		}
		if (rp_set_input(&set, from, dir)) {
			free(dir);
			goto nomem;
		}
		free(dir);
	}
	if (catalog && !ntr)
		tool_msg("warning: --catalog %s is used for trace files only; "
			 "folders have their own catalog.tsv",
			 catalog);
	if (!set.n) {
		tool_msg("report: no nodes in the input");
		goto out;
	}
	if ((o.x_given && check_labels(&set, "--x", o.x)) ||
	    (o.series_given && check_labels(&set, "--series", o.series)) ||
	    (o.group_given && check_labels(&set, "--group", o.group)))
		goto out;
	rc = write_all(&set, &o, out, figdir, quiet);
	goto out;
nomem:
	tool_msg("report: out of memory");
	rc = 1;
	goto out;
perr:
	tool_perr(&err);
	rc = 2;
out:
	rp_set_free(&set);
	free(traces);
	return rc;
}
