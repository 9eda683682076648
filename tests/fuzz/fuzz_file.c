/*
 * fuzz_file.c -- libFuzzer target over the file readers, the decoder and
 * the flow table: the input is a capture file (pcap or pcapng) in memory.
 *
 * Besides "no crash, no leak, no undefined behaviour" (the sanitizers), it
 * checks what the readers and decoder promise:
 *  - source_next ends: at most one packet per 12 input bytes (no record is
 *    shorter), so an endless loop is caught;
 *  - every packet's bytes lie inside the input (wirelen may be below
 *    caplen: the file's original length is kept, as tshark's frame.len);
 *  - the offset never passes the input's size;
 *  - a decoded packet is IPv4 or IPv6 with its IP header inside caplen;
 *  - every packet given to the flow table comes back in an ended flow.
 * Built by tests/fuzz/run_fuzz.sh (clang -fsanitize=fuzzer) and, with
 * replay.c as main, by tests/fuzz/test_replay.sh in make check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/flowtab.h"
#include "p2ptrace/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr,                                        \
				"fuzz_file: check failed: %s (%s:%d)\n", #c,   \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

struct tally {
	uint64_t ended_pkts;
	uint64_t ended_flows;
};

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	struct tally *t = arg;

	CHECK(why >= FLOW_END_IDLE && why <= FLOW_END_LACK);
	CHECK(f->dir[0].pkts + f->dir[1].pkts >= 1);
	t->ended_pkts += f->dir[0].pkts + f->dir[1].pkts;
	t->ended_flows++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flowtab_cfg cfg = { 0 };
	struct flowtab *ft = NULL;
	struct source *s = NULL;
	struct tally t = { 0, 0 };
	struct flowtab_stats st;
	struct pt_err err;
	struct pkt p;
	uint64_t n = 0, added = 0;
	int rc;

	if (source_open_mem(data, size, "fuzz", &s, &err) < 0)
		return 0;
	cfg.idle_ns = 64ull * 1000000000ull;
	cfg.max_flows = 64;
	cfg.tcp_end = 1;
	cfg.vlan_key = 1;
	cfg.fine_bins = size & 1;
	CHECK(flowtab_new(&cfg, on_end, NULL, &t, &ft, &err) == 0);
	while ((rc = source_next(s, &p, &err)) == 1) {
		struct pkt_view v;
		n++;
		CHECK(n <= size / 12 + 1);
		CHECK(p.caplen <= size);
		CHECK(p.data >= data && p.data + p.caplen <= data + size);
		CHECK(source_offset(s) <= size);
		if (decode_frame(p.linktype, p.data, p.caplen, p.wirelen,
				 &v) != DECODE_OK)
			continue;
		CHECK(v.ipver == 4 || v.ipver == 6);
		CHECK((uint32_t)v.l3_off + 20u <= p.caplen);
		/* NULL is returned both for "out of memory" and for a packet
		 * that ended its flow (RST, last FIN/ACK): count by stats */
		(void)flowtab_add(ft, &v, p.wirelen, p.ts_ns);
		added++;
	}
	CHECK(rc == 0 || rc == PT_ETRUNC || rc == PT_EFORMAT ||
	      rc == PT_ELIMIT || rc == PT_ENOMEM);
	(void)source_labels(s);
	flowtab_flush(ft);
	flowtab_stats(ft, &st);
	CHECK(st.active == 0);
	CHECK(t.ended_pkts == added - st.nomem);
	flowtab_free(ft);
	source_close(s);
	return 0;
}
