/*
 * clock.c -- wall and monotonic clocks and the millisecond sleep (see
 * clock.h).
 */
#include <time.h>
#include "p2ptrace/clock.h"

static uint64_t ns_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pt_now_ns(void)
{
	return ns_of(CLOCK_REALTIME);
}

uint64_t pt_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

double pt_mono_s(void)
{
	return (double)pt_mono_ns() / 1e9;
}

void pt_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
