/*
 * node.c -- the paper's per-node figures (see node.h for definitions).
 */
#include <string.h>
#include "p2ptrace/node.h"

double node_duration_s(const struct node_figs *n)
{
	return n->pkts && n->last_ns > n->first_ns
		       ? (double)(n->last_ns - n->first_ns) / 1e9
		       : 0.0;
}

static double per_s(const struct node_figs *n, double v)
{
	double d = node_duration_s(n);

	return d > 0 ? v / d : 0.0;
}

double node_conv_per_s(const struct node_figs *n)
{
	return per_s(n, (double)n->flows);
}

double node_conv_init_per_s(const struct node_figs *n)
{
	return per_s(n, (double)n->flows_initiated);
}

double node_pkts_per_s(const struct node_figs *n)
{
	return per_s(n, (double)n->pkts);
}

double node_bytes_per_s(const struct node_figs *n)
{
	return per_s(n, (double)n->bytes);
}

double node_avg_pkt_size(const struct node_figs *n)
{
	return n->pkts ? (double)n->bytes / (double)n->pkts : 0.0;
}

#define COUNT(field)                                                           \
	static double get_##field(const struct node_figs *n)                   \
	{                                                                      \
		return (double)n->field;                                       \
	}
COUNT(pkts)
COUNT(bytes)
COUNT(ip_pkts)
COUNT(flows)
COUNT(flows_initiated)
COUNT(pkts_up)
COUNT(pkts_down)
COUNT(bytes_up)
COUNT(bytes_down)
#undef COUNT

const struct node_metric node_metrics[] = {
	{ "duration_s", 0, node_duration_s },
	{ "pkts", 1, get_pkts },
	{ "bytes", 1, get_bytes },
	{ "ip_pkts", 1, get_ip_pkts },
	{ "flows", 1, get_flows },
	{ "flows_initiated", 1, get_flows_initiated },
	{ "conv_per_s", 0, node_conv_per_s },
	{ "conv_init_per_s", 0, node_conv_init_per_s },
	{ "pkts_per_s", 0, node_pkts_per_s },
	{ "bytes_per_s", 0, node_bytes_per_s },
	{ "avg_pkt_size", 0, node_avg_pkt_size },
	{ "pkts_up", 1, get_pkts_up },
	{ "pkts_down", 1, get_pkts_down },
	{ "bytes_up", 1, get_bytes_up },
	{ "bytes_down", 1, get_bytes_down },
};
const int node_nmetrics = (int)(sizeof(node_metrics) / sizeof(node_metrics[0]));

void node_add_pkt(struct node_figs *n, uint32_t len, uint64_t ts, int dir,
		  int is_ip)
{
	unsigned b = plen_bin(len);

	if (!n->pkts || ts < n->first_ns)
		n->first_ns = ts;
	if (ts > n->last_ns)
		n->last_ns = ts;
	n->pkts++;
	n->bytes += len;
	n->ip_pkts += is_ip != 0;
	n->plen[b]++;
	n->fine[fine_bin(len)]++;
	if (dir == 0) {
		n->pkts_up++;
		n->bytes_up += len;
		n->plen_up[b]++;
	} else if (dir == 1) {
		n->pkts_down++;
		n->bytes_down += len;
		n->plen_down[b]++;
	}
}

void node_merge(struct node_figs *a, const struct node_figs *b)
{
	unsigned i;

	if (!b->pkts && !b->flows)
		return;
	if (b->pkts) {
		if (!a->pkts || b->first_ns < a->first_ns)
			a->first_ns = b->first_ns;
		if (b->last_ns > a->last_ns)
			a->last_ns = b->last_ns;
	}
	a->pkts += b->pkts;
	a->bytes += b->bytes;
	a->ip_pkts += b->ip_pkts;
	a->pkts_up += b->pkts_up;
	a->pkts_down += b->pkts_down;
	a->bytes_up += b->bytes_up;
	a->bytes_down += b->bytes_down;
	a->flows += b->flows;
	a->flows_initiated += b->flows_initiated;
	for (i = 0; i < PLEN_NBINS; i++) {
		a->plen[i] += b->plen[i];
		a->plen_up[i] += b->plen_up[i];
		a->plen_down[i] += b->plen_down[i];
	}
	for (i = 0; i < FINE_NBINS; i++)
		a->fine[i] += b->fine[i];
}
