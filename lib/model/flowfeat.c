/*
 * flowfeat.c -- flow -> feature vector, and the Karagiannis host context.
 *
 * Units are in the names: _B bytes (frame length), _ms milliseconds,
 * _s seconds, _frac a share of the direction's packets. See flowfeat.h
 * and docs/classify.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/flowfeat.h"
#include "p2ptrace/u64map.h"

#define NDIRF 17 /* per-direction scalars before the 10 bins */
static const char *const dir_names[NDIRF] = {
	"pkts",		"bytes_B",     "payload_B",  "size_min_B",
	"size_max_B",	"size_mean_B", "size_std_B", "iat_min_ms",
	"iat_max_ms",	"iat_mean_ms", "iat_std_ms", "syn",
	"fin",		"rst",	       "psh",	     "ack_only",
	"tcp_flags_or",
};
#define NHOST 6
static const char *const host_names[NHOST] = {
	"host_pair_tcp_udp",  "host_resp_peer_ips",   "host_resp_peer_ports",
	"host_orig_peer_ips", "host_orig_peer_ports", "host_orig_rate_per_s",
};
#define PER_DIR (NDIRF + PLEN_NBINS)
#define RATE_WIN (10ull * 1000000000ull) /* connection-rate window, ns */
#define OFF_DIR 3
#define OFF_FINE (OFF_DIR + 2 * PER_DIR)
#define OFF_FIRST (OFF_FINE + FINE_NBINS)
#define OFF_HOST (OFF_FIRST + 2 * FIRSTN)
#define NFULL (OFF_HOST + NHOST)

int feat_count(enum feat_set set, int nearly, int ports)
{
	switch (set) {
	case FSET_FULL:
		return NFULL + (ports ? 2 : 0);
	case FSET_BINS:
		return 2 * PLEN_NBINS;
	case FSET_EARLY:
		return 1 + 2 * nearly + 4;
	}
	return 0;
}

const char *feat_name(enum feat_set set, int nearly, int ports, int i,
		      char *buf, unsigned len)
{
	static const char *const d2[2] = { "fwd", "rev" };

	buf[0] = 0;
	if (set == FSET_BINS) {
		snprintf(buf, len, "%s_plen_%s", d2[i / PLEN_NBINS],
			 plen_bin_names[i % PLEN_NBINS]);
		return buf;
	}
	if (set == FSET_EARLY) {
		if (i == 0)
			snprintf(buf, len, "proto");
		else if (i <= 2 * nearly)
			snprintf(buf, len,
				 (i - 1) % 2 ? "first%d_gap_ms"
					     : "first%d_len_B_signed",
				 (i - 1) / 2 + 1);
		else {
			static const char *const s[4] = { "firstn_fwd_pkts",
							  "firstn_rev_pkts",
							  "firstn_size_mean_B",
							  "firstn_size_max_B" };
			snprintf(buf, len, "%s", s[i - 1 - 2 * nearly]);
		}
		return buf;
	}
	(void)ports;
	if (i == 0)
		snprintf(buf, len, "proto");
	else if (i == 1)
		snprintf(buf, len, "duration_s");
	else if (i == 2)
		snprintf(buf, len, "fwd_byte_share");
	else if (i < OFF_FINE) {
		int d = (i - OFF_DIR) / PER_DIR, k = (i - OFF_DIR) % PER_DIR;
		if (k < NDIRF)
			snprintf(buf, len, "%s_%s", d2[d], dir_names[k]);
		else
			snprintf(buf, len, "%s_plen_%s_frac", d2[d],
				 plen_bin_names[k - NDIRF]);
	} else if (i < OFF_FIRST) {
		int b = i - OFF_FINE;
		if (b == FINE_NBINS - 1)
			snprintf(buf, len, "fine_%d_up_frac", b * 32);
		else
			snprintf(buf, len, "fine_%d_%d_frac", b * 32,
				 b * 32 + 31);
	} else if (i < OFF_HOST) {
		int k = i - OFF_FIRST;
		if (k < FIRSTN)
			snprintf(buf, len, "first%d_len_B_signed", k + 1);
		else
			snprintf(buf, len, "first%d_gap_ms", k - FIRSTN + 1);
	} else if (i < NFULL)
		snprintf(buf, len, "%s", host_names[i - OFF_HOST]);
	else if (i == NFULL)
		snprintf(buf, len, "sport");
	else
		snprintf(buf, len, "dport");
	return buf;
}

/* ---- per-flow ----------------------------------------------------------- */

static float std_of(double sum, double sq, double n)
{
	double m, v;

	if (n < 2)
		return n < 1 ? NAN : 0.0f;
	m = sum / n;
	v = sq / n - m * m;
	return (float)(v > 0 ? sqrt(v) : 0.0);
}

/* need, when not NULL, flags the features wanted (k = 0 .. PER_DIR-1):
 * the others may be left unset (the costly ones are skipped). */
static void dir_feats(const struct flow_dir *d, const uint8_t *need, float *o)
{
	double n = (double)d->pkts, g = n - 1, inv = d->pkts ? 1.0 / n : 0;

	o[0] = (float)d->pkts;
	o[1] = (float)d->bytes;
	o[2] = (float)d->payload;
	if (!d->pkts) {
		for (int i = 3; i < 11; i++)
			o[i] = NAN;
	} else {
		o[3] = (float)d->size_min;
		o[4] = (float)d->size_max;
		o[5] = (float)(d->size_sum / n);
		if (!need || need[6])
			o[6] = std_of(d->size_sum, d->size_sq, n);
		if (g < 1) {
			o[7] = o[8] = o[9] = o[10] = NAN;
		} else {
			o[7] = (float)((double)d->iat_min / 1e6);
			o[8] = (float)((double)d->iat_max / 1e6);
			if (!need || need[9])
				o[9] = (float)(d->iat_sum / g / 1e6);
			if (!need || need[10])
				o[10] = std_of(d->iat_sum / 1e6,
					       d->iat_sq / 1e12, g);
		}
	}
	o[11] = (float)d->syn;
	o[12] = (float)d->fin;
	o[13] = (float)d->rst;
	o[14] = (float)d->psh;
	o[15] = (float)d->ack_only;
	o[16] = (float)d->tcp_flags;
	for (int b = 0; b < PLEN_NBINS; b++)
		if (!need || need[NDIRF + b])
			o[NDIRF + b] =
				d->pkts ? (float)((double)d->plen[b] * inv)
					: NAN;
}

int feat_group_of(int i)
{
	if (i < OFF_DIR)
		return FG_HDR;
	if (i < OFF_DIR + PER_DIR)
		return FG_DIR0;
	if (i < OFF_FINE)
		return FG_DIR1;
	if (i < OFF_FIRST)
		return FG_FINE;
	if (i < OFF_HOST)
		return FG_FIRST;
	if (i < NFULL)
		return FG_HOST;
	return FG_PORTS;
}

int feat_plan_init(struct feat_plan *p, const int32_t *used, int nused,
		   int ports)
{
	int n = feat_count(FSET_FULL, 0, ports);

	memset(p, 0, sizeof(*p));
	p->need = calloc((size_t)n + 1, 1);
	if (!p->need)
		return -1;
	for (int u = 0; u < nused; u++) {
		if (used[u] < 0 || used[u] >= n)
			continue;
		p->need[used[u]] = 1;
		p->groups |= (unsigned)feat_group_of(used[u]);
	}
	for (int b = 0; b < FINE_NBINS; b++)
		if (p->need[OFF_FINE + b])
			p->fine[p->nfine++] = (uint8_t)b;
	return 0;
}

void feat_plan_free(struct feat_plan *p)
{
	free(p->need);
	p->need = NULL;
}

/* plan NULL: every feature */
static void full_some(const struct flow *f, const struct host_feats *hf,
		      int ports, const struct feat_plan *plan, float *out);

void feat_full(const struct flow *f, const struct host_feats *hf, int ports,
	       float *out)
{
	full_some(f, hf, ports, NULL, out);
}

void feat_full_some(const struct flow *f, const struct host_feats *hf,
		    int ports, const struct feat_plan *p, float *out)
{
	full_some(f, hf, ports, p, out);
}

static void full_some(const struct flow *f, const struct host_feats *hf,
		      int ports, const struct feat_plan *plan, float *out)
{
	unsigned groups = plan ? plan->groups : FG_ALL;
	const uint8_t *need = plan ? plan->need : NULL;
	uint64_t tb = f->dir[0].bytes + f->dir[1].bytes;
	uint64_t tp = f->dir[0].pkts + f->dir[1].pkts;

	if (groups & FG_HDR) {
		out[0] = (float)f->key.proto;
		out[1] = (float)((double)(flow_last_ns(f) - flow_first_ns(f)) /
				 1e9);
		out[2] = tb ? (float)((double)f->dir[0].bytes / (double)tb)
			    : NAN;
	}
	if (groups & FG_DIR0)
		dir_feats(&f->dir[0], need ? need + OFF_DIR : NULL,
			  out + OFF_DIR);
	if (groups & FG_DIR1)
		dir_feats(&f->dir[1], need ? need + OFF_DIR + PER_DIR : NULL,
			  out + OFF_DIR + PER_DIR);
	if (groups & FG_FINE) {
		double inv = tp ? 1.0 / (double)tp : 0;
		int nb = plan ? plan->nfine : FINE_NBINS;
		for (int j = 0; j < nb; j++) {
			int b = plan ? plan->fine[j] : j;
			out[OFF_FINE + b] =
				f->fine && tp
					? (float)((double)f->fine[b] * inv)
					: NAN;
		}
	}
	for (int i = 0; (groups & FG_FIRST) && i < FIRSTN; i++) {
		if (i < f->nfirst) {
			float l = (float)f->first_len[i];
			out[OFF_FIRST + i] = f->first_dir[i] ? -l : l;
			if (!need || need[OFF_FIRST + FIRSTN + i])
				out[OFF_FIRST + FIRSTN + i] =
					i ? (float)((double)(f->first_us[i] -
							     f->first_us[i -
									 1]) /
						    1e3)
					  : 0.0f;
		} else {
			out[OFF_FIRST + i] = NAN;
			out[OFF_FIRST + FIRSTN + i] = NAN;
		}
	}
	if (!(groups & FG_HOST)) {
		/* not asked for */
	} else if (hf) {
		out[OFF_HOST + 0] = hf->pair_tcp_udp;
		out[OFF_HOST + 1] = hf->resp_peer_ips;
		out[OFF_HOST + 2] = hf->resp_peer_ports;
		out[OFF_HOST + 3] = hf->orig_peer_ips;
		out[OFF_HOST + 4] = hf->orig_peer_ports;
		out[OFF_HOST + 5] = hf->orig_rate;
	} else {
		for (int i = 0; i < NHOST; i++)
			out[OFF_HOST + i] = NAN;
	}
	if (ports && (groups & FG_PORTS)) {
		out[NFULL] = (float)flow_sport(f);
		out[NFULL + 1] = (float)flow_dport(f);
	}
}

void feat_bins(const struct flow *f, float *out)
{
	for (int d = 0; d < 2; d++)
		for (int b = 0; b < PLEN_NBINS; b++)
			out[d * PLEN_NBINS + b] = (float)f->dir[d].plen[b];
}

void feat_early(uint8_t proto, const uint16_t *len, const uint8_t *dir,
		const uint32_t *us, int nfirst, int n, float *out)
{
	int k = nfirst < n ? nfirst : n, nf = 0, nr = 0;
	double sum = 0, mx = 0;

	out[0] = (float)proto;
	for (int i = 0; i < n; i++) {
		if (i < k) {
			out[1 + 2 * i] =
				dir[i] ? -(float)len[i] : (float)len[i];
			out[2 + 2 * i] =
				i ? (float)((double)(us[i] - us[i - 1]) / 1e3)
				  : 0.0f;
			if (dir[i])
				nr++;
			else
				nf++;
			sum += len[i];
			if (len[i] > mx)
				mx = len[i];
		} else {
			out[1 + 2 * i] = NAN;
			out[2 + 2 * i] = NAN;
		}
	}
	out[1 + 2 * n] = (float)nf;
	out[2 + 2 * n] = (float)nr;
	out[3 + 2 * n] = k ? (float)(sum / k) : NAN;
	out[4 + 2 * n] = k ? (float)mx : NAN;
}

struct feat_hosts {
	struct u64map pair; /* addr pair -> bit 0 TCP, bit 1 UDP */
	struct u64map seen; /* (endpoint, peer addr|port) membership */
	struct u64map ep;   /* endpoint -> ips << 32 | ports */
	struct u64map addr; /* addr -> flows per window */
};

struct feat_hosts *feat_hosts_new(void)
{
	return calloc(1, sizeof(struct feat_hosts));
}

void feat_hosts_reset(struct feat_hosts *h)
{
	u64map_free(&h->pair);
	u64map_free(&h->seen);
	u64map_free(&h->ep);
	u64map_free(&h->addr);
}

void feat_hosts_free(struct feat_hosts *h)
{
	if (!h)
		return;
	feat_hosts_reset(h);
	free(h);
}

struct epkey {
	uint8_t addr[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

/* Count peer (addr, port) at endpoint; returns the endpoint's counters. */
static int ep_add(struct feat_hosts *h, const uint8_t *addr, uint16_t port,
		  uint8_t proto, const uint8_t *paddr, uint16_t pport,
		  float *ips, float *ports)
{
	struct epkey k;
	uint64_t ek, *e, *s;
	int nw;
	struct {
		uint64_t ek;
		uint8_t a[16];
	} pa;
	struct {
		uint64_t ek;
		uint16_t p;
	} pp;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, 16);
	k.port = port;
	k.proto = proto;
	ek = u64_fp(&k, sizeof(k), 1);
	e = u64map_slot(&h->ep, ek, &nw);
	if (!e)
		return -1;
	memset(&pa, 0, sizeof(pa));
	pa.ek = ek;
	memcpy(pa.a, paddr, 16);
	s = u64map_slot(&h->seen, u64_fp(&pa, sizeof(pa), 2), &nw);
	if (!s)
		return -1;
	if (nw)
		*e += 1ull << 32;
	memset(&pp, 0, sizeof(pp));
	pp.ek = ek;
	pp.p = pport;
	s = u64map_slot(&h->seen, u64_fp(&pp, sizeof(pp), 3), &nw);
	if (!s)
		return -1;
	if (nw)
		*e += 1;
	*ips = (float)(*e >> 32);
	*ports = (float)(*e & 0xffffffffu);
	return 0;
}

int feat_hosts_add(struct feat_hosts *h, const struct flow *f,
		   struct host_feats *hf)
{
	const uint8_t *src = flow_src(f), *dst = flow_dst(f);
	uint64_t *pv, *cnt, t0 = flow_first_ns(f);
	uint8_t pk[32];
	int nw;

	for (unsigned i = 0; i < sizeof(*hf) / sizeof(float); i++)
		((float *)hf)[i] = NAN;
	memcpy(pk, f->key.a, 16);
	memcpy(pk + 16, f->key.b, 16);
	pv = u64map_slot(&h->pair, u64_fp(pk, 32, 0), &nw);
	if (!pv)
		return -1;
	if (f->key.proto == 6)
		*pv |= 1;
	else if (f->key.proto == 17)
		*pv |= 2;
	hf->pair_tcp_udp = *pv == 3 ? 1.0f : 0.0f;
	if (ep_add(h, dst, flow_dport(f), f->key.proto, src, flow_sport(f),
		   &hf->resp_peer_ips, &hf->resp_peer_ports) ||
	    ep_add(h, src, flow_sport(f), f->key.proto, dst, flow_dport(f),
		   &hf->orig_peer_ips, &hf->orig_peer_ports))
		return -1;
	/* flows started by the originator's address in its current and
	 * previous RATE_WIN: value = window << 32 | previous << 16 | current */
	cnt = u64map_slot(&h->addr, u64_fp(src, 16, 4), &nw);
	if (!cnt)
		return -1;
	{
		uint64_t w = t0 / RATE_WIN, v = *cnt, vw = v >> 32;
		uint64_t prev = (v >> 16) & 0xffff, cur = v & 0xffff;
		double into;
		if (nw || w > vw + 1) {
			prev = cur = 0;
		} else if (w == vw + 1) {
			prev = cur;
			cur = 0;
		} else if (w < vw) {
			w = vw; /* flows end out of start order */
		}
		if (cur < 0xffff)
			cur++;
		*cnt = (w & 0xffffffffu) << 32 | prev << 16 | cur;
		into = (double)(t0 % RATE_WIN) / (double)RATE_WIN;
		hf->orig_rate =
			(float)(((double)prev * (1 - into) + (double)cur) /
				((double)RATE_WIN / 1e9));
	}
	return 0;
}
