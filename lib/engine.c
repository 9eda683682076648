/*
 * engine.c -- THE PACKET LOOP. Read this first.
 *
 *   source -> decode -> flowtab -> features (node, windows, hosts) -> events
 *
 * Everything in lib/ is called from here, in this order. Time is the
 * packets' time, never the wall clock, so a file and a live interface give
 * the same flows. One run is one node: a trace, several traces merged in
 * time order, or one live interface.
 *
 * Packets go through in bursts (struct burst): read and decode up to
 * BURST packets, let the flow table hash them and prefetch their records
 * (flowtab_prepare), then account them one by one in order. With many
 * live flows every record is a cache miss; a burst overlaps them. The
 * result is the same as one packet at a time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "p2ptrace/engine.h"
#include "engine_int.h"

uint64_t engine_default_budget(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t b = pages > 0 && psize > 0
			     ? (uint64_t)pages * (uint64_t)psize / 4
			     : 0;

	return b < (64ull << 20) ? 64ull << 20 : b;
}

void engine_cfg_budget(struct engine_cfg *cfg, uint64_t bytes)
{
	/* a flow's cost: hot record + index share (a power of two at 2x to
	 * 4x the records: up to 32 bytes) + cold parts asked for; 11/16 of
	 * the budget. Hosts: 2/16 (their index likewise up to 32 bytes);
	 * the rest is left for buffers, windows and the program. */
	uint64_t per = 232 + 32 + (cfg->ft.extras ? 264 : 0) +
		       (cfg->ft.fine_bins ? FINE_NBINS * 4 : 0);
	uint64_t nf = bytes / 16 * 11 / per,
		 nh = bytes / 16 * 2 / (sizeof(struct host) + 32);

	cfg->ft.max_flows = (uint32_t)(nf > UINT32_MAX / 4 ? UINT32_MAX / 4
				       : nf < 1024	   ? 1024
							   : nf);
	cfg->max_hosts = (uint32_t)(nh > (1u << 30) ? 1u << 30
				    : nh < 1024	    ? 1024
						    : nh);
}

void engine_cfg_init(struct engine_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ft.idle_ns = 64ull * 1000000000ull;
	cfg->ft.tcp_end = 1;
	cfg->ft.vlan_key = 1;
	cfg->ft.extras = 1; /* callers that need no statistics turn it off */
	cfg->window_ns = 60ull * 1000000000ull;
	engine_cfg_budget(cfg, engine_default_budget());
}

/* ---- the run (struct run, struct burst: engine_int.h) ------------- */

static int is_node_addr(const struct run *r, const uint8_t *a, int ipver)
{
	return r->addr_known && ipver == r->node->ipver &&
	       !memcmp(a, r->node->addr, ipver == 6 ? 16 : 4);
}

static void on_new(const struct flow *f, void *arg)
{
	struct run *r = arg;
	int init = is_node_addr(r, flow_src(f), f->key.ipver);

	if (r->par)
		par_flow_new(r);
	r->win.flows++; /* the total gets it when the window closes */
	r->win.flows_initiated += init;
	r->st->flows++;
}

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	struct run *r = arg;

	hosts_add_flow(&r->hosts, f);
	if (r->par)
		par_flow_end(r, f, why);
	else if (r->ev->flow)
		r->ev->flow(r->ev->arg, r->node, f, why);
}

void engine_emit_window(struct run *r, uint64_t start,
			const struct node_figs *w)
{
	if (r->par)
		par_window(r, start, w);
	else if (r->ev->window)
		r->ev->window(r->ev->arg, r->node, start, r->cfg->window_ns, w);
}

/* Close windows up to the one holding ts. Empty windows are emitted too
 * (a time series has its zeros), unless more than ENGINE_GAP_MAX lie in a
 * row: then none of them. */
static void windows_to(struct run *r, uint64_t ts)
{
	static const struct node_figs empty;
	uint64_t w = r->cfg->window_ns, gap;

	if (!w)
		w = UINT64_MAX / 4; /* no windows: one that never closes */
	if (ts < r->win_start + w)
		return;
	engine_emit_window(r, r->win_start, &r->win);
	node_merge(&r->total, &r->win);
	memset(&r->win, 0, sizeof(r->win));
	r->win_start += w;
	gap = (ts - r->win_start) / w; /* empty windows before ts's */
	if (gap > ENGINE_GAP_MAX) {
		r->win_start += gap * w;
		return;
	}
	for (; gap; gap--, r->win_start += w)
		engine_emit_window(r, r->win_start, &empty);
}

/* Account the burst's packets in order. */
void engine_run_burst(struct run *r, struct burst *b)
{
	flowtab_prepare(r->ft, b->v, b->n, b->pr);
	for (int i = 0; i < b->n; i++) {
		const struct pkt_view *v = &b->v[i];
		uint64_t ts = b->ts[i];
		int ok = b->ds[i] == DECODE_OK, dir = -1;

		if (!r->have_t0) {
			r->t0 = r->win_start = ts;
			r->have_t0 = 1;
		}
		windows_to(r, b->now[i]);
		if (r->par) { /* the input's time, not only this share's */
			r->pktno = b->no[i];
			flowtab_expire(r->ft, b->now[i]);
			flowtab_set_next_id(r->ft, b->no[i]);
		}
		r->st->decode[b->ds[i]]++;
		r->st->pkts++;
		r->st->bytes += b->len[i];
		if (ok && r->addr_known)
			dir = is_node_addr(r, v->src, v->ipver)	  ? 0
			      : is_node_addr(r, v->dst, v->ipver) ? 1
								  : -1;
		/* counted in the window; a closing window goes to the total */
		node_add_pkt(&r->win, b->len[i], ts, dir, ok);
		if (ok)
			flowtab_add_prepared(r->ft, v, &b->pr[i], b->len[i],
					     ts);
		else
			flowtab_expire(r->ft, ts);
	}
	b->n = 0;
}

/* Could this address be a node's own? Not unspecified, multicast or
 * broadcast (they appear in flows of DAD, MLD, ARP-less discovery). */
static int unicast(const struct host *h)
{
	static const uint8_t zero[16];

	if (h->ipver == 6)
		return memcmp(h->addr, zero, 16) && h->addr[0] != 0xff;
	return memcmp(h->addr, zero, 4) && h->addr[0] < 224;
}

/* The node's own address: given, or the address in most flows (then
 * most packets; the first such host on a tie). */
void engine_finish_node(struct run *r)
{
	struct host *best = NULL, *h;
	struct node_figs hf;

	if (r->addr_known) {
		best = hosts_get(&r->hosts, r->node->addr, r->node->ipver);
	} else {
		for (uint32_t i = 0; i < r->hosts.n; i++) {
			h = &r->hosts.h[i];
			if (unicast(h) &&
			    (!best || h->flows > best->flows ||
			     (h->flows == best->flows &&
			      h->pkts[0] + h->pkts[1] >
				      best->pkts[0] + best->pkts[1])))
				best = h;
		}
		if (best) {
			memcpy(r->node->addr, best->addr, 16);
			r->node->ipver = best->ipver;
		}
	}
	if (!best)
		return;
	host_figs(best, &hf);
	r->total.flows_initiated = hf.flows_initiated;
	r->total.pkts_up = hf.pkts_up;
	r->total.pkts_down = hf.pkts_down;
	r->total.bytes_up = hf.bytes_up;
	r->total.bytes_down = hf.bytes_down;
	memcpy(r->total.plen_up, hf.plen_up, sizeof(hf.plen_up));
	memcpy(r->total.plen_down, hf.plen_down, sizeof(hf.plen_down));
}

static int next_of(struct source *s, struct pkt *p, int *live, struct run *r,
		   int *rc_out, struct pt_err *err)
{
	struct pt_err e; /* filled only on failure: not cleared per packet */
	int rc = source_next(s, p, &e);

	if (rc == 1)
		return 1;
	*live = 0;
	if (rc == PT_ETRUNC) {
		r->st->truncated = 1;
		if (r->ev->warn)
			r->ev->warn(r->ev->arg, &e);
	} else if (rc < 0 && !*rc_out) {
		*rc_out = rc;
		*err = e;
	}
	return 0;
}

/* A pcap file whose one link type we cannot decode is unusable. */
int engine_check_links(struct source **srcs, int nsrc, struct pt_err *err)
{
	for (int i = 0; i < nsrc; i++) {
		int lt = source_linktype(srcs[i]);
		if (lt >= 0 && !decode_link_supported(lt))
			return pt_fail(err, PT_EFORMAT, source_name(srcs[i]),
				       "at byte 20: link type %d is not "
				       "supported (see docs/OUTPUTS.md)",
				       lt);
	}
	return 0;
}

static void progress(struct run *r, struct source **srcs, int nsrc,
		     struct timespec *t0)
{
	uint64_t off = 0, size = 0;
	struct timespec t1;

	for (int i = 0; i < nsrc; i++) {
		off += source_offset(srcs[i]);
		size += source_size(srcs[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->st->wall_s = (double)(t1.tv_sec - t0->tv_sec) +
			(double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	flowtab_stats(r->ft, &r->st->ft);
	r->ev->progress(r->ev->arg, r->st, off, size);
}

void engine_burst_put(struct burst *b, const struct pkt *p, uint64_t now)
{
	int i = b->n;

	b->ds[i] = (uint8_t)decode_frame(p->linktype, p->data, p->caplen,
					 p->wirelen, &b->v[i]);
	if (b->ds[i] != DECODE_OK)
		b->v[i].frag = 1; /* no key: flowtab_prepare skips it */
	b->ts[i] = p->ts_ns;
	b->now[i] = now;
	b->len[i] = p->wirelen;
}

/* THE LOOP: take the earliest pending packet, decode it into the burst,
 * refill; a full burst (or, live, every packet) goes to the flow table. */
static int loop(struct run *r, struct source **srcs, int nsrc, struct burst *b,
		struct pkt *pend, int *live, struct pt_err *err)
{
	int rc = 0, burst = BURST, i;
	uint64_t now = 0;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nsrc; i++) {
		live[i] = 1;
		if (source_is_live(srcs[i]))
			burst = 1; /* its next packet may be long in coming */
		next_of(srcs[i], &pend[i], &live[i], r, &rc, err);
	}
	for (uint64_t n = 0; !(r->cfg->stop && *r->cfg->stop); n++) {
		int best = -1;
		struct pkt *p;
		for (i = 0; i < nsrc; i++)
			if (live[i] &&
			    (best < 0 || pend[i].ts_ns < pend[best].ts_ns))
				best = i;
		if (best < 0)
			break;
		p = &pend[best];
		if (p->ts_ns > now)
			now = p->ts_ns;
		engine_burst_put(b, p, now);
		if (++b->n == burst)
			engine_run_burst(r, b);
		if ((n & 0xfffff) == 0xfffff && r->ev->progress) {
			engine_run_burst(r, b);
			progress(r, srcs, nsrc, &t0);
		}
		next_of(srcs[best], &pend[best], &live[best], r, &rc, err);
	}
	engine_run_burst(r, b);
	return rc;
}

int engine_run_init(struct run *r, const struct engine_cfg *cfg,
		    struct node_info *node, const struct engine_events *ev,
		    struct engine_stats *st, struct pt_err *err)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->node = node;
	r->ev = ev;
	r->st = st;
	r->addr_known = node->ipver != 0;
	hosts_init(&r->hosts, cfg->max_hosts);
	return flowtab_new(&cfg->ft, on_end, on_new, r, &r->ft, err);
}

/* End of input: every flow ends (forced), the last window closes. */
void engine_run_end(struct run *r)
{
	flowtab_flush(r->ft);
	flowtab_stats(r->ft, &r->st->ft);
	if (r->cfg->window_ns && r->have_t0)
		engine_emit_window(r, r->win_start, &r->win);
	node_merge(&r->total, &r->win);
	memset(&r->win, 0, sizeof(r->win));
}

void engine_run_free(struct run *r)
{
	flowtab_free(r->ft);
	r->ft = NULL;
	hosts_free(&r->hosts);
}

/* The node's figures, its hosts and what was dropped, to the caller. */
void engine_report(struct run *r, struct source **srcs, int nsrc)
{
	const struct engine_events *ev = r->ev;
	struct engine_stats *st = r->st;

	engine_finish_node(r);
	for (int i = 0; i < nsrc; i++)
		st->filtered += source_filtered(srcs[i]);
	st->hosts = r->hosts.n;
	st->hosts_dropped = r->hosts.dropped;
	if (r->hosts.dropped && ev->warn) {
		struct pt_err w;
		pt_fail(&w, PT_ELIMIT, r->node->name,
			"%llu flow endpoints not counted per address: %s "
			"(%u addresses kept)",
			(unsigned long long)r->hosts.dropped,
			r->hosts.nomem ? "out of memory"
				       : "address limit reached (--memory)",
			r->hosts.n);
		ev->warn(ev->arg, &w);
	}
	if (ev->node)
		ev->node(ev->arg, r->node, &r->total, st);
	if (r->cfg->by_host && ev->host)
		for (uint32_t k = 0; k < r->hosts.n; k++) {
			struct node_figs hf;
			host_figs(&r->hosts.h[k], &hf);
			ev->host(ev->arg, r->node, r->hosts.h[k].addr,
				 r->hosts.h[k].ipver, &hf);
		}
}

int engine_run(const struct engine_cfg *cfg, struct node_info *node,
	       struct source **srcs, int nsrc, const struct engine_events *ev,
	       struct engine_stats *st, struct pt_err *err)
{
	struct run r;
	struct pkt *pend;
	int *live, rc;
	struct burst *b;
	struct timespec t0, t1;

	memset(st, 0, sizeof(*st));
	rc = engine_check_links(srcs, nsrc, err);
	if (rc)
		return rc;
	if (cfg->jobs > 1)
		return engine_par_run(cfg, node, srcs, nsrc, ev, st, err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pend = calloc((size_t)nsrc + 1, sizeof(*pend));
	live = calloc((size_t)nsrc + 1, sizeof(*live));
	b = malloc(sizeof(*b));
	rc = engine_run_init(&r, cfg, node, ev, st, err);
	if (!rc && (!pend || !live || !b))
		rc = pt_fail(err, PT_ENOMEM, node->name, "out of memory");
	if (!rc) {
		b->n = 0;
		rc = loop(&r, srcs, nsrc, b, pend, live, err);
		engine_run_end(&r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		st->wall_s = (double)(t1.tv_sec - t0.tv_sec) +
			     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		engine_report(&r, srcs, nsrc);
	}
	engine_run_free(&r);
	free(pend);
	free(live);
	free(b);
	return rc;
}
