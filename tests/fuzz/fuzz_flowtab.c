/*
 * fuzz_flowtab.c -- libFuzzer target over the flow table alone: the input
 * is a table configuration and a sequence of synthetic decoded packets
 * (few addresses and ports so that keys collide; time steps forward, far
 * forward or back; TCP flags, fragments, VLANs, IPv4 and IPv6).
 *
 * Checks: each ended flow is reported once with a valid reason; the
 * packets in ended flows equal the packets added; "lack" only happens with
 * a max_flows bound and the table never holds more; a flow's counters are
 * consistent (first <= last time, per-direction bins sum to its packets);
 * after flowtab_flush nothing is active.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/flowtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr,                                        \
				"fuzz_flowtab: check failed: %s (%s:%d)\n",    \
				#c, __FILE__, __LINE__);                       \
			abort();                                               \
		}                                                              \
	} while (0)

struct tally {
	uint64_t pkts, flows, lack;
	uint32_t max_flows;
};

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	struct tally *t = arg;
	uint64_t bins = 0;

	CHECK(why >= FLOW_END_IDLE && why <= FLOW_END_LACK);
	CHECK(f->dir[0].pkts + f->dir[1].pkts >= 1);
	for (int d = 0; d < 2; d++) {
		for (int i = 0; i < PLEN_NBINS; i++)
			bins += f->dir[d].plen[i];
		if (f->dir[d].pkts)
			CHECK(f->dir[d].first_ns <= f->dir[d].last_ns);
	}
	CHECK(bins == f->dir[0].pkts + f->dir[1].pkts);
	CHECK(flow_first_ns(f) <= flow_last_ns(f));
	if (why == FLOW_END_LACK) {
		CHECK(t->max_flows != 0);
		t->lack++;
	}
	t->pkts += f->dir[0].pkts + f->dir[1].pkts;
	t->flows++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[8] = { 6, 6, 17, 17, 1, 58, 47, 132 };
	struct flowtab_cfg cfg;
	struct flowtab_stats st;
	struct flowtab *ft;
	struct tally t;
	struct pt_err err;
	uint64_t ts = 1700000000ull * 1000000000ull, added = 0;

	if (size < 4)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	memset(&t, 0, sizeof(t));
	cfg.idle_ns = (uint64_t)data[0] * 250000000ull;	  /* 0 .. 63.75 s */
	cfg.active_ns = (uint64_t)data[1] * 500000000ull; /* 0 .. 127.5 s */
	cfg.max_flows = data[2] & 0x80 ? 0 : (uint32_t)(data[2] & 0x1f) + 1;
	cfg.tcp_end = data[3] & 1;
	cfg.vlan_key = (data[3] >> 1) & 1;
	cfg.fine_bins = (data[3] >> 2) & 1;
	t.max_flows = cfg.max_flows;
	if (flowtab_new(&cfg, on_end, NULL, &t, &ft, &err) < 0)
		return 0;
	data += 4;
	size -= 4;
	for (; size >= 8; data += 8, size -= 8) {
		struct pkt_view v;
		uint32_t len;
		memset(&v, 0, sizeof(v));
		v.ipver = data[0] & 1 ? 6 : 4;
		v.proto = protos[(data[0] >> 1) & 7];
		v.src[0] = 198;
		v.dst[0] = 198;
		v.src[3] = (uint8_t)((data[0] >> 4) & 3);
		v.dst[3] = (uint8_t)((data[0] >> 6) & 3);
		v.sport = (uint16_t)(1000 + (data[1] & 3));
		v.dport = (uint16_t)(1000 + ((data[1] >> 2) & 3));
		v.vlan = (uint16_t)((data[1] >> 4) & 1);
		v.frag = (uint8_t)((data[1] >> 5) % 3);
		v.frag_id = data[1] >> 7;
		if (v.frag == FRAG_LATER)
			v.sport = v.dport = 0;
		v.tcp_flags = v.proto == 6 ? data[2] : 0;
		len = (uint32_t)data[3] << 4 | (data[4] & 15);
		v.ip_len = len > 14 ? len - 14 : 0;
		v.l3_off = 14;
		switch (data[5] >> 6) { /* time step */
		case 0:
			ts += (uint64_t)data[6] * 1000000ull;
			break;
		case 1:
			ts += (uint64_t)data[6] * 1000000000ull;
			break;
		case 2:
			ts -= (uint64_t)data[6] * 1000000ull; /* late packet */
			break;
		default:
			ts += (uint64_t)(data[5] & 63) * 1000000000ull +
			      data[7];
		}
		(void)flowtab_add(ft, &v, len, ts); /* NULL: nomem or ended */
		added++;
		flowtab_stats(ft, &st);
		if (cfg.max_flows)
			CHECK(st.active <= cfg.max_flows);
	}
	flowtab_flush(ft);
	flowtab_stats(ft, &st);
	CHECK(st.active == 0);
	CHECK(t.pkts == added - st.nomem);
	CHECK(t.flows == st.created);
	flowtab_free(ft);
	return 0;
}
