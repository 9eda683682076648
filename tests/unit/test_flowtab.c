/*
 * test_flowtab.c -- flow table rules, each on a handful of synthetic
 * packets whose expected flows are counted by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "p2ptrace/flowtab.h"

#define S 1000000000ull

struct ended {
	int n;
	enum flow_end why[16];
	uint64_t pkts_fwd[16], pkts_rev[16];
	uint16_t sport[16];
};

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	struct ended *e = arg;

	if (e->n < 16) {
		e->why[e->n] = why;
		e->pkts_fwd[e->n] = f->dir[0].pkts;
		e->pkts_rev[e->n] = f->dir[1].pkts;
		e->sport[e->n] = flow_sport(f);
	}
	e->n++;
}

/* A TCP packet between 10.0.0.1:1000 (a) and 10.0.0.2:80 (b). */
static struct pkt_view tcp(int from_a, uint8_t flags)
{
	struct pkt_view v;

	memset(&v, 0, sizeof(v));
	v.ipver = 4;
	v.proto = 6;
	v.tcp_flags = flags;
	v.ip_len = 40;
	v.src[0] = v.dst[0] = 10;
	v.src[3] = from_a ? 1 : 2;
	v.dst[3] = from_a ? 2 : 1;
	v.sport = from_a ? 1000 : 80;
	v.dport = from_a ? 80 : 1000;
	return v;
}

static struct flowtab *mk(struct ended *e, uint64_t idle, uint64_t active,
			  uint32_t maxf)
{
	struct flowtab_cfg c = { idle, active, maxf, 1, 1, 0, 1 };
	struct flowtab *ft = NULL;

	memset(e, 0, sizeof(*e));
	assert_int_equal(flowtab_new(&c, on_end, NULL, e, &ft, NULL), 0);
	return ft;
}

/* A packet exactly 64 s after the last keeps the flow; 64 s + 1 ns ends
 * it (idle) and starts a second one. */
static void test_idle_boundary(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 64 * S, 0, 0);
	struct pkt_view v = tcp(1, TCPF_ACK);

	(void)state;
	flowtab_add(ft, &v, 60, 1 * S);
	flowtab_add(ft, &v, 60, 65 * S); /* gap 64 s exactly */
	assert_int_equal(e.n, 0);
	flowtab_add(ft, &v, 60, 129 * S + 1); /* gap 64 s + 1 ns */
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_IDLE);
	assert_int_equal(e.pkts_fwd[0], 2);
	flowtab_flush(ft);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.why[1], FLOW_END_FORCED);
	assert_int_equal(e.pkts_fwd[1], 1);
	flowtab_free(ft);
}

/* SYN, SYN-ACK, ACK, FIN(a), ACK, FIN(b), ACK(a): the last ACK ends the
 * flow with 4 packets from a and 3 from b; nothing is left. */
static void test_fin_both_ways(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 64 * S, 0, 0);
	struct pkt_view p[7];
	int from_a[7] = { 1, 0, 1, 1, 0, 0, 1 };
	uint8_t fl[7] = { TCPF_SYN, TCPF_SYN | TCPF_ACK,
			  TCPF_ACK, TCPF_FIN | TCPF_ACK,
			  TCPF_ACK, TCPF_FIN | TCPF_ACK,
			  TCPF_ACK };

	(void)state;
	for (int i = 0; i < 7; i++) {
		p[i] = tcp(from_a[i], fl[i]);
		flowtab_add(ft, &p[i], 60, (uint64_t)(i + 1) * S);
	}
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_EOF);
	assert_int_equal(e.pkts_fwd[0], 4);
	assert_int_equal(e.pkts_rev[0], 3);
	assert_int_equal(e.sport[0], 1000);
	flowtab_flush(ft);
	assert_int_equal(e.n, 1);
	flowtab_free(ft);
}

/* RST ends at once; the next packet is a new flow. */
static void test_rst(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 64 * S, 0, 0);
	struct pkt_view a = tcp(1, TCPF_SYN), r = tcp(0, TCPF_RST | TCPF_ACK);

	(void)state;
	flowtab_add(ft, &a, 60, 1 * S);
	flowtab_add(ft, &r, 60, 2 * S);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_EOF);
	flowtab_add(ft, &a, 60, 3 * S);
	flowtab_flush(ft);
	assert_int_equal(e.n, 2);
	flowtab_free(ft);
}

/* The first packet seen is b's SYN-ACK: the originator is a anyway. */
static void test_originator_from_synack(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 64 * S, 0, 0);
	struct pkt_view sa = tcp(0, TCPF_SYN | TCPF_ACK),
			ack = tcp(1, TCPF_ACK);

	(void)state;
	flowtab_add(ft, &sa, 60, 1 * S);
	flowtab_add(ft, &ack, 60, 2 * S);
	flowtab_add(ft, &ack, 60, 3 * S);
	flowtab_flush(ft);
	assert_int_equal(e.sport[0], 1000);
	assert_int_equal(e.pkts_fwd[0], 2);
	assert_int_equal(e.pkts_rev[0], 1);
	flowtab_free(ft);
}

/* Three flows into a table of two: the least recently seen is evicted. */
static void test_eviction(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 0, 0, 2);
	struct pkt_view v = tcp(1, TCPF_ACK);

	(void)state;
	for (int i = 0; i < 3; i++) {
		v.sport = (uint16_t)(2000 + i);
		flowtab_add(ft, &v, 60, (uint64_t)(i + 1) * S);
	}
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_LACK);
	assert_int_equal(e.sport[0], 2000);
	flowtab_free(ft);
}

/* Active timeout 10 s: packets every 4 s for 21 s make 2 flows ended by
 * the active timeout (at 12 s and 24 s... ) -- counted: 1,5,9 | 13,17,21. */
static void test_active(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 64 * S, 10 * S, 0);
	struct pkt_view v = tcp(1, TCPF_ACK);

	(void)state;
	for (uint64_t t = 1; t <= 21; t += 4)
		flowtab_add(ft, &v, 60, t * S);
	flowtab_flush(ft);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.why[0], FLOW_END_ACTIVE);
	assert_int_equal(e.pkts_fwd[0], 3);
	assert_int_equal(e.why[1], FLOW_END_FORCED);
	assert_int_equal(e.pkts_fwd[1], 3);
	flowtab_free(ft);
}

/* Many flows: growth and the index's deletions keep every flow findable. */
static void test_many_flows(void **state)
{
	struct ended e;
	struct flowtab *ft = mk(&e, 1 * S, 0, 0);
	struct pkt_view v = tcp(1, TCPF_ACK);
	struct flowtab_stats st;

	(void)state;
	for (uint32_t i = 0; i < 50000; i++) {
		v.sport = (uint16_t)i;
		v.src[1] = (uint8_t)(i >> 16);
		flowtab_add(ft, &v, 60, 10 * S + i);
		flowtab_add(ft, &v, 60, 10 * S + i); /* same flow again */
	}
	flowtab_stats(ft, &st);
	assert_int_equal(st.created, 50000);
	assert_int_equal(st.active, 50000);
	v.sport = 7;
	flowtab_add(ft, &v, 60, 100 * S); /* all others idle out */
	assert_int_equal(e.n, 50000);
	flowtab_stats(ft, &st);
	assert_int_equal(st.active, 1);
	flowtab_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_boundary),
		cmocka_unit_test(test_fin_both_ways),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_originator_from_synack),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_many_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
