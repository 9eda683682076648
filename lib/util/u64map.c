/*
 * u64map.c -- a small open-addressing map from 64-bit fingerprints to
 * 64-bit values, for the host context and the label join.
 */
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/u64map.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x ? x : 1; /* 0 marks an empty slot */
}

uint64_t u64_fp(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return mix(h);
}

static int map_grow(struct u64map *m)
{
	uint32_t ncap = m->mask ? (m->mask + 1) * 2 : 1024;
	uint64_t *nk = calloc(ncap, sizeof(*nk)),
		 *nv = calloc(ncap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (uint32_t i = 0; m->mask && i <= m->mask; i++) {
		if (!m->k[i])
			continue;
		uint32_t j = (uint32_t)m->k[i] & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->k[i];
		nv[j] = m->v[i];
	}
	free(m->k);
	free(m->v);
	m->k = nk;
	m->v = nv;
	m->mask = ncap - 1;
	return 0;
}

/* Slot of key (inserted with value 0 if new; *isnew says so), or NULL. */
uint64_t *u64map_slot(struct u64map *m, uint64_t key, int *isnew)
{
	uint32_t j;

	if ((m->n + 1) * 2 > (m->mask ? m->mask + 1 : 0) && map_grow(m))
		return NULL;
	j = (uint32_t)key & m->mask;
	while (m->k[j] && m->k[j] != key)
		j = (j + 1) & m->mask;
	*isnew = !m->k[j];
	if (*isnew) {
		m->k[j] = key;
		m->v[j] = 0;
		m->n++;
	}
	return &m->v[j];
}

void u64map_free(struct u64map *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

uint64_t *u64map_find(const struct u64map *m, uint64_t key)
{
	uint32_t j;

	if (!m->mask)
		return NULL;
	j = (uint32_t)key & m->mask;
	while (m->k[j]) {
		if (m->k[j] == key)
			return &m->v[j];
		j = (j + 1) & m->mask;
	}
	return NULL;
}
