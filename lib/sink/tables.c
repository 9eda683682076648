/*
 * tables.c -- the flows, nodes and windows tables as rows (CSV / JSON).
 * Column names and units: docs/OUTPUTS.md (a test checks they agree).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "p2ptrace/sink.h"

static double mean(double sum, uint64_t n)
{
	return n ? sum / (double)n : 0.0;
}

static double stdev(double sum, double sq, uint64_t n)
{
	double m, v;

	if (n < 2)
		return 0.0;
	m = sum / (double)n;
	v = sq / (double)n - m * m;
	return v > 0 ? sqrt(v) : 0.0;
}

/* Column names, built once (a row must not pay for snprintf per name). */
enum {
	DS_PAYLOAD,
	DS_SMIN,
	DS_SMEAN,
	DS_SMAX,
	DS_SSTD,
	DS_IMIN,
	DS_IMEAN,
	DS_IMAX,
	DS_ISTD,
	DS_SYN,
	DS_FIN,
	DS_RST,
	DS_PSH,
	DS_ACKO,
	DS_N
};
static const char *const ds_base[DS_N] = {
	"payload",    "size_min",    "size_mean",  "size_max",	 "size_std",
	"iat_min_us", "iat_mean_us", "iat_max_us", "iat_std_us", "syn",
	"fin",	      "rst",	     "psh",	   "ack_only",
};
static struct {
	int done;
	char ds[2][DS_N][24];
	char plen[PLEN_NBINS][24], pct[PLEN_NBINS][24], up[PLEN_NBINS][24],
		down[PLEN_NBINS][24];
	char fine[FINE_NBINS][24];
	char first[FIRSTN][3][24];
} names;

static void names_init(void)
{
	if (names.done)
		return;
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < DS_N; i++)
			snprintf(names.ds[d][i], 24, "%s_%s", ds_base[i],
				 d ? "rev" : "fwd");
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(names.plen[i], 24, "plen_%s", plen_bin_names[i]);
		snprintf(names.pct[i], 24, "pct_%s", plen_bin_names[i]);
		snprintf(names.up[i], 24, "up_%s", plen_bin_names[i]);
		snprintf(names.down[i], 24, "down_%s", plen_bin_names[i]);
	}
	for (int i = 0; i < FINE_NBINS; i++) {
		if (i == FINE_NBINS - 1)
			snprintf(names.fine[i], 24, "fine_%d_up", i * 32);
		else
			snprintf(names.fine[i], 24, "fine_%d_%d", i * 32,
				 i * 32 + 31);
	}
	for (int i = 0; i < FIRSTN; i++) {
		snprintf(names.first[i][0], 24, "p%d_len", i + 1);
		snprintf(names.first[i][1], 24, "p%d_dir", i + 1);
		snprintf(names.first[i][2], 24, "p%d_us", i + 1);
	}
	names.done = 1;
}

static void dir_stats(struct rowout *ro, const struct flow_dir *d, int rev)
{
	char(*n)[24] = names.ds[rev];
	uint64_t gaps = d->pkts > 1 ? d->pkts - 1 : 0;

	row_u64(ro, n[DS_PAYLOAD], d->payload);
	row_u64(ro, n[DS_SMIN], d->pkts ? d->size_min : 0);
	row_fixed(ro, n[DS_SMEAN], mean(d->size_sum, d->pkts), 3);
	row_u64(ro, n[DS_SMAX], d->size_max);
	row_fixed(ro, n[DS_SSTD], stdev(d->size_sum, d->size_sq, d->pkts), 3);
	row_fixed(ro, n[DS_IMIN], gaps ? (double)d->iat_min / 1e3 : 0, 3);
	row_fixed(ro, n[DS_IMEAN], mean(d->iat_sum, gaps) / 1e3, 3);
	row_fixed(ro, n[DS_IMAX], (double)d->iat_max / 1e3, 3);
	row_fixed(ro, n[DS_ISTD], stdev(d->iat_sum, d->iat_sq, gaps) / 1e3, 3);
	row_u64(ro, n[DS_SYN], d->syn);
	row_u64(ro, n[DS_FIN], d->fin);
	row_u64(ro, n[DS_RST], d->rst);
	row_u64(ro, n[DS_PSH], d->psh);
	row_u64(ro, n[DS_ACKO], d->ack_only);
}

void sink_flow_fields(struct rowout *ro, const struct node_info *n,
		      const struct flow *f, enum flow_end why, unsigned groups)
{
	char a[46], b[46];
	int v = f->key.ipver;

	names_init();
	row_str(ro, "node", n->name);
	row_str(ro, "src_addr", flow_addr_str(flow_src(f), v, a));
	row_u64(ro, "src_port", flow_sport(f));
	row_str(ro, "dst_addr", flow_addr_str(flow_dst(f), v, b));
	row_u64(ro, "dst_port", flow_dport(f));
	row_u64(ro, "proto", f->key.proto);
	row_u64(ro, "vlan", f->key.vlan);
	row_u64(ro, "first_ns", flow_first_ns(f));
	row_u64(ro, "last_ns", flow_last_ns(f));
	row_u64(ro, "pkts_fwd", f->dir[0].pkts);
	row_u64(ro, "pkts_rev", f->dir[1].pkts);
	row_u64(ro, "bytes_fwd", f->dir[0].bytes);
	row_u64(ro, "bytes_rev", f->dir[1].bytes);
	row_u64(ro, "ip_bytes_fwd", f->dir[0].ip_bytes);
	row_u64(ro, "ip_bytes_rev", f->dir[1].ip_bytes);
	row_str(ro, "end_reason", flow_end_name(why));
	row_u64(ro, "tcp_flags_fwd", f->dir[0].tcp_flags);
	row_u64(ro, "tcp_flags_rev", f->dir[1].tcp_flags);
	for (int i = 0; i < PLEN_NBINS; i++)
		row_u64(ro, names.plen[i],
			(uint64_t)f->dir[0].plen[i] + f->dir[1].plen[i]);
	row_str(ro, "labels", n->labels);
	row_u64(ro, "flow_id", f->id);
	row_u64(ro, "end_reason_code", why);
	row_fixed(ro, "duration_s",
		  (double)(flow_last_ns(f) - flow_first_ns(f)) / 1e9, 9);
	if (groups & SINK_FLOW_STATS) {
		dir_stats(ro, &f->dir[0], 0);
		dir_stats(ro, &f->dir[1], 1);
	}
	for (int i = 0; (groups & SINK_FLOW_FIRSTN) && i < FIRSTN; i++) {
		int has = i < f->nfirst;
		row_u64(ro, names.first[i][0], has ? f->first_len[i] : 0);
		row_i64(ro, names.first[i][1],
			has ? (f->first_dir[i] ? -1 : 1) : 0);
		row_u64(ro, names.first[i][2], has ? f->first_us[i] : 0);
	}
}

void sink_flow_row(struct rowout *ro, const struct node_info *n,
		   const struct flow *f, enum flow_end why, unsigned groups)
{
	row_begin(ro);
	sink_flow_fields(ro, n, f, why, groups);
	row_end(ro);
}

void sink_node_row(struct rowout *ro, const struct node_info *n,
		   const char *kind, const uint8_t *addr, int ipver,
		   const struct node_figs *fg)
{
	char a[46], col[32];

	row_begin(ro);
	row_str(ro, "node", n->name);
	row_str(ro, "labels", n->labels);
	row_str(ro, "addr", ipver ? flow_addr_str(addr, ipver, a) : "");
	row_u64(ro, "first_ns", fg->first_ns);
	row_u64(ro, "last_ns", fg->last_ns);
	for (int i = 0; i < node_nmetrics; i++) {
		const struct node_metric *m = &node_metrics[i];
		if (m->is_int)
			row_u64(ro, m->name, (uint64_t)m->get(fg));
		else
			row_f64(ro, m->name, m->get(fg));
	}
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(col, sizeof(col), "plen_%s", plen_bin_names[i]);
		row_u64(ro, col, fg->plen[i]);
	}
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(col, sizeof(col), "pct_%s", plen_bin_names[i]);
		row_f64(ro, col,
			fg->pkts
				? 100.0 * (double)fg->plen[i] / (double)fg->pkts
				: 0);
	}
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(col, sizeof(col), "up_%s", plen_bin_names[i]);
		row_u64(ro, col, fg->plen_up[i]);
	}
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(col, sizeof(col), "down_%s", plen_bin_names[i]);
		row_u64(ro, col, fg->plen_down[i]);
	}
	for (int i = 0; i < FINE_NBINS; i++) {
		if (i == FINE_NBINS - 1)
			snprintf(col, sizeof(col), "fine_%d_up", i * 32);
		else
			snprintf(col, sizeof(col), "fine_%d_%d", i * 32,
				 i * 32 + 31);
		row_u64(ro, col, fg->fine[i]);
	}
	row_str(ro, "kind", kind);
	row_end(ro);
}

void sink_window_row(struct rowout *ro, const struct node_info *n,
		     uint64_t start_ns, uint64_t len_ns,
		     const struct node_figs *w)
{
	double s = (double)len_ns / 1e9;
	char col[32];

	row_begin(ro);
	row_str(ro, "node", n->name);
	row_str(ro, "labels", n->labels);
	row_u64(ro, "start_ns", start_ns);
	row_f64(ro, "window_s", s);
	row_u64(ro, "pkts", w->pkts);
	row_u64(ro, "bytes", w->bytes);
	row_u64(ro, "flows", w->flows);
	row_u64(ro, "flows_initiated", w->flows_initiated);
	row_f64(ro, "conv_per_s", (double)w->flows / s);
	row_f64(ro, "conv_init_per_s", (double)w->flows_initiated / s);
	row_f64(ro, "pkts_per_s", (double)w->pkts / s);
	row_f64(ro, "bytes_per_s", (double)w->bytes / s);
	row_f64(ro, "avg_pkt_size", node_avg_pkt_size(w));
	row_u64(ro, "pkts_up", w->pkts_up);
	row_u64(ro, "pkts_down", w->pkts_down);
	row_u64(ro, "bytes_up", w->bytes_up);
	row_u64(ro, "bytes_down", w->bytes_down);
	for (int i = 0; i < PLEN_NBINS; i++) {
		snprintf(col, sizeof(col), "plen_%s", plen_bin_names[i]);
		row_u64(ro, col, w->plen[i]);
	}
	row_end(ro);
}
