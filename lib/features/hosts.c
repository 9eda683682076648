/*
 * hosts.c -- figures per address, filled as flows end (see hosts.h).
 *
 * Why 8-byte index slots with the hash in them: a busy trace has as many
 * addresses as flows, and a probe that compared addresses in the host
 * array would miss the cache once per slot; the hash in the slot settles
 * almost every mismatch without leaving the index.
 */
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/hosts.h"

static uint32_t addr_hash(const uint8_t *a, int ipver)
{
	uint64_t x, y, h;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	h = (x ^ (uint64_t)ipver) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ull;
	h ^= y * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ull;
	return (uint32_t)(h ^ (h >> 29));
}

void hosts_init(struct hosts *hs, uint32_t max)
{
	memset(hs, 0, sizeof(*hs));
	hs->max = max;
}

void hosts_free(struct hosts *hs)
{
	free(hs->h);
	free(hs->idx);
	hs->h = NULL;
	hs->idx = NULL;
	hs->n = hs->cap = hs->mask = 0;
}

static void idx_put(uint64_t *idx, uint32_t mask, uint32_t h, uint32_t i)
{
	uint32_t s;

	for (s = h & mask; idx[s]; s = (s + 1) & mask)
		;
	idx[s] = (uint64_t)h << 32 | (i + 1);
}

/* Double the array and the index; on failure nothing has changed. */
static int hosts_grow(struct hosts *hs)
{
	uint32_t ncap = hs->cap ? hs->cap * 2 : 256, nmask;
	struct host *nh;
	uint64_t *ni;

	if (hs->max && ncap > hs->max)
		ncap = hs->max;
	if (ncap <= hs->cap || ncap > (1u << 30))
		return -1;
	nmask = 1;
	while (nmask < ncap * 2u) /* index at most half full */
		nmask <<= 1;
	nmask -= 1;
	ni = calloc((size_t)nmask + 1, sizeof(*ni));
	if (!ni)
		return -1;
	nh = realloc(hs->h, (size_t)ncap * sizeof(*nh));
	if (!nh) {
		free(ni);
		return -1;
	}
	hs->h = nh;
	hs->cap = ncap;
	for (uint32_t i = 0; i < hs->n; i++)
		idx_put(ni, nmask, addr_hash(nh[i].addr, nh[i].ipver), i);
	free(hs->idx);
	hs->idx = ni;
	hs->mask = nmask;
	return 0;
}

static struct host *lookup(const struct hosts *hs, const uint8_t *addr,
			   int ipver, uint32_t h, uint32_t *slot)
{
	uint32_t s;

	for (s = h & hs->mask; hs->idx[s]; s = (s + 1) & hs->mask) {
		struct host *x;
		if ((uint32_t)(hs->idx[s] >> 32) != h)
			continue;
		x = &hs->h[(uint32_t)hs->idx[s] - 1];
		if (x->ipver == ipver && !memcmp(x->addr, addr, 16))
			return x;
	}
	*slot = s;
	return NULL;
}

struct host *hosts_find(const struct hosts *hs, const uint8_t *addr, int ipver)
{
	uint32_t s;

	if (!hs->idx)
		return NULL;
	return lookup(hs, addr, ipver, addr_hash(addr, ipver), &s);
}

struct host *hosts_get(struct hosts *hs, const uint8_t *addr, int ipver)
{
	uint32_t h = addr_hash(addr, ipver), s = 0;
	struct host *x;

	if (hs->idx && (x = lookup(hs, addr, ipver, h, &s)))
		return x;
	if (hs->n == hs->cap) {
		if ((hs->max && hs->n >= hs->max) || hosts_grow(hs)) {
			if (!hs->max || hs->n < hs->max)
				hs->nomem = 1;
			hs->dropped++;
			return NULL;
		}
		lookup(hs, addr, ipver, h, &s); /* its slot in the new index */
	}
	x = &hs->h[hs->n];
	memset(x, 0, sizeof(*x));
	memcpy(x->addr, addr, 16);
	x->ipver = (uint8_t)ipver;
	hs->idx[s] = (uint64_t)h << 32 | ++hs->n;
	return x;
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

void hosts_add_flow(struct hosts *hs, const struct flow *f)
{
	struct host *h = hosts_get(hs, flow_src(f), f->key.ipver);

	if (h)
		host_add(h, &f->dir[0], &f->dir[1], 1);
	h = hosts_get(hs, flow_dst(f), f->key.ipver);
	if (h)
		host_add(h, &f->dir[1], &f->dir[0], 0);
}

static void host_merge(struct host *a, const struct host *b)
{
	if (b->pkts[0] + b->pkts[1]) {
		if (!a->first_ns || (b->first_ns && b->first_ns < a->first_ns))
			a->first_ns = b->first_ns;
		if (b->last_ns > a->last_ns)
			a->last_ns = b->last_ns;
	}
	for (int k = 0; k < 2; k++) {
		a->pkts[k] += b->pkts[k];
		a->bytes[k] += b->bytes[k];
		for (int i = 0; i < PLEN_NBINS; i++)
			a->plen[k][i] += b->plen[k][i];
	}
	a->flows += b->flows;
	a->initiated += b->initiated;
}

void hosts_merge(struct hosts *dst, const struct hosts *src)
{
	for (uint32_t i = 0; i < src->n; i++) {
		struct host *h =
			hosts_get(dst, src->h[i].addr, src->h[i].ipver);
		if (h)
			host_merge(h, &src->h[i]);
	}
	dst->dropped += src->dropped;
	dst->nomem |= src->nomem;
}

void host_figs(const struct host *h, struct node_figs *n)
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

size_t hosts_bytes_per_host(void)
{
	return sizeof(struct host) + 2 * sizeof(uint64_t);
}
