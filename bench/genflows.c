/*
 * genflows.c -- the benchmark's second input: a pcap in which N flows are
 * all active at once (issue 15).
 *
 * The bench trace keeps at most ~650 flows open, so a flow table's working
 * set sits in cache; real traffic and large labs keep hundreds of
 * thousands open. Here packet k of flow i is sent at (k * N + i) us: every
 * flow's packets are interleaved with every other flow's, so each packet
 * finds its flow record cold. Flows: 3 of 4 IPv4 and 1 of 4 IPv6, half TCP
 * (data segments with ACK, no SYN/FIN/RST, so no flow ends before the end
 * of the file) and half UDP; directions alternate; frame sizes vary from
 * 54 to ~950 bytes (average ~500) and are written whole (caplen = wire
 * length), so a reader pays for the bytes as on a real capture.
 *
 * usage: genflows N PKTS_PER_FLOW OUT.pcap [MAXPAY]   (OUT "-" = stdout)
 * MAXPAY (default 899): payload bytes are 0..MAXPAY; 0 gives header-only
 * frames (a flood of small packets, as in the memory test).
 * Prints "packets P bytes B" on stderr. Deterministic: the same arguments
 * give the same file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The two endpoints of flow i (address bytes, 4 or 16 used). */
static void endpoints(uint32_t i, int v6, uint8_t *cli, uint8_t *srv)
{
	memset(cli, 0, 16);
	memset(srv, 0, 16);
	if (!v6) {
		cli[0] = 10;
		cli[1] = (uint8_t)(i >> 16);
		cli[2] = (uint8_t)(i >> 8);
		cli[3] = (uint8_t)i;
		srv[0] = 198;
		srv[1] = 18;
		srv[2] = (uint8_t)(mix32(i) % 200);
		srv[3] = (uint8_t)(1 + i % 250);
		return;
	}
	cli[0] = 0xfd;
	cli[1] = 0x00;
	put32(cli + 12, i);
	srv[0] = 0xfd;
	srv[1] = 0x01;
	put32(srv + 12, mix32(i) % 50000);
}

/* One frame of flow i, packet k; returns its length. */
static uint32_t maxpay = 899;

static uint32_t frame(uint8_t *b, uint32_t i, uint32_t k)
{
	int v6 = (i & 3) == 3, tcp = !(i & 1), rev = (int)(k & 1);
	uint8_t cli[16], srv[16];
	const uint8_t *src, *dst;
	uint16_t cport = (uint16_t)(1024 + i % 60000), sport = tcp ? 443 : 6881;
	uint32_t l4 = tcp ? 20 : 8, l3 = v6 ? 40 : 20;
	uint32_t len = 14 + l3 + l4 + mix32(i * 7919u + k) % (maxpay + 1);
	uint8_t *ip = b + 14, *t = ip + l3;

	endpoints(i, v6, cli, srv);
	src = rev ? srv : cli;
	dst = rev ? cli : srv;
	memset(b, 0, len);
	memcpy(b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, len - 14 - 40);
		ip[6] = tcp ? 6 : 17;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, len - 14);
		put16(ip + 4, (k * 131 + i) & 0xffff);
		ip[8] = 64;
		ip[9] = tcp ? 6 : 17;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
	}
	put16(t, rev ? sport : cport);
	put16(t + 2, rev ? cport : sport);
	if (tcp) {
		put32(t + 4, 1000 + k * 1000);
		put32(t + 8, 5000 + k * 1000);
		t[12] = 0x50;
		t[13] = 0x18; /* PSH ACK */
		put16(t + 14, 65535);
	} else {
		put16(t + 4, len - 14 - l3);
	}
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t buf[2048];
	uint8_t gh[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
		0,    0,    0,	  0,	0xff, 0xff, 0, 0, 1, 0, 0, 0
	};
	unsigned long n, per;
	uint64_t pkts = 0, bytes = 24, t0 = 1700000000ull * 1000000ull;
	FILE *fp;

	if (argc == 5)
		maxpay = (uint32_t)strtoul(argv[4], NULL, 10) % 1400;
	if ((argc != 4 && argc != 5) || !(n = strtoul(argv[1], NULL, 10)) ||
	    !(per = strtoul(argv[2], NULL, 10)) || n > (1ul << 24)) {
		fprintf(stderr, "usage: genflows N PKTS_PER_FLOW OUT.pcap "
				"[MAXPAY] (N <= 16777216)\n");
		return 2;
	}
	fp = strcmp(argv[3], "-") ? fopen(argv[3], "wb") : stdout;
	if (!fp) {
		perror(argv[3]);
		return 1;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 22);
	fwrite(gh, 1, sizeof(gh), fp);
	for (uint32_t k = 0; k < per; k++)
		for (uint32_t i = 0; i < n; i++) {
			uint64_t us = t0 + (uint64_t)k * n + i;
			uint32_t len = frame(buf, i, k);
			uint8_t rh[16];
			put32le(rh, (uint32_t)(us / 1000000));
			put32le(rh + 4, (uint32_t)(us % 1000000));
			put32le(rh + 8, len);
			put32le(rh + 12, len);
			fwrite(rh, 1, sizeof(rh), fp);
			fwrite(buf, 1, len, fp);
			pkts++;
			bytes += 16 + len;
		}
	if (fflush(fp) || ferror(fp) || (fp != stdout && fclose(fp))) {
		perror(argv[3]);
		return 1;
	}
	fprintf(stderr, "packets %llu bytes %llu\n", (unsigned long long)pkts,
		(unsigned long long)bytes);
	return 0;
}
