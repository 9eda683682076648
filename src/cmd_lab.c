/*
 * cmd_lab.c -- `p2ptrace lab`: the command line of check, up, status,
 * exec, down, run and console, and the progress display of `lab run`.
 * The lab itself is built and taken down in src/lab/ (up.c, down.c, its
 * profiles in src/lab/profiles/); docs/lab.md describes it.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"
#include "lab/profile.h"
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
			lab_profile_name(g->profile), n->up_kbps, n->down_kbps,
			g->labels);
	}
	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].profile->plan)
			e->groups[i].profile->plan(e, &e->groups[i], f);
}

/* As whom each group runs (issue 13 item 5); what it runs is in the
 * profiles' plan lines (command: its cmd=, qemu: image and arguments). */
static void print_runs(const struct lab_exp *e, FILE *f)
{
	for (unsigned i = 0; i < e->ngroups; i++) {
		const struct lab_group *g = &e->groups[i];

		fprintf(f, "group %s (line %d): profile %s, runs as user %s\n",
			g->name, g->line, g->profile ? g->profile->name : "?",
			lab_group_user(e, g));
	}
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
	print_runs(&e, stdout);
	for (unsigned i = 0; i < e.ngroups; i++) {
		const struct lab_group *g = &e.groups[i];
		char why[200];

		if ((g->delay_ms > 0 || g->loss_pct > 0 || g->jitter_ms > 0) &&
		    lab_netem_missing(why, sizeof(why))) {
			tool_msg("%s:%d: group %s: delay, jitter and loss need the netem qdisc, and %s: lab up would fail; remove them to run here",
				 e.path, g->line, g->name, why);
			lab_exp_free(&e);
			return 2;
		}
	}
	printf("ok: %s\n", e.path);
	lab_exp_free(&e);
	return 0;
}

/* lab up and lab run: root, the file, then the lab (lab/up.c). */
static int start_lab(const char *file, const struct opts *o, struct lab_exp *e,
		     struct lab_running *r, char *outabs)
{
	struct lab_up_opts uo = { .no_capture = o->no_capture };

	if (geteuid() != 0) {
		tool_msg("lab: needs root (network namespaces)");
		return 2;
	}
	if (load(file, o, e))
		return 2;
	return lab_up(e, &uo, r, outabs);
}

static int cmd_up(int argc, char **argv)
{
	struct opts o;
	struct lab_exp e;
	struct lab_running r = { 0 };
	char out[PATH_MAX];
	int rc;

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	memset(&e, 0, sizeof(e));
	rc = start_lab(argv[optind], &o, &e, &r, out);
	lab_exp_free(&e);
	lab_running_free(&r);
	return rc;
}

/* NAME from the command line names files, namespaces and a cgroup: only
 * a lab name (1-16 [a-z0-9-]); a one-line error otherwise. */
static int name_ok(const char *name)
{
	if (lab_name_valid(name))
		return 1;
	tool_msg("lab: bad lab name '%.64s' (1-%d characters a-z 0-9 -)",
		 name, LAB_NAME_MAX);
	return 0;
}

static int cmd_down(int argc, char **argv)
{
	struct opts o;
	struct lab_down_opts d = { 0 };
	int rc = 0;

	if (parse_opts(argc, argv, &o, 0))
		return 2;
	d.keep_work = o.keep_work;
	d.summary = 1;
	if (geteuid() != 0) {
		tool_msg("lab: needs root");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (!name_ok(argv[i]))
			return 2;
	if (o.name)
		return name_ok(o.name) ? lab_down(o.name, &d) : 2;
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
			rc |= lab_down(names[i], &d);
		return rc;
	}
	for (int i = optind; i < argc; i++)
		rc |= lab_down(argv[i], &d);
	return rc;
}

/* ---- status / exec ---------------------------------------------------- */

static int one_lab(const char *want, char *name)
{
	char names[64][LAB_NAME_MAX + 1];
	unsigned k;

	if (want) {
		if (!name_ok(want))
			return -1;
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
			if (!name_ok(argv[i]))
				return 2;
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
	if (!lab_node_valid(argv[optind])) {
		tool_msg("lab: bad node name '%.64s'", argv[optind]);
		return 2;
	}
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

static void draw(const struct lab_exp *e, const struct lab_running *r,
		 double left)
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
	struct lab_running r = { 0 };
	struct lab_down_opts d = { 0 };
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
	rc = start_lab(argv[optind], &o, &e, &r, out);
	if (rc) {
		lab_exp_free(&e);
		lab_running_free(&r);
		return rc;
	}
	t0 = pt_now_ns();
	dur = e.duration_ns;
	while (!stop_req) {
		uint64_t el = pt_now_ns() - t0;

		if (el >= dur)
			break;
		if (tty)
			draw(&e, &r, (double)(dur - el) / 1e9);
		pt_sleep_ms(el + 1000000000ull > dur
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
		e.name, (pt_now_ns() - t0) / 1e9,
		cap_first ? "capture, then clients" : "clients, capture");
	d.keep_work = o.keep_work;
	d.summary = 1;
	d.capture_first = cap_first;
	rc = lab_down(e.name, &d);
	lab_exp_free(&e);
	lab_running_free(&r);
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
		return lab_vm_cmd_console(argc - 1,
					  argv + 1); /* qemu_console.c */
	tool_msg("lab: unknown subcommand '%s'", argv[1]);
	usage(stderr);
	return 2;
}
