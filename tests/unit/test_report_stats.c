/*
 * test_report_stats.c -- the report's statistics and grouping against
 * values worked out by hand: sample standard deviation, the 95% interval
 * (Student's t), Spearman's rho with ties, group names from labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "report/report.h"

static void test_sd(void **state)
{
	/* mean 5, squared deviations sum to 32, sd = sqrt(32 / 7) */
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct rp_stat st;

	(void)state;
	rp_stat_of(v, 8, RP_ERR_SD, &st);
	assert_int_equal(st.n, 8);
	assert_float_equal(st.mean, 5.0, 1e-12);
	assert_float_equal(st.sd, 2.1380899352993950, 1e-12);
	assert_float_equal(st.err, st.sd, 1e-12);
}

static void test_ci95(void **state)
{
	/* mean 2, sd 1, t(0.975, 2 df) = 4.303: 4.303 / sqrt(3) */
	const double v[] = { 1, 2, 3 };
	struct rp_stat st;

	(void)state;
	rp_stat_of(v, 3, RP_ERR_CI95, &st);
	assert_float_equal(st.sd, 1.0, 1e-12);
	assert_float_equal(st.err, 2.4843377, 1e-6);
}

static void test_one_value(void **state)
{
	const double v[] = { 7.5 };
	struct rp_stat st;

	(void)state;
	rp_stat_of(v, 1, RP_ERR_CI95, &st);
	assert_int_equal(st.n, 1);
	assert_float_equal(st.mean, 7.5, 0);
	assert_float_equal(st.err, 0, 0); /* no bar for one node */
}

static void test_spearman(void **state)
{
	const double x[] = { 1, 2, 3, 4, 5 };
	const double up[] = { 2, 4, 6, 8, 100 };
	const double down[] = { 9, 7, 5, 3, 1 };
	const double tx[] = { 1, 2, 3, 4 };
	const double ty[] = { 1, 1, 2, 2 }; /* ranks 1.5 1.5 3.5 3.5 */
	const double flat[] = { 3, 3, 3, 3 };

	(void)state;
	assert_float_equal(rp_spearman(x, up, 5), 1.0, 1e-12);
	assert_float_equal(rp_spearman(x, down, 5), -1.0, 1e-12);
	/* sxy 4, sxx 5, syy 4: 4 / sqrt(20) */
	assert_float_equal(rp_spearman(tx, ty, 4), 0.8944271909999159, 1e-12);
	assert_float_equal(rp_spearman(tx, flat, 4), 0.0, 0);
	assert_float_equal(rp_spearman(x, up, 1), 0.0, 0);
}

static void test_group_of(void **state)
{
	struct rp_node n;
	char buf[64];

	(void)state;
	memset(&n, 0, sizeof(n));
	n.labels = (char *)"app=bittorrent;mode=query;rank=6.4";
	assert_string_equal(rp_group_of(&n, "app", buf, sizeof(buf)),
			    "bittorrent");
	assert_string_equal(rp_group_of(&n, "app,mode", buf, sizeof(buf)),
			    "bittorrent/query");
	assert_string_equal(rp_group_of(&n, "os,mode", buf, sizeof(buf)),
			    "query");
	assert_null(rp_group_of(&n, "os", buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sd),
		cmocka_unit_test(test_ci95),
		cmocka_unit_test(test_one_value),
		cmocka_unit_test(test_spearman),
		cmocka_unit_test(test_group_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
