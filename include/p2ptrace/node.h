/*
 * node.h -- a node (struct node_info: who it is) and the paper's per-node
 * figures (its Figures 2-5), over a whole trace and per time window.
 *
 * A node is one trace (one file, unless --merge), or with --by-host one
 * address. Definitions (docs/OUTPUTS.md):
 *  - duration: last packet time - first packet time, in seconds;
 *  - conversations: flows started in which the node takes part
 *    ("initiated": the node is the originator);
 *  - conversations/s, packets/s, bytes/s: counts / duration (0 if the
 *    duration is 0);
 *  - average packet size: bytes / packets (frame length);
 *  - size distribution: every packet of the trace in the paper's bins,
 *    IP or not (as tshark -z plen,tree), and by direction when the node's
 *    address is known (up = sent by it).
 */
#ifndef P2PTRACE_NODE_H
#define P2PTRACE_NODE_H
#include <stdint.h>
#include "p2ptrace/flow.h"

/* The node whose packets an engine run counts (engine.h) and whose rows a
 * sink writes (sink.h). */
struct node_info {
	const char *name;   /* the trace's base name or its catalog node */
	const char *labels; /* "k=v;k=v" or "" */
	const char *trace;  /* the file(s) */
	uint8_t addr[16];   /* the node's own address ... */
	int ipver;	    /* ... 4 or 6, or 0 when unknown (then inferred:
			       the address in most flows, then most
			       packets) */
};

struct node_figs {
	uint64_t first_ns, last_ns;
	uint64_t pkts, bytes;	     /* every packet */
	uint64_t ip_pkts;	     /* decoded as IP */
	uint64_t pkts_up, pkts_down; /* by the node's address; 0 if unknown */
	uint64_t bytes_up, bytes_down;
	uint64_t flows;		  /* conversations started */
	uint64_t flows_initiated; /* ... of which the node is the originator */
	uint64_t plen[PLEN_NBINS];
	uint64_t plen_up[PLEN_NBINS], plen_down[PLEN_NBINS];
	uint64_t fine[FINE_NBINS];
};

/* Derived figures. */
double node_duration_s(const struct node_figs *n);
double node_conv_per_s(const struct node_figs *n);
double node_conv_init_per_s(const struct node_figs *n);
double node_pkts_per_s(const struct node_figs *n);
double node_bytes_per_s(const struct node_figs *n);
double node_avg_pkt_size(const struct node_figs *n);

/* The scalar figures in the order every table shows them (the nodes
 * output, the report's node table): name, and the value as a double; is_int
 * says the value is a count (printed as an integer). One list, so the
 * tables cannot drift apart. */
struct node_metric {
	const char *name;
	int is_int;
	double (*get)(const struct node_figs *n);
};
extern const struct node_metric node_metrics[];
extern const int node_nmetrics;

/* Add one packet of frame length len at ts (dir: 0 up, 1 down, -1 unknown). */
void node_add_pkt(struct node_figs *n, uint32_t len, uint64_t ts_ns, int dir,
		  int is_ip);
/* Add b into a (for merging windows or hosts). */
void node_merge(struct node_figs *a, const struct node_figs *b);

#endif
