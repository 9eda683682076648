/*
 * shape.c -- tc commands that shape one direction of one node's link.
 * Upload is shaped on the egress of the node's eth0 (inside the node's
 * namespace), download on the egress of the switch-side veth vN (inside the
 * switch namespace). Both are egress HTB: packets the shaper drops never
 * reach the capture point (vN), so a trace shows what crossed the "wire".
 * The burst scales with the rate (10 ms of traffic, at least one MTU
 * frame): Mininet's fixed 15 kB burst lets ~19 s through unshaped at
 * 6.4 kbit/s. The leaf queue holds ~2 s of traffic (10 .. 1000 packets).
 */
#include <stdio.h>
#include "lab/lab.h"

int lab_shape_batch(char *buf, size_t len, const char *dev, double kbps,
		    double delay_ms, double loss_pct)
{
	unsigned long long bits = (unsigned long long)(kbps * 1000 + 0.5);
	unsigned long long bps = bits / 8, burst, limit;
	int n;

	if (!bits && delay_ms <= 0 && loss_pct <= 0) {
		if (len)
			buf[0] = 0;
		return 0;
	}
	if (!bits)
		bits = 10000000000ull; /* 10 Gbit: only netem matters */
	burst = bps / 100;
	if (burst < 1600)
		burst = 1600;
	limit = bps * 2 / 1514;
	if (limit < 10)
		limit = 10;
	if (limit > 1000)
		limit = 1000;
	n = snprintf(buf, len,
		     "qdisc add dev %s root handle 1: htb default 1\n"
		     "class add dev %s parent 1: classid 1:1 htb rate %llubit ceil %llubit burst %llub cburst %llub quantum 1514\n",
		     dev, dev, bits, bits, burst, burst);
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (delay_ms > 0 || loss_pct > 0)
		n += snprintf(buf + n, len - (size_t)n,
			      "qdisc add dev %s parent 1:1 handle 10: netem delay %.3fms loss %.4f%% limit %llu\n",
			      dev, delay_ms, loss_pct, limit);
	else
		n += snprintf(buf + n, len - (size_t)n,
			      "qdisc add dev %s parent 1:1 handle 10: pfifo limit %llu\n",
			      dev, limit);
	return (size_t)n >= len ? -1 : 0;
}
