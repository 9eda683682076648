/*
 * down.c -- `lab down`: everything from the undo log alone (the experiment
 * file may be gone, `lab up` may have been SIGKILLed): each profile's
 * before-stop hook, VMs powered off, the nodes' processes stopped (SIGTERM,
 * then SIGKILL), whatever else still lives in a lab namespace killed,
 * capture stopped, the namespaces deleted (which takes the links and
 * qdiscs with them), the work folder and the log removed, the catalog
 * completed from capture's stats.
 */
#include <errno.h>
#include <signal.h>
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
#include "lab/qemu.h"
#include "tool.h"

/* The work folder LAB_WORK_DIR/NAME (the log's, checked by state.c):
 * removed through a descriptor of the root-only work root, never
 * following a link (fsutil.c). */
static void rm_tree(const char *name)
{
	int rfd = lab_open_dir(LAB_WORK_DIR, 1);

	if (rfd < 0) {
		tool_msg("lab: %s: not a root-only folder, left alone: %s",
			 LAB_WORK_DIR, strerror(errno));
		return;
	}
	if (lab_rm_tree_at(rfd, name))
		tool_msg("lab: cannot remove %s/%s entirely: %s", LAB_WORK_DIR,
			 name, strerror(errno));
	close(rfd);
}

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

/* Each before-stop hook of the lab's profiles, once per function. */
static void before_stop(const struct lab_down_ctx *d)
{
	int (*done[64])(const struct lab_down_ctx *, struct pt_err *);
	unsigned nd = 0;

	for (unsigned i = 0; i < d->st->nprofiles && nd < 64; i++) {
		const struct lab_profile *p =
			lab_profile_parse(d->st->profiles[i]);
		struct pt_err err = { 0 };
		unsigned k = 0;

		if (!p || !p->before_stop)
			continue;
		while (k < nd && done[k] != p->before_stop)
			k++;
		if (k < nd)
			continue;
		done[nd++] = p->before_stop;
		if (p->before_stop(d, &err))
			tool_perr(&err);
	}
}

/* Anything else still living in a lab namespace: SIGKILL, a few rounds. */
static unsigned kill_strays(const struct lab_state *st)
{
	unsigned long *inodes = calloc(st->nnetns + 1, sizeof(*inodes));
	unsigned stray = 0;

	if (!inodes)
		return 0;
	for (unsigned i = 0; i < st->nnetns; i++)
		inodes[i] = lab_ns_inode(st->netns[i]);
	for (int round = 0; round < 5; round++) {
		pid_t left[4096];
		unsigned k = lab_ns_pids(inodes, st->nnetns, left, 4096);

		if (!k)
			break;
		for (unsigned i = 0; i < k; i++)
			kill(left[i], SIGKILL);
		stray += k;
		pt_sleep_ms(50);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	free(inodes);
	return stray;
}

/* capture_first (lab run): capture ends first, before the clients are
 * stopped, so their teardown is not in the traces; the catalog's stop_ns
 * is then the moment capture was told to stop, else when the clients
 * were stopped. */
static int take_down(const char *name, const struct lab_down_opts *o,
		     struct lab_state *st, pid_t *pids,
		     unsigned long long *starts)
{
	struct lab_down_ctx d = { name, st->out, st->work, st };
	unsigned n, stray, nsdel = 0, vk, vn;
	char path[300];
	uint64_t t0 = pt_now_ns(), stop = 0, tdown = t0;

	before_stop(&d);
	/* 0. VMs: ACPI power-off, kill by PID after their grace, overlays */
	vn = lab_vm_down(name, &vk);
	if (vn && !o->quiet)
		fprintf(stderr,
			"p2ptrace: lab %s: %u VMs powered off (%u killed after the ACPI grace)\n",
			name, vn, vk);
	/* 0b. capture first (SIGTERM: it flushes, closes its files, writes
	 * its stats), when the run is the measurement */
	if (o->capture_first) {
		n = procs_of(st, 1, pids, starts);
		stop = pt_now_ns();
		lab_proc_stop(pids, starts, n, 20000);
	}
	/* 1. the nodes' processes, gracefully */
	n = procs_of(st, 0, pids, starts);
	lab_proc_stop(pids, starts, n, 3000);
	if (!o->capture_first)
		stop = pt_now_ns();
	lab_phase("down: nodes stopped", &t0);
	/* 2. anything else still living in a lab namespace */
	stray = kill_strays(st);
	/* 3. capture: SIGTERM makes it flush, close and write its stats. Its
	 * exit takes a while (the kernel waits an RCU grace period per packet
	 * socket it closes), so the namespaces and the work folder go
	 * meanwhile: its sockets keep the switch namespace alive until then. */
	n = procs_of(st, 1, pids, starts);
	for (unsigned i = 0; i < n; i++)
		if (lab_proc_alive(pids[i], starts[i]))
			kill(pids[i], SIGTERM);
	/* 4. namespaces: the links and qdiscs inside go with them */
	for (unsigned i = 0; i < st->nnetns; i++) {
		if (lab_ns_exists(st->netns[i]))
			nsdel++;
		if (lab_ns_delete(st->netns[i]))
			tool_msg("lab: cannot delete namespace %s: %s",
				 st->netns[i], strerror(errno));
	}
	lab_phase("down: namespaces deleted", &t0);
	/* 5. the work folder */
	if (st->work[0] && !o->keep_work)
		rm_tree(st->name);
	lab_phase("down: work folder removed", &t0);
	lab_proc_stop(pids, starts, n, 20000);
	lab_phase("down: capture stopped", &t0);
	/* 5b. whatever is left of the lab's cgroup: processes that left
	 * both their process group and the namespaces */
	if (st->cgroup[0])
		stray += lab_cgroup_kill(st->cgroup);
	/* 6. the catalog gets its stop time and capture's counts; the log
	 * goes */
	if (st->out[0])
		lab_catalog_finish(&d, stop, o->summary);
	lab_state_path(name, path, sizeof(path));
	unlink(path);
	if (!o->quiet || stray)
		fprintf(stderr,
			"p2ptrace: lab %s down: %u namespaces deleted, %u stray processes killed, in %.2f s\n",
			name, nsdel, stray, (pt_now_ns() - tdown) / 1e9);
	return 0;
}

int lab_down(const char *name, const struct lab_down_opts *o)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	pid_t *pids;
	unsigned long long *starts;
	int rc = 1;

	if (lab_state_read(name, &st, &err)) {
		if (err.code == PT_EUSAGE) {
			if (!o->quiet)
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
	if (pids && starts)
		rc = take_down(name, o, &st, pids, starts);
	lab_state_free(&st);
	free(pids);
	free(starts);
	return rc;
}
