/*
 * flowmem.c -- the benchmark's memory figure: bytes per active flow.
 *
 * Holds N flows (default 10^6) at once in one flow table through the
 * public API (flowtab_new / flowtab_add with synthetic pkt_views, idle
 * timeout off so nothing ends), then prints the cost of one active flow
 * two ways:
 *   rss:   (peak RSS after the adds - RSS before them) / N, from
 *          /proc/self/status (VmHWM, VmRSS): what the process really paid,
 *          pool slack and index growth included;
 *   table: flowtab_stats().bytes_alloc / N and flowtab_bytes_per_flow():
 *          what the table says it holds.
 * Each flow is a UDP/IPv4 bidirectional flow with one packet each way
 * (10.x.y.z:40000 <-> 198.51.100.1:6881), so every flow is both created
 * and found again. Output: "name value" lines (read by
 * bench/bench_analyze.sh), exit 1 when the table did not hold N flows.
 *
 * Build: see bench/bench_analyze.sh (links build/libp2ptrace.a).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "p2ptrace/flowtab.h"

static uint64_t ended;

static void on_end(const struct flow *f, enum flow_end why, void *arg)
{
	(void)f;
	(void)why;
	(void)arg;
	ended++;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); 0 if absent. */
static unsigned long status_kib(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	unsigned long v = 0;
	FILE *fp = fopen("/proc/self/status", "r");

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void view(struct pkt_view *v, uint32_t i, int reply)
{
	uint8_t host[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
			    (uint8_t)i };
	uint8_t peer[4] = { 198, 51, 100, 1 };

	memset(v, 0, sizeof(*v));
	v->ipver = 4;
	v->proto = 17;
	v->l3_off = 14;
	v->ip_len = 128;
	v->payload_len = 100;
	memcpy(v->src, reply ? peer : host, 4);
	memcpy(v->dst, reply ? host : peer, 4);
	v->sport = reply ? 6881 : 40000;
	v->dport = reply ? 40000 : 6881;
}

int main(int argc, char **argv)
{
	struct flowtab_cfg cfg = { 0 };
	struct flowtab_stats st;
	struct flowtab *ft;
	struct pt_err err;
	struct pkt_view v;
	unsigned long rss0, hwm0, rss1, hwm1;
	uint64_t ts = 1000000000ull;
	uint32_t n = 1000000;
	double t0, t1;

	if (argc > 1) {
		char *end;
		unsigned long x = strtoul(argv[1], &end, 10);
		if (*end || x == 0 || x > (1ul << 24)) {
			fprintf(stderr,
				"usage: flowmem [FLOWS (1..16777216)]\n");
			return 2;
		}
		n = (uint32_t)x;
	}
	cfg.idle_ns = 0; /* never: every flow stays active */
	cfg.tcp_end = 1;
	cfg.vlan_key = 1;
	if (flowtab_new(&cfg, on_end, NULL, NULL, &ft, &err) != 0) {
		fprintf(stderr, "flowmem: %s: %s\n", err.where, err.msg);
		return 1;
	}
	rss0 = status_kib("VmRSS");
	hwm0 = status_kib("VmHWM");
	t0 = now_s();
	for (int reply = 0; reply < 2; reply++)
		for (uint32_t i = 0; i < n; i++) {
			view(&v, i, reply);
			if (!flowtab_add(ft, &v, 142, ts += 1000)) {
				fprintf(stderr,
					"flowmem: flowtab_add failed "
					"at flow %u\n",
					i);
				return 1;
			}
		}
	t1 = now_s();
	rss1 = status_kib("VmRSS");
	hwm1 = status_kib("VmHWM");
	flowtab_stats(ft, &st);
	printf("flows_active %llu\n", (unsigned long long)st.active);
	printf("flows_peak %llu\n", (unsigned long long)st.peak);
	printf("packets %llu\n", 2ull * n);
	printf("add_pkts_per_s %.0f\n", 2.0 * n / (t1 - t0));
	printf("rss_before_kib %lu\n", rss0);
	printf("rss_after_kib %lu\n", rss1);
	printf("hwm_before_kib %lu\n", hwm0);
	printf("hwm_after_kib %lu\n", hwm1);
	printf("rss_bytes_per_flow %.1f\n",
	       ((double)hwm1 - (double)rss0) * 1024.0 / n);
	printf("table_bytes_alloc %llu\n", (unsigned long long)st.bytes_alloc);
	printf("table_bytes_per_flow %.1f\n", (double)st.bytes_alloc / n);
	printf("flowtab_bytes_per_flow %zu\n", flowtab_bytes_per_flow(ft));
	{ /* what the cold parts would add (--features, --fine-bins) */
		struct flowtab *x;
		cfg.extras = 1;
		if (flowtab_new(&cfg, NULL, NULL, NULL, &x, &err) == 0) {
			printf("extras_bytes_per_flow %zu\n",
			       flowtab_cold_bytes_per_flow(x));
			flowtab_free(x);
		}
		cfg.extras = 0;
		cfg.fine_bins = 1;
		if (flowtab_new(&cfg, NULL, NULL, NULL, &x, &err) == 0) {
			printf("fine_bytes_per_flow %zu\n",
			       flowtab_cold_bytes_per_flow(x));
			flowtab_free(x);
		}
	}
	flowtab_flush(ft);
	printf("flows_ended %llu\n", (unsigned long long)ended);
	flowtab_free(ft);
	if (st.active != n || ended != n) {
		fprintf(stderr, "flowmem: table held %llu of %u flows\n",
			(unsigned long long)st.active, n);
		return 1;
	}
	return 0;
}
