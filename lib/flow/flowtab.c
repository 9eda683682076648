/*
 * flowtab.c -- the active flow table (see flowtab.h for the contract).
 *
 * Records live in one pool (doubling up to max_flows; a free list reuses
 * ended ones). The index maps a key's hash to a record by open addressing
 * with linear probing; deletion shifts later entries back, so there are no
 * tombstones. Two intrusive doubly linked lists of record numbers keep:
 *   lru: by last packet time  -> idle expiry and eviction take the head;
 *   act: by first packet time -> active expiry takes the head.
 * Time is packet time; it never goes back (a late packet counts as now).
 */
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/flowtab.h"

#define NIL UINT32_MAX
#define FRAG_SLOTS 4096 /* direct-mapped cache: first fragment's ports */
#define FRAG_TTL_NS (60ull * 1000000000ull)

/* TCP close states */
enum { ST_OPEN = 0, ST_FIN_A = 1, ST_FIN_B = 2, ST_FIN_BOTH = 3 };

struct rec {
	struct flow f;
	uint32_t lru_prev, lru_next;
	uint32_t act_prev, act_next;
	uint64_t lru_ns; /* last packet time, monotone */
	uint8_t last_fin_from_a;
	uint8_t used;
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
	struct rec *recs;
	uint32_t *fine; /* FINE_NBINS per record, or NULL */
	uint32_t nrecs, caprecs, free_head;
	uint32_t *idx; /* record number + 1; 0 = empty */
	uint32_t idx_mask;
	struct list lru, act;
	uint64_t now, next_id;
	struct flowtab_stats st;
	struct frag_slot *frags;
};

/* ---- lists ----------------------------------------------------------- */

#define LIST_FNS(NAME, PREV, NEXT)                                             \
	static void NAME##_push(struct flowtab *ft, uint32_t i)                \
	{                                                                      \
		struct rec *r = &ft->recs[i];                                  \
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
		struct rec *r = &ft->recs[i];                                  \
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

static uint32_t idx_find(const struct flowtab *ft, const struct flow_key *k,
			 uint32_t h)
{
	uint32_t s = h & ft->idx_mask;

	for (;; s = (s + 1) & ft->idx_mask) {
		uint32_t e = ft->idx[s];
		if (!e)
			return NIL;
		if (ft->recs[e - 1].f.hash == h &&
		    key_eq(&ft->recs[e - 1].f.key, k))
			return e - 1;
	}
}

static void idx_put(struct flowtab *ft, uint32_t i)
{
	uint32_t s = ft->recs[i].f.hash & ft->idx_mask;

	while (ft->idx[s])
		s = (s + 1) & ft->idx_mask;
	ft->idx[s] = i + 1;
}

static void idx_del(struct flowtab *ft, uint32_t i)
{
	uint32_t s = ft->recs[i].f.hash & ft->idx_mask, j;

	while (ft->idx[s] != i + 1)
		s = (s + 1) & ft->idx_mask;
	/* backward-shift deletion (Knuth 6.4 algorithm R) */
	j = s;
	for (;;) {
		uint32_t home;
		j = (j + 1) & ft->idx_mask;
		if (!ft->idx[j])
			break;
		home = ft->recs[ft->idx[j] - 1].f.hash & ft->idx_mask;
		/* move j's entry to s if its home is not in (s, j] */
		if (((j - home) & ft->idx_mask) >= ((j - s) & ft->idx_mask)) {
			ft->idx[s] = ft->idx[j];
			s = j;
		}
	}
	ft->idx[s] = 0;
}

static int grow(struct flowtab *ft)
{
	uint32_t ncap = ft->caprecs ? ft->caprecs * 2 : 1024, i;
	struct rec *nr;
	uint32_t *ni;

	if (ncap > ft->cfg.max_flows)
		ncap = ft->cfg.max_flows;
	if (ncap <= ft->caprecs)
		return -1;
	nr = realloc(ft->recs, (size_t)ncap * sizeof(*nr));
	if (!nr)
		return -1;
	ft->recs = nr;
	if (ft->cfg.fine_bins) {
		uint32_t *nf = realloc(ft->fine, (size_t)ncap * FINE_NBINS *
							 sizeof(uint32_t));
		if (!nf)
			return -1;
		ft->fine = nf;
		for (i = 0; i < ft->nrecs; i++)
			ft->recs[i].f.fine = ft->fine + (size_t)i * FINE_NBINS;
	}
	ft->caprecs = ncap;
	/* index: at most half full */
	if ((uint64_t)ncap * 2 > (uint64_t)ft->idx_mask + 1) {
		uint32_t nslots = 1;
		while (nslots < ncap * 2u)
			nslots <<= 1;
		ni = calloc(nslots, sizeof(*ni));
		if (!ni)
			return -1;
		free(ft->idx);
		ft->idx = ni;
		ft->idx_mask = nslots - 1;
		for (i = 0; i < ft->nrecs; i++)
			if (ft->recs[i].used)
				idx_put(ft, i);
	}
	return 0;
}

/* ---- creating and ending --------------------------------------------- */

static void end_flow(struct flowtab *ft, uint32_t i, enum flow_end why)
{
	struct rec *r = &ft->recs[i];

	if (ft->on_end)
		ft->on_end(&r->f, why, ft->arg);
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
		       flow_first_ns(&ft->recs[ft->act.head].f) +
				       ft->cfg.active_ns <
			       now)
			end_flow(ft, ft->act.head, FLOW_END_ACTIVE);
}

void flowtab_flush(struct flowtab *ft)
{
	while (ft->lru.head != NIL)
		end_flow(ft, ft->lru.head, FLOW_END_FORCED);
}

/* ---- counting -------------------------------------------------------- */

static void dir_add(struct flow_dir *d, const struct pkt_view *v, uint32_t len,
		    uint64_t ts)
{
	if (d->pkts) {
		uint64_t gap = ts > d->last_ns ? ts - d->last_ns : 0;
		if (d->pkts == 1 || gap < d->iat_min)
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
	d->pkts++;
	d->bytes += len;
	d->ip_bytes += v->ip_len;
	d->payload += v->payload_len;
	d->size_sum += len;
	d->size_sq += (double)len * len;
	d->plen[plen_bin(len)]++;
	if (v->proto == 6) {
		uint8_t fl = v->tcp_flags;
		d->tcp_flags |= fl;
		d->syn += !!(fl & TCPF_SYN);
		d->fin += !!(fl & TCPF_FIN);
		d->rst += !!(fl & TCPF_RST);
		d->psh += !!(fl & TCPF_PSH);
		d->ack_only += fl == TCPF_ACK && v->payload_len == 0;
	}
}

static void swap_dirs(struct flow *f)
{
	struct flow_dir t = f->dir[0];

	f->dir[0] = f->dir[1];
	f->dir[1] = t;
	f->orig_is_a = !f->orig_is_a;
	for (unsigned i = 0; i < f->nfirst; i++)
		f->first_dir[i] ^= 1;
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

const struct flow *flowtab_add(struct flowtab *ft, const struct pkt_view *pv,
			       uint32_t len, uint64_t ts)
{
	struct pkt_view fv;
	const struct pkt_view *v = pv;
	struct flow_key k;
	struct rec *r;
	struct flow *f;
	uint32_t h, i;
	int from_a, dir;
	uint8_t fl = pv->proto == 6 ? pv->tcp_flags : 0;
	uint64_t now; /* monotone packet time: expiry and LRU order */

	flowtab_expire(ft, ts);
	now = ft->now;
	if (pv->frag) {
		fv = *pv;
		frag_ports(ft, &fv, now);
		v = &fv;
	}
	from_a = make_key(v, ft->cfg.vlan_key, &k);
	h = key_hash(&k);
	i = idx_find(ft, &k, h);
	if (i != NIL && ft->cfg.tcp_end && v->proto == 6 &&
	    ft->recs[i].f.state == ST_FIN_BOTH &&
	    (fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		end_flow(ft, i, FLOW_END_EOF); /* port reused by a new SYN */
		i = NIL;
	}
	if (i == NIL) {
		i = new_rec(ft);
		if (i == NIL) {
			ft->st.nomem++;
			return NULL;
		}
		r = &ft->recs[i];
		memset(r, 0, sizeof(*r));
		r->used = 1;
		f = &r->f;
		f->key = k;
		f->hash = h;
		f->id = ++ft->next_id;
		/* originator: the sender, unless this is a SYN-ACK */
		f->orig_is_a = (uint8_t)from_a;
		if ((fl & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
			f->orig_is_a = (uint8_t)!from_a;
		if (fl & TCPF_SYN)
			f->saw_syn = 1;
		if (ft->fine) {
			f->fine = ft->fine + (size_t)i * FINE_NBINS;
			memset(f->fine, 0, FINE_NBINS * sizeof(uint32_t));
		}
		idx_put(ft, i);
		lru_push(ft, i);
		act_push(ft, i);
		ft->st.active++;
		ft->st.created++;
		if (ft->st.active > ft->st.peak)
			ft->st.peak = ft->st.active;
	} else {
		r = &ft->recs[i];
		f = &r->f;
		lru_unlink(ft, i);
		lru_push(ft, i);
		if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN && !f->saw_syn) {
			f->saw_syn = 1;
			if ((from_a != 0) != (f->orig_is_a != 0))
				swap_dirs(f);
		}
	}
	r->lru_ns = now; /* the packet's own time goes into the counters */
	dir = (from_a != 0) != (f->orig_is_a != 0);
	dir_add(&f->dir[dir], v, len, ts);
	if (f->fine)
		f->fine[fine_bin(len)]++;
	if (f->nfirst < FIRSTN) {
		uint64_t first = flow_first_ns(f);
		uint64_t off = ts > first ? ts - first : 0;
		f->first_len[f->nfirst] = len > 65535 ? 65535 : (uint16_t)len;
		f->first_dir[f->nfirst] = (uint8_t)dir;
		f->first_us[f->nfirst] = off / 1000 > UINT32_MAX
						 ? UINT32_MAX
						 : (uint32_t)(off / 1000);
		f->nfirst++;
	}
	if (f->dir[0].pkts + f->dir[1].pkts == 1 && ft->on_new)
		ft->on_new(f, ft->arg);
	if (ft->cfg.tcp_end && v->proto == 6) {
		if (fl & TCPF_RST) {
			end_flow(ft, i, FLOW_END_EOF);
			return NULL;
		}
		if (f->state == ST_FIN_BOTH) {
			if ((fl & TCPF_ACK) && !(fl & TCPF_FIN) &&
			    (from_a != 0) != (r->last_fin_from_a != 0)) {
				end_flow(ft, i, FLOW_END_EOF);
				return NULL;
			}
		} else if (fl & TCPF_FIN) {
			f->state |= from_a ? ST_FIN_A : ST_FIN_B;
			r->last_fin_from_a = (uint8_t)from_a;
		}
	}
	return f;
}

void flowtab_stats(const struct flowtab *ft, struct flowtab_stats *st)
{
	*st = ft->st;
	st->bytes_alloc =
		(uint64_t)ft->caprecs * sizeof(struct rec) +
		(uint64_t)(ft->idx_mask + 1) * sizeof(uint32_t) +
		(ft->fine ? (uint64_t)ft->caprecs * FINE_NBINS * 4 : 0) +
		FRAG_SLOTS * sizeof(struct frag_slot);
}

size_t flowtab_bytes_per_flow(const struct flowtab *ft)
{
	/* a record, plus its share of an index kept at most half full */
	return sizeof(struct rec) + 2 * sizeof(uint32_t) +
	       (ft->fine ? FINE_NBINS * sizeof(uint32_t) : 0);
}

void flowtab_free(struct flowtab *ft)
{
	if (!ft)
		return;
	free(ft->recs);
	free(ft->fine);
	free(ft->idx);
	free(ft->frags);
	free(ft);
}
