/*
 * test_lab_gnunet_quota.c -- GNUnet's own bandwidth quota of a gnunet node
 * (src/lab/profiles/gnunet_quota.c): from the node's up=/down= rates in
 * bytes/s (kbit/s x 125), raised to friends x (1 MiB + 1) bytes/s, the
 * least GNUnet 0.19 connects every friend with (measured, docs/lab.md);
 * the [ats] text of the peer's gnunet.conf; lab check's line that says a
 * rank was clamped; quota= in the experiment file. The expected numbers are
 * worked out by hand below each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lab/lab.h"
#include "lab/profiles/gnunet.h"

static void test_values(void **state)
{
	struct gn_quota q;

	(void)state;
	/* rank 6.4 kbit/s = 800 B/s, 4 friends: min 4 x 1048577 = 4194308 */
	gn_quota_of(6.4, 2048, 4, -1, &q);
	assert_true(q.out == 4194308 && q.in == 4194308 && q.min == 4194308);
	assert_true(q.clamped_out && q.clamped_in && !q.fixed);
	/* 40 mbit/s = 5000000 B/s is above 4194308; 32 mbit/s = 4000000
	 * below it */
	gn_quota_of(40000, 32000, 4, -1, &q);
	assert_true(q.out == 5000000 && !q.clamped_out);
	assert_true(q.in == 4194308 && q.clamped_in);
	/* 2 friends: 2097154 */
	gn_quota_of(800, 0, 2, -1, &q);
	assert_true(q.out == 2097154 && q.clamped_out);
	assert_true(q.in == 0 && !q.clamped_in); /* not shaped: no quota */
	/* quota=none; quota=RATE as given (16 mbit/s = 2000000 B/s) */
	gn_quota_of(6.4, 2048, 4, 0, &q);
	assert_true(q.out == 0 && q.in == 0);
	gn_quota_of(6.4, 2048, 4, 16000, &q);
	assert_true(q.out == 2000000 && q.in == 2000000 && q.fixed);
	assert_false(q.clamped_out || q.clamped_in);
}

static void test_text(void **state)
{
	struct gn_quota q;
	char buf[300], *mem = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	gn_quota_of(6.4, 40000, 4, -1, &q);
	assert_int_equal(gn_quota_conf(&q, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[ats]\n"
				 "LAN_QUOTA_OUT = 4194308\n"
				 "LAN_QUOTA_IN = 5000000\n"
				 "WAN_QUOTA_OUT = 4194308\n"
				 "WAN_QUOTA_IN = 5000000\n");
	assert_int_equal(gn_quota_conf(&q, buf, 20), -1);
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	gn_quota_plan(&q, 6.4, 40000, 4, f);
	fclose(f);
	assert_non_null(strstr(
		mem,
		"gnunet quota out 4194308 B/s (4096.0 KiB/s), in 5000000 B/s"));
	assert_non_null(strstr(mem, "up=6.4 kbit/s = 0.8 KB/s"));
	assert_non_null(strstr(
		mem, "up below GNUnet's minimum for 4 friends, 4194308"));
	assert_non_null(strstr(mem, "tc holds the link to the rank"));
	free(mem);
	gn_quota_of(0, 0, 4, 0, &q);
	assert_int_equal(gn_quota_conf(&q, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "LAN_QUOTA_OUT = unlimited\n"));
}

/* quota= in the file: accepted values, a bad one names its line */
static void test_parse(void **state)
{
	static const char *const good[] = { "auto", "none", "20mbit",
					    "16777.232kbit" };
	struct pt_err err = { 0 };
	struct lab_exp e;
	char text[200];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text),
			 "group a gnunet count=2 degree=1 quota=%s\n", good[i]);
		assert_int_equal(lab_exp_parse(&e, "q.lab", text, &err), 0);
		lab_exp_free(&e);
	}
	assert_int_not_equal(
		lab_exp_parse(
			&e, "q.lab",
			"group a gnunet count=2\ngroup b gnunet quota=fast\n",
			&err),
		0);
	assert_string_equal(err.where, "q.lab:2");
	assert_non_null(
		strstr(err.msg, "quota: expected auto, none or a rate"));
	lab_exp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
