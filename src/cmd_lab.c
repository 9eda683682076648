/*
 * cmd_lab.c -- `p2ptrace lab`: check, up, status, exec, down and run a
 * closed lab of nodes described by an experiment file (docs/lab.md).
 *
 * up:   undo log first, then shared files, namespaces (ip -batch), IPv6 off,
 *       veth pairs born in their namespaces + the bridge in the switch
 *       namespace, offloads off, addresses, shaping (tc -batch), the
 *       catalog, `p2ptrace capture` on every switch-side veth, then the
 *       nodes' processes (servers first).
 * down: stop the nodes' processes (SIGTERM, then SIGKILL), kill whatever
 *       else still lives in a lab namespace, stop capture, complete the
 *       catalog from capture's stats, delete the namespaces (which takes
 *       the links and qdiscs with them), remove the work folder and the log.
 * run:  up, wait with a progress display, down, summary.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lab/lab.h"
#include "lab/qemu.h"
#include "tool.h"

struct opts {
	const char *name, *out;
	uint64_t duration_ns;
	int have_duration;
	int no_capture;
	int keep_work;
	int all;
	int capture_teardown; /* lab run: keep capturing while clients stop */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2ptrace lab check FILE [--name NAME] [--duration S] [--out DIR]\n"
		"       p2ptrace lab up FILE [--name NAME] [--duration S] [--out DIR] [--no-capture]\n"
		"       p2ptrace lab run FILE [--name NAME] [--duration S] [--out DIR] [--no-capture]\n"
		"                            [--capture-teardown]   (also capture while the clients stop)\n"
		"       p2ptrace lab status [NAME]\n"
		"       p2ptrace lab exec [--lab NAME] NODE -- COMMAND [ARG...]\n"
		"       p2ptrace lab down [--keep-work] [NAME... | --all]   (no NAME: the only lab that is up)\n"
		"       p2ptrace lab console [--lab NAME] NODE   (serial console of a VM node; docs/qemu.md)\n"
		"The experiment file format, the catalog columns and the profiles: docs/lab.md\n");
}

static int parse_opts(int argc, char **argv, struct opts *o, int stop_at_arg)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "lab", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-capture", no_argument, NULL, 'N' },
		{ "keep-work", no_argument, NULL, 'k' },
		{ "all", no_argument, NULL, 'A' },
		{ "capture-teardown", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv,
				stop_at_arg ? "+n:o:d:h" : "n:o:d:h", lo,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'd':
			if (tool_parse_seconds_ns(optarg, &o->duration_ns) ||
			    o->duration_ns < 1000000000ull) {
				tool_msg(
					"lab: --duration: expected seconds >= 1, got '%s'",
					optarg);
				return -1;
			}
			o->have_duration = 1;
			break;
		case 'N':
			o->no_capture = 1;
			break;
		case 'k':
			o->keep_work = 1;
			break;
		case 'A':
			o->all = 1;
			break;
		case 'T':
			o->capture_teardown = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static int load(const char *path, const struct opts *o, struct lab_exp *e)
{
	struct pt_err err = { 0 };

	if (lab_exp_load(e, path, &err)) {
		tool_perr(&err);
		return -1;
	}
	if (o->name && lab_exp_rename(e, o->name)) {
		tool_msg(
			"lab: --name: expected 1-%d of a-z, 0-9, '-', got '%s'",
			LAB_NAME_MAX, o->name);
		lab_exp_free(e);
		return -1;
	}
	if (o->have_duration)
		e->duration_ns = o->duration_ns;
	if (o->out)
		snprintf(e->out, sizeof(e->out), "%s", o->out);
	return 0;
}

static void print_plan(const struct lab_exp *e, FILE *f)
{
	char a[32], net[32];

	fprintf(f,
		"lab %s: %u nodes, subnet %s/%u, duration %.0f s, out %s, snaplen %u, user %s\n",
		e->name, e->nnodes, lab_addr_str(e->net, net, sizeof(net)),
		e->prefix, e->duration_ns / 1e9, e->out, e->snaplen, e->user);
	fprintf(f, "switch namespace %s: bridge br0, one veth port per node\n",
		e->switch_ns);
	for (unsigned i = 0; i < e->nfiles; i++)
		fprintf(f, "file %s: %llu bytes, piece %llu\n",
			e->files[i].name, (unsigned long long)e->files[i].size,
			(unsigned long long)e->files[i].piece);
	fprintf(f, "%-20s %-28s %-15s %-18s %10s %10s  %s\n", "node", "netns",
		"addr", "profile", "up_kbps", "down_kbps", "labels");
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_node *n = &e->nodes[i];
		const struct lab_group *g = &e->groups[n->group];

		fprintf(f, "%-20s %-28s %-15s %-18s %10g %10g  %s\n", n->name,
			n->netns, lab_addr_str(n->addr, a, sizeof(a)),
			lab_profile_name(g->profile), g->up_kbps, g->down_kbps,
			g->labels);
	}
	lab_vm_plan(e, f); /* qemu.c */
}

static int cmd_check(int argc, char **argv)
{
	struct opts o;
	struct lab_exp e;

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (load(argv[optind], &o, &e))
		return 2;
	print_plan(&e, stdout);
	for (unsigned i = 0; i < e.ngroups; i++)
		if (e.groups[i].delay_ms > 0 || e.groups[i].loss_pct > 0)
			printf("note: group %s uses delay/loss, which needs the netem qdisc (absent from some kernels)\n",
			       e.groups[i].name);
	printf("ok: %s\n", e.path);
	lab_exp_free(&e);
	return 0;
}

static int mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, mode) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -1;
	return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void rm_tree(const char *path)
{
	if (path[0] == '/' &&
	    strncmp(path, LAB_WORK_DIR "/", strlen(LAB_WORK_DIR) + 1) == 0)
		nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- catalog ---------------------------------------------------------- */

static const char catalog_header[] =
	"node\tnetns\taddr\tprofile\tlabels\tup_kbps\tdown_kbps\tstart_ns\tstop_ns\ttrace\tpackets\tbytes\tdrops\tgroup\n";

static int write_catalog(const struct lab_exp *e, const char *out,
			 uint64_t start)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], a[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/catalog.tsv", out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(catalog_header, f);
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_node *n = &e->nodes[i];
		const struct lab_group *g = &e->groups[n->group];

		fprintf(f,
			"%s\t%s\t%s\t%s\t%s\t%g\t%g\t%llu\t\ttraces/%s.pcapng\t\t\t\t%s\n",
			n->name, n->netns, lab_addr_str(n->addr, a, sizeof(a)),
			lab_profile_name(g->profile), g->labels, g->up_kbps,
			g->down_kbps,
			(unsigned long long)(start +
					     (uint64_t)(g->start_s * 1e9)),
			n->name, g->name);
	}
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

struct cstat {
	char node[LAB_NODE_MAX];
	unsigned long long pkts, bytes, drops;
};

/* Capture's --stats TSV: node iface received dropped_kernel dropped_iface
 * written bytes files. */
static unsigned read_capture_stats(const char *path, struct cstat *cs,
				   unsigned max)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned long long rcv, dk, di, wr, by;
		char node[64], iface[128];

		if (sscanf(line,
			   "%63[^\t]\t%127[^\t]\t%llu\t%llu\t%llu\t%llu\t%llu",
			   node, iface, &rcv, &dk, &di, &wr, &by) != 7)
			continue;
		snprintf(cs[n].node, sizeof(cs[n].node), "%.31s", node);
		cs[n].pkts = wr;
		cs[n].bytes = by;
		cs[n].drops = dk + di;
		n++;
	}
	fclose(f);
	return n;
}

/* Fill stop_ns, packets, bytes, drops of the catalog; print the summary. */
static void finish_catalog(const char *out, uint64_t stop, int print)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], line[8192];
	struct cstat *cs = calloc(LAB_MAX_NODES, sizeof(*cs));
	unsigned ncs;
	FILE *in, *o;
	unsigned long long tp = 0, tb = 0, td = 0;

	if (!cs)
		return;
	snprintf(path, sizeof(path), "%s/capture-stats.tsv", out);
	ncs = read_capture_stats(path, cs, LAB_MAX_NODES);
	snprintf(path, sizeof(path), "%s/catalog.tsv", out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	in = fopen(path, "r");
	o = in ? fopen(tmp, "w") : NULL;
	if (!in || !o) {
		if (in)
			fclose(in);
		free(cs);
		return;
	}
	if (print)
		printf("%-20s %12s %14s %8s  %s\n", "node", "packets", "bytes",
		       "drops", "trace");
	while (fgets(line, sizeof(line), in)) {
		char *col[16];
		int nc = 0;
		char *p = line;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "node\t", 5)) {
			fputs(catalog_header, o);
			continue;
		}
		while (nc < 16) {
			col[nc++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (nc < 14)
			continue;
		{
			const struct cstat *c = NULL;
			char pk[32] = "", by[32] = "", dr[32] = "", st[32];

			for (unsigned i = 0; i < ncs; i++)
				if (!strcmp(cs[i].node, col[0]))
					c = &cs[i];
			if (c) {
				snprintf(pk, sizeof(pk), "%llu", c->pkts);
				snprintf(by, sizeof(by), "%llu", c->bytes);
				snprintf(dr, sizeof(dr), "%llu", c->drops);
				tp += c->pkts;
				tb += c->bytes;
				td += c->drops;
			}
			snprintf(st, sizeof(st), "%llu",
				 (unsigned long long)stop);
			fprintf(o,
				"%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				col[0], col[1], col[2], col[3], col[4], col[5],
				col[6], col[7], col[8][0] ? col[8] : st, col[9],
				c ? pk : col[10], c ? by : col[11],
				c ? dr : col[12], col[13]);
			if (print)
				printf("%-20s %12s %14s %8s  %s/%s\n", col[0],
				       c ? pk : "-", c ? by : "-", c ? dr : "-",
				       out, col[9]);
		}
	}
	fclose(in);
	if (fclose(o) == 0)
		rename(tmp, path);
	if (print)
		printf("%-20s %12llu %14llu %8llu  %s/catalog.tsv\n", "total",
		       tp, tb, td, out);
	free(cs);
}

/* ---- up --------------------------------------------------------------- */

static int resolve_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int do_down(const char *name, int keep_work, int quiet, int summary,
		   int capture_first);

static int fail_up(const char *name, const struct pt_err *err)
{
	if (err)
		tool_perr(err);
	tool_msg("lab: up failed; taking down what was created");
	do_down(name, 0, 1, 0, 0);
	return 1;
}

static int net_setup(const struct lab_exp *e, FILE *st, struct pt_err *err)
{
	size_t cap = 4096 + (size_t)e->nnodes * 1024, len = 0;
	char *b = malloc(cap);
	int rc = 0;

	if (!b)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	/* 1. namespaces: logged first, then created in one ip -batch */
	lab_state_add(st, "netns %s", e->switch_ns);
	len += (size_t)snprintf(b + len, cap - len, "netns add %s\n",
				e->switch_ns);
	for (unsigned i = 0; i < e->nnodes; i++) {
		lab_state_add(st, "netns %s", e->nodes[i].netns);
		len += (size_t)snprintf(b + len, cap - len, "netns add %s\n",
					e->nodes[i].netns);
	}
	if ((rc = lab_batch("ip", NULL, b, err)))
		goto out;
	/* 2. IPv6 off in every namespace before any link exists */
	for (unsigned i = 0; i <= e->nnodes && !rc; i++) {
		const char *ns =
			i == e->nnodes ? e->switch_ns : e->nodes[i].netns;

		if (lab_ns_enter(ns) ||
		    lab_ns_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6",
				  "1") ||
		    lab_ns_sysctl(
			    "/proc/sys/net/ipv6/conf/default/disable_ipv6",
			    "1"))
			rc = pt_fail(err, PT_EIO, ns,
				     "cannot enter or disable IPv6: %s",
				     strerror(errno));
	}
	lab_ns_home();
	if (rc)
		goto out;
	/* 3. bridge + veth pairs, each end born in its namespace */
	len = (size_t)snprintf(
		b, cap,
		"link add name br0 netns %s type bridge stp_state 0 mcast_snooping 0\n",
		e->switch_ns);
	for (unsigned i = 0; i < e->nnodes; i++)
		len += (size_t)snprintf(
			b + len, cap - len,
			"link add name eth0 netns %s type veth peer name %s netns %s\n",
			e->nodes[i].netns, e->nodes[i].veth, e->switch_ns);
	if ((rc = lab_batch("ip", NULL, b, err)))
		goto out;
	/* 4. per node: offloads off, lo up, address, eth0 up */
	for (unsigned i = 0; i < e->nnodes && !rc; i++) {
		const struct lab_node *n = &e->nodes[i];

		if (lab_ns_enter(n->netns) || lab_ns_offloads_off("eth0") ||
		    lab_ns_link_up("lo", NULL) ||
		    (e->groups[n->group].profile !=
			     LAB_P_QEMU && /* VM: the guest has it */
		     lab_ns_addr_add("eth0", n->addr, e->prefix)) ||
		    lab_ns_link_up("eth0", NULL))
			rc = pt_fail(err, PT_EIO, n->netns,
				     "link setup failed: %s", strerror(errno));
	}
	/* 5. the switch: ports offloads off, on the bridge, up */
	if (!rc && (lab_ns_enter(e->switch_ns) || lab_ns_link_up("lo", NULL)))
		rc = pt_fail(err, PT_EIO, e->switch_ns, "cannot enter: %s",
			     strerror(errno));
	for (unsigned i = 0; i < e->nnodes && !rc; i++)
		if (lab_ns_offloads_off(e->nodes[i].veth) ||
		    lab_ns_link_up(e->nodes[i].veth, "br0"))
			rc = pt_fail(err, PT_EIO, e->switch_ns, "port %s: %s",
				     e->nodes[i].veth, strerror(errno));
	if (!rc && lab_ns_link_up("br0", NULL))
		rc = pt_fail(err, PT_EIO, e->switch_ns, "br0 up: %s",
			     strerror(errno));
	lab_ns_home();
	for (unsigned i = 0; i < e->nnodes && !rc;
	     i++) /* 5b. VM nodes: eth0 + tap on a bridge (qemu.c) */
		if (e->groups[e->nodes[i].group].profile == LAB_P_QEMU)
			rc = lab_vm_net(e->nodes[i].netns, err);
out:
	free(b);
	return rc;
}

/* One direction of a group's link: its rate, the group's queue, half the
 * group's delay and loss (the other half is on the other direction). */
static struct lab_shape shape_of(const struct lab_group *g, double kbps)
{
	struct lab_shape s = { kbps, g->queue_ms, g->delay_ms / 2,
			       g->loss_pct / 2 };

	return s;
}

/* 6. shaping: download on the switch side, upload on the node side */
static int net_shaping(const struct lab_exp *e, struct pt_err *err)
{
	size_t cap = 4096 + (size_t)e->nnodes * 1024, len = 0;
	char *b = malloc(cap);
	int rc = 0;

	if (!b)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	b[0] = 0;
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_group *g = &e->groups[e->nodes[i].group];
		struct lab_shape s = shape_of(g, g->down_kbps);
		char one[1024];

		if (lab_shape_batch(one, sizeof(one), e->nodes[i].veth, &s) ||
		    len + strlen(one) >= cap) {
			rc = pt_fail(err, PT_ELIMIT, e->nodes[i].name,
				     "shaping commands too long");
			goto out;
		}
		memcpy(b + len, one, strlen(one) + 1);
		len += strlen(one);
	}
	if (len && (rc = lab_batch("tc", e->switch_ns, b, err)))
		goto out;
	/* upload: one tc -batch per shaped node, 8 at a time */
	{
		const char **ns = calloc(e->nnodes + 1, sizeof(char *));
		const char **tx = calloc(e->nnodes + 1, sizeof(char *));
		char *all = calloc(e->nnodes + 1, 1024);

		if (!ns || !tx || !all)
			rc = pt_fail(err, PT_ENOMEM, "lab", "out of memory");
		for (unsigned i = 0; i < e->nnodes && !rc; i++) {
			const struct lab_group *g =
				&e->groups[e->nodes[i].group];
			struct lab_shape s = shape_of(g, g->up_kbps);

			ns[i] = e->nodes[i].netns;
			tx[i] = all + (size_t)i * 1024;
			if (lab_shape_batch(all + (size_t)i * 1024, 1024,
					    "eth0", &s))
				rc = pt_fail(err, PT_ELIMIT, e->nodes[i].name,
					     "shaping commands too long");
		}
		if (!rc)
			rc = lab_batch_many("tc", ns, tx, e->nnodes, 8, err);
		free(ns);
		free(tx);
		free(all);
	}
out:
	free(b);
	return rc;
}

static int start_capture(const struct lab_exp *e, const char *out, FILE *st,
			 pid_t *pid, struct pt_err *err)
{
	unsigned max = 16 + 2 * e->nnodes;
	char **argv = calloc(max, sizeof(char *));
	char *buf = malloc((size_t)e->nnodes * 160 + 8192), *p = buf;
	unsigned n = 0;
	char logo[PATH_MAX], loge[PATH_MAX];
	int rc;

	if (!argv || !buf) {
		free(argv);
		free(buf);
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	}
#define ADD(...) (argv[n++] = p, p += sprintf(p, __VA_ARGS__) + 1)
	ADD("%s", tool_self_exe());
	ADD("capture");
	ADD("-w");
	ADD("%s/traces", out);
	ADD("--catalog");
	ADD("%s/catalog.tsv", out);
	ADD("--stats");
	ADD("%s/capture-stats.tsv", out);
	ADD("-s");
	ADD("%u", e->snaplen);
	/* capture's default ring is 2 MiB per interface: 500 MB at 250 nodes;
	 * big labs get 512 KiB each (still ~2,500 packets at snaplen 128) */
	ADD("-B");
	ADD("%u", e->nnodes <= 64 ? 2048u : 512u);
	for (unsigned i = 0; i < e->nnodes; i++) {
		ADD("-i");
		ADD("%s:%s=%s", e->switch_ns, e->nodes[i].veth,
		    e->nodes[i].name);
	}
#undef ADD
	argv[n] = NULL;
	snprintf(logo, sizeof(logo), "%s/logs/capture.out", out);
	snprintf(loge, sizeof(loge), "%s/logs/capture.err", out);
	{
		struct lab_spawn sp = { .argv = argv,
					.out_path = logo,
					.err_path = loge,
					.state = st,
					.capture = 1,
					.cwd = out };

		rc = lab_spawn(&sp, pid, err);
	}
	free(argv);
	free(buf);
	return rc;
}

/* Capture is ready when every trace file exists (as NODE.pcapng.part). */
static int wait_capture(const struct lab_exp *e, const char *out, pid_t *pid,
			struct pt_err *err)
{
	char loge[PATH_MAX];

	snprintf(loge, sizeof(loge), "%s/logs/capture.err", out);
	for (unsigned waited = 0; waited < 10000; waited += 20) {
		unsigned have = 0;
		int stt;

		if (waitpid(*pid, &stt, WNOHANG) == *pid)
			return pt_fail(
				err, PT_EIO, loge,
				"p2ptrace capture exited at start (status %d): see this log",
				WIFEXITED(stt) ? WEXITSTATUS(stt) : -1);
		for (unsigned i = 0; i < e->nnodes; i++) {
			char f[PATH_MAX];

			snprintf(f, sizeof(f), "%s/traces/%s.pcapng.part", out,
				 e->nodes[i].name);
			if (access(f, F_OK) == 0)
				have++;
			else {
				snprintf(f, sizeof(f),
					 "%s/traces/%s.000.pcapng.part", out,
					 e->nodes[i].name);
				have += access(f, F_OK) == 0;
			}
		}
		if (have == e->nnodes)
			return 0;
		sleep_ms(20);
	}
	tool_msg(
		"lab: warning: capture did not create every trace within 10 s; going on");
	return 0;
}

struct running {
	pid_t *pids;
	unsigned long long *starts;
	unsigned n;
};

static unsigned server_port(const struct lab_group *g)
{
	if (g->port)
		return g->port;
	switch (g->profile) {
	case LAB_P_BT_TRACKER:
		return 6969;
	case LAB_P_HTTP_SERVER:
		return 80;
	case LAB_P_FTP_SERVER:
		return 21;
	case LAB_P_SSH_SERVER:
		return 22;
	default:
		return 0;
	}
}

/* Clients that start before their server may give up for minutes (aria2
 * re-announces after the tracker's interval): wait until every server
 * listens, at most 10 s. */
static void wait_servers(const struct lab_exp *e)
{
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_group *g = &e->groups[e->nodes[i].group];
		unsigned port = server_port(g), waited = 0;

		if (!port || g->start_s > 0 || lab_ns_enter(e->nodes[i].netns))
			continue;
		while (!lab_ns_listening(port) && waited < 10000) {
			sleep_ms(10);
			waited += 10;
		}
		if (waited >= 10000)
			tool_msg(
				"lab: warning: %s does not listen on port %u after 10 s (see its log)",
				e->nodes[i].name, port);
	}
	lab_ns_home();
}

static int start_nodes(const struct lab_exp *e, struct lab_ctx *ctx, FILE *st,
		       struct running *r, struct pt_err *err)
{
	char *argv[80], argbuf[4096], outp[PATH_MAX], errp[PATH_MAX],
		cwd[PATH_MAX];

	r->pids = calloc(e->nnodes + 1, sizeof(pid_t));
	r->starts = calloc(e->nnodes + 1, sizeof(unsigned long long));
	r->n = 0;
	if (!r->pids || !r->starts)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	/* pass 0: servers (root, drop themselves); pass 1: everyone else */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < e->nnodes; i++) {
			const struct lab_node *nd = &e->nodes[i];
			const struct lab_group *g = &e->groups[nd->group];
			int as_root, rc, server;
			uid_t uid;
			gid_t gid;
			const char *user = g->user[0] ? g->user : e->user;

			server = g->profile == LAB_P_BT_TRACKER ||
				 g->profile == LAB_P_HTTP_SERVER ||
				 g->profile == LAB_P_FTP_SERVER ||
				 g->profile == LAB_P_SSH_SERVER;
			if (server != !pass)
				continue;
			if (g->profile == LAB_P_QEMU) { /* a VM: qemu.c */
				pid_t pid;

				if ((rc = lab_vm_up_node(e, i, ctx->work,
							 ctx->out, st, &pid,
							 err)))
					return rc;
				r->pids[r->n] = pid;
				r->starts[r->n++] = lab_proc_start(pid);
				continue;
			}
			if (resolve_user(user, &uid, &gid))
				return pt_fail(
					err, PT_EUSAGE, e->path,
					"group %s: no user '%s' on this machine",
					g->name, user);
			ctx->uid = uid;
			ctx->gid = gid;
			rc = lab_profile_prepare(ctx, i, argv, 80, argbuf,
						 sizeof(argbuf), &as_root, err);
			if (rc)
				return rc;
			if (!argv[0])
				continue;
			if (g->start_s > 0) {
				/* sh -c 'sleep S; exec "$0" "$@"' ARGV... */
				static char script[64];
				unsigned k = 0;

				while (argv[k])
					k++;
				if (k + 4 >= 80)
					return pt_fail(err, PT_ELIMIT, nd->name,
						       "command line too long");
				memmove(argv + 3, argv,
					(k + 1) * sizeof(char *));
				snprintf(script, sizeof(script),
					 "sleep %g; exec \"$0\" \"$@\"",
					 g->start_s);
				argv[0] = "/bin/sh";
				argv[1] = "-c";
				argv[2] = script;
			}
			snprintf(outp, sizeof(outp), "%s/logs/%s.out", ctx->out,
				 nd->name);
			snprintf(errp, sizeof(errp), "%s/logs/%s.err", ctx->out,
				 nd->name);
			snprintf(cwd, sizeof(cwd), "%s/%s", ctx->work,
				 nd->name);
			{
				struct lab_spawn sp = {
					.netns = nd->netns,
					.cwd = cwd,
					.out_path = outp,
					.err_path = errp,
					.uid = uid,
					.gid = gid,
					.drop = !as_root && uid != 0,
					.argv = argv,
					.state = st,
					.node = nd->name,
				};
				pid_t pid;

				if ((rc = lab_spawn(&sp, &pid, err)))
					return rc;
				r->pids[r->n] = pid;
				r->starts[r->n++] = lab_proc_start(pid);
			}
		}
		if (pass == 0 && r->n)
			wait_servers(e);
	}
	return 0;
}

/* P2PTRACE_LAB_TIMING=1: how long each step of up and down takes. */
static void phase(const char *what, uint64_t *t)
{
	static uint64_t first;
	uint64_t n = now_ns();

	if (!first)
		first = *t;
	if (getenv("P2PTRACE_LAB_TIMING"))
		fprintf(stderr,
			"p2ptrace: lab timing: %-28s %7.3f s (at %.3f s)\n",
			what, (n - *t) / 1e9, (n - first) / 1e9);
	*t = n;
}

static int do_up(const char *file, const struct opts *o, struct lab_exp *e,
		 struct running *r, char *outabs)
{
	struct pt_err err = { 0 };
	struct lab_ctx ctx;
	char work[PATH_MAX], path[PATH_MAX + 32];
	FILE *st = NULL;
	pid_t cap = 0;
	uid_t uid;
	gid_t gid;
	uint64_t t0 = now_ns(), tstart = t0;

	if (geteuid() != 0) {
		tool_msg("lab: needs root (network namespaces)");
		return 2;
	}
	if (load(file, o, e))
		return 2;
	if (resolve_user(e->user, &uid, &gid)) {
		tool_msg("lab: %s: no user '%s' on this machine", e->path,
			 e->user);
		return 2;
	}
	for (unsigned i = 0; i < e->ngroups; i++) {
		uid_t u;
		gid_t g;

		if (e->groups[i].user[0] &&
		    resolve_user(e->groups[i].user, &u, &g)) {
			tool_msg(
				"lab: %s:%d: group %s: no user '%s' on this machine",
				e->path, e->groups[i].line, e->groups[i].name,
				e->groups[i].user);
			lab_exp_free(e);
			return 2;
		}
	}
	if (lab_ns_exists(e->switch_ns)) {
		tool_msg(
			"lab: namespace %s exists already: is lab %s up? ('p2ptrace lab down %s')",
			e->switch_ns, e->name, e->name);
		return 2;
	}
	for (unsigned i = 0; i < e->nnodes; i++)
		if (lab_ns_exists(e->nodes[i].netns)) {
			tool_msg("lab: namespace %s exists already",
				 e->nodes[i].netns);
			return 2;
		}
	for (unsigned i = 0; i < e->ngroups;
	     i++) { /* VM images, before anything is created (qemu.c) */
		char where[300];

		snprintf(where, sizeof(where), "%.250s:%d", e->path,
			 e->groups[i].line);
		if (e->groups[i].vm &&
		    lab_vm_preflight(e->groups[i].vm, where, &err)) {
			tool_perr(&err);
			lab_exp_free(e);
			return 2;
		}
	}
	if (mkdirs(e->out, 0755) || !realpath(e->out, outabs)) {
		tool_msg("lab: %s: cannot create: %s", e->out, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "%s/traces", outabs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/logs", outabs);
	mkdir(path, 0755);
	if (lab_state_create(e->name, &st, &err)) {
		tool_perr(&err);
		return 2;
	}
	snprintf(work, sizeof(work), "%s/%s", LAB_WORK_DIR, e->name);
	lab_state_add(st, "lab %s", e->name);
	lab_state_add(st, "out %s", outabs);
	lab_state_add(st, "work %s", work);
	if (mkdirs(work, 0755)) {
		pt_fail(&err, PT_EIO, work, "cannot create: %s",
			strerror(errno));
		goto fail;
	}
	chmod(LAB_WORK_DIR, 0755);
	memset(&ctx, 0, sizeof(ctx));
	ctx.exp = e;
	ctx.work = work;
	ctx.out = outabs;
	ctx.uid = uid;
	ctx.gid = gid;
	if (lab_profile_shared(&ctx, &err))
		goto fail;
	phase("shared files", &t0);
	if (net_setup(e, st, &err))
		goto fail;
	phase("namespaces, links", &t0);
	if (write_catalog(e, outabs, now_ns())) {
		pt_fail(&err, PT_EIO, outabs, "cannot write catalog.tsv: %s",
			strerror(errno));
		goto fail;
	}
	/* capture opens its 1 ring per node while the links get shaped */
	if (!o->no_capture && start_capture(e, outabs, st, &cap, &err))
		goto fail;
	if (net_shaping(e, &err))
		goto fail;
	phase("shaping", &t0);
	if (!o->no_capture && wait_capture(e, outabs, &cap, &err))
		goto fail;
	phase("capture ready", &t0);
	if (start_nodes(e, &ctx, st, r, &err))
		goto fail;
	phase("processes started", &t0);
	fclose(st);
	fprintf(stderr,
		"p2ptrace: lab %s up: %u nodes in %.2f s; traces in %s/traces\n",
		e->name, e->nnodes, (now_ns() - tstart) / 1e9, outabs);
	return 0;
fail:
	fclose(st);
	fail_up(e->name, &err);
	lab_exp_free(e);
	return 1;
}

static int cmd_up(int argc, char **argv)
{
	struct opts o;
	struct lab_exp e;
	struct running r = { 0 };
	char out[PATH_MAX];
	int rc;

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	memset(&e, 0, sizeof(e));
	rc = do_up(argv[optind], &o, &e, &r, out);
	lab_exp_free(&e);
	free(r.pids);
	free(r.starts);
	return rc;
}

/* ---- down ------------------------------------------------------------- */

/* The lab's capture processes (capture 1) or node processes (capture 0),
 * alive or not, into pids/starts. */
static unsigned procs_of(const struct lab_state *st, int capture, pid_t *pids,
			 unsigned long long *starts)
{
	unsigned n = 0;

	for (unsigned i = 0; i < st->nprocs; i++)
		if (!st->procs[i].capture == !capture) {
			pids[n] = st->procs[i].pid;
			starts[n++] = st->procs[i].start;
		}
	return n;
}

/* capture_first (lab run): capture ends first, before the clients are
 * stopped, so their teardown is not in the traces; the catalog's stop_ns
 * is then the moment capture was told to stop, else when the clients
 * were stopped. */
static int do_down(const char *name, int keep_work, int quiet, int summary,
		   int capture_first)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	pid_t *pids;
	unsigned long long *starts;
	unsigned long *inodes;
	unsigned n = 0, stray = 0, nsdel = 0;
	char path[300];
	uint64_t t0 = now_ns(), stop, tdown = t0;

	if (lab_state_read(name, &st, &err)) {
		if (err.code == PT_EUSAGE) {
			if (!quiet)
				tool_msg(
					"lab: lab %s is not up (no %s/%s.state): nothing to do",
					name, LAB_STATE_DIR, name);
			return 0;
		}
		tool_perr(&err);
		return 1;
	}
	pids = calloc(st.nprocs + 1, sizeof(*pids));
	starts = calloc(st.nprocs + 1, sizeof(*starts));
	inodes = calloc(st.nnetns + 1, sizeof(*inodes));
	if (!pids || !starts || !inodes) {
		lab_state_free(&st);
		free(pids);
		free(starts);
		free(inodes);
		return 1;
	}
	/* 0. VMs: ACPI power-off, kill by PID after their grace, overlays
	 * (qemu.c) */
	{
		unsigned vk, vn = lab_vm_down(name, &vk);

		if (vn && !quiet)
			fprintf(stderr,
				"p2ptrace: lab %s: %u VMs powered off (%u killed after the ACPI grace)\n",
				name, vn, vk);
	}
	/* 0b. capture first (SIGTERM: it flushes, closes its files, writes
	 * its stats), when the run is the measurement */
	if (capture_first) {
		n = procs_of(&st, 1, pids, starts);
		stop = now_ns();
		lab_proc_stop(pids, starts, n, 20000);
	}
	/* 1. the nodes' processes, gracefully */
	n = procs_of(&st, 0, pids, starts);
	lab_proc_stop(pids, starts, n, 3000);
	if (!capture_first)
		stop = now_ns();
	phase("down: nodes stopped", &t0);
	/* 2. anything else still living in a lab namespace */
	for (unsigned i = 0; i < st.nnetns; i++)
		inodes[i] = lab_ns_inode(st.netns[i]);
	for (int round = 0; round < 5; round++) {
		pid_t left[4096];
		unsigned k = lab_ns_pids(inodes, st.nnetns, left, 4096);

		if (!k)
			break;
		for (unsigned i = 0; i < k; i++)
			kill(left[i], SIGKILL);
		stray += k;
		sleep_ms(50);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	/* 3. capture: SIGTERM makes it flush, close and write its stats. Its
	 * exit takes a while (the kernel waits an RCU grace period per packet
	 * socket it closes), so the namespaces and the work folder go
	 * meanwhile: its sockets keep the switch namespace alive until then. */
	n = procs_of(&st, 1, pids, starts);
	for (unsigned i = 0; i < n; i++)
		if (lab_proc_alive(pids[i], starts[i]))
			kill(pids[i], SIGTERM);
	/* 4. namespaces: the links and qdiscs inside go with them */
	for (unsigned i = 0; i < st.nnetns; i++) {
		if (lab_ns_exists(st.netns[i]))
			nsdel++;
		if (lab_ns_delete(st.netns[i]))
			tool_msg("lab: cannot delete namespace %s: %s",
				 st.netns[i], strerror(errno));
	}
	phase("down: namespaces deleted", &t0);
	/* 5. the work folder */
	if (st.work[0] && !keep_work)
		rm_tree(st.work);
	phase("down: work folder removed", &t0);
	lab_proc_stop(pids, starts, n, 20000);
	phase("down: capture stopped", &t0);
	/* 6. the catalog gets its stop time and capture's counts; the log goes
	 */
	if (st.out[0])
		finish_catalog(st.out, stop, summary);
	lab_state_path(name, path, sizeof(path));
	unlink(path);
	if (!quiet || stray)
		fprintf(stderr,
			"p2ptrace: lab %s down: %u namespaces deleted, %u stray processes killed, in %.2f s\n",
			name, nsdel, stray, (now_ns() - tdown) / 1e9);
	lab_state_free(&st);
	free(pids);
	free(starts);
	free(inodes);
	return 0;
}

static int cmd_down(int argc, char **argv)
{
	struct opts o;
	int rc = 0;

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	if (geteuid() != 0) {
		tool_msg("lab: needs root");
		return 2;
	}
	if (o.name)
		return do_down(o.name, o.keep_work, 0, 1, 0);
	if (optind == argc) {
		char names[64][LAB_NAME_MAX + 1];
		unsigned k = lab_state_list(names, 64);

		if (!k)
			fprintf(stderr, "p2ptrace: no lab is up\n");
		/* Several labs may belong to several people: without a name,
		 * only the one lab that is up, or all of them with --all. */
		if (k > 1 && !o.all) {
			tool_msg(
				"lab: %u labs are up; name the one to take down, or use --all:",
				k);
			for (unsigned i = 0; i < k; i++)
				fprintf(stderr, "  %s\n", names[i]);
			return 2;
		}
		for (unsigned i = 0; i < k; i++)
			rc |= do_down(names[i], o.keep_work, 0, 1, 0);
		return rc;
	}
	for (int i = optind; i < argc; i++)
		rc |= do_down(argv[i], o.keep_work, 0, 1, 0);
	return rc;
}

/* ---- status / exec ---------------------------------------------------- */

static int one_lab(const char *want, char *name)
{
	char names[64][LAB_NAME_MAX + 1];
	unsigned k;

	if (want) {
		snprintf(name, LAB_NAME_MAX + 1, "%s", want);
		return 0;
	}
	k = lab_state_list(names, 64);
	if (k != 1) {
		tool_msg("lab: %s: name it with --lab NAME",
			 k ? "several labs are up" : "no lab is up");
		return -1;
	}
	snprintf(name, LAB_NAME_MAX + 1, "%s", names[0]);
	return 0;
}

static int status_one(const char *name)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	unsigned alive = 0, nprocs = 0, nns = 0;
	char sw[80];

	if (lab_state_read(name, &st, &err)) {
		tool_perr(&err);
		return 1;
	}
	for (unsigned i = 0; i < st.nnetns; i++)
		nns += lab_ns_exists(st.netns[i]);
	snprintf(sw, sizeof(sw), "p2psw-%s", name);
	printf("lab %s: %u/%u namespaces, out %s\n", name, nns, st.nnetns,
	       st.out);
	printf("%-20s %-8s %-6s %14s %14s\n", "node", "pid", "alive",
	       "up_bytes", "down_bytes");
	for (unsigned i = 0; i < st.nprocs; i++) {
		int a = lab_proc_alive(st.procs[i].pid, st.procs[i].start);
		uint64_t rx = 0, tx = 0;

		nprocs++;
		alive += a;
		if (st.procs[i].capture) {
			printf("%-20s %-8d %-6s\n", "(capture)",
			       (int)st.procs[i].pid, a ? "yes" : "no");
			continue;
		}
		/* the node's veth on the switch: rx = node's upload */
		{
			char ns[128];
			const char *veth = NULL;
			char vb[16];
			char pfx[40];

			snprintf(pfx, sizeof(pfx), "p2pn-%s-", name);
			for (unsigned j = 0; j < st.nnetns; j++) {
				snprintf(ns, sizeof(ns), "%s%s", pfx,
					 st.procs[i].node);
				if (!strcmp(st.netns[j], ns)) {
					/* node index = position among node
					 * namespaces */
					snprintf(vb, sizeof(vb), "v%u", j);
					veth = vb;
				}
			}
			if (veth && lab_ns_enter(sw) == 0)
				lab_ns_dev_bytes(veth, &rx, &tx);
			lab_ns_home();
		}
		printf("%-20s %-8d %-6s %14llu %14llu\n", st.procs[i].node,
		       (int)st.procs[i].pid, a ? "yes" : "no",
		       (unsigned long long)rx, (unsigned long long)tx);
	}
	printf("%u/%u processes alive\n", alive, nprocs);
	lab_state_free(&st);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	char names[64][LAB_NAME_MAX + 1];
	unsigned k;
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			rc |= status_one(argv[i]);
		return rc;
	}
	k = lab_state_list(names, 64);
	if (!k)
		printf("no lab is up\n");
	for (unsigned i = 0; i < k; i++)
		rc |= status_one(names[i]);
	return rc;
}

static int cmd_exec(int argc, char **argv)
{
	struct opts o;
	char name[LAB_NAME_MAX + 1], ns[128];

	if (parse_opts(argc, argv, &o, 1))
		return 2;
	if (argc - optind < 2 ||
	    (strcmp(argv[optind + 1], "--") == 0 && argc - optind < 3)) {
		usage(stderr);
		return 2;
	}
	if (one_lab(o.name, name))
		return 2;
	snprintf(ns, sizeof(ns), "p2pn-%s-%s", name, argv[optind]);
	if (!lab_ns_exists(ns)) {
		tool_msg("lab: no node '%s' in lab %s (no namespace %s)",
			 argv[optind], name, ns);
		return 2;
	}
	if (lab_ns_enter(ns)) {
		tool_msg("lab: cannot enter %s: %s", ns, strerror(errno));
		return 1;
	}
	{
		char **cmd = argv + optind + 1;

		if (!strcmp(cmd[0], "--"))
			cmd++;
		execvp(cmd[0], cmd);
		tool_msg("lab: exec %s: %s", cmd[0], strerror(errno));
	}
	return 127;
}

/* ---- run -------------------------------------------------------------- */

static volatile sig_atomic_t stop_req;

static void on_signal(int sig)
{
	(void)sig;
	stop_req = 1;
}

static void fmt_bytes(char *b, size_t l, uint64_t v)
{
	if (v >= 10000000)
		snprintf(b, l, "%.0fM", v / 1e6);
	else if (v >= 10000)
		snprintf(b, l, "%.0fk", v / 1e3);
	else
		snprintf(b, l, "%llu", (unsigned long long)v);
}

static unsigned drawn_lines;

static void draw(const struct lab_exp *e, const struct running *r, double left)
{
	unsigned alive = 0, rows, cols = 80, percol, ncols, nshow;
	uint64_t tot = 0, *by = calloc(e->nnodes, sizeof(uint64_t));
	struct winsize ws;

	if (!by)
		return;
	for (unsigned i = 0; i < r->n; i++)
		alive += lab_proc_alive(r->pids[i], r->starts[i]);
	if (lab_ns_enter(e->switch_ns) == 0)
		for (unsigned i = 0; i < e->nnodes; i++) {
			uint64_t rx, tx;

			if (lab_ns_dev_bytes(e->nodes[i].veth, &rx, &tx) == 0)
				by[i] = rx + tx;
			tot += by[i];
		}
	lab_ns_home();
	rows = 24;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	percol = 26;
	ncols = cols / percol ? cols / percol : 1;
	nshow = e->nnodes;
	if ((nshow + ncols - 1) / ncols > rows - 3)
		nshow = (rows - 3) * ncols;
	if (drawn_lines)
		fprintf(stderr, "\033[%uA", drawn_lines);
	drawn_lines = 0;
	{
		char tb[32];

		fmt_bytes(tb, sizeof(tb), tot);
		fprintf(stderr,
			"\r\033[Klab %s: %u/%u processes up, %u nodes, %sB on the wire, %.0f s left\n",
			e->name, alive, r->n, e->nnodes, tb,
			left > 0 ? left : 0);
	}
	drawn_lines++;
	for (unsigned i = 0; i < nshow; i += ncols) {
		fputs("\033[K", stderr);
		for (unsigned c = 0; c < ncols && i + c < nshow; c++) {
			char b[32];

			fmt_bytes(b, sizeof(b), by[i + c]);
			fprintf(stderr, "%-18.18s %6s ", e->nodes[i + c].name,
				b);
		}
		fputc('\n', stderr);
		drawn_lines++;
	}
	if (nshow < e->nnodes) {
		fprintf(stderr, "\033[K... and %u more nodes\n",
			e->nnodes - nshow);
		drawn_lines++;
	}
	fflush(stderr);
	free(by);
}

static int cmd_run(int argc, char **argv)
{
	struct opts o;
	struct lab_exp e;
	struct running r = { 0 };
	char out[PATH_MAX];
	struct sigaction sa;
	uint64_t t0, dur;
	int rc, cap_first, tty = tool_progress_on();

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	memset(&e, 0, sizeof(e));
	rc = do_up(argv[optind], &o, &e, &r, out);
	if (rc) {
		lab_exp_free(&e);
		free(r.pids);
		free(r.starts);
		return rc;
	}
	t0 = now_ns();
	dur = e.duration_ns;
	while (!stop_req) {
		uint64_t el = now_ns() - t0;

		if (el >= dur)
			break;
		if (tty)
			draw(&e, &r, (double)(dur - el) / 1e9);
		sleep_ms(el + 1000000000ull > dur
				 ? (unsigned)((dur - el) / 1000000) + 1
				 : 1000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	if (tty)
		draw(&e, &r, 0);
	if (stop_req)
		fprintf(stderr, "p2ptrace: lab %s: stopping early (signal)\n",
			e.name);
	/* the run is the measurement: capture ends with it, before the
	 * clients are stopped (their teardown, RST bursts on open
	 * connections, is not in the traces) unless --capture-teardown */
	cap_first = !o.capture_teardown && !o.no_capture;
	fprintf(stderr,
		"p2ptrace: lab %s: ran %.1f s; stopping %s, taking it down\n",
		e.name, (now_ns() - t0) / 1e9,
		cap_first ? "capture, then clients" : "clients, capture");
	rc = do_down(e.name, o.keep_work, 0, 1, cap_first);
	lab_exp_free(&e);
	free(r.pids);
	free(r.starts);
	return rc;
}

int cmd_lab(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "up"))
		return cmd_up(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "down"))
		return cmd_down(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(argv[1], "console"))
		return lab_vm_cmd_console(argc - 1, argv + 1); /* qemu.c */
	tool_msg("lab: unknown subcommand '%s'", argv[1]);
	usage(stderr);
	return 2;
}
