/*
 * gnunet_quota.c -- profile gnunet: GNUnet's own bandwidth quota from the
 * node's upload rank, the counterpart of Winny's own speed setting in the
 * paper (tc still holds the node's link to the rank).
 *
 * GNUnet 0.19's ATS gives each connected peer (one active address each) at
 * least GNUNET_CONSTANTS_DEFAULT_BW_IN_OUT out of the quota of the network
 * the address is in, and activates one more address only if
 * quota / (active + 1) > that minimum, for the inbound and the outbound
 * quota alike (plugin_ats_proportional.c). In 0.19.3 the minimum is 1 MiB/s
 * (older releases: 32 KiB/s): the Debian plugin passes 0x100000 to
 * GNUNET_BANDWIDTH_value_init. With less, the transport drops a friend's
 * connection as soon as ATS takes its bandwidth away, and the overlay
 * falls apart. So the quota is clamped to friends x (1 MiB + 1) bytes/s,
 * the smallest value with which every friend of the node is connected at
 * once. Measured on a 6-peer ring (2 friends each, docs/lab.md "GNUnet"):
 * 2097152 B/s leaves each peer one friend; 2097154 B/s connects all and
 * the 3-hop download works. The paper's ranks (0.8-102 KB/s) are far below
 * that: GNUnet can only be held to its minimum, and tc does the rest.
 */
#include <stdio.h>
#include "lab/profiles/gnunet.h"

/* One direction: bytes/s from kbit/s (0: unlimited), clamped. */
static unsigned long long one(double kbps, unsigned long long min, int *cl)
{
	double b = kbps * 125.0;

	*cl = 0;
	if (kbps <= 0)
		return 0;
	if (b < (double)min) {
		*cl = 1;
		return min;
	}
	return b > 4e9 ? 4000000000ull : (unsigned long long)(b + 0.5);
}

void gn_quota_of(double up_kbps, double down_kbps, unsigned friends,
		 double fixed_kbps, struct gn_quota *q)
{
	q->min = (unsigned long long)(friends ? friends : 1) *
		 (GN_MIN_BW_PEER + 1);
	q->out = q->in = 0;
	q->clamped_out = q->clamped_in = 0;
	q->fixed = fixed_kbps > 0;
	if (fixed_kbps < 0) { /* auto: the node's rates, clamped */
		q->out = one(up_kbps, q->min, &q->clamped_out);
		q->in = one(down_kbps, q->min, &q->clamped_in);
	} else if (fixed_kbps > 0) { /* quota=RATE: as given, not clamped */
		q->out = q->in = (unsigned long long)(fixed_kbps * 125.0 + 0.5);
		if (q->out == 0)
			q->out = q->in = 1;
	}
}

int gn_quota_conf(const struct gn_quota *q, char *buf, size_t len)
{
	char o[24], i[24];
	int n;

	/* the lab's addresses are on the node's own subnet, which GNUnet
	 * counts as LAN; WAN too, should it ever see them otherwise */
	snprintf(o, sizeof(o), q->out ? "%llu" : "unlimited", q->out);
	snprintf(i, sizeof(i), q->in ? "%llu" : "unlimited", q->in);
	n = snprintf(buf, len,
		     "[ats]\nLAN_QUOTA_OUT = %s\nLAN_QUOTA_IN = %s\n"
		     "WAN_QUOTA_OUT = %s\nWAN_QUOTA_IN = %s\n",
		     o, i, o, i);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* "250 KiB/s", "131076 B/s (128.0 KiB/s)": exact, and readable. */
static void human(unsigned long long b, char *buf, size_t len)
{
	if (!b)
		snprintf(buf, len, "unlimited");
	else if (b % 1024 == 0)
		snprintf(buf, len, "%llu KiB/s", b / 1024);
	else
		snprintf(buf, len, "%llu B/s (%.1f KiB/s)", b, b / 1024.0);
}

void gn_quota_plan(const struct gn_quota *q, double up_kbps, double down_kbps,
		   unsigned friends, FILE *f)
{
	char o[64], i[64];

	human(q->out, o, sizeof(o));
	human(q->in, i, sizeof(i));
	fprintf(f, "  gnunet quota out %s, in %s", o, i);
	if (q->clamped_out || q->clamped_in)
		fprintf(f,
			" (up=%g kbit/s = %.1f KB/s, down=%g kbit/s: %s below GNUnet's minimum for %u friends, %llu B/s = %u x (1 MiB + 1); tc holds the link to the rank)",
			up_kbps, up_kbps / 8, down_kbps,
			q->clamped_out && q->clamped_in ? "both"
			: q->clamped_out		? "up"
							: "down",
			friends, q->min, friends ? friends : 1);
	else if (q->fixed && q->out < q->min)
		fprintf(f,
			" (quota=: below GNUnet's minimum for %u friends, %llu B/s: not every friend will be connected)",
			friends, q->min);
	else if (!q->out && !q->in)
		fprintf(f, " (quota=none, or no up=/down= rate)");
	fputc('\n', f);
}
