/*
 * hosts.h -- figures per address (the nodes output's "host" rows, and how
 * a node's own address is found): each ended flow is added to both of its
 * endpoints.
 *
 * Hosts live in a dense array (grown by doubling) behind an open-addressed
 * index of 8-byte slots (hash and host number), so a trace's many
 * addresses cost sizeof(struct host) + ~16 bytes each. The table holds at
 * most `max` addresses (a memory budget): a flow whose endpoint cannot be
 * added (bound reached, or out of memory) is counted in `dropped`, and the
 * table stays as it was.
 */
#ifndef P2PTRACE_HOSTS_H
#define P2PTRACE_HOSTS_H
#include <stddef.h>
#include <stdint.h>
#include "p2ptrace/flow.h"
#include "p2ptrace/node.h"

struct host {
	uint8_t addr[16];
	uint8_t ipver, pad[7];
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2]; /* [0] sent, [1] received */
	uint64_t flows, initiated;
	uint64_t plen[2][PLEN_NBINS];
};

struct hosts {
	struct host *h; /* n used, cap allocated */
	uint32_t n, cap;
	uint64_t *idx; /* hash << 32 | (host number + 1); 0 = empty */
	uint32_t mask;
	uint32_t max;	  /* at most this many hosts; 0 = no bound */
	uint64_t dropped; /* flow endpoints not counted */
	int nomem;	  /* ... of which some for lack of memory */
};

/* An empty table of at most max hosts (0: unbounded). Allocates nothing. */
void hosts_init(struct hosts *hs, uint32_t max);
void hosts_free(struct hosts *hs);
/* The host of addr (ipver 4: first 4 bytes used, the rest zero), created
 * when new; NULL when it cannot be created (bound or memory). */
struct host *hosts_get(struct hosts *hs, const uint8_t *addr, int ipver);
/* The host of addr if present, else NULL. */
struct host *hosts_find(const struct hosts *hs, const uint8_t *addr, int ipver);
/* Add an ended flow to its two endpoints (the originator "initiated"). */
void hosts_add_flow(struct hosts *hs, const struct flow *f);
/* Add every host of src into dst (merging tables of parallel runs). */
void hosts_merge(struct hosts *dst, const struct hosts *src);
/* A host's figures as a node's (up = sent by it). */
void host_figs(const struct host *h, struct node_figs *n);
/* Bytes one host costs (record + index share). */
size_t hosts_bytes_per_host(void);

#endif
