/*
 * shape.c -- tc commands that shape one direction of one node's link.
 * Upload is shaped on the egress of the node's eth0 (inside the node's
 * namespace), download on the egress of the switch-side veth vN (inside the
 * switch namespace). Both are egress qdiscs: packets a shaper drops never
 * reach the capture point (vN), so a trace shows what crossed the "wire".
 *
 * The shaper is TBF, not HTB: measured here, HTB (rate=ceil, burst 1600 B)
 * let 5-frame bursts through at 6.4 kbit/s and gave 2.2x the rate at
 * 6.4 kbit/s, 1.3x at 102.4 kbit/s; TBF gave 1.00x from 6.4 to 819.2 kbit/s
 * (tests/lab/test_lab_shape.sh). The burst scales with the rate (10 ms of
 * traffic, at least two full frames) -- Mininet's fixed 15 kB burst lets ~19 s
 * through unshaped at 6.4 kbit/s -- and the queue holds 500 ms of traffic
 * (at least 16 full frames, so slow TCP senders are not starved by drops).
 * A 2 s queue was tried first: a tail-drop queue that deep makes TCP's RTT
 * 2 s, and when a fast retransmission is dropped too (the queue is still
 * full), the sender waits out an RTO of ~2.7 s with the link idle (a rank
 * measured at 0.77x once in CI). With 500 ms such stalls come about as
 * often but last ~0.8 s (`make bench-shape` prints both). A group's queue=
 * sets another depth (a bloated DSL modem's 2 s, say).
 * ARP bypasses the shaper (an HTB root -- not limiting, 10 gbit -- sends
 * ARP to one class and the rest to the class holding the TBF; this kernel
 * has no prio qdisc): on a real access link
 * the neighbours' ARP broadcasts never cross the bottleneck, and in the lab
 * the bridge floods every node's ARP to every port -- at 35 nodes that alone
 * filled a 2 kbit/s query-mode download link and starved its TCP.
 * Delay, jitter and loss use a netem child. Some kernels lack netem (this
 * project's test machine: CONFIG_NET_SCH_NETEM is not set);
 * lab_netem_missing() tells, so `lab check` and `lab up` say so plainly
 * instead of failing in tc.
 *
 * A group's rate may be a set: up=A..B draws each node's rate log-uniformly
 * between A and B from a hash of the node's name (the same file gives the
 * same rates), up=A,B,C gives the group's nodes A, B, C, A, ... in order.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "lab/lab.h"
#include "lab/profile.h"

double lab_rate_of(const struct lab_rates *set, double one, const char *node,
		   unsigned k, int up)
{
	uint64_t x = up ? 0x9e3779b97f4a7c15ull : 0xc2b2ae3d27d4eb4full;
	double u;

	if (!set->n)
		return one;
	if (!set->range)
		return set->v[k % set->n];
	for (const char *c = node; *c; c++)
		x = (x ^ (unsigned char)*c) * 1099511628211ull;
	for (unsigned r = 0; r < 2; r++) { /* splitmix64's finaliser */
		x ^= x >> 30;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 27;
		x *= 0x94d049bb133111ebull;
		x ^= x >> 31;
	}
	u = (double)(x >> 11) / 9007199254740992.0;
	/* log-uniform, rounded to 0.1 kbit/s */
	return floor(exp(log(set->v[0]) +
			 (log(set->v[1]) - log(set->v[0])) * u) *
			     10 +
		     0.5) /
	       10;
}

int lab_netem_missing(char *why, size_t len)
{
	struct utsname u;
	char path[512], line[256];
	int missing = 0;

	if (access("/sys/module/sch_netem", F_OK) == 0 || uname(&u))
		return 0;
	snprintf(path, sizeof(path),
		 "/lib/modules/%s/kernel/net/sched/sch_netem.ko", u.release);
	for (unsigned k = 0; k < 3; k++) {
		static const char *const ext[] = { "", ".xz", ".zst" };
		char p2[540];

		snprintf(p2, sizeof(p2), "%s%s", path, ext[k]);
		if (access(p2, F_OK) == 0)
			return 0;
	}
	{
		char *zc[] = { "sh", "-c",
			       "zcat /proc/config.gz 2>/dev/null | grep -E '^(# )?CONFIG_NET_SCH_NETEM[ =]'",
			       NULL };

		if (lab_run(zc, line, sizeof(line)))
			return 0; /* no /proc/config.gz: cannot tell, tc will say */
		missing = strstr(line, "is not set") != NULL;
	}
	if (missing)
		snprintf(why, len,
			 "this kernel (%s) has no netem qdisc (CONFIG_NET_SCH_NETEM is not set)",
			 u.release);
	return missing;
}

int lab_shape_batch(char *buf, size_t len, const char *dev,
		    const struct lab_shape *s)
{
	unsigned long long bits = (unsigned long long)(s->kbps * 1000 + 0.5);
	unsigned long long bps = bits / 8, burst, limit;
	double queue_ms = s->queue_ms > 0 ? s->queue_ms : LAB_QUEUE_MS;
	int n;

	if (!bits && s->delay_ms <= 0 && s->loss_pct <= 0 &&
	    s->jitter_ms <= 0) {
		if (len)
			buf[0] = 0;
		return 0;
	}
	if (!bits)
		bits = 10000000000ull; /* 10 Gbit: only netem matters */
	burst = bps / 100;
	if (burst < 3028)
		burst = 3028;
	limit = (unsigned long long)(bps * queue_ms / 1000);
	if (limit < 24224)
		limit = 24224;
	if (limit > 4000000)
		limit = 4000000;
	n = snprintf(
		buf, len,
		"qdisc add dev %s root handle 1: htb default 2\n"
		"class add dev %s parent 1: classid 1:1 htb rate 10gbit quantum 60000\n"
		"class add dev %s parent 1: classid 1:2 htb rate 10gbit quantum 60000\n"
		"filter add dev %s parent 1: protocol arp prio 1 u32 match u32 0 0 flowid 1:1\n"
		"qdisc add dev %s parent 1:2 handle 20: tbf rate %llubit burst %llub limit %llub\n",
		dev, dev, dev, dev, dev, bits, burst, limit);
	if (n < 0 || (size_t)n >= len)
		return -1;
	if ((s->delay_ms > 0 || s->loss_pct > 0) && s->jitter_ms <= 0)
		n += snprintf(
			buf + n, len - (size_t)n,
			"qdisc add dev %s parent 20:1 handle 30: netem delay %.3fms loss %.4f%% limit %llu\n",
			dev, s->delay_ms, s->loss_pct, limit / 1000 + 10);
	else if (s->jitter_ms > 0)
		n += snprintf(
			buf + n, len - (size_t)n,
			"qdisc add dev %s parent 20:1 handle 30: netem delay %.3fms %.3fms loss %.4f%% limit %llu\n",
			dev, s->delay_ms, s->jitter_ms, s->loss_pct,
			limit / 1000 + 10);
	return (size_t)n >= len ? -1 : 0;
}
