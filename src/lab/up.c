/*
 * up.c -- `lab up` for a loaded experiment: undo log first, then the data
 * of the `file` lines and each profile's shared files, namespaces and
 * links (links.c), the catalog, `p2ptrace capture` on every switch-side
 * veth (ready before any node starts, so a trace holds a node's first
 * packet), shaping, then the nodes: servers first (up waits until they
 * listen), then the others, then each profile's after-start hook. On any
 * failure what was created is taken down again (down.c).
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "lab/fsutil.h"
#include "lab/lab.h"
#include "lab/profile.h"
#include "tool.h"

#define MAXARGS 80

void lab_phase(const char *what, uint64_t *t)
{
	static uint64_t first;
	uint64_t n = pt_now_ns();

	if (!first)
		first = *t;
	if (getenv("P2PTRACE_LAB_TIMING"))
		fprintf(stderr,
			"p2ptrace: lab timing: %-28s %7.3f s (at %.3f s)\n",
			what, (n - *t) / 1e9, (n - first) / 1e9);
	*t = n;
}

void lab_running_free(struct lab_running *r)
{
	free(r->pids);
	free(r->starts);
	memset(r, 0, sizeof(*r));
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

static int resolve_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* Before anything is created: the users exist, the lab is not up, each
 * profile's preflight (VM images) passes. 0 ok, else printed. */
static int preflight(const struct lab_exp *e)
{
	struct pt_err err = { 0 };
	uid_t u;
	gid_t g;

	if (resolve_user(e->user, &u, &g)) {
		tool_msg("lab: %s: no user '%s' on this machine", e->path,
			 e->user);
		return -1;
	}
	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].user[0] &&
		    resolve_user(e->groups[i].user, &u, &g)) {
			tool_msg(
				"lab: %s:%d: group %s: no user '%s' on this machine",
				e->path, e->groups[i].line, e->groups[i].name,
				e->groups[i].user);
			return -1;
		}
	if (lab_ns_exists(e->switch_ns)) {
		tool_msg(
			"lab: namespace %s exists already: is lab %s up? ('p2ptrace lab down %s')",
			e->switch_ns, e->name, e->name);
		return -1;
	}
	for (unsigned i = 0; i < e->nnodes; i++)
		if (lab_ns_exists(e->nodes[i].netns)) {
			tool_msg("lab: namespace %s exists already",
				 e->nodes[i].netns);
			return -1;
		}
	for (unsigned i = 0; i < e->ngroups; i++) {
		const struct lab_group *gr = &e->groups[i];
		char why[200];

		if ((gr->delay_ms > 0 || gr->loss_pct > 0 ||
		     gr->jitter_ms > 0) &&
		    lab_netem_missing(why, sizeof(why))) {
			tool_msg(
				"lab: %s:%d: group %s: delay, jitter and loss need the netem qdisc, and %s; remove them to run here",
				e->path, gr->line, gr->name, why);
			return -1;
		}
	}
	for (unsigned i = 0; i < e->ngroups; i++) {
		const struct lab_group *gr = &e->groups[i];
		char where[300];

		snprintf(where, sizeof(where), "%.250s:%d", e->path, gr->line);
		if (gr->profile->preflight &&
		    gr->profile->preflight(e, gr, where, &err)) {
			tool_perr(&err);
			return -1;
		}
	}
	return 0;
}

/* Per-lab hooks run once per distinct function, as the rows of one family
 * share theirs: is the hook at byte offset OFF of row P the same function
 * as that of an earlier row the lab uses? */
static int lab_hook_seen(const struct lab_exp *e, unsigned p, size_t off)
{
	void (*h)(void), (*o)(void);

	memcpy(&h, (const char *)lab_profiles[p] + off, sizeof(h));
	for (unsigned q = 0; q < p; q++) {
		memcpy(&o, (const char *)lab_profiles[q] + off, sizeof(o));
		if (o == h && lab_uses(e, lab_profiles[q]))
			return 1;
	}
	return 0;
}

#define EACH_HOOK(e, p, field)                                                 \
	for (unsigned p = 0; lab_profiles[p]; p++)                             \
		if (lab_profiles[p]->field && lab_uses(e, lab_profiles[p]) &&  \
		    !lab_hook_seen(e, p, offsetof(struct lab_profile, field)))

/* The data of the `file` lines, then each profile's shared files. */
static int make_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int rc;

	snprintf(dir, sizeof(dir), "%s/shared", ctx->work);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	for (unsigned i = 0; i < e->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s.bin", dir,
			 e->files[i].name);
		if (lab_make_data(path, e->files[i].name, e->files[i].size))
			return pt_fail(err, PT_EIO, path, "cannot write: %s",
				       strerror(errno));
	}
	EACH_HOOK(e, p, shared)
	if ((rc = lab_profiles[p]->shared(ctx, err)))
		return rc;
	return 0;
}

static int start_capture(const struct lab_exp *e, const char *out, FILE *st,
			 pid_t *pid, struct pt_err *err)
{
	struct lab_cmd a = { 0 };
	char logo[PATH_MAX], loge[PATH_MAX];
	int rc;

	a.max = 16 + 2 * e->nnodes;
	a.len = (size_t)e->nnodes * 160 + 8192;
	a.argv = calloc(a.max, sizeof(char *));
	a.buf = malloc(a.len);
	if (!a.argv || !a.buf) {
		free(a.argv);
		free(a.buf);
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	}
	lab_arg(&a, "%s", tool_self_exe());
	lab_arg(&a, "capture");
	lab_arg(&a, "-w");
	lab_arg(&a, "%s/traces", out);
	lab_arg(&a, "--catalog");
	lab_arg(&a, "%s/catalog.tsv", out);
	lab_arg(&a, "--stats");
	lab_arg(&a, "%s/capture-stats.tsv", out);
	lab_arg(&a, "-s");
	lab_arg(&a, "%u", e->snaplen);
	/* capture's default ring is 2 MiB per interface: 500 MB at 250 nodes;
	 * big labs get 512 KiB each (still ~2,500 packets at snaplen 128) */
	lab_arg(&a, "-B");
	lab_arg(&a, "%u", e->nnodes <= 64 ? 2048u : 512u);
	for (unsigned i = 0; i < e->nnodes; i++) {
		lab_arg(&a, "-i");
		lab_arg(&a, "%s:%s=%s", e->switch_ns, e->nodes[i].veth,
			e->nodes[i].name);
	}
	snprintf(logo, sizeof(logo), "%s/logs/capture.out", out);
	snprintf(loge, sizeof(loge), "%s/logs/capture.err", out);
	if (a.overflow) {
		rc = pt_fail(err, PT_ELIMIT, "lab", "capture command too long");
	} else {
		struct lab_spawn sp = { .argv = a.argv,
					.out_path = logo,
					.err_path = loge,
					.state = st,
					.capture = 1,
					.cwd = out };

		rc = lab_spawn(&sp, pid, err);
	}
	free(a.argv);
	free(a.buf);
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
		pt_sleep_ms(20);
	}
	tool_msg(
		"lab: warning: capture did not create every trace within 10 s; going on");
	return 0;
}

/* Clients that start before their server may give up for minutes (aria2
 * re-announces after the tracker's interval): wait until every server
 * listens, at most 10 s. */
static void wait_servers(const struct lab_exp *e)
{
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_group *g = &e->groups[e->nodes[i].group];
		unsigned port = g->profile->role == LAB_ROLE_SERVER
					? lab_group_port(g)
					: 0,
			 waited = 0;

		if (!port || g->start_s > 0 || lab_ns_enter(e->nodes[i].netns))
			continue;
		while (!lab_ns_listening(port,
					 !!(g->profile->flags & LAB_PF_UDP)) &&
		       waited < 10000) {
			pt_sleep_ms(10);
			waited += 10;
		}
		if (waited >= 10000)
			tool_msg(
				"lab: warning: %s does not listen on port %u after 10 s (see its log)",
				e->nodes[i].name, port);
	}
	lab_ns_home();
}

/* start= S: sh -c 'sleep S; exec "$0" "$@"' ARGV... */
static int delay_start(char **argv, double start_s, const char *node,
		       struct pt_err *err)
{
	static char script[64];
	unsigned k = 0;

	while (argv[k])
		k++;
	if (k + 4 >= MAXARGS)
		return pt_fail(err, PT_ELIMIT, node, "command line too long");
	memmove(argv + 3, argv, (k + 1) * sizeof(char *));
	snprintf(script, sizeof(script), "sleep %g; exec \"$0\" \"$@\"",
		 start_s);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = script;
	return 0;
}

/* Node I's folder: new (an existing one is refused), root-owned 0700 while
 * the profile's .prepare writes into it, so no other user can plant a
 * link there; then it goes to the node's user (0755), or stays root's
 * when the process starts as root and drops by itself. */
static int node_dir(struct lab_ctx *ctx, const char *node, const char *dir,
		    struct lab_cmd *a, const struct lab_profile *p, unsigned i,
		    struct pt_err *err)
{
	int wfd, dfd, rc = 0;

	wfd = lab_open_dir(ctx->work, 1);
	if (wfd < 0)
		return pt_fail(err, PT_EIO, ctx->work,
			       "not a root-only folder: %s", strerror(errno));
	dfd = lab_mkdir_at(wfd, node);
	close(wfd);
	if (dfd < 0)
		return pt_fail(err, PT_EIO, dir, "cannot create%s: %s",
			       errno == EEXIST ? " (exists: refused)" : "",
			       strerror(errno));
	a->argv[0] = NULL;
	if (p->prepare)
		rc = p->prepare(ctx, i, dir, a, err);
	if (!rc && (a->as_root ? fchmod(dfd, 0755)
			       : lab_dir_handover(dfd, ctx->uid, ctx->gid,
						  0755)))
		rc = pt_fail(err, PT_EIO, dir, "chown: %s", strerror(errno));
	close(dfd);
	return rc;
}

/* Node I: its folder, its files and command line (.prepare), spawned in
 * its namespace as its user; or the profile's own .start (a VM). */
static int start_node(struct lab_ctx *ctx, unsigned i, FILE *st, pid_t *pid,
		      struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	const struct lab_profile *p = g->profile;
	char *argv[MAXARGS], argbuf[4096], outp[PATH_MAX], errp[PATH_MAX],
		dir[PATH_MAX];
	struct lab_cmd a = {
		argv, 0, MAXARGS, argbuf, 0, sizeof(argbuf), 0, 0
	};
	int rc;

	*pid = 0;
	if (p->start)
		return p->start(ctx, i, st, pid, err);
	if (resolve_user(lab_group_user(e, g), &ctx->uid, &ctx->gid))
		return pt_fail(err, PT_EUSAGE, e->path,
			       "group %s: no user '%s' on this machine",
			       g->name, lab_group_user(e, g));
	if (ctx->uid == 0 || ctx->gid == 0)
		return pt_fail(err, PT_EUSAGE, e->path,
			       "group %s (line %d): user '%s' has uid or gid 0: "
			       "refused",
			       g->name, g->line, lab_group_user(e, g));
	snprintf(dir, sizeof(dir), "%s/%s", ctx->work, nd->name);
	if ((rc = node_dir(ctx, nd->name, dir, &a, p, i, err)))
		return rc;
	if (a.overflow)
		return pt_fail(err, PT_ELIMIT, nd->name,
			       "command line too long");
	if (!argv[0])
		return 0;
	if (g->start_s > 0 &&
	    (rc = delay_start(argv, g->start_s, nd->name, err)))
		return rc;
	snprintf(outp, sizeof(outp), "%s/logs/%s.out", ctx->out, nd->name);
	snprintf(errp, sizeof(errp), "%s/logs/%s.err", ctx->out, nd->name);
	{
		struct lab_spawn sp = {
			.netns = nd->netns,
			.cwd = dir,
			.out_path = outp,
			.err_path = errp,
			.uid = ctx->uid,
			.gid = ctx->gid,
			.drop = !a.as_root && ctx->uid != 0,
			.argv = argv,
			.state = st,
			.node = nd->name,
		};

		return lab_spawn(&sp, pid, err);
	}
}

/* Servers first (they drop privileges themselves), then the others. */
static int start_nodes(struct lab_ctx *ctx, FILE *st, struct lab_running *r,
		       struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	int rc;

	r->pids = calloc(e->nnodes + 1, sizeof(pid_t));
	r->starts = calloc(e->nnodes + 1, sizeof(unsigned long long));
	r->n = 0;
	if (!r->pids || !r->starts)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < e->nnodes; i++) {
			const struct lab_group *g =
				&e->groups[e->nodes[i].group];
			pid_t pid;

			if ((g->profile->role == LAB_ROLE_SERVER) != !pass)
				continue;
			if ((rc = start_node(ctx, i, st, &pid, err)))
				return rc;
			if (!pid)
				continue;
			r->pids[r->n] = pid;
			r->starts[r->n++] = lab_proc_start(pid);
		}
		if (pass == 0 && r->n)
			wait_servers(e);
	}
	EACH_HOOK(e, p, after_start)
	if ((rc = lab_profiles[p]->after_start(ctx, err)))
		return rc;
	return 0;
}

/* The undo log with the lab's folders and the profiles it uses (down
 * runs their before-stop hooks from it). */
static int open_log(const struct lab_exp *e, const char *outabs,
		    const char *work, FILE **st, struct pt_err *err)
{
	if (lab_state_create(e->name, st, err))
		return -1;
	lab_state_add(*st, "lab %s", e->name);
	lab_state_add(*st, "out %s", outabs);
	lab_state_add(*st, "work %s", work);
	for (unsigned p = 0; lab_profiles[p]; p++)
		if (lab_uses(e, lab_profiles[p]))
			lab_state_add(*st, "profile %s", lab_profiles[p]->name);
	{ /* logged first, like everything the lab makes */
		char cg[160];

		if (lab_cgroup_path(e->name, cg, sizeof(cg)) ||
		    lab_state_add(*st, "cgroup %s", cg) ||
		    lab_cgroup_create(cg))
			tool_msg("lab: warning: no writable cgroup v2 with "
				 "cgroup.kill: a process that leaves both its "
				 "process group and the lab's namespaces can "
				 "outlive 'lab down'");
	}
	return 0;
}

/* The lab's work folder LAB_WORK_DIR/NAME: the root (each level checked:
 * root-owned, no symlink, not writable by others; made 0755 if missing)
 * and a new folder in it; an existing one is refused. */
static int work_dir(const char *work, const char *name, struct pt_err *err)
{
	int rfd = lab_mkdirs(LAB_WORK_DIR, 0755, 1), wfd;

	if (rfd < 0)
		return pt_fail(err, PT_EIO, LAB_WORK_DIR,
			       "not a root-only folder (owner root, no "
			       "symlink, not writable by others): %s",
			       strerror(errno));
	wfd = lab_mkdir_at(rfd, name);
	close(rfd);
	if (wfd < 0)
		return pt_fail(err, PT_EIO, work, "cannot create%s: %s",
			       errno == EEXIST
				       ? " (exists: run 'p2ptrace lab down' "
					 "first, or remove it)"
				       : "",
			       strerror(errno));
	if (fchmod(wfd, 0755)) {
		close(wfd);
		return pt_fail(err, PT_EIO, work, "chmod: %s",
			       strerror(errno));
	}
	close(wfd);
	return 0;
}

/* Create the lab: 0, or 1 after taking down what was created. */
static int build(const struct lab_exp *e, const struct lab_up_opts *o,
		 struct lab_ctx *ctx, FILE *st, struct lab_running *r,
		 struct pt_err *err)
{
	uint64_t t0 = pt_now_ns();
	pid_t cap = 0;

	if (work_dir(ctx->work, e->name, err))
		return -1;
	if (make_shared(ctx, err))
		return -1;
	lab_phase("shared files", &t0);
	if (lab_net_setup(e, st, err))
		return -1;
	lab_phase("namespaces, links", &t0);
	if (lab_catalog_write(ctx, pt_now_ns()))
		return pt_fail(err, PT_EIO, ctx->out,
			       "cannot write catalog.tsv: %s", strerror(errno));
	/* capture opens its 1 ring per node while the links get shaped */
	if (!o->no_capture && start_capture(e, ctx->out, st, &cap, err))
		return -1;
	if (lab_net_shaping(e, err))
		return -1;
	lab_phase("shaping", &t0);
	if (!o->no_capture && wait_capture(e, ctx->out, &cap, err))
		return -1;
	lab_phase("capture ready", &t0);
	if (start_nodes(ctx, st, r, err))
		return -1;
	lab_phase("processes started", &t0);
	return 0;
}

int lab_up(const struct lab_exp *e, const struct lab_up_opts *o,
	   struct lab_running *r, char *outabs)
{
	struct pt_err err = { 0 };
	struct lab_ctx ctx = { 0 };
	char work[PATH_MAX], path[PATH_MAX + 32];
	FILE *st = NULL;
	uint64_t tstart = pt_now_ns();

	if (preflight(e))
		return 2;
	if (lab_out_forbidden(e->out)) {
		tool_msg("lab: out %s: in the system folder %s: refused", e->out,
			 lab_out_forbidden(e->out));
		return 2;
	}
	if (mkdirs(e->out, 0755) || !realpath(e->out, outabs)) {
		tool_msg("lab: %s: cannot create: %s", e->out, strerror(errno));
		return 2;
	}
	/* again on the real path (a symlink on the way), and short enough
	 * for the undo log's out line */
	if (lab_out_forbidden(outabs) || strlen(outabs) >= 500) {
		tool_msg("lab: out %s (really %.200s): %s: refused", e->out,
			 outabs,
			 lab_out_forbidden(outabs) ? "a system folder"
						   : "path too long");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/traces", outabs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/logs", outabs);
	mkdir(path, 0755);
	snprintf(work, sizeof(work), "%s/%s", LAB_WORK_DIR, e->name);
	if (open_log(e, outabs, work, &st, &err)) {
		tool_perr(&err);
		return 2;
	}
	ctx.exp = e;
	ctx.work = work;
	ctx.out = outabs;
	if (build(e, o, &ctx, st, r, &err)) {
		struct lab_down_opts d = { .quiet = 1 };

		fclose(st);
		tool_perr(&err);
		tool_msg("lab: up failed; taking down what was created");
		lab_down(e->name, &d);
		return 1;
	}
	fclose(st);
	fprintf(stderr,
		"p2ptrace: lab %s up: %u nodes in %.2f s; traces in %s/traces\n",
		e->name, e->nnodes, (pt_now_ns() - tstart) / 1e9, outabs);
	return 0;
}
