/*
 * engine_par.c -- the packet loop on N cores (`analyze -j N`).
 *
 *   reader: source -> decode -> split by a symmetric address hash
 *   worker k: its packets -> its flowtab -> its hosts, windows, flows
 *   end: windows, hosts and node figures merged; the same events as one
 *        thread gives, with the same values.
 *
 * Why addresses and not ports in the split: a fragment after the first
 * has no ports, and every packet of a flow must reach the same table.
 * Non-IP packets go to worker 0 (they count in the node's figures only).
 *
 * What keeps -j N equal to -j 1:
 *  - time: each packet carries the input's latest time (burst.now), so
 *    expiry and windows follow the input, not a worker's share of it;
 *  - flow_id: one thread numbers flows 1, 2, ... in order of creation. A
 *    worker gives a new flow the number of its first packet in the input
 *    and marks that packet in a shared bitmap (1 bit per packet); a
 *    flow's id is then its creation packet's rank among marked packets,
 *    known once every worker has passed that packet's block. The reader
 *    keeps prefix counts per block of 4096 packets as the workers'
 *    progress moves; a flow that ends before its block is complete waits
 *    in its worker (a copy) and is written a few bursts later;
 *  - windows: each worker keeps its windows with packets; at the end they
 *    are summed by start time and given in order, empty ones by the same
 *    gap rule as one thread.
 * What differs: flow rows come in the order the workers end them (the
 * values are the same); --by-host rows in a merged order; with eviction
 * (--max-flows reached) each worker has max/N flows, so which flows are
 * evicted differs; the summary's "peak active" is the sum of the
 * workers' peaks.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine_int.h"

#define RING 64		  /* bursts in flight per worker */
#define CHUNK_SHIFT 16	  /* bitmap chunk: 65536 packets */
#define NCHUNK (1u << 16) /* -> at most 2^32 packets */
#define BLOCK_SHIFT 12	  /* prefix counts per 4096 packets */
#define FLUSH_EVERY 1024u /* send partial bursts every this many packets */

struct pending {
	struct flow f;
	uint32_t fine[FINE_NBINS];
	enum flow_end why;
};

struct wwin {
	uint64_t start;
	struct node_figs f;
};

struct worker {
	struct par *par;
	struct run r;
	struct engine_stats st;
	pthread_t th;
	struct burst *ring;	     /* RING slots */
	_Atomic unsigned head, tail; /* written by reader / by the worker */
	_Atomic uint64_t progress;   /* its packets numbered below: done */
	struct pending *pend;
	size_t npend, cappend;
	struct wwin *wins;
	size_t nwins, capwins;
	int nomem;
};

struct par {
	const struct engine_events *ev;
	struct engine_cfg cfg; /* the caller's, bounds divided by N */
	int n;
	struct worker *w;
	_Atomic(_Atomic uint64_t *) chunks[NCHUNK];
	uint64_t *prefix;	/* marks before block b */
	_Atomic uint64_t ready; /* prefix[0..ready] are valid */
	uint64_t last_now;	/* the input's last time (at the end) */
	pthread_mutex_t evlock; /* one flow event at a time */
	pthread_barrier_t bar;
};

/* ---- waiting (2 cores shared: spin briefly, then give the core) ------- */

static void pause_a_bit(unsigned *spins)
{
	if (++*spins < 64)
		return;
	if (*spins < 256) {
		sched_yield();
		return;
	}
	nanosleep(&(struct timespec){ 0, 50000 }, NULL);
}

/* ---- flow ids --------------------------------------------------------- */

void par_flow_new(struct run *r)
{
	struct par *p = r->par;
	uint64_t no = r->pktno;
	_Atomic uint64_t *c = atomic_load_explicit(
		&p->chunks[no >> CHUNK_SHIFT], memory_order_relaxed);

	atomic_fetch_or_explicit(&c[(no & ((1u << CHUNK_SHIFT) - 1)) >> 6],
				 1ull << (no & 63), memory_order_relaxed);
}

/* The id of the flow created by packet no, or 0 when not known yet. */
static uint64_t rank_of(struct par *p, uint64_t no)
{
	uint64_t blk = no >> BLOCK_SHIFT, rank;
	_Atomic uint64_t *c;
	unsigned w0, w1;

	if (blk + 1 > atomic_load_explicit(&p->ready, memory_order_acquire))
		return 0;
	rank = p->prefix[blk];
	c = atomic_load_explicit(&p->chunks[no >> CHUNK_SHIFT],
				 memory_order_relaxed);
	w0 = (unsigned)((blk << BLOCK_SHIFT) & ((1u << CHUNK_SHIFT) - 1)) >> 6;
	w1 = (unsigned)(no & ((1u << CHUNK_SHIFT) - 1)) >> 6;
	for (unsigned i = w0; i < w1; i++)
		rank += (uint64_t)__builtin_popcountll(
			atomic_load_explicit(&c[i], memory_order_relaxed));
	rank += (uint64_t)__builtin_popcountll(
		atomic_load_explicit(&c[w1], memory_order_relaxed) &
		((1ull << (no & 63)) - 1));
	return rank + 1;
}

static void emit_flow(struct run *r, const struct flow *f, enum flow_end why)
{
	struct par *p = r->par;

	if (!p->ev->flow)
		return;
	pthread_mutex_lock(&p->evlock);
	p->ev->flow(p->ev->arg, r->node, f, why);
	pthread_mutex_unlock(&p->evlock);
}

void par_flow_end(struct run *r, const struct flow *f, enum flow_end why)
{
	struct worker *w = &r->par->w[r->w];
	uint64_t id = rank_of(r->par, f->id);
	struct pending *q;

	if (id && !w->npend) {
		struct flow g = *f;
		g.id = id;
		emit_flow(r, &g, why);
		return;
	}
	if (w->npend == w->cappend) {
		size_t n = w->cappend ? w->cappend * 2 : 256;
		struct pending *np = realloc(w->pend, n * sizeof(*np));
		if (!np) {
			w->nomem = 1;
			return;
		}
		w->pend = np;
		w->cappend = n;
	}
	q = &w->pend[w->npend++];
	q->f = *f;
	q->why = why;
	if (f->fine) {
		memcpy(q->fine, f->fine, sizeof(q->fine));
		q->f.fine = NULL; /* set when written: pend may move */
	}
}

/* Write the waiting flows whose ids are known, in the order they ended. */
static void drain(struct worker *w)
{
	size_t i = 0;

	for (; i < w->npend; i++) {
		struct pending *q = &w->pend[i];
		uint64_t id = rank_of(w->par, q->f.id);
		if (!id)
			break;
		q->f.id = id;
		q->f.fine = w->par->cfg.ft.fine_bins ? q->fine : NULL;
		emit_flow(&w->r, &q->f, q->why);
	}
	if (!i)
		return;
	memmove(w->pend, w->pend + i, (w->npend - i) * sizeof(*w->pend));
	w->npend -= i;
}

/* Reader: prefix counts for the blocks every worker has passed. */
static void advance(struct par *p, uint64_t upto)
{
	uint64_t b = atomic_load_explicit(&p->ready, memory_order_relaxed);

	for (int k = 0; k < p->n; k++) {
		uint64_t g = atomic_load_explicit(&p->w[k].progress,
						  memory_order_acquire);
		if (g < upto)
			upto = g;
	}
	while (((b + 1) << BLOCK_SHIFT) <= upto) {
		_Atomic uint64_t *c = atomic_load_explicit(
			&p->chunks[(b << BLOCK_SHIFT) >> CHUNK_SHIFT],
			memory_order_relaxed);
		unsigned w0 = (unsigned)((b << BLOCK_SHIFT) &
					 ((1u << CHUNK_SHIFT) - 1)) >>
			      6;
		uint64_t cnt = 0;
		if (c)
			for (unsigned i = 0; i < (1u << BLOCK_SHIFT) / 64; i++)
				cnt += (uint64_t)__builtin_popcountll(
					atomic_load_explicit(
						&c[w0 + i],
						memory_order_relaxed));
		p->prefix[b + 1] = p->prefix[b] + cnt;
		b++;
		atomic_store_explicit(&p->ready, b, memory_order_release);
	}
}

/* ---- windows ---------------------------------------------------------- */

void par_window(struct run *r, uint64_t start, const struct node_figs *f)
{
	struct worker *w = &r->par->w[r->w];

	if (!f->pkts)
		return; /* empty ones are made again when merged */
	if (w->nwins == w->capwins) {
		size_t n = w->capwins ? w->capwins * 2 : 64;
		struct wwin *nw = realloc(w->wins, n * sizeof(*nw));
		if (!nw) {
			w->nomem = 1;
			return;
		}
		w->wins = nw;
		w->capwins = n;
	}
	w->wins[w->nwins].start = start;
	w->wins[w->nwins++].f = *f;
}

/* Sum the workers' windows by start time and give them in order, with
 * the empty ones the one-thread loop gives (at most ENGINE_GAP_MAX in a
 * row). */
static void merge_windows(struct par *p, struct run *r0)
{
	static const struct node_figs empty;
	size_t *at = calloc((size_t)p->n, sizeof(*at));
	uint64_t len = p->cfg.window_ns, prev = 0;
	int first = 1;

	for (;;) {
		struct node_figs sum;
		uint64_t start = UINT64_MAX;
		for (int k = 0; at && k < p->n; k++)
			if (at[k] < p->w[k].nwins &&
			    p->w[k].wins[at[k]].start < start)
				start = p->w[k].wins[at[k]].start;
		if (!at || start == UINT64_MAX)
			break;
		memset(&sum, 0, sizeof(sum));
		for (int k = 0; k < p->n; k++)
			if (at[k] < p->w[k].nwins &&
			    p->w[k].wins[at[k]].start == start)
				node_merge(&sum, &p->w[k].wins[at[k]++].f);
		if (len && !first && (start - prev) / len - 1 <= ENGINE_GAP_MAX)
			for (uint64_t s = prev + len; s < start; s += len)
				if (p->ev->window)
					p->ev->window(p->ev->arg, r0->node, s,
						      len, &empty);
		if (len && p->ev->window)
			p->ev->window(p->ev->arg, r0->node, start, len, &sum);
		prev = start;
		first = 0;
	}
	free(at);
}

/* ---- workers ---------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned spins = 0;

	for (;;) {
		unsigned t =
			atomic_load_explicit(&w->tail, memory_order_relaxed);
		struct burst *b;
		if (t == atomic_load_explicit(&w->head, memory_order_acquire)) {
			pause_a_bit(&spins);
			continue;
		}
		spins = 0;
		b = &w->ring[t % RING];
		if (b->end)
			break;
		engine_run_burst(&w->r, b);
		atomic_store_explicit(&w->progress, b->frontier,
				      memory_order_release);
		atomic_store_explicit(&w->tail, t + 1, memory_order_release);
		if (w->npend)
			drain(w);
	}
	atomic_store_explicit(&w->progress, UINT64_MAX, memory_order_release);
	pthread_barrier_wait(&w->par->bar); /* every packet accounted */
	pthread_barrier_wait(&w->par->bar); /* every id known */
	drain(w);
	/* idle by the input's last packet, as one thread would have seen */
	flowtab_expire(w->r.ft, w->par->last_now);
	engine_run_end(&w->r); /* the flows still open end: ids known */
	return NULL;
}

/* The reader's slot for worker k (waits while its ring is full). */
static struct burst *slot(struct worker *w)
{
	unsigned h = atomic_load_explicit(&w->head, memory_order_relaxed),
		 spins = 0;

	while (h - atomic_load_explicit(&w->tail, memory_order_acquire) >= RING)
		pause_a_bit(&spins);
	return &w->ring[h % RING];
}

static void send(struct worker *w, uint64_t frontier, int end)
{
	struct burst *b = slot(w);
	unsigned h = atomic_load_explicit(&w->head, memory_order_relaxed);

	b->frontier = frontier;
	b->end = end;
	atomic_store_explicit(&w->head, h + 1, memory_order_release);
	slot(w)->n = 0;
}

static unsigned addr_hash(const uint8_t *a)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x = (x ^ (y * 0x9e3779b97f4a7c15ull)) * 0xd6e8feb86659fd93ull;
	return (unsigned)(x >> 32);
}

/* Which worker gets a decoded packet: the same both ways. */
static int pick(const struct burst *b, int i, int n)
{
	if (b->ds[i] != DECODE_OK)
		return 0;
	return (int)((addr_hash(b->v[i].src) + addr_hash(b->v[i].dst)) %
		     (unsigned)n);
}

/* ---- the reader ------------------------------------------------------- */

struct reader {
	struct par *p;
	struct source **srcs;
	int nsrc;
	struct pkt *pend;
	int *live;
	struct engine_stats *st;
	int rc;
	struct pt_err *err;
};

static void read_next(struct reader *rd, int i)
{
	struct pt_err e;
	int rc = source_next(rd->srcs[i], &rd->pend[i], &e);

	if (rc == 1)
		return;
	rd->live[i] = 0;
	if (rc == PT_ETRUNC) {
		rd->st->truncated = 1;
		if (rd->p->ev->warn)
			rd->p->ev->warn(rd->p->ev->arg, &e);
	} else if (rc < 0 && !rd->rc) {
		rd->rc = rc;
		*rd->err = e;
	}
}

static int earliest(const struct reader *rd)
{
	int best = -1;

	for (int i = 0; i < rd->nsrc; i++)
		if (rd->live[i] &&
		    (best < 0 || rd->pend[i].ts_ns < rd->pend[best].ts_ns))
			best = i;
	return best;
}

/* Decode, split and send every packet; returns the last packet number. */
static uint64_t read_all(struct reader *rd, int per_packet)
{
	struct par *p = rd->p;
	uint64_t no = 0, now = 0;
	int best;

	while ((best = earliest(rd)) >= 0 && !(p->cfg.stop && *p->cfg.stop)) {
		struct burst one, *b;
		struct worker *w;
		int k, i;

		if (++no >> 32) {
			rd->rc = pt_fail(rd->err, PT_ELIMIT,
					 source_name(rd->srcs[best]),
					 "more than 2^32 packets: use -j 1");
			break;
		}
		if (!atomic_load_explicit(&p->chunks[no >> CHUNK_SHIFT],
					  memory_order_relaxed)) {
			_Atomic uint64_t *c = calloc((1u << CHUNK_SHIFT) / 64,
						     sizeof(uint64_t));
			if (!c) {
				rd->rc = pt_fail(rd->err, PT_ENOMEM, "engine",
						 "out of memory");
				break;
			}
			atomic_store_explicit(&p->chunks[no >> CHUNK_SHIFT], c,
					      memory_order_release);
		}
		if (rd->pend[best].ts_ns > now)
			now = rd->pend[best].ts_ns;
		one.n = 0;
		engine_burst_put(&one, &rd->pend[best], now);
		k = pick(&one, 0, p->n);
		w = &p->w[k];
		b = slot(w);
		i = b->n++;
		b->v[i] = one.v[0];
		b->ds[i] = one.ds[0];
		b->ts[i] = one.ts[0];
		b->now[i] = now;
		b->len[i] = one.len[0];
		b->no[i] = no;
		rd->st->pkts++;
		if (b->n == BURST || per_packet)
			send(w, no + 1, 0);
		if (no % (per_packet ? 64 : FLUSH_EVERY) == 0) {
			for (int j = 0; j < p->n; j++)
				send(&p->w[j], no + 1, 0);
			advance(p, no + 1);
		}
		if ((no & 0xfffff) == 0 && p->ev->progress) {
			uint64_t off = 0, size = 0;
			for (int j = 0; j < rd->nsrc; j++) {
				off += source_offset(rd->srcs[j]);
				size += source_size(rd->srcs[j]);
			}
			p->ev->progress(p->ev->arg, rd->st, off, size);
		}
		read_next(rd, best);
	}
	p->last_now = now;
	return no;
}

static int par_init(struct par *p, const struct engine_cfg *cfg, int n,
		    struct node_info *node, const struct engine_events *ev,
		    struct pt_err *err)
{
	p->ev = ev;
	p->cfg = *cfg;
	p->n = n;
	p->cfg.ft.max_flows = cfg->ft.max_flows / (uint32_t)n;
	if (p->cfg.ft.max_flows < 1024)
		p->cfg.ft.max_flows = 1024;
	/* a worker's hosts: max/2N, so that they and worker 0's table grown
	 * by the merge (at most max/2 + ...) stay within max together */
	p->cfg.max_hosts = cfg->max_hosts / (2u * (uint32_t)n);
	p->w = calloc((size_t)n, sizeof(*p->w));
	p->prefix = calloc(((size_t)1 << (32 - BLOCK_SHIFT)) + 2,
			   sizeof(*p->prefix));
	if (!p->w || !p->prefix)
		return pt_fail(err, PT_ENOMEM, node->name, "out of memory");
	pthread_mutex_init(&p->evlock, NULL);
	for (int k = 0; k < n; k++) {
		struct worker *w = &p->w[k];
		int rc;
		w->par = p;
		w->ring = calloc(RING, sizeof(*w->ring));
		if (!w->ring)
			return pt_fail(err, PT_ENOMEM, node->name,
				       "out of memory");
		rc = engine_run_init(&w->r, &p->cfg, node, ev, &w->st, err);
		if (rc)
			return rc;
		w->r.par = p;
		w->r.w = k;
	}
	return 0;
}

static void par_free(struct par *p)
{
	for (int k = 0; p->w && k < p->n; k++) {
		engine_run_free(&p->w[k].r);
		free(p->w[k].ring);
		free(p->w[k].pend);
		free(p->w[k].wins);
	}
	for (unsigned c = 0; c < NCHUNK; c++)
		free((void *)atomic_load(&p->chunks[c]));
	free(p->w);
	free(p->prefix);
}

/* Sum the workers' counters, hosts and totals into worker 0's run. */
static void merge(struct par *p, struct engine_stats *st)
{
	struct run *r0 = &p->w[0].r;

	r0->hosts.max = p->cfg.max_hosts * (uint32_t)p->n;
	if (!p->cfg.max_hosts)
		r0->hosts.max = 0;
	for (int k = 0; k < p->n; k++) {
		struct engine_stats *s = &p->w[k].st;
		for (int d = 0; d < DECODE_NSTATUS; d++)
			st->decode[d] += s->decode[d];
		st->bytes += s->bytes;
		st->flows += s->flows;
		st->ft.created += s->ft.created;
		st->ft.peak += s->ft.peak;
		st->ft.evicted += s->ft.evicted;
		st->ft.nomem += s->ft.nomem;
		st->ft.bytes_alloc += s->ft.bytes_alloc;
		if (k) {
			hosts_merge(&r0->hosts, &p->w[k].r.hosts);
			node_merge(&r0->total, &p->w[k].r.total);
		}
	}
	r0->st = st;
}

int engine_par_run(const struct engine_cfg *cfg, struct node_info *node,
		   struct source **srcs, int nsrc,
		   const struct engine_events *ev, struct engine_stats *st,
		   struct pt_err *err)
{
	struct par *p = calloc(1, sizeof(*p));
	struct reader rd = { p, srcs, nsrc, NULL, NULL, st, 0, err };
	struct timespec t0, t1;
	int n = cfg->jobs, started = 0, rc, best, per_packet = 0;
	uint64_t last;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rd.pend = calloc((size_t)nsrc + 1, sizeof(*rd.pend));
	rd.live = calloc((size_t)nsrc + 1, sizeof(*rd.live));
	if (!p || !rd.pend || !rd.live) {
		rc = pt_fail(err, PT_ENOMEM, node->name, "out of memory");
		goto out;
	}
	rc = par_init(p, cfg, n, node, ev, err);
	if (rc)
		goto out;
	for (int i = 0; i < nsrc; i++) {
		rd.live[i] = 1;
		per_packet |= source_is_live(srcs[i]);
		read_next(&rd, i);
	}
	/* every worker's windows start at the input's first packet */
	if ((best = earliest(&rd)) >= 0)
		for (int k = 0; k < n; k++) {
			p->w[k].r.have_t0 = 1;
			p->w[k].r.t0 = p->w[k].r.win_start =
				rd.pend[best].ts_ns;
		}
	pthread_barrier_init(&p->bar, NULL, (unsigned)n + 1);
	for (; started < n; started++)
		if (pthread_create(&p->w[started].th, NULL, worker_main,
				   &p->w[started]))
			break;
	if (started < n) { /* cannot run: stop the ones started */
		rc = pt_fail(err, PT_ENOMEM, node->name,
			     "cannot start %d threads", n);
		for (int k = 0; k < started; k++)
			pthread_cancel(p->w[k].th);
		for (int k = 0; k < started; k++)
			pthread_join(p->w[k].th, NULL);
		pthread_barrier_destroy(&p->bar);
		goto out;
	}
	last = read_all(&rd, per_packet);
	if (!rc)
		rc = rd.rc;
	for (int k = 0; k < n; k++) {
		send(&p->w[k], last + 1, 0);
		send(&p->w[k], last + 1, 1);
	}
	pthread_barrier_wait(&p->bar); /* every packet accounted */
	advance(p, ((last >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
	pthread_barrier_wait(&p->bar); /* ids known: workers end flows */
	for (int k = 0; k < n; k++)
		pthread_join(p->w[k].th, NULL);
	pthread_barrier_destroy(&p->bar);
	merge(p, st);
	merge_windows(p, &p->w[0].r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->wall_s = (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (int k = 0; k < n; k++)
		if (p->w[k].nomem && !rc)
			rc = pt_fail(err, PT_ENOMEM, node->name,
				     "out of memory (flow rows or windows "
				     "lost)");
	engine_report(&p->w[0].r, srcs, nsrc);
out:
	if (p)
		par_free(p);
	free(p);
	free(rd.pend);
	free(rd.live);
	return rc;
}
