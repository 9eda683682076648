/*
 * u64map.h -- open-addressing map: 64-bit key (never 0) -> 64-bit value.
 * Keys are fingerprints made with u64_fp (never 0). Zero-initialise a
 * struct u64map to start; u64map_free to end.
 */
#ifndef P2PTRACE_U64MAP_H
#define P2PTRACE_U64MAP_H
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *k, *v;
	uint32_t mask, n;
};

/* Fingerprint of n bytes (seed separates key kinds); never 0. */
uint64_t u64_fp(const void *p, size_t n, uint64_t seed);
/* Slot of key, inserted with value 0 when new (*isnew = 1); NULL when out
 * of memory. */
uint64_t *u64map_slot(struct u64map *m, uint64_t key, int *isnew);
/* Slot of key or NULL when absent. */
uint64_t *u64map_find(const struct u64map *m, uint64_t key);
void u64map_free(struct u64map *m);

#endif
