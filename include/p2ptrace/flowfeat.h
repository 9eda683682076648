/*
 * flowfeat.h -- the numbers a classifier sees for one flow, and their
 * names and units (docs/classify.md lists them).
 *
 * Three groups: per-flow features computed from struct flow alone
 * (sizes, gaps, bins, first packets, TCP flags, duration), host-behaviour
 * features after Karagiannis et al. computed from the flows of the same
 * trace ended so far (struct feat_hosts), and, only with --use-ports, the
 * two port numbers. A value that does not exist (no reverse packets, no
 * fine bins) is NaN, which XGBoost treats as missing.
 *
 * "Early" vectors use only what the first N packets show (sizes,
 * directions, gaps, protocol): they model classification after N packets.
 */
#ifndef P2PTRACE_FLOWFEAT_H
#define P2PTRACE_FLOWFEAT_H
#include <stdint.h>
#include "p2ptrace/flow.h"

/* Feature sets. */
enum feat_set {
	FSET_FULL = 0,	/* every per-flow and host feature */
	FSET_BINS = 1,	/* the paper's 10 size bins per direction only */
	FSET_EARLY = 2, /* first N packets only (N = 1..FIRSTN) */
};

/* Number of features of a set (ports: 1 adds sport and dport). */
int feat_count(enum feat_set set, int nearly, int ports);
/* Name of feature i of a set, e.g. "fwd_size_mean_B" (units in the name). */
const char *feat_name(enum feat_set set, int nearly, int ports, int i,
		      char *buf, unsigned len);

/* Karagiannis-style host context over the flows of one trace. */
struct feat_hosts;
struct feat_hosts *feat_hosts_new(void);
void feat_hosts_free(struct feat_hosts *h);
void feat_hosts_reset(struct feat_hosts *h);

/* What the host context says about one flow (after adding it). */
struct host_feats {
	float pair_tcp_udp;    /* the two addresses used both TCP and UDP */
	float resp_peer_ips;   /* {responder addr, port}: distinct peer addrs */
	float resp_peer_ports; /* ... distinct peer ports */
	float orig_peer_ips; /* {originator addr, port}: distinct peer addrs */
	float orig_peer_ports;
	float orig_rate; /* flows per second started by the originator's
			    address over the last 10 s (two 10 s
			    windows, the older one weighted by its
			    part still inside) */
};
/* Add flow f to the context, then fill *hf. Returns 0, or -1 when out of
 * memory (hf then holds NaNs). */
int feat_hosts_add(struct feat_hosts *h, const struct flow *f,
		   struct host_feats *hf);

/* Groups of the full vector, so a model computes only what its trees
 * read (feat_full_some). */
enum feat_group {
	FG_HDR = 1,    /* proto, duration_s, fwd_byte_share */
	FG_DIR0 = 2,   /* fwd_* */
	FG_DIR1 = 4,   /* rev_* */
	FG_FINE = 8,   /* fine_* */
	FG_FIRST = 16, /* first*_ */
	FG_HOST = 32,  /* host_* */
	FG_PORTS = 64, /* sport, dport */
	FG_ALL = 127,
};
/* The group of full-vector feature i. */
int feat_group_of(int i);

/* Vectors. out must hold feat_count() floats. */
void feat_full(const struct flow *f, const struct host_feats *hf, int ports,
	       float *out);
/* What a model reads of the full vector, worked out once (feat_plan_init)
 * so that feat_full_some computes only that: the groups, the features
 * wanted (need[i]), and the fine bins wanted as a list. */
struct feat_plan {
	unsigned groups; /* FG_* */
	uint8_t *need;	 /* feat_count(FSET_FULL, 0, ports) flags */
	int nfine;
	uint8_t fine[FINE_NBINS];
};
/* From the list of feature indexes the model reads. Returns 0 or -1
 * (out of memory). */
int feat_plan_init(struct feat_plan *p, const int32_t *used, int nused,
		   int ports);
void feat_plan_free(struct feat_plan *p);
/* The planned features into out (the others are left as they are). */
void feat_full_some(const struct flow *f, const struct host_feats *hf,
		    int ports, const struct feat_plan *p, float *out);
void feat_bins(const struct flow *f, float *out);
/* Early features from the first packets (len/dir/offset arrays as in struct
 * flow, nfirst entries known) when only n packets are seen. */
void feat_early(uint8_t proto, const uint16_t *len, const uint8_t *dir,
		const uint32_t *us, int nfirst, int n, float *out);

#endif
