/*
 * flowtab.h -- the active flow table.
 *
 * Packets are added in capture-time order; flows end by idle timeout
 * (default 64 s, the paper's value: a flow whose next packet comes more
 * than idle_ns after its last one ends), active timeout, TCP FIN both ways
 * (with the ACK of the last FIN) or RST, or eviction of the least recently
 * seen flow when max_flows are active. Every ended flow is handed to the
 * on_end callback exactly once, with its reason (RFC 5102).
 *
 * Memory: records live in a pool that doubles as needed up to max_flows;
 * the index is open addressing with linear probing and backward-shift
 * deletion. Two intrusive lists order flows by last packet (idle expiry,
 * eviction) and by first packet (active expiry), so expiry is O(ended).
 * A flow costs flowtab_bytes_per_flow() (232-byte record + index share);
 * the statistics and first packets (cfg.extras) and the 32-byte bins
 * (cfg.fine_bins) cost flowtab_cold_bytes_per_flow() on top, only when
 * asked for. Without extras, a struct flow's per-direction first_ns and
 * last_ns are the flow's own (flow_first_ns/flow_last_ns are exact either
 * way) and the statistics and first packets are zero.
 */
#ifndef P2PTRACE_FLOWTAB_H
#define P2PTRACE_FLOWTAB_H
#include <stdint.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"

struct flowtab_cfg {
	uint64_t idle_ns;   /* 0 = never */
	uint64_t active_ns; /* 0 = never */
	uint32_t max_flows; /* active flows at most; 0 = FLOWTAB_DEFAULT_MAX */
	int tcp_end;	    /* end TCP flows on FIN both ways / RST */
	int vlan_key;	    /* the VLAN id is part of the key */
	int fine_bins;	    /* keep FINE_NBINS 32-byte bins per flow */
	int extras;	    /* keep size/timing statistics, TCP flag counts,
			       payload bytes and the first FIRSTN packets */
};
#define FLOWTAB_DEFAULT_MAX (1u << 24)

/* Called once per ended flow; f is valid only during the call. The
 * callback may not call back into the table. */
typedef void flow_end_fn(const struct flow *f, enum flow_end why, void *arg);
/* Called when a flow is created (after its first packet is counted). */
typedef void flow_new_fn(const struct flow *f, void *arg);

struct flowtab;

int flowtab_new(const struct flowtab_cfg *cfg, flow_end_fn *on_end,
		flow_new_fn *on_new, void *arg, struct flowtab **out,
		struct pt_err *err);

/* Account one decoded packet of wirelen bytes at ts_ns. Ends flows whose
 * time is up first. Returns 1 when the packet's flow stays active, 0 when
 * that packet ended it (TCP FIN/RST) or memory ran out (then the packet is
 * counted in stats.nomem). A packet older than one already seen counts at
 * its own time in its flow, but expiry and eviction use the latest time
 * seen (time never goes back). */
int flowtab_add(struct flowtab *ft, const struct pkt_view *v, uint32_t wirelen,
		uint64_t ts_ns);

/* Bursts: flowtab_prepare() makes the keys of n packets and prefetches
 * their index slots, records and list neighbours (with a few hundred
 * thousand flows each packet's record is a cache miss; a burst overlaps
 * them); then each packet goes in, in order, with flowtab_add_prepared().
 * The result is exactly that of flowtab_add() on each packet. */
struct flowtab_probe {
	struct flow_key key;
	uint32_t hash, rec;
	int from_a, ok;
};
/* The next flow created gets this id (then id + 1, ...), instead of the
 * table's count (1, 2, ... in order of creation). */
void flowtab_set_next_id(struct flowtab *ft, uint64_t id);
void flowtab_prepare(struct flowtab *ft, const struct pkt_view *v, int n,
		     struct flowtab_probe *p);
int flowtab_add_prepared(struct flowtab *ft, const struct pkt_view *v,
			 const struct flowtab_probe *p, uint32_t wirelen,
			 uint64_t ts_ns);

/* End flows idle/active-expired at now_ns (done by flowtab_add too). */
void flowtab_expire(struct flowtab *ft, uint64_t now_ns);
/* End every remaining flow with FLOW_END_FORCED (end of input). */
void flowtab_flush(struct flowtab *ft);

struct flowtab_stats {
	uint64_t active, peak, created, evicted, nomem;
	uint64_t bytes_alloc; /* bytes held by the table now */
};
void flowtab_stats(const struct flowtab *ft, struct flowtab_stats *st);
/* Bytes one active flow costs (record + index share), for the benchmark. */
size_t flowtab_bytes_per_flow(const struct flowtab *ft);
/* ... and what extras and fine bins add per flow (0 without them). */
size_t flowtab_cold_bytes_per_flow(const struct flowtab *ft);

void flowtab_free(struct flowtab *ft);

#endif
