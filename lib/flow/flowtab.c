/*
 * flowtab.c -- the active flow table (see flowtab.h for the contract).
 *
 * Built for cache misses: with hundreds of thousands of flows open, every
 * packet finds its record cold, so what a packet touches is kept small.
 *  - A hot record (struct hot, 232 bytes) holds what every packet updates
 *    and the default outputs need: key, list links, times, counters, the
 *    paper's size bins. The per-flow statistics and first packets (cold,
 *    struct cold) live in a parallel pool that exists only when cfg.extras
 *    asks for them; the 32-byte bins likewise (cfg.fine_bins).
 *  - The index is open addressing with linear probing over 8-byte slots
 *    (record number + 1, and the key's 32-bit hash), at most half full: a
 *    probe compares hashes in the index and touches a record only on a
 *    hash match; deletion shifts later entries back (no tombstones) using
 *    the hash in the slot, without reading records.
 *  - flowtab_prepare() lets a caller hash a burst of packets and prefetch
 *    their index slots, records and LRU neighbours before adding them one
 *    by one (the adds then find their lines in cache).
 * Two intrusive doubly linked lists of record numbers keep:
 *   lru: by last packet time  -> idle expiry and eviction take the head;
 *   act: by first packet time -> active expiry takes the head.
 * Time is packet time; it never goes back (a late packet counts as now).
 * A struct flow is assembled from hot + cold only when a flow ends.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "p2ptrace/flowtab.h"

#define NIL UINT32_MAX
#define FRAG_SLOTS 4096 /* direct-mapped cache: first fragment's ports */
#define FRAG_TTL_NS (60ull * 1000000000ull)

/* TCP close states */
enum { ST_OPEN = 0, ST_FIN_A = 1, ST_FIN_B = 2, ST_FIN_BOTH = 3 };

/* What every packet touches. Line 0: key, hash, links, flags (the probe
 * and the list moves); then times, counters, bins. */
struct hot {
	struct flow_key key;
	uint32_t hash;
	uint32_t lru_prev, lru_next;
	uint8_t orig_is_a, state, saw_syn, last_fin_from_a;
	uint8_t used, nfirst, tcp_flags[2];
	uint32_t act_prev, act_next;
	uint32_t pad;
	uint64_t lru_ns;	    /* last packet time, monotone */
	uint64_t first_ns, last_ns; /* the flow's, both directions */
	uint64_t id;
	uint64_t pkts[2], bytes[2], ip_bytes[2]; /* [0] fwd, [1] rev */
	uint32_t plen[2][PLEN_NBINS];
};
_Static_assert(sizeof(struct hot) == 232, "hot record is 232 bytes");

/* The statistical features and first packets (cfg.extras). */
struct cold_dir {
	uint64_t payload, first_ns, last_ns;
	uint64_t iat_min, iat_max;
	double size_sum, size_sq, iat_sum, iat_sq;
	uint32_t size_min, size_max;
	uint32_t syn, fin, rst, psh, ack_only;
};
struct cold {
	struct cold_dir d[2];
	uint16_t first_len[FIRSTN];
	uint8_t first_dir[FIRSTN];
	uint32_t first_us[FIRSTN];
};

struct list {
	uint32_t head, tail;
};

struct frag_slot {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto, ipver;
	uint16_t sport, dport;
	uint64_t ts_ns;
};

struct flowtab {
	struct flowtab_cfg cfg;
	flow_end_fn *on_end;
	flow_new_fn *on_new;
	void *arg;
	struct hot *recs;
	struct cold *cold; /* one per record, or NULL */
	uint32_t *fine;	   /* FINE_NBINS per record, or NULL */
	uint32_t nrecs, caprecs, free_head;
	uint64_t *idx; /* hash << 32 | (record number + 1); 0 = empty */
	uint32_t idx_mask;
	struct list lru, act;
	uint64_t now, next_id;
	struct flowtab_stats st;
	struct frag_slot *frags;
	struct flow out; /* the flow handed to on_end / on_new */
};

/* ---- lists ----------------------------------------------------------- */

#define LIST_FNS(NAME, PREV, NEXT)                                             \
	static void NAME##_push(struct flowtab *ft, uint32_t i)                \
	{                                                                      \
		struct hot *r = &ft->recs[i];                                  \
		r->PREV = ft->NAME.tail;                                       \
		r->NEXT = NIL;                                                 \
		if (ft->NAME.tail != NIL)                                      \
			ft->recs[ft->NAME.tail].NEXT = i;                      \
		else                                                           \
			ft->NAME.head = i;                                     \
		ft->NAME.tail = i;                                             \
	}                                                                      \
	static void NAME##_unlink(struct flowtab *ft, uint32_t i)              \
	{                                                                      \
		struct hot *r = &ft->recs[i];                                  \
		if (r->PREV != NIL)                                            \
			ft->recs[r->PREV].NEXT = r->NEXT;                      \
		else                                                           \
			ft->NAME.head = r->NEXT;                               \
		if (r->NEXT != NIL)                                            \
			ft->recs[r->NEXT].PREV = r->PREV;                      \
		else                                                           \
			ft->NAME.tail = r->PREV;                               \
	}
LIST_FNS(lru, lru_prev, lru_next)
LIST_FNS(act, act_prev, act_next)

/* ---- keys and hashing ------------------------------------------------ */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ull;
	return h ^ (h >> 29);
}

static uint32_t key_hash(const struct flow_key *k)
{
	uint64_t w[5];

	memcpy(w, k, sizeof(w));
	return (uint32_t)mix(
		mix(mix(mix(mix(0x51ed27, w[0]), w[1]), w[2]), w[3]), w[4]);
}

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is 5 words");

/* Canonical key: the lower (address, port) endpoint is a. Returns 1 when
 * the packet's sender is a. */
static int make_key(const struct pkt_view *v, int vlan_key, struct flow_key *k)
{
	size_t alen = v->ipver == 6 ? 16 : 4;
	int c = memcmp(v->src, v->dst, alen);
	int src_is_a = c < 0 || (c == 0 && v->sport <= v->dport);

	memset(k, 0, sizeof(*k));
	if (src_is_a) {
		memcpy(k->a, v->src, 16);
		memcpy(k->b, v->dst, 16);
		k->aport = v->sport;
		k->bport = v->dport;
	} else {
		memcpy(k->a, v->dst, 16);
		memcpy(k->b, v->src, 16);
		k->aport = v->dport;
		k->bport = v->sport;
	}
	k->proto = v->proto;
	k->ipver = v->ipver;
	k->vlan = vlan_key ? v->vlan : 0;
	return src_is_a;
}

static inline int key_eq(const struct flow_key *x, const struct flow_key *y)
{
	uint64_t a[5], b[5];

	memcpy(a, x, sizeof(a));
	memcpy(b, y, sizeof(b));
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		 (a[4] ^ b[4]));
}

/* ---- index ----------------------------------------------------------- */

static inline uint32_t slot_rec(uint64_t e)
{
	return (uint32_t)e - 1;
}

static uint32_t idx_find(const struct flowtab *ft, const struct flow_key *k,
			 uint32_t h)
{
	uint32_t s = h & ft->idx_mask;

	for (;; s = (s + 1) & ft->idx_mask) {
		uint64_t e = ft->idx[s];
		if (!e)
			return NIL;
		if ((uint32_t)(e >> 32) == h &&
		    key_eq(&ft->recs[slot_rec(e)].key, k))
			return slot_rec(e);
	}
}

static void idx_put(struct flowtab *ft, uint32_t i)
{
	uint32_t h = ft->recs[i].hash, s = h & ft->idx_mask;

	while (ft->idx[s])
		s = (s + 1) & ft->idx_mask;
	ft->idx[s] = (uint64_t)h << 32 | (i + 1);
}

static void idx_del(struct flowtab *ft, uint32_t i)
{
	uint32_t s = ft->recs[i].hash & ft->idx_mask, j;

	while ((uint32_t)ft->idx[s] != i + 1)
		s = (s + 1) & ft->idx_mask;
	/* backward-shift deletion (Knuth 6.4 algorithm R) */
	j = s;
	for (;;) {
		uint32_t home;
		j = (j + 1) & ft->idx_mask;
		if (!ft->idx[j])
			break;
		home = (uint32_t)(ft->idx[j] >> 32) & ft->idx_mask;
		/* move j's entry to s if its home is not in (s, j] */
		if (((j - home) & ft->idx_mask) >= ((j - s) & ft->idx_mask)) {
			ft->idx[s] = ft->idx[j];
			s = j;
		}
	}
	ft->idx[s] = 0;
}

/* Ask for 2 MiB pages over a large array: a page fault per 4 KiB of new
 * records (they are touched as flows arrive) costs more than the flow
 * itself, and a TLB entry per 4 KiB misses as much as the data. */
static void huge(void *p, size_t n)
{
	uintptr_t a = ((uintptr_t)p + (2u << 20) - 1) &
		      ~(uintptr_t)((2u << 20) - 1),
		  e = ((uintptr_t)p + n) & ~(uintptr_t)((2u << 20) - 1);

	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
}

static int grow(struct flowtab *ft)
{
	uint32_t ncap = ft->caprecs ? ft->caprecs * 2 : 1024, i;
	struct hot *nr;
	uint64_t *ni;

	if (ncap > ft->cfg.max_flows)
		ncap = ft->cfg.max_flows;
	if (ncap <= ft->caprecs)
		return -1;
	nr = realloc(ft->recs, (size_t)ncap * sizeof(*nr));
	if (!nr)
		return -1;
	ft->recs = nr;
	huge(nr, (size_t)ncap * sizeof(*nr));
	if (ft->cfg.extras) {
		struct cold *nc = realloc(ft->cold, (size_t)ncap * sizeof(*nc));
		if (!nc)
			return -1;
		ft->cold = nc;
	}
	if (ft->cfg.fine_bins) {
		uint32_t *nf = realloc(ft->fine, (size_t)ncap * FINE_NBINS *
							 sizeof(uint32_t));
		if (!nf)
			return -1;
		ft->fine = nf;
	}
	/* index: at most half full; grown before caprecs says so, so that a
	 * failure here leaves the table as it was */
	if ((uint64_t)ncap * 2 > (uint64_t)ft->idx_mask + 1) {
		uint32_t nslots = 1;
		while (nslots < ncap * 2u)
			nslots <<= 1;
		ni = calloc(nslots, sizeof(*ni));
		if (!ni)
			return -1;
		huge(ni, (size_t)nslots * sizeof(*ni));
		free(ft->idx);
		ft->idx = ni;
		ft->idx_mask = nslots - 1;
		for (i = 0; i < ft->nrecs; i++)
			if (ft->recs[i].used)
				idx_put(ft, i);
	}
	ft->caprecs = ncap;
	return 0;
}

/* ---- the flow handed out --------------------------------------------- */

/* Assemble record i as a struct flow (ft->out). Without extras the
 * per-direction first/last times are the flow's (see flowtab.h). */
static const struct flow *to_flow(struct flowtab *ft, uint32_t i)
{
	const struct hot *r = &ft->recs[i];
	struct flow *f = &ft->out;

	memset(f, 0, sizeof(*f));
	f->key = r->key;
	f->orig_is_a = r->orig_is_a;
	f->state = r->state;
	f->saw_syn = r->saw_syn;
	f->hash = r->hash;
	f->id = r->id;
	for (int d = 0; d < 2; d++) {
		struct flow_dir *o = &f->dir[d];
		o->pkts = r->pkts[d];
		o->bytes = r->bytes[d];
		o->ip_bytes = r->ip_bytes[d];
		o->tcp_flags = r->tcp_flags[d];
		for (int b = 0; b < PLEN_NBINS; b++)
			o->plen[b] = r->plen[d][b];
		if (o->pkts) {
			o->first_ns = r->first_ns;
			o->last_ns = r->last_ns;
		}
	}
	if (ft->cold) {
		const struct cold *c = &ft->cold[i];
		for (int d = 0; d < 2; d++) {
			struct flow_dir *o = &f->dir[d];
			const struct cold_dir *x = &c->d[d];
			o->payload = x->payload;
			o->first_ns = x->first_ns;
			o->last_ns = x->last_ns;
			o->size_min = x->size_min;
			o->size_max = x->size_max;
			o->size_sum = x->size_sum;
			o->size_sq = x->size_sq;
			o->iat_min = x->iat_min;
			o->iat_max = x->iat_max;
			o->iat_sum = x->iat_sum;
			o->iat_sq = x->iat_sq;
			o->syn = x->syn;
			o->fin = x->fin;
			o->rst = x->rst;
			o->psh = x->psh;
			o->ack_only = x->ack_only;
		}
		f->nfirst = r->nfirst;
		memcpy(f->first_len, c->first_len, sizeof(f->first_len));
		memcpy(f->first_dir, c->first_dir, sizeof(f->first_dir));
		memcpy(f->first_us, c->first_us, sizeof(f->first_us));
	}
	if (ft->fine)
		f->fine = ft->fine + (size_t)i * FINE_NBINS;
	return f;
}

/* ---- creating and ending --------------------------------------------- */

static void end_flow(struct flowtab *ft, uint32_t i, enum flow_end why)
{
	struct hot *r = &ft->recs[i];

	if (ft->on_end)
		ft->on_end(to_flow(ft, i), why, ft->arg);
	idx_del(ft, i);
	lru_unlink(ft, i);
	act_unlink(ft, i);
	r->used = 0;
	r->lru_next = ft->free_head;
	ft->free_head = i;
	ft->st.active--;
	if (why == FLOW_END_LACK)
		ft->st.evicted++;
}

static uint32_t new_rec(struct flowtab *ft)
{
	uint32_t i;

	if (ft->free_head != NIL) {
		i = ft->free_head;
		ft->free_head = ft->recs[i].lru_next;
		return i;
	}
	if (ft->nrecs == ft->caprecs && grow(ft) != 0) {
		if (ft->lru.head == NIL)
			return NIL;
		end_flow(ft, ft->lru.head, FLOW_END_LACK);
		return new_rec(ft);
	}
	return ft->nrecs++;
}

int flowtab_new(const struct flowtab_cfg *cfg, flow_end_fn *on_end,
		flow_new_fn *on_new, void *arg, struct flowtab **out,
		struct pt_err *err)
{
	struct flowtab *ft = calloc(1, sizeof(*ft));

	if (!ft)
		return pt_fail(err, PT_ENOMEM, "flow table", "out of memory");
	ft->cfg = *cfg;
	if (!ft->cfg.max_flows)
		ft->cfg.max_flows = FLOWTAB_DEFAULT_MAX;
	ft->on_end = on_end;
	ft->on_new = on_new;
	ft->arg = arg;
	ft->free_head = NIL;
	ft->lru.head = ft->lru.tail = NIL;
	ft->act.head = ft->act.tail = NIL;
	ft->frags = calloc(FRAG_SLOTS, sizeof(*ft->frags));
	if (!ft->frags || grow(ft) != 0) {
		flowtab_free(ft);
		return pt_fail(err, PT_ENOMEM, "flow table", "out of memory");
	}
	*out = ft;
	return 0;
}

void flowtab_expire(struct flowtab *ft, uint64_t now)
{
	if (now > ft->now)
		ft->now = now;
	now = ft->now;
	if (ft->cfg.idle_ns)
		while (ft->lru.head != NIL &&
		       ft->recs[ft->lru.head].lru_ns + ft->cfg.idle_ns < now)
			end_flow(ft, ft->lru.head, FLOW_END_IDLE);
	if (ft->cfg.active_ns)
		while (ft->act.head != NIL &&
		       ft->recs[ft->act.head].first_ns + ft->cfg.active_ns <
			       now)
			end_flow(ft, ft->act.head, FLOW_END_ACTIVE);
}

void flowtab_flush(struct flowtab *ft)
{
	while (ft->lru.head != NIL)
		end_flow(ft, ft->lru.head, FLOW_END_FORCED);
}

/* ---- counting -------------------------------------------------------- */

/* The cold part of one packet: statistics and the first packets. Called
 * before the hot counters move (pkts is the count before this packet). */
static void cold_add(struct cold *c, const struct hot *r, int dir,
		     const struct pkt_view *v, uint32_t len, uint64_t ts)
{
	struct cold_dir *d = &c->d[dir];
	uint64_t pkts = r->pkts[dir];

	if (pkts) {
		uint64_t gap = ts > d->last_ns ? ts - d->last_ns : 0;
		if (pkts == 1 || gap < d->iat_min)
			d->iat_min = gap;
		if (gap > d->iat_max)
			d->iat_max = gap;
		d->iat_sum += (double)gap;
		d->iat_sq += (double)gap * (double)gap;
		if (len < d->size_min)
			d->size_min = len;
	} else {
		d->first_ns = ts;
		d->size_min = len;
	}
	if (ts > d->last_ns)
		d->last_ns = ts;
	if (len > d->size_max)
		d->size_max = len;
	d->payload += v->payload_len;
	d->size_sum += len;
	d->size_sq += (double)len * len;
	if (v->proto == 6) {
		uint8_t fl = v->tcp_flags;
		d->syn += !!(fl & TCPF_SYN);
		d->fin += !!(fl & TCPF_FIN);
		d->rst += !!(fl & TCPF_RST);
		d->psh += !!(fl & TCPF_PSH);
		d->ack_only += fl == TCPF_ACK && v->payload_len == 0;
	}
}

/* The first FIRSTN packets; after the hot times moved. */
static void firstn_add(struct cold *c, struct hot *r, int dir, uint32_t len,
		       uint64_t ts)
{
	uint64_t off = ts > r->first_ns ? ts - r->first_ns : 0;

	if (r->nfirst >= FIRSTN)
		return;
	c->first_len[r->nfirst] = len > 65535 ? 65535 : (uint16_t)len;
	c->first_dir[r->nfirst] = (uint8_t)dir;
	c->first_us[r->nfirst] =
		off / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(off / 1000);
	r->nfirst++;
}

static void hot_add(struct hot *r, int d, const struct pkt_view *v,
		    uint32_t len, uint64_t ts)
{
	if (!r->pkts[d] && ts < r->first_ns)
		r->first_ns = ts; /* a direction's first packet, late */
	if (ts > r->last_ns)
		r->last_ns = ts;
	r->pkts[d]++;
	r->bytes[d] += len;
	r->ip_bytes[d] += v->ip_len;
	r->plen[d][plen_bin(len)]++;
	if (v->proto == 6)
		r->tcp_flags[d] |= v->tcp_flags;
}

static void swap_dirs(struct flowtab *ft, uint32_t i)
{
	struct hot *r = &ft->recs[i];
	uint64_t t;
	uint32_t b;
	uint8_t fl = r->tcp_flags[0];

	r->tcp_flags[0] = r->tcp_flags[1];
	r->tcp_flags[1] = fl;
#define SWAP(x, y, tmp) (tmp = x, x = y, y = tmp)
	SWAP(r->pkts[0], r->pkts[1], t);
	SWAP(r->bytes[0], r->bytes[1], t);
	SWAP(r->ip_bytes[0], r->ip_bytes[1], t);
	for (int k = 0; k < PLEN_NBINS; k++)
		SWAP(r->plen[0][k], r->plen[1][k], b);
#undef SWAP
	r->orig_is_a = !r->orig_is_a;
	if (ft->cold) {
		struct cold *c = &ft->cold[i];
		struct cold_dir cd = c->d[0];
		c->d[0] = c->d[1];
		c->d[1] = cd;
		for (unsigned k = 0; k < r->nfirst; k++)
			c->first_dir[k] ^= 1;
	}
}

static void frag_ports(struct flowtab *ft, struct pkt_view *v, uint64_t ts)
{
	uint32_t h = (uint32_t)mix(
		mix(v->frag_id, v->src[0] ^ v->src[3] ^ v->src[15]),
		(uint64_t)v->dst[3] << 8 | v->proto);
	struct frag_slot *s = &ft->frags[h % FRAG_SLOTS];

	if (v->frag == FRAG_FIRST) {
		memcpy(s->src, v->src, 16);
		memcpy(s->dst, v->dst, 16);
		s->id = v->frag_id;
		s->proto = v->proto;
		s->ipver = v->ipver;
		s->sport = v->sport;
		s->dport = v->dport;
		s->ts_ns = ts;
		return;
	}
	if (s->ts_ns && s->id == v->frag_id && s->proto == v->proto &&
	    s->ipver == v->ipver && !memcmp(s->src, v->src, 16) &&
	    !memcmp(s->dst, v->dst, 16) && ts - s->ts_ns < FRAG_TTL_NS) {
		v->sport = s->sport;
		v->dport = s->dport;
	}
}

/* A new record i for key k (hash h) whose first packet has flags fl. */
static void create(struct flowtab *ft, uint32_t i, const struct flow_key *k,
		   uint32_t h, int from_a, uint8_t fl, uint64_t ts)
{
	struct hot *r = &ft->recs[i];

	memset(r, 0, sizeof(*r));
	r->used = 1;
	r->key = *k;
	r->hash = h;
	r->id = ++ft->next_id;
	r->first_ns = r->last_ns = ts;
	/* originator: the sender, unless this is a SYN-ACK */
	r->orig_is_a = (uint8_t)from_a;
	if ((fl & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		r->orig_is_a = (uint8_t)!from_a;
	if (fl & TCPF_SYN)
		r->saw_syn = 1;
	if (ft->cold)
		memset(&ft->cold[i], 0, sizeof(ft->cold[i]));
	if (ft->fine)
		memset(ft->fine + (size_t)i * FINE_NBINS, 0,
		       FINE_NBINS * sizeof(uint32_t));
	idx_put(ft, i);
	lru_push(ft, i);
	act_push(ft, i);
	ft->st.active++;
	ft->st.created++;
	if (ft->st.active > ft->st.peak)
		ft->st.peak = ft->st.active;
}

/* The packet's TCP end rules after it was counted; 0 when it ended i. */
static int tcp_end(struct flowtab *ft, uint32_t i, int from_a, uint8_t fl)
{
	struct hot *r = &ft->recs[i];

	if (fl & TCPF_RST) {
		end_flow(ft, i, FLOW_END_EOF);
		return 0;
	}
	if (r->state == ST_FIN_BOTH) {
		if ((fl & TCPF_ACK) && !(fl & TCPF_FIN) &&
		    (from_a != 0) != (r->last_fin_from_a != 0)) {
			end_flow(ft, i, FLOW_END_EOF);
			return 0;
		}
	} else if (fl & TCPF_FIN) {
		r->state |= from_a ? ST_FIN_A : ST_FIN_B;
		r->last_fin_from_a = (uint8_t)from_a;
	}
	return 1;
}

/* flowtab_add with the key already made (p->ok) or not. */
static int add(struct flowtab *ft, const struct pkt_view *pv,
	       const struct flowtab_probe *p, uint32_t len, uint64_t ts)
{
	struct pkt_view fv;
	const struct pkt_view *v = pv;
	struct flow_key kb;
	const struct flow_key *k = &kb;
	struct hot *r;
	uint32_t h, i;
	int from_a, dir;
	uint8_t fl = pv->proto == 6 ? pv->tcp_flags : 0;

	flowtab_expire(ft, ts);
	if (p && p->ok) {
		k = &p->key;
		h = p->hash;
		from_a = p->from_a;
	} else {
		if (pv->frag) {
			fv = *pv;
			frag_ports(ft, &fv, ft->now);
			v = &fv;
		}
		from_a = make_key(v, ft->cfg.vlan_key, &kb);
		h = key_hash(&kb);
	}
	i = idx_find(ft, k, h);
	if (i != NIL && ft->cfg.tcp_end && v->proto == 6 &&
	    ft->recs[i].state == ST_FIN_BOTH &&
	    (fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		end_flow(ft, i, FLOW_END_EOF); /* port reused by a new SYN */
		i = NIL;
	}
	if (i == NIL) {
		i = new_rec(ft);
		if (i == NIL) {
			ft->st.nomem++;
			return 0;
		}
		create(ft, i, k, h, from_a, fl, ts);
		r = &ft->recs[i];
	} else {
		r = &ft->recs[i];
		if (ft->lru.tail != i) {
			lru_unlink(ft, i);
			lru_push(ft, i);
		}
		if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN && !r->saw_syn) {
			r->saw_syn = 1;
			if ((from_a != 0) != (r->orig_is_a != 0))
				swap_dirs(ft, i);
		}
	}
	r->lru_ns = ft->now; /* the packet's own time goes into the counters */
	dir = (from_a != 0) != (r->orig_is_a != 0);
	if (ft->cold)
		cold_add(&ft->cold[i], r, dir, v, len, ts);
	hot_add(r, dir, v, len, ts);
	if (ft->fine)
		ft->fine[(size_t)i * FINE_NBINS + fine_bin(len)]++;
	if (ft->cold)
		firstn_add(&ft->cold[i], r, dir, len, ts);
	if (r->pkts[0] + r->pkts[1] == 1 && ft->on_new)
		ft->on_new(to_flow(ft, i), ft->arg);
	if (ft->cfg.tcp_end && v->proto == 6)
		return tcp_end(ft, i, from_a, fl);
	return 1;
}

int flowtab_add(struct flowtab *ft, const struct pkt_view *v, uint32_t len,
		uint64_t ts)
{
	return add(ft, v, NULL, len, ts);
}

int flowtab_add_prepared(struct flowtab *ft, const struct pkt_view *v,
			 const struct flowtab_probe *p, uint32_t len,
			 uint64_t ts)
{
	return add(ft, v, p, len, ts);
}

void flowtab_set_next_id(struct flowtab *ft, uint64_t id)
{
	ft->next_id = id - 1;
}

/* Three passes, each reading what the previous one prefetched: index
 * slots, then records (and their cold parts), then LRU neighbours. A
 * prefetch is only a hint: the adds redo the lookups in order. */
void flowtab_prepare(struct flowtab *ft, const struct pkt_view *v, int n,
		     struct flowtab_probe *p)
{
	for (int j = 0; j < n; j++) {
		p[j].ok = !v[j].frag;
		p[j].rec = NIL;
		if (!p[j].ok)
			continue;
		p[j].from_a = make_key(&v[j], ft->cfg.vlan_key, &p[j].key);
		p[j].hash = key_hash(&p[j].key);
		__builtin_prefetch(&ft->idx[p[j].hash & ft->idx_mask]);
	}
	for (int j = 0; j < n; j++) {
		uint32_t s;
		if (!p[j].ok)
			continue;
		for (s = p[j].hash & ft->idx_mask; ft->idx[s];
		     s = (s + 1) & ft->idx_mask)
			if ((uint32_t)(ft->idx[s] >> 32) == p[j].hash) {
				const char *r =
					(const char *)&ft
						->recs[slot_rec(ft->idx[s])];
				p[j].rec = slot_rec(ft->idx[s]);
				__builtin_prefetch(r, 1);
				__builtin_prefetch(r + 64, 1);
				__builtin_prefetch(r + 128, 1);
				__builtin_prefetch(r + 192, 1);
				if (ft->cold)
					__builtin_prefetch(&ft->cold[p[j].rec],
							   1);
				break;
			}
	}
	for (int j = 0; j < n; j++) {
		const struct hot *r;
		if (p[j].rec == NIL)
			continue;
		r = &ft->recs[p[j].rec];
		if (r->lru_prev != NIL)
			__builtin_prefetch(&ft->recs[r->lru_prev].lru_next, 1);
		if (r->lru_next != NIL)
			__builtin_prefetch(&ft->recs[r->lru_next].lru_prev, 1);
	}
}

void flowtab_stats(const struct flowtab *ft, struct flowtab_stats *st)
{
	*st = ft->st;
	st->bytes_alloc =
		(uint64_t)ft->caprecs * sizeof(struct hot) +
		(uint64_t)(ft->idx_mask + 1) * sizeof(uint64_t) +
		(ft->cold ? (uint64_t)ft->caprecs * sizeof(struct cold) : 0) +
		(ft->fine ? (uint64_t)ft->caprecs * FINE_NBINS * 4 : 0) +
		FRAG_SLOTS * sizeof(struct frag_slot);
}

size_t flowtab_bytes_per_flow(const struct flowtab *ft)
{
	(void)ft;
	/* a record, plus its share of an index kept at most half full */
	return sizeof(struct hot) + 2 * sizeof(uint64_t);
}

size_t flowtab_cold_bytes_per_flow(const struct flowtab *ft)
{
	return (ft->cold ? sizeof(struct cold) : 0) +
	       (ft->fine ? FINE_NBINS * sizeof(uint32_t) : 0);
}

void flowtab_free(struct flowtab *ft)
{
	if (!ft)
		return;
	free(ft->recs);
	free(ft->cold);
	free(ft->fine);
	free(ft->idx);
	free(ft->frags);
	free(ft);
}
