/*
 * cmd_analyze.c -- `p2ptrace analyze`: options -> engine runs -> outputs.
 *
 * Each file is one node (one trace) unless --merge; `-i IFACE` (several
 * allowed) analyses live interfaces, one node each, in a thread each.
 * Outputs: a readable summary on stdout; --flows/--nodes/--windows as CSV
 * or JSON lines; --ipfix as IPFIX.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "p2ptrace/engine.h"
#include "p2ptrace/catalog.h"
#include "p2ptrace/sink.h"
#include "p2ptrace/model.h"
#include "flowq.h"
#include "tool.h"

struct an {
	struct engine_cfg cfg;
	const char *flows_path, *nodes_path, *windows_path, *ipfix_path;
	const char *catalog_path, *model_path;
	int json, merge, quiet, summary;
	unsigned groups; /* SINK_FLOW_* column groups of --flows */
	struct rowout *flows, *nodes, *windows;
	struct ipfix_out *ipfix;
	struct catalog *cat;
	struct model *model;
	struct flowq *q; /* flow rows are written by the output thread */
	pthread_mutex_t lock;
	int out_err;
	struct pt_err err;
	uint64_t flows_out;
};

/* The cores this process may run on (its affinity mask), at most 64. */
static int usable_cores(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > 64 ? 64 : n;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2ptrace analyze [OPTIONS] FILE... [FILTER]\n"
		"       p2ptrace analyze [OPTIONS] -i IFACE [-i IFACE...] "
		"[FILTER]\n"
		"Flows and per-node figures (the paper's Figures 2-5) from "
		"pcap/pcapng files\nor live interfaces. FILTER: a BPF "
		"expression as in tcpdump.\n\n"
		"  --flows F        one row per ended flow (- = stdout)\n"
		"  --nodes F        one row per node over the whole trace\n"
		"  --windows F      one row per node per window\n"
		"  --json           JSON lines instead of CSV\n"
		"  --ipfix F        flows as IPFIX (RFC 7011, biflows)\n"
		"  --idle S         idle timeout in seconds (default 64, 0 = "
		"never)\n"
		"  --active S       active timeout (default: none)\n"
		"  --no-tcp-end     keep TCP flows after FIN/RST until a "
		"timeout\n"
		"  --no-vlan-key    the VLAN id is not part of the flow key\n"
		"  --max-flows N    at most N active flows; the least recently "
		"seen is ended\n"
		"                   (default: what --memory holds)\n"
		"  --memory B       memory for the flow and address tables, "
		"K/M/G suffixes\n"
		"                   (default %.0f MiB: a quarter of this "
		"machine's memory)\n"
		"  --window S       window length for --windows (default 60)\n"
		"  --by-host        also one nodes row per address seen\n"
		"  --merge          all files are one node, merged in time "
		"order\n"
		"  --catalog F      labels and node names from a lab "
		"catalog.tsv\n"
		"  --model F        add the predicted class to each flow row\n"
		"  --fine-bins      keep 32-byte size bins per flow\n"
		"  --features       flows: also size/timing statistics and the "
		"first 10 packets\n"
		"  -i IFACE         live interface ([NETNS:]IFACE), several "
		"allowed\n"
		"  -j N             N worker threads per node (default 1; this "
		"process may use\n"
		"                   %d cores): the same rows as -j 1, flow rows "
		"in another order\n"
		"  -q               no summary on stdout\n"
		"Columns: docs/OUTPUTS.md\n",
		(double)engine_default_budget() / 1048576.0, usable_cores());
}

/* ---- events --------------------------------------------------------- */

/* One flow row (and its predicted class): on the output thread
 * (flowq), in the order the flows ended. */
static void flow_row(void *arg, const struct node_info *n, const struct flow *f,
		     enum flow_end why)
{
	struct an *a = arg;

	row_begin(a->flows);
	sink_flow_fields(a->flows, n, f, why, a->groups);
	if (a->model) {
		const char *cls = "";
		double p = 0;
		model_predict_flow(a->model, f, &cls, &p);
		row_str(a->flows, "pred_class", cls);
		row_fixed(a->flows, "pred_prob", p, 4);
	}
	row_end(a->flows);
}

static void ev_flow(void *arg, const struct node_info *n, const struct flow *f,
		    enum flow_end why)
{
	struct an *a = arg;

	pthread_mutex_lock(&a->lock);
	a->flows_out++;
	if (a->q)
		flowq_push(a->q, n, f, why);
	else if (a->flows)
		flow_row(a, n, f, why);
	if (a->ipfix && !a->out_err && ipfix_flow(a->ipfix, f, why, &a->err))
		a->out_err = 1;
	pthread_mutex_unlock(&a->lock);
}

/* Wait until the output thread has written every queued flow row
 * (queued rows point to the node's name and labels). */
static void drain_rows(struct an *a)
{
	pthread_mutex_lock(&a->lock);
	flowq_drain(a->q);
	pthread_mutex_unlock(&a->lock);
}

static void ev_window(void *arg, const struct node_info *n, uint64_t start,
		      uint64_t len, const struct node_figs *w)
{
	struct an *a = arg;

	pthread_mutex_lock(&a->lock);
	if (a->windows) {
		flowq_drain(a->q); /* the flow rows before it first */
		sink_window_row(a->windows, n, start, len, w);
	}
	pthread_mutex_unlock(&a->lock);
}

static void print_summary(const struct node_info *n, const struct node_figs *g,
			  const struct engine_stats *st)
{
	char addr[46] = "?";
	uint64_t bad = 0;

	if (n->ipver)
		flow_addr_str(n->addr, n->ipver, addr);
	printf("node %s (%s)%s%s\n", n->name, addr, n->labels[0] ? "  " : "",
	       n->labels);
	printf("  trace            %s\n", n->trace);
	printf("  packets          %llu (%llu IP), %llu bytes, %.3f s\n",
	       (unsigned long long)g->pkts, (unsigned long long)g->ip_pkts,
	       (unsigned long long)g->bytes, node_duration_s(g));
	printf("  conversations    %llu (%llu initiated): %.4f/s (%.4f/s "
	       "initiated)\n",
	       (unsigned long long)g->flows,
	       (unsigned long long)g->flows_initiated, node_conv_per_s(g),
	       node_conv_init_per_s(g));
	printf("  packets/s        %.3f   bytes/s %.1f   avg packet size "
	       "%.1f B\n",
	       node_pkts_per_s(g), node_bytes_per_s(g), node_avg_pkt_size(g));
	printf("  up / down        %llu / %llu packets, %llu / %llu bytes\n",
	       (unsigned long long)g->pkts_up, (unsigned long long)g->pkts_down,
	       (unsigned long long)g->bytes_up,
	       (unsigned long long)g->bytes_down);
	printf("  packet sizes     %-10s %10s %7s %10s %10s\n", "bytes",
	       "packets", "%", "up", "down");
	for (int i = 0; i < PLEN_NBINS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "%s", plen_bin_names[i]);
		for (char *p = name; *p; p++)
			if (*p == '_')
				*p = '-';
		printf("                   %-10s %10llu %6.2f%% %10llu %10llu\n",
		       name, (unsigned long long)g->plen[i],
		       g->pkts ? 100.0 * (double)g->plen[i] / (double)g->pkts
			       : 0.0,
		       (unsigned long long)g->plen_up[i],
		       (unsigned long long)g->plen_down[i]);
	}
	for (int i = 1; i < DECODE_NSTATUS; i++)
		bad += st->decode[i];
	printf("  flows            %llu created, peak %llu active, %llu "
	       "evicted (lack of resources)\n",
	       (unsigned long long)st->ft.created,
	       (unsigned long long)st->ft.peak,
	       (unsigned long long)st->ft.evicted);
	if (st->filtered)
		printf("  filtered out     %llu packets\n",
		       (unsigned long long)st->filtered);
	if (bad) {
		printf("  not in flows     %llu packets:",
		       (unsigned long long)bad);
		for (int i = 1; i < DECODE_NSTATUS; i++)
			if (st->decode[i])
				printf(" %s %llu;", decode_status_name(i),
				       (unsigned long long)st->decode[i]);
		printf("\n");
	}
	printf("\n");
}

static void ev_node(void *arg, const struct node_info *n,
		    const struct node_figs *g, const struct engine_stats *st)
{
	struct an *a = arg;

	pthread_mutex_lock(&a->lock);
	if (a->nodes || a->summary)
		flowq_drain(a->q); /* the flow rows before it first */
	if (a->nodes)
		sink_node_row(a->nodes, n, "node", n->addr, n->ipver, g);
	if (a->summary)
		print_summary(n, g, st);
	pthread_mutex_unlock(&a->lock);
}

static void ev_host(void *arg, const struct node_info *n, const uint8_t *addr,
		    int ipver, const struct node_figs *g)
{
	struct an *a = arg;

	pthread_mutex_lock(&a->lock);
	if (a->nodes)
		sink_node_row(a->nodes, n, "host", addr, ipver, g);
	pthread_mutex_unlock(&a->lock);
}

static void ev_progress(void *arg, const struct engine_stats *st, uint64_t off,
			uint64_t size)
{
	(void)arg;
	tool_progress("analyze: %.1f / %.1f MB, %.2f Mpkt/s, %llu flows "
		      "active",
		      (double)off / 1e6, (double)size / 1e6,
		      st->wall_s > 0 ? (double)st->pkts / st->wall_s / 1e6
				     : 0.0,
		      (unsigned long long)st->ft.active);
}

static void ev_warn(void *arg, const struct pt_err *w)
{
	(void)arg;
	tool_progress_done();
	fprintf(stderr, "p2ptrace: warning: %s: %s\n", w->where, w->msg);
}

/* ---- nodes ---------------------------------------------------------- */

/* The node of a trace: one rule (catalog.h trace_node), shared with report
 * and classify. */
static void node_from_path(struct an *a, const char *path, struct source *src,
			   struct node_info *n, char *namebuf, size_t nlen)
{
	struct trace_node tn;

	trace_node(a->cat ? catalog_find_trace(a->cat, path) : NULL, path,
		   src ? source_labels(src) : "", &tn);
	memset(n, 0, sizeof(*n));
	snprintf(namebuf, nlen, "%s", tn.name);
	n->name = namebuf;
	n->trace = path;
	n->labels = tn.labels;
	memcpy(n->addr, tn.addr, sizeof(n->addr));
	n->ipver = tn.ipver;
}

static const struct engine_events *events(struct an *a)
{
	static struct engine_events ev;

	memset(&ev, 0, sizeof(ev));
	ev.arg = a;
	ev.flow = ev_flow;
	ev.window = ev_window;
	ev.node = ev_node;
	ev.host = ev_host;
	ev.progress = ev_progress;
	ev.warn = ev_warn;
	return &ev;
}

static int run_files(struct an *a, char **files, int nfiles)
{
	int rc = 0;
	int groups = a->merge ? 1 : nfiles;

	for (int g = 0; g < groups; g++) {
		int first = a->merge ? 0 : g, cnt = a->merge ? nfiles : 1;
		struct source **srcs = calloc((size_t)cnt, sizeof(*srcs));
		struct node_info n;
		struct engine_stats st;
		struct pt_err err = { 0 };
		char name[256];
		int e = 0, opened = 0;

		if (!srcs)
			return 1;
		for (int i = 0; i < cnt; i++) {
			e = source_open_file(files[first + i], &srcs[i], &err);
			if (e)
				break;
			opened++;
			if (a->cfg.filter &&
			    (e = source_set_filter(srcs[i], a->cfg.filter,
						   &err)))
				break;
		}
		if (e) {
			tool_perr(&err);
			rc = 2;
		} else {
			node_from_path(a, files[first], srcs[0], &n, name,
				       sizeof(name));
			if (a->cat && !catalog_find_trace(a->cat, files[first]))
				tool_msg("warning: %s: not in catalog %s",
					 files[first], a->catalog_path);
			e = engine_run(&a->cfg, &n, srcs, cnt, events(a), &st,
				       &err);
			drain_rows(a); /* before n changes */
			tool_progress_done();
			if (e) {
				tool_perr(&err);
				rc = 2;
			}
		}
		for (int i = 0; i < opened; i++)
			source_close(srcs[i]);
		free(srcs);
	}
	return rc;
}

/* ---- live ----------------------------------------------------------- */

struct live_job {
	struct an *a;
	const char *iface;
	pthread_t th;
	int rc;
	struct engine_cfg cfg;	     /* a->cfg with this job's stop flag */
	volatile sig_atomic_t stop;  /* set by the signal handler */
	struct source *volatile src; /* for the signal handler */
};

static void *live_thread(void *arg)
{
	struct live_job *j = arg;
	struct source *src = NULL;
	struct pt_err err = { 0 };
	struct node_info n;
	struct engine_stats st;
	char name[256];

	if (source_open_live(j->iface, 0, &src, &err) ||
	    (j->a->cfg.filter &&
	     source_set_filter(src, j->a->cfg.filter, &err))) {
		tool_perr(&err);
		j->rc = 2;
		source_close(src);
		return NULL;
	}
	j->src = src;
	memset(&n, 0, sizeof(n));
	snprintf(name, sizeof(name), "%s", j->iface);
	n.name = name;
	n.trace = j->iface;
	n.labels = "";
	j->cfg = j->a->cfg;
	j->cfg.stop = &j->stop;
	if (engine_run(&j->cfg, &n, &src, 1, events(j->a), &st, &err)) {
		tool_perr(&err);
		j->rc = 1;
	}
	drain_rows(j->a); /* before n goes */
	j->src = NULL;
	source_close(src);
	return NULL;
}

static struct live_job *volatile live_jobs;
static volatile sig_atomic_t nlive;

/* Stop every engine, and wake the live sources that wait for a packet
 * (source_stop is signal-safe). */
static void on_signal(int sig)
{
	(void)sig;
	for (int i = 0; i < nlive; i++) {
		struct source *s = live_jobs[i].src;
		live_jobs[i].stop = 1;
		if (s)
			source_stop(s);
	}
}

static int run_live(struct an *a, char **ifaces, int n)
{
	struct sigaction sa;
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	live_jobs = calloc((size_t)n, sizeof(*live_jobs));
	if (!live_jobs)
		return 1;
	for (int i = 0; i < n; i++) {
		live_jobs[i].a = a;
		live_jobs[i].iface = ifaces[i];
	}
	nlive = n;
	for (int i = 0; i < n; i++)
		pthread_create(&live_jobs[i].th, NULL, live_thread,
			       &live_jobs[i]);
	for (int i = 0; i < n; i++) {
		pthread_join(live_jobs[i].th, NULL);
		if (live_jobs[i].rc > rc)
			rc = live_jobs[i].rc;
	}
	nlive = 0;
	free(live_jobs);
	return rc;
}

/* ---- main ----------------------------------------------------------- */

enum {
	O_FLOWS = 256,
	O_NODES,
	O_WINDOWS,
	O_JSON,
	O_IPFIX,
	O_IDLE,
	O_ACTIVE,
	O_NOTCP,
	O_NOVLAN,
	O_MAXF,
	O_WINDOW,
	O_BYHOST,
	O_MERGE,
	O_CATALOG,
	O_MODEL,
	O_FINE,
	O_FEATURES,
	O_MEMORY,
};

static const struct option opts[] = {
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "nodes", required_argument, NULL, O_NODES },
	{ "windows", required_argument, NULL, O_WINDOWS },
	{ "json", no_argument, NULL, O_JSON },
	{ "ipfix", required_argument, NULL, O_IPFIX },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "active", required_argument, NULL, O_ACTIVE },
	{ "no-tcp-end", no_argument, NULL, O_NOTCP },
	{ "no-vlan-key", no_argument, NULL, O_NOVLAN },
	{ "max-flows", required_argument, NULL, O_MAXF },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "by-host", no_argument, NULL, O_BYHOST },
	{ "merge", no_argument, NULL, O_MERGE },
	{ "catalog", required_argument, NULL, O_CATALOG },
	{ "model", required_argument, NULL, O_MODEL },
	{ "fine-bins", no_argument, NULL, O_FINE },
	{ "features", no_argument, NULL, O_FEATURES },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Close every output, also after one failed (each failure is reported):
 * rc, or 1 when it was 0 and a close failed. */
static int close_outputs(struct an *a, int rc)
{
	struct pt_err err = { 0 };
	int bad = 0;

	if (rowout_close(a->flows, &err) && ++bad)
		tool_perr(&err);
	if (rowout_close(a->nodes, &err) && ++bad)
		tool_perr(&err);
	if (rowout_close(a->windows, &err) && ++bad)
		tool_perr(&err);
	if (ipfix_close(a->ipfix, &err) && ++bad)
		tool_perr(&err);
	return bad && !rc ? 1 : rc;
}

static int bad_opt(const char *opt, const char *v)
{
	tool_msg("%s: bad value '%s'", opt, v);
	return 2;
}

/* "512M", "2G", "100000" -> bytes; -1 when not a size. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int sh = 0;

	if (end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		sh = 10;
		end++;
		break;
	case 'm':
	case 'M':
		sh = 20;
		end++;
		break;
	case 'g':
	case 'G':
		sh = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || v > (UINT64_MAX >> sh))
		return -1;
	*out = (uint64_t)v << sh;
	return 0;
}

static int is_capture_file(const char *s)
{
	FILE *f = fopen(s, "r");

	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* What the options give besides struct an. */
struct an_args {
	char **ifaces; /* -i, argc entries */
	int nif;
	uint64_t budget;    /* --memory */
	uint32_t max_flows; /* --max-flows, 0 = what the budget holds */
};

/* The options into a and g: -1 to go on, else the exit status. */
static int parse_opts(struct an *a, struct an_args *g, int argc, char **argv)
{
	uint64_t u;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+i:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case O_FLOWS:
			a->flows_path = optarg;
			break;
		case O_NODES:
			a->nodes_path = optarg;
			break;
		case O_WINDOWS:
			a->windows_path = optarg;
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_IPFIX:
			a->ipfix_path = optarg;
			break;
		case O_IDLE:
			if (tool_parse_seconds_ns(optarg, &a->cfg.ft.idle_ns))
				return bad_opt("--idle", optarg);
			break;
		case O_ACTIVE:
			if (tool_parse_seconds_ns(optarg, &a->cfg.ft.active_ns))
				return bad_opt("--active", optarg);
			break;
		case O_NOTCP:
			a->cfg.ft.tcp_end = 0;
			break;
		case O_NOVLAN:
			a->cfg.ft.vlan_key = 0;
			break;
		case O_MAXF:
			if (tool_parse_u64(optarg, &u) || u == 0 ||
			    u > UINT32_MAX / 4)
				return bad_opt("--max-flows", optarg);
			g->max_flows = (uint32_t)u;
			break;
		case O_MEMORY:
			if (parse_size(optarg, &g->budget) ||
			    g->budget < (1u << 20))
				return bad_opt("--memory", optarg);
			break;
		case O_WINDOW:
			if (tool_parse_seconds_ns(optarg, &a->cfg.window_ns) ||
			    a->cfg.window_ns == 0)
				return bad_opt("--window", optarg);
			break;
		case O_BYHOST:
			a->cfg.by_host = 1;
			break;
		case O_MERGE:
			a->merge = 1;
			break;
		case O_CATALOG:
			a->catalog_path = optarg;
			break;
		case O_MODEL:
			a->model_path = optarg;
			break;
		case O_FINE:
			a->cfg.ft.fine_bins = 1;
			break;
		case O_FEATURES:
			a->groups = SINK_FLOW_STATS | SINK_FLOW_FIRSTN;
			break;
		case 'i':
			g->ifaces[g->nif++] = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'j':
			if (tool_parse_u64(optarg, &u) || u == 0 || u > 64)
				return bad_opt("-j", optarg);
			a->cfg.jobs = (int)u;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* After the options: the files, then the filter. The first word that is
 * not a readable file starts the filter (tcpdump's trailing expression).
 * 0, or the exit status. */
static int split_inputs(const struct an_args *g, int argc, char **argv,
			int *nfiles, char **filter)
{
	int rc, n = 0;

	if (!g->nif)
		while (optind + n < argc && is_capture_file(argv[optind + n]))
			n++;
	*nfiles = n;
	rc = tool_filter("analyze", argv + optind + n, argc - optind - n,
			 filter);
	if (!rc && !g->nif && !n) {
		if (optind < argc)
			tool_msg("%s: cannot open: no such file", argv[optind]);
		else
			usage(stderr);
		rc = 2;
	}
	return rc;
}

/* The engine's settings that follow from several options. */
static void configure(struct an *a, const struct an_args *g)
{
	if (a->model_path)
		a->cfg.ft.fine_bins = 1; /* the model's features include them */
	/* per-flow statistics only for the outputs that show or use them */
	a->cfg.ft.extras = a->groups != 0 || a->model_path;
	engine_cfg_budget(&a->cfg, g->budget); /* at the cost of what is kept */
	if (g->max_flows)
		a->cfg.ft.max_flows = g->max_flows;
	a->summary = !a->quiet &&
		     !(a->flows_path && !strcmp(a->flows_path, "-")) &&
		     !(a->nodes_path && !strcmp(a->nodes_path, "-")) &&
		     !(a->windows_path && !strcmp(a->windows_path, "-"));
}

/* Catalog, model and every output, or the first error (reported): 0 or
 * the exit status. What was opened is closed by close_outputs. */
static int open_outputs(struct an *a)
{
	struct pt_err err = { 0 };

	if ((a->catalog_path && catalog_load(a->catalog_path, &a->cat, &err)) ||
	    (a->model_path && model_load(a->model_path, &a->model, &err)) ||
	    (a->flows_path &&
	     rowout_open(a->flows_path, a->json, &a->flows, &err)) ||
	    (a->nodes_path &&
	     rowout_open(a->nodes_path, a->json, &a->nodes, &err)) ||
	    (a->windows_path &&
	     rowout_open(a->windows_path, a->json, &a->windows, &err)) ||
	    (a->ipfix_path && ipfix_open(a->ipfix_path, &a->ipfix, &err))) {
		tool_perr(&err);
		return 2;
	}
	return 0;
}

/* The engine runs: live interfaces or files. */
static int run(struct an *a, const struct an_args *g, char **files, int nfiles)
{
	int rc;

	/* with a model, flow rows and their predictions are made on a
	 * second thread: the packet loop only copies each ended flow
	 * (src/flowq.h). Without one a row costs about what the hand-over
	 * does (cache lines moving between cores), so it stays inline. */
	if (a->flows && a->model && flowq_start(&a->q, 2048, flow_row, a)) {
		tool_msg("cannot start the output thread: out of memory");
		return 1;
	}
	rc = g->nif ? run_live(a, g->ifaces, g->nif)
		    : run_files(a, files, nfiles);
	flowq_stop(a->q); /* every row written */
	if (a->out_err) {
		tool_perr(&a->err);
		rc = 1;
	}
	return rc;
}

int cmd_analyze(int argc, char **argv)
{
	struct an a;
	struct an_args g;
	char *filter = NULL;
	int rc, nfiles = 0;

	memset(&a, 0, sizeof(a));
	memset(&g, 0, sizeof(g));
	engine_cfg_init(&a.cfg);
	/* one thread unless asked: with N > 1 flow rows come in an order
	 * that varies between runs (docs/OUTPUTS.md) */
	a.cfg.jobs = 1;
	pthread_mutex_init(&a.lock, NULL);
	g.budget = engine_default_budget();
	g.ifaces = calloc((size_t)argc + 1, sizeof(char *));
	if (!g.ifaces)
		return 1;
	rc = parse_opts(&a, &g, argc, argv);
	if (rc < 0 && !(rc = split_inputs(&g, argc, argv, &nfiles, &filter))) {
		a.cfg.filter = filter;
		configure(&a, &g);
		rc = open_outputs(&a);
		if (!rc)
			rc = run(&a, &g, argv + optind, nfiles);
		rc = close_outputs(&a, rc);
	}
	catalog_free(a.cat);
	model_free(a.model);
	free(g.ifaces);
	free(filter);
	return rc;
}
