/*
 * engine.c -- THE PACKET LOOP. Read this first.
 *
 *   source -> decode -> flowtab -> features (node, windows, hosts) -> events
 *
 * Everything in lib/ is called from here, in this order. Time is the
 * packets' time, never the wall clock, so a file and a live interface give
 * the same flows. One run is one node: a trace, several traces merged in
 * time order, or one live interface.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "p2ptrace/engine.h"

static volatile sig_atomic_t stop_flag;

void engine_stop(void)
{
	stop_flag = 1;
}

void engine_cfg_init(struct engine_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ft.idle_ns = 64ull * 1000000000ull;
	cfg->ft.tcp_end = 1;
	cfg->ft.vlan_key = 1;
	cfg->window_ns = 60ull * 1000000000ull;
}

/* ---- hosts: figures per address, filled as flows end ----------------- */

struct host {
	uint8_t addr[16];
	uint8_t ipver, used;
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2]; /* [0] sent, [1] received */
	uint64_t flows, initiated;
	uint64_t plen[2][PLEN_NBINS];
};

/* Hosts live in a dense array (grown by doubling); the hash index holds
 * 4-byte entries only, so a busy trace's many addresses cost little. */
struct hosts {
	struct host *h; /* n used, cap allocated */
	uint32_t n, cap;
	uint32_t *idx; /* host number + 1; 0 = empty */
	uint32_t mask;
};

static uint32_t addr_hash(const uint8_t *a)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 31)) * 0xd6e8feb86659fd93ull;
	return (uint32_t)(x ^ (x >> 32));
}

static int hosts_grow(struct hosts *hs)
{
	uint32_t ncap = hs->cap ? hs->cap * 2 : 256, nmask, i, s;
	struct host *nh;
	uint32_t *ni;

	nh = realloc(hs->h, (size_t)ncap * sizeof(*nh));
	if (!nh)
		return -1;
	hs->h = nh;
	hs->cap = ncap;
	nmask = ncap * 2 - 1; /* index at most half full */
	ni = calloc((size_t)nmask + 1, sizeof(*ni));
	if (!ni)
		return -1;
	for (i = 0; i < hs->n; i++) {
		for (s = addr_hash(nh[i].addr) & nmask; ni[s];
		     s = (s + 1) & nmask)
			;
		ni[s] = i + 1;
	}
	free(hs->idx);
	hs->idx = ni;
	hs->mask = nmask;
	return 0;
}

static struct host *host_get(struct hosts *hs, const uint8_t *addr, int ipver)
{
	uint32_t s;
	struct host *h;

	if (hs->n == hs->cap && hosts_grow(hs))
		return NULL;
	for (s = addr_hash(addr) & hs->mask; hs->idx[s];
	     s = (s + 1) & hs->mask) {
		h = &hs->h[hs->idx[s] - 1];
		if (h->ipver == ipver && !memcmp(h->addr, addr, 16))
			return h;
	}
	h = &hs->h[hs->n];
	memset(h, 0, sizeof(*h));
	memcpy(h->addr, addr, 16);
	h->ipver = (uint8_t)ipver;
	h->used = 1;
	hs->idx[s] = ++hs->n;
	return h;
}

static void host_add(struct host *h, const struct flow_dir *sent,
		     const struct flow_dir *recv, int initiated)
{
	const struct flow_dir *d[2] = { sent, recv };

	for (int k = 0; k < 2; k++) {
		if (!d[k]->pkts)
			continue;
		if (!h->first_ns || d[k]->first_ns < h->first_ns)
			h->first_ns = d[k]->first_ns;
		if (d[k]->last_ns > h->last_ns)
			h->last_ns = d[k]->last_ns;
		h->pkts[k] += d[k]->pkts;
		h->bytes[k] += d[k]->bytes;
		for (int b = 0; b < PLEN_NBINS; b++)
			h->plen[k][b] += d[k]->plen[b];
	}
	h->flows++;
	h->initiated += initiated != 0;
}

static void host_figs(const struct host *h, struct node_figs *n)
{
	memset(n, 0, sizeof(*n));
	n->first_ns = h->first_ns;
	n->last_ns = h->last_ns;
	n->pkts_up = h->pkts[0];
	n->pkts_down = h->pkts[1];
	n->pkts = n->ip_pkts = h->pkts[0] + h->pkts[1];
	n->bytes_up = h->bytes[0];
	n->bytes_down = h->bytes[1];
	n->bytes = h->bytes[0] + h->bytes[1];
	n->flows = h->flows;
	n->flows_initiated = h->initiated;
	for (int b = 0; b < PLEN_NBINS; b++) {
		n->plen_up[b] = h->plen[0][b];
		n->plen_down[b] = h->plen[1][b];
		n->plen[b] = h->plen[0][b] + h->plen[1][b];
	}
}

/* ---- the run --------------------------------------------------------- */

struct run {
	const struct engine_cfg *cfg;
	struct node_info *node;
	const struct engine_events *ev;
	struct engine_stats *st;
	struct node_figs total, win;
	uint64_t t0, win_start;
	int have_t0;
	int addr_known;
	struct hosts hosts;
	int hosts_nomem;
};

static int is_node_addr(const struct run *r, const uint8_t *a, int ipver)
{
	return r->addr_known && ipver == r->node->ipver &&
	       !memcmp(a, r->node->addr, ipver == 6 ? 16 : 4);
}

static void on_new(const struct flow *f, void *arg)
{
	struct run *r = arg;
	int init = is_node_addr(r, flow_src(f), f->key.ipver);

	r->win.flows++; /* the total gets it when the window closes */
	r->win.flows_initiated += init;
	r->st->flows++;
}

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	struct run *r = arg;
	struct host *h;

	h = host_get(&r->hosts, flow_src(f), f->key.ipver);
	if (h)
		host_add(h, &f->dir[0], &f->dir[1], 1);
	h = host_get(&r->hosts, flow_dst(f), f->key.ipver);
	if (h)
		host_add(h, &f->dir[1], &f->dir[0], 0);
	else
		r->hosts_nomem = 1;
	if (r->ev->flow)
		r->ev->flow(r->ev->arg, r->node, f, why);
}

/* Close windows up to the one holding ts. Empty windows are emitted too
 * (a time series has its zeros), unless the gap is absurd. */
static void windows_to(struct run *r, uint64_t ts)
{
	uint64_t w = r->cfg->window_ns;

	if (!w)
		w = UINT64_MAX / 4; /* no windows: one that never closes */
	if (ts < r->win_start + w)
		return;
	if (r->ev->window)
		r->ev->window(r->ev->arg, r->node, r->win_start, w, &r->win);
	node_merge(&r->total, &r->win);
	memset(&r->win, 0, sizeof(r->win));
	r->win_start += w;
	if ((ts - r->win_start) / w > 100000) /* skip a huge hole */
		r->win_start += (ts - r->win_start) / w * w;
	while (ts >= r->win_start + w) {
		if (r->ev->window)
			r->ev->window(r->ev->arg, r->node, r->win_start, w,
				      &r->win);
		r->win_start += w;
	}
}

static void one_packet(struct run *r, struct flowtab *ft, const struct pkt *p)
{
	struct pkt_view v;
	enum decode_status ds;
	int dir = -1;

	if (!r->have_t0) {
		r->t0 = r->win_start = p->ts_ns;
		r->have_t0 = 1;
	}
	windows_to(r, p->ts_ns);
	ds = decode_frame(p->linktype, p->data, p->caplen, p->wirelen, &v);
	r->st->decode[ds]++;
	r->st->pkts++;
	r->st->bytes += p->wirelen;
	if (ds == DECODE_OK && r->addr_known)
		dir = is_node_addr(r, v.src, v.ipver)	? 0
		      : is_node_addr(r, v.dst, v.ipver) ? 1
							: -1;
	/* counted in the window; a closing window is added to the total */
	node_add_pkt(&r->win, p->wirelen, p->ts_ns, dir, ds == DECODE_OK);
	if (ds == DECODE_OK)
		flowtab_add(ft, &v, p->wirelen, p->ts_ns);
	else
		flowtab_expire(ft, p->ts_ns);
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

/* The node's own address: given, or the address in most flows. */
static void finish_node(struct run *r)
{
	struct host *best = NULL, *h;
	struct node_figs hf;

	if (r->addr_known) {
		best = host_get(&r->hosts, r->node->addr, r->node->ipver);
	} else {
		for (uint32_t i = 0; i < r->hosts.n; i++) {
			h = &r->hosts.h[i];
			if (h->used && unicast(h) &&
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

int engine_run(const struct engine_cfg *cfg, struct node_info *node,
	       struct source **srcs, int nsrc, const struct engine_events *ev,
	       struct engine_stats *st, struct pt_err *err)
{
	struct run r;
	struct flowtab *ft = NULL;
	struct pkt *pend = calloc((size_t)nsrc + 1, sizeof(*pend));
	int *live = calloc((size_t)nsrc + 1, sizeof(*live));
	struct timespec t0, t1;
	int rc = 0, i;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.node = node;
	r.ev = ev;
	r.st = st;
	r.addr_known = node->ipver != 0;
	stop_flag = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!pend || !live) {
		rc = pt_fail(err, PT_ENOMEM, node->name, "out of memory");
		goto out;
	}
	/* A pcap file whose one link type we cannot decode is unusable. */
	for (i = 0; i < nsrc; i++) {
		int lt = source_linktype(srcs[i]);
		if (lt >= 0 && !decode_link_supported(lt)) {
			rc = pt_fail(err, PT_EFORMAT, source_name(srcs[i]),
				     "at byte 20: link type %d is not "
				     "supported (see docs/OUTPUTS.md)",
				     lt);
			goto out;
		}
	}
	rc = flowtab_new(&cfg->ft, on_end, on_new, &r, &ft, err);
	if (rc)
		goto out;
	for (i = 0; i < nsrc; i++) {
		live[i] = 1;
		next_of(srcs[i], &pend[i], &live[i], &r, &rc, err);
	}
	/* THE LOOP: take the earliest pending packet, account it, refill. */
	for (uint64_t n = 0; !stop_flag; n++) {
		int best = -1;
		for (i = 0; i < nsrc; i++)
			if (live[i] &&
			    (best < 0 || pend[i].ts_ns < pend[best].ts_ns))
				best = i;
		if (best < 0)
			break;
		one_packet(&r, ft, &pend[best]);
		if ((n & 0xfffff) == 0xfffff && ev->progress) {
			uint64_t off = 0, size = 0;
			for (i = 0; i < nsrc; i++) {
				off += source_offset(srcs[i]);
				size += source_size(srcs[i]);
			}
			flowtab_stats(ft, &st->ft);
			ev->progress(ev->arg, st, off, size);
		}
		next_of(srcs[best], &pend[best], &live[best], &r, &rc, err);
	}
	/* End of input: every flow ends (forced), the last window closes. */
	flowtab_flush(ft);
	flowtab_stats(ft, &st->ft);
	if (cfg->window_ns && r.have_t0 && ev->window)
		ev->window(ev->arg, node, r.win_start, cfg->window_ns, &r.win);
	node_merge(&r.total, &r.win);
	finish_node(&r);
	for (i = 0; i < nsrc; i++)
		st->filtered += source_filtered(srcs[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->wall_s = (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (ev->node)
		ev->node(ev->arg, node, &r.total, st);
	if (cfg->by_host && ev->host)
		for (uint32_t k = 0; k < r.hosts.n; k++) {
			struct node_figs hf;
			if (!r.hosts.h[k].used)
				continue;
			host_figs(&r.hosts.h[k], &hf);
			ev->host(ev->arg, node, r.hosts.h[k].addr,
				 r.hosts.h[k].ipver, &hf);
		}
out:
	flowtab_free(ft);
	free(r.hosts.h);
	free(r.hosts.idx);
	free(pend);
	free(live);
	return rc;
}
