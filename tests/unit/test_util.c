/*
 * test_util.c -- lib/util: the named-namespace helper refuses names that
 * are not plain names and reports a missing namespace as a usage error;
 * the clocks (wall time against time(2), monotonic, the sleep's length).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "p2ptrace/clock.h"
#include "p2ptrace/netns.h"

static void test_netns(void **state)
{
	char buf[256], longname[240];
	struct pt_err err = { 0 };
	int home = 7;

	(void)state;
	assert_int_equal(pt_netns_path("p2pn-lab-a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/netns/p2pn-lab-a");
	assert_int_equal(pt_netns_path("../etc", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pt_netns_path("", buf, sizeof(buf)), -1);
	memset(longname, 'a', 201);
	longname[201] = 0;
	assert_int_equal(pt_netns_path(longname, buf, sizeof(buf)), -1);
	assert_int_equal(pt_netns_open("a/b"), -1);
	assert_int_equal(pt_netns_enter("a/b", &home, "-i", &err), PT_EUSAGE);
	assert_int_equal(home, -1);
	assert_string_equal(err.msg, "bad network namespace name 'a/b'");
	assert_int_equal(pt_netns_enter("p2pt-no-such-ns-0", &home, "-i", &err),
			 PT_EUSAGE);
	assert_non_null(
		strstr(err.msg, "no network namespace 'p2pt-no-such-ns-0'"));
	assert_string_equal(err.where, "-i");
	pt_netns_leave(-1); /* nothing to return to: no-op */
}

static void test_clock(void **state)
{
	uint64_t w = pt_now_ns(), m0 = pt_mono_ns(), m1;
	time_t t = time(NULL);

	(void)state;
	assert_true(w / 1000000000ull + 1 >= (uint64_t)t &&
		    w / 1000000000ull <= (uint64_t)t + 1);
	pt_sleep_ms(20);
	m1 = pt_mono_ns();
	assert_true(m1 - m0 >= 20000000ull);
	assert_true(m1 - m0 < 2000000000ull);
	assert_true(pt_mono_s() >= (double)m1 / 1e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
