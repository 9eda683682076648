/*
 * gnunet.h -- what the two files of profile gnunet share: gnunet.c (the
 * overlay, the peers' files, the HELLO exchange) and gnunet_stats.c (the
 * file-sharing counters kept at the end of a run, the catalog columns).
 */
#ifndef P2PTRACE_LAB_GNUNET_H
#define P2PTRACE_LAB_GNUNET_H
#include <stdio.h>
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

/* gnunet_quota.c: GNUnet's bandwidth quota ([ats] LAN_ and WAN_QUOTA_OUT,
 * _IN, bytes/s) of a node. GNUNET_CONSTANTS_DEFAULT_BW_IN_OUT: the least
 * ATS gives each connected peer: 1 MiB/s in 0.19 (32 KiB/s in older
 * releases). */
#define GN_MIN_BW_PEER 1048576u
struct gn_quota {
	unsigned long long out, in; /* bytes/s; 0 = unlimited */
	unsigned long long min;	    /* friends x (GN_MIN_BW_PEER + 1) */
	int clamped_out, clamped_in;
	int fixed; /* quota=RATE: as given */
};
/* fixed_kbps < 0: from the node's rates (kbit/s, 0 = not shaped: no
 * quota), each raised to q->min; 0: none; > 0: that, not clamped. */
void gn_quota_of(double up_kbps, double down_kbps, unsigned friends,
		 double fixed_kbps, struct gn_quota *q);
/* The [ats] section of the peer's gnunet.conf; -1 if LEN is too small. */
int gn_quota_conf(const struct gn_quota *q, char *buf, size_t len);
/* lab check's line for one node. */
void gn_quota_plan(const struct gn_quota *q, double up_kbps, double down_kbps,
		   unsigned friends, FILE *f);

#endif
