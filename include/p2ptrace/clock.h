/*
 * clock.h -- the clocks and the sleep every part of p2ptrace uses, written
 * once: wall time for timestamps that leave the program (catalog, traces),
 * monotonic time for measuring how long something took, and a sleep that
 * the progress loops and waits share.
 */
#ifndef P2PTRACE_CLOCK_H
#define P2PTRACE_CLOCK_H
#include <stdint.h>

/* Unix time in ns (CLOCK_REALTIME). */
uint64_t pt_now_ns(void);
/* Monotonic ns (CLOCK_MONOTONIC): only differences mean anything. */
uint64_t pt_mono_ns(void);
/* pt_mono_ns() in seconds. */
double pt_mono_s(void);
/* Sleep MS milliseconds (a signal may end it early). */
void pt_sleep_ms(unsigned ms);

#endif
