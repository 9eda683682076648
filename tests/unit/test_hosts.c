/*
 * test_hosts.c -- per-address figures (lib/features/hosts.c) on flows
 * built by hand; every expected number is counted in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "p2ptrace/hosts.h"

/* A flow 10.0.0.a -> 10.0.0.b with fwd/rev packets of 100 bytes (bin
 * 80-159) between t and t + 1 s. */
static struct flow mk(int a, int b, uint64_t fwd, uint64_t rev, uint64_t t)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.key.ipver = 4;
	f.key.a[0] = f.key.b[0] = 10;
	f.key.a[3] = (uint8_t)a;
	f.key.b[3] = (uint8_t)b;
	f.orig_is_a = 1;
	f.dir[0].pkts = fwd;
	f.dir[1].pkts = rev;
	f.dir[0].bytes = fwd * 100;
	f.dir[1].bytes = rev * 100;
	f.dir[0].plen[3] = (uint32_t)fwd;
	f.dir[1].plen[3] = (uint32_t)rev;
	f.dir[0].first_ns = f.dir[1].first_ns = t;
	f.dir[0].last_ns = f.dir[1].last_ns = t + 1000000000ull;
	return f;
}

static void two_flows(void **state)
{
	struct hosts hs;
	struct flow f1 = mk(1, 2, 3, 2, 5), f2 = mk(3, 1, 1, 4, 2);
	uint8_t a1[16] = { 10, 0, 0, 1 };
	struct host *h;
	struct node_figs n;

	(void)state;
	hosts_init(&hs, 0);
	hosts_add_flow(&hs, &f1);
	hosts_add_flow(&hs, &f2);
	assert_int_equal(hs.n, 3); /* .1 .2 .3 */
	h = hosts_find(&hs, a1, 4);
	assert_non_null(h);
	/* .1 sent 3 (f1 fwd) + 4 (f2 rev) = 7, received 2 + 1 = 3 */
	host_figs(h, &n);
	assert_int_equal(n.pkts_up, 7);
	assert_int_equal(n.pkts_down, 3);
	assert_int_equal(n.bytes_up, 700);
	assert_int_equal(n.flows, 2);
	assert_int_equal(n.flows_initiated, 1); /* f1 only */
	assert_int_equal(n.plen_up[3], 7);
	assert_int_equal(n.first_ns, 2); /* f2 starts at 2 */
	assert_int_equal(n.last_ns, 1000000005ull);
	hosts_free(&hs);
}

/* A bound of 2 addresses: the third is dropped, counted, and the table
 * keeps what it had. */
static void bounded(void **state)
{
	struct hosts hs;
	struct flow f1 = mk(1, 2, 1, 1, 1), f2 = mk(1, 3, 1, 1, 2);
	uint8_t a1[16] = { 10, 0, 0, 1 }, a3[16] = { 10, 0, 0, 3 };

	(void)state;
	hosts_init(&hs, 2);
	hosts_add_flow(&hs, &f1);
	hosts_add_flow(&hs, &f2); /* .1 counted again, .3 dropped */
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.dropped, 1);
	assert_int_equal(hs.nomem, 0);
	assert_int_equal(hosts_find(&hs, a1, 4)->flows, 2);
	assert_null(hosts_find(&hs, a3, 4));
	hosts_free(&hs);
}

/* Many addresses (the index grows several times), then a merge: every
 * host found again with its count doubled. */
static void grow_and_merge(void **state)
{
	struct hosts a, b;
	uint8_t x[16] = { 0xfd };

	(void)state;
	hosts_init(&a, 0);
	hosts_init(&b, 0);
	for (uint32_t i = 0; i < 5000; i++) {
		memcpy(x + 12, &i, 4);
		hosts_get(&a, x, 6)->flows++;
		hosts_get(&b, x, 6)->flows += 1;
	}
	x[0] = 10; /* same bytes, IPv4: a different host */
	hosts_get(&b, x, 4)->flows = 7;
	hosts_merge(&a, &b);
	assert_int_equal(a.n, 5001);
	x[0] = 0xfd;
	for (uint32_t i = 0; i < 5000; i++) {
		memcpy(x + 12, &i, 4);
		assert_int_equal(hosts_find(&a, x, 6)->flows, 2);
	}
	x[0] = 10;
	assert_int_equal(hosts_find(&a, x, 4)->flows, 7);
	hosts_free(&a);
	hosts_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_flows),
		cmocka_unit_test(bounded),
		cmocka_unit_test(grow_and_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
