/*
 * engine_int.h -- what engine.c (the loop) and engine_par.c (the same
 * loop over N worker threads, `analyze -j N`) share. lib/ only.
 */
#ifndef P2PTRACE_ENGINE_INT_H
#define P2PTRACE_ENGINE_INT_H
#include "p2ptrace/engine.h"
#include "p2ptrace/hosts.h"

#define BURST 32

struct par;

/* One flow table and the figures it feeds: the whole run with one
 * thread, one worker's share with -j. */
struct run {
	const struct engine_cfg *cfg;
	struct node_info *node;
	const struct engine_events *ev;
	struct engine_stats *st;
	struct flowtab *ft;
	struct node_figs total, win;
	uint64_t t0, win_start;
	int have_t0;
	int addr_known;
	struct hosts hosts;
	/* -j only: the parallel run, this worker, the packet being
	 * accounted (its number in the input, from 1) */
	struct par *par;
	int w;
	uint64_t pktno;
};

/* Decoded packets waiting for the flow table, in input order. now[i] is
 * the latest packet time of the input up to packet i (time never goes
 * back; with -j a worker sees only its share, so the reader says it). */
struct burst {
	int n;
	int end;	   /* -j: no more packets */
	uint64_t frontier; /* -j: every packet numbered below was sent */
	struct pkt_view v[BURST];
	struct flowtab_probe pr[BURST];
	uint64_t ts[BURST], now[BURST], no[BURST];
	uint32_t len[BURST];
	uint8_t ds[BURST];
};

/* engine.c */
int engine_run_init(struct run *r, const struct engine_cfg *cfg,
		    struct node_info *node, const struct engine_events *ev,
		    struct engine_stats *st, struct pt_err *err);
void engine_run_burst(struct run *r, struct burst *b);
void engine_run_end(struct run *r); /* flush the flows */
void engine_finish_node(struct run *r);
void engine_run_free(struct run *r);
void engine_emit_window(struct run *r, uint64_t start,
			const struct node_figs *w);
int engine_check_links(struct source **srcs, int nsrc, struct pt_err *err);
/* Decode p into slot b->n of the burst (not counted yet). */
void engine_burst_put(struct burst *b, const struct pkt *p, uint64_t now);
void engine_report(struct run *r, struct source **srcs, int nsrc);

/* engine_par.c: flows and windows of a worker */
void par_flow_end(struct run *r, const struct flow *f, enum flow_end why);
void par_flow_new(struct run *r);
void par_window(struct run *r, uint64_t start, const struct node_figs *w);
int engine_par_run(const struct engine_cfg *cfg, struct node_info *node,
		   struct source **srcs, int nsrc,
		   const struct engine_events *ev, struct engine_stats *st,
		   struct pt_err *err);

#endif
