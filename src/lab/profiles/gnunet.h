/*
 * gnunet.h -- what the two files of profile gnunet share: gnunet.c (the
 * overlay, the peers' files, the HELLO exchange) and gnunet_stats.c (the
 * file-sharing counters kept at the end of a run, the catalog columns).
 */
#ifndef P2PTRACE_LAB_GNUNET_H
#define P2PTRACE_LAB_GNUNET_H
#include "lab/profile.h"

/* Debian's gnunet 0.19: the services are not on PATH */
#define GN_LIBEXEC "/usr/lib/x86_64-linux-gnu/gnunet/libexec"

/* before_stop: each peer's `gnunet-statistics -s fs` into
 * OUT/traces/NODE.fs.tsv (counter, tab, value). */
int gn_before_stop(const struct lab_down_ctx *d, struct pt_err *err);
/* column_down: the counters of gn_columns from that file. */
void gn_column_down(const struct lab_down_ctx *d, const char *node,
		    unsigned col, char *val, size_t len);
extern const char *const gn_columns[];

#endif
