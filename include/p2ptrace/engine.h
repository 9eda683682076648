/*
 * engine.h -- THE PACKET LOOP: source -> decode -> flowtab -> features ->
 * events. One engine run analyses one node: one trace file, several files
 * merged in time order, or one live interface.
 *
 * The engine emits events; sinks (CSV, JSON, IPFIX, table, report,
 * classify) consume them. Nothing here prints except the optional progress
 * callback.
 */
#ifndef P2PTRACE_ENGINE_H
#define P2PTRACE_ENGINE_H
#include <signal.h>
#include <stdint.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"
#include "p2ptrace/flowtab.h"
#include "p2ptrace/node.h"
#include "p2ptrace/source.h"

struct engine_cfg {
	struct flowtab_cfg ft; /* idle 64 s by default, see engine_cfg_init */
	uint64_t window_ns;    /* per-window figures; 0 = none */
	int by_host;	       /* also figures per address seen */
	const char *filter;    /* BPF expression or NULL */
	uint32_t max_hosts;    /* addresses with figures at most; 0 = any */
	/* engine_run returns after the current packets when *stop becomes
	 * non-zero (set it from a signal handler); NULL = never. One flag
	 * per run: stopping one engine leaves the others running. */
	volatile sig_atomic_t *stop;
	/* Worker threads (0 or 1: the caller's thread only). With N > 1 a
	 * reader thread decodes and splits packets by a symmetric hash of
	 * their addresses, so every flow lives in one worker's table; the
	 * figures are merged at the end and equal those of one thread
	 * (docs/OUTPUTS.md: row order, flow_id). Events then come from the
	 * workers, one at a time; windows and hosts at the end. */
	int jobs;
};
/* Defaults: idle 64 s, no active timeout, TCP end on, VLAN in the key,
 * window 60 s, statistics kept (ft.extras), flows and hosts bounded by
 * engine_default_budget(). */
void engine_cfg_init(struct engine_cfg *cfg);

/* The memory a run may use by default: a quarter of this machine's
 * physical memory (at least 64 MiB). */
uint64_t engine_default_budget(void);
/* Bound flows and hosts so that the run fits in `bytes`: 11/16 for flows
 * (at their cost with cfg->ft's extras and fine bins), 2/16 for hosts,
 * the rest for buffers. */
void engine_cfg_budget(struct engine_cfg *cfg, uint64_t bytes);

struct engine_stats {
	uint64_t pkts, bytes, filtered;
	uint64_t decode[DECODE_NSTATUS];
	uint64_t flows;
	struct flowtab_stats ft;
	uint64_t hosts, hosts_dropped; /* per-address figures kept / not */
	double wall_s;
	int truncated; /* input ended inside a record (warned) */
};

#define ENGINE_GAP_MAX 100

struct engine_events {
	void *arg;
	/* A flow ended. */
	void (*flow)(void *arg, const struct node_info *n, const struct flow *f,
		     enum flow_end why);
	/* A window [start_ns, start_ns + len_ns) closed. Windows without
	 * packets are given too (a time series keeps its zeros) when at
	 * most ENGINE_GAP_MAX of them lie between two with packets; a
	 * longer gap gives none (10 packets a year apart must not give
	 * millions of rows). */
	void (*window)(void *arg, const struct node_info *n, uint64_t start_ns,
		       uint64_t len_ns, const struct node_figs *w);
	/* End of input: the node's figures over the whole trace. */
	void (*node)(void *arg, const struct node_info *n,
		     const struct node_figs *fig,
		     const struct engine_stats *st);
	/* With by_host, after node: one call per address seen. */
	void (*host)(void *arg, const struct node_info *n, const uint8_t *addr,
		     int ipver, const struct node_figs *fig);
	/* Every ~1M packets and at the end, for a progress line. */
	void (*progress)(void *arg, const struct engine_stats *st,
			 uint64_t offset, uint64_t size);
	/* A warning that does not stop the run (truncated tail, ...). */
	void (*warn)(void *arg, const struct pt_err *w);
};

/* Run the loop over srcs (merged by packet time when nsrc > 1) until they
 * end or *cfg->stop is set. The sources stay the caller's.
 * node->ipver may be filled in (inferred address). Returns 0, or a
 * negative PT_E code for input that could not be used at all. */
int engine_run(const struct engine_cfg *cfg, struct node_info *node,
	       struct source **srcs, int nsrc, const struct engine_events *ev,
	       struct engine_stats *st, struct pt_err *err);

#endif
