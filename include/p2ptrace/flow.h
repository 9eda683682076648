/*
 * flow.h -- one bidirectional flow and what is counted in it.
 *
 * A flow is keyed by (addresses, ports, IP protocol, VLAN id). Direction 0
 * ("fwd") is from the originator: the sender of the first packet seen, or
 * of the SYN when a SYN is seen. Bytes are frame lengths (tshark's
 * frame.len) unless named ip_bytes. Times are packet times in ns.
 */
#ifndef P2PTRACE_FLOW_H
#define P2PTRACE_FLOW_H
#include <stdint.h>

/* RFC 5102 flowEndReason values. */
enum flow_end {
	FLOW_END_IDLE = 1,   /* idle timeout */
	FLOW_END_ACTIVE = 2, /* active timeout */
	FLOW_END_EOF = 3, /* end of flow detected: TCP FIN both ways or RST */
	FLOW_END_FORCED = 4, /* forced end: end of input */
	FLOW_END_LACK = 5,   /* lack of resources: table full, evicted */
};
const char *flow_end_name(enum flow_end why); /* "idle", "active", ... */

/* The paper's (Wireshark plen,tree) bins on frame length. */
#define PLEN_NBINS 10
/* nDPI-style 32-byte bins: [0,32) ... [1472,1504), last one 1504 and up. */
#define FINE_NBINS 48
#define FIRSTN 10

/* Index of the paper bin for a frame length: 0-19, 20-39, 40-79, 80-159,
 * 160-319, 320-639, 640-1279, 1280-2559, 2560-5119, 5120+. */
static inline unsigned plen_bin(uint32_t len)
{
	if (len < 20)
		return 0;
	if (len < 40)
		return 1;
	if (len >= 5120)
		return 9;
	/* 40..5119: bin k covers [40*2^(k-2), 40*2^(k-1)) */
	return (unsigned)(31 - __builtin_clz(len / 40u)) + 2;
}
static inline unsigned fine_bin(uint32_t len)
{
	return len >= 1504 ? FINE_NBINS - 1 : len / 32u;
}
extern const char *const plen_bin_names[PLEN_NBINS]; /* "0_19", ... "5120_up" */

struct flow_dir {
	uint64_t pkts;
	uint64_t bytes;	   /* frame length */
	uint64_t ip_bytes; /* IP total length */
	uint64_t payload;  /* L4 payload bytes */
	uint64_t first_ns, last_ns;
	uint32_t size_min, size_max; /* frame length */
	double size_sum, size_sq;
	uint64_t iat_min, iat_max; /* ns between packets of this direction */
	double iat_sum, iat_sq;	   /* over pkts - 1 gaps */
	uint32_t plen[PLEN_NBINS];
	uint8_t tcp_flags; /* OR of flags seen */
	uint8_t pad[3];
	uint32_t syn, fin, rst, psh,
		ack_only; /* counts of packets with those */
};

struct flow_key {
	uint8_t a[16], b[16]; /* endpoints, canonical order: a <= b */
	uint16_t aport, bport;
	uint8_t proto, ipver;
	uint16_t vlan;
};

struct flow {
	struct flow_key key;
	uint8_t orig_is_a; /* 1: originator is key.a */
	uint8_t state;	   /* internal TCP close state */
	uint8_t nfirst;	   /* entries used in first[] */
	uint8_t saw_syn;
	uint32_t hash;
	uint64_t id; /* 1, 2, ... in order of creation within an engine */
	struct flow_dir dir[2]; /* [0] = fwd (from originator), [1] = rev */
	/* The first FIRSTN packets: frame length, direction (0 fwd / 1 rev)
	 * and offset from the flow's first packet in microseconds. */
	uint16_t first_len[FIRSTN];
	uint8_t first_dir[FIRSTN];
	uint32_t first_us[FIRSTN];
	uint32_t *fine; /* FINE_NBINS counts, both directions; NULL unless
			   the engine was asked for fine bins */
};

/* Endpoints of a flow as originator (src) and responder (dst). */
static inline const uint8_t *flow_src(const struct flow *f)
{
	return f->orig_is_a ? f->key.a : f->key.b;
}
static inline const uint8_t *flow_dst(const struct flow *f)
{
	return f->orig_is_a ? f->key.b : f->key.a;
}
static inline uint16_t flow_sport(const struct flow *f)
{
	return f->orig_is_a ? f->key.aport : f->key.bport;
}
static inline uint16_t flow_dport(const struct flow *f)
{
	return f->orig_is_a ? f->key.bport : f->key.aport;
}
static inline uint64_t flow_first_ns(const struct flow *f)
{
	uint64_t a = f->dir[0].first_ns, b = f->dir[1].first_ns;
	if (!f->dir[1].pkts)
		return a;
	if (!f->dir[0].pkts)
		return b;
	return a < b ? a : b;
}
static inline uint64_t flow_last_ns(const struct flow *f)
{
	uint64_t a = f->dir[0].last_ns, b = f->dir[1].last_ns;
	return a > b ? a : b;
}

/* Address as text (IPv4 dotted or IPv6). buf >= 46 bytes. */
const char *flow_addr_str(const uint8_t *addr, int ipver, char *buf);

#endif
