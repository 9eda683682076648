/*
 * test_flowq.c -- the output thread's ring (src/flowq.c): every flow
 * handed over comes out once, in order, with its own copy of the fine
 * bins; drain waits for all of them; a ring much smaller than the
 * burst makes the producer wait (and nothing is lost or reordered).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "flowq.h"

#define N 20000

struct seen {
	uint64_t id[N];
	int why[N];
	int fine_ok, node_ok;
	atomic_size_t n; /* read by the test thread while it waits */
	const struct node_info *node;
};

static void handler(void *arg, const struct node_info *n, const struct flow *f,
		    enum flow_end why)
{
	struct seen *s = arg;

	if (s->n < N) {
		s->id[s->n] = f->id;
		s->why[s->n] = (int)why;
	}
	s->n++;
	if (f->fine && f->fine[3] == (uint32_t)(f->id * 7) &&
	    f->fine[FINE_NBINS - 1] == (uint32_t)f->id)
		s->fine_ok++;
	if (n == s->node)
		s->node_ok++;
	if (f->id % 1000 == 0) { /* a slow consumer now and then */
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
}

static void run(unsigned cap)
{
	static struct seen s;
	struct node_info node;
	struct flowq *q;
	struct flow f;
	uint32_t fine[FINE_NBINS];

	memset(&s, 0, sizeof(s));
	memset(&node, 0, sizeof(node));
	s.node = &node;
	assert_int_equal(flowq_start(&q, cap, handler, &s), 0);
	memset(&f, 0, sizeof(f));
	f.fine = fine;
	for (uint64_t i = 1; i <= N; i++) {
		memset(fine, 0, sizeof(fine));
		f.id = i;
		fine[3] = (uint32_t)(i * 7);
		fine[FINE_NBINS - 1] = (uint32_t)i;
		flowq_push(q, &node, &f, (enum flow_end)(1 + i % 3));
		/* the caller's buffer changes right away: the copy must not */
		memset(fine, 0xff, sizeof(fine));
		if (i == N / 2) {
			flowq_drain(q);
			assert_int_equal(s.n, N / 2);
		}
	}
	flowq_stop(q);
	assert_int_equal(s.n, N);
	assert_int_equal(s.fine_ok, N);
	assert_int_equal(s.node_ok, N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(s.id[i], i + 1);
		assert_int_equal(s.why[i], (int)(1 + (i + 1) % 3));
	}
}

static void test_order_small_ring(void **st)
{
	(void)st;
	run(4); /* the producer waits on almost every push */
}

static void test_order_large_ring(void **st)
{
	(void)st;
	run(2048);
}

static void test_idle_consumer_wakes(void **st)
{
	/* fewer flows than a wake-up batch: the consumer finds them by
	 * its idle look, before any drain */
	static struct seen s;
	struct node_info node;
	struct flowq *q;
	struct flow f;
	struct timespec ts = { 0, 10000000 };

	(void)st;
	memset(&s, 0, sizeof(s));
	memset(&node, 0, sizeof(node));
	s.node = &node;
	memset(&f, 0, sizeof(f));
	assert_int_equal(flowq_start(&q, 2048, handler, &s), 0);
	f.id = 1;
	flowq_push(q, &node, &f, FLOW_END_IDLE);
	for (int i = 0; i < 100 && atomic_load(&s.n) == 0; i++) /* 1 s */
		nanosleep(&ts, NULL);
	assert_int_equal(s.n, 1);
	flowq_stop(q);
	assert_int_equal(s.id[0], 1);
	assert_int_equal(s.fine_ok, 0); /* no fine bins: none invented */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_small_ring),
		cmocka_unit_test(test_order_large_ring),
		cmocka_unit_test(test_idle_consumer_wakes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
