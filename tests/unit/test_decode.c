/*
 * test_decode.c -- the decoder on frames written byte by byte, so each
 * expected value can be checked by hand against the bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/pkt.h"

/* Ethernet + IPv4 (20) + TCP SYN (20): 198.18.0.1:40000 -> 198.18.0.2:6881 */
/* clang-format off */
static const uint8_t syn[] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0, 0,
	198, 18, 0, 1, 198, 18, 0, 2,
	0x9c, 0x40, 0x1a, 0xe1, 0, 0, 0, 1, 0, 0, 0, 0,
	0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};
/* The same packet behind an 802.1ad tag (vlan 100) and an 802.1Q tag
 * (vlan 200): the outer id is the flow's. */
static const uint8_t qinq_hdr[] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
	0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00,
};
/* IPv6 UDP behind hop-by-hop (8) and destination options (8) headers. */
static const uint8_t ip6ext[] = {
	0x60, 0, 0, 0, 0x00, 0x18, 0x00, 64,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	60, 0, 1, 4, 0, 0, 0, 0,          /* hop-by-hop -> dest opts */
	17, 0, 1, 4, 0, 0, 0, 0,          /* dest opts -> UDP */
	0x11, 0x5c, 0x00, 0x35, 0x00, 0x08, 0, 0, /* UDP 4444 -> 53, len 8 */
};
/* clang-format on */

static void test_tcp_syn(void **state)
{
	struct pkt_view v;

	(void)state;
	assert_int_equal(decode_packet(LT_ETHERNET, syn, sizeof(syn), &v),
			 DECODE_OK);
	assert_int_equal(v.ipver, 4);
	assert_int_equal(v.proto, 6);
	assert_int_equal(v.sport, 40000);
	assert_int_equal(v.dport, 6881);
	assert_int_equal(v.tcp_flags, TCPF_SYN);
	assert_int_equal(v.ip_len, 40);
	assert_int_equal(v.payload_len, 0);
	assert_int_equal(v.src[0], 198);
	assert_int_equal(v.dst[3], 2);
	assert_int_equal(v.vlan, 0);
}

/* Every prefix of the SYN sits in a heap block of exactly n bytes, so ASan
 * reports any read past it. Below 48 bytes (eth 14 + ip 20 + tcp up to the
 * flags byte) decode must refuse with a reason. */
static void test_every_snaplen(void **state)
{
	(void)state;
	for (size_t n = 0; n <= sizeof(syn); n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct pkt_view v;
		enum decode_status rc;

		memcpy(copy, syn, n);
		rc = decode_packet(LT_ETHERNET, copy, (uint32_t)n, &v);
		if (n < 48)
			assert_int_not_equal(rc, DECODE_OK);
		else
			assert_int_equal(rc, DECODE_OK);
		free(copy);
	}
}

static void test_qinq(void **state)
{
	uint8_t f[sizeof(qinq_hdr) + sizeof(syn) - 14];
	struct pkt_view v;

	(void)state;
	memcpy(f, qinq_hdr, sizeof(qinq_hdr));
	memcpy(f + sizeof(qinq_hdr), syn + 14, sizeof(syn) - 14);
	assert_int_equal(decode_packet(LT_ETHERNET, f, sizeof(f), &v),
			 DECODE_OK);
	assert_int_equal(v.vlan, 100);
	assert_int_equal(v.l3_off, 22);
	assert_int_equal(v.dport, 6881);
}

static void test_ip6_ext(void **state)
{
	struct pkt_view v;

	(void)state;
	assert_int_equal(decode_packet(LT_RAW, ip6ext, sizeof(ip6ext), &v),
			 DECODE_OK);
	assert_int_equal(v.ipver, 6);
	assert_int_equal(v.proto, 17);
	assert_int_equal(v.sport, 4444);
	assert_int_equal(v.dport, 53);
	assert_int_equal(v.ip_len, 64);
	assert_int_equal(v.dst[15], 2);
}

static void test_ip4_fragments(void **state)
{
	uint8_t f[sizeof(syn)];
	struct pkt_view v;

	(void)state;
	memcpy(f, syn, sizeof(syn));
	f[20] = 0x20; /* MF, offset 0: first fragment, ports readable */
	f[21] = 0x00;
	assert_int_equal(decode_packet(LT_ETHERNET, f, sizeof(f), &v),
			 DECODE_OK);
	assert_int_equal(v.frag, FRAG_FIRST);
	assert_int_equal(v.dport, 6881);
	f[20] = 0x00; /* offset 185 * 8: a later fragment, no ports */
	f[21] = 0xb9;
	assert_int_equal(decode_packet(LT_ETHERNET, f, sizeof(f), &v),
			 DECODE_OK);
	assert_int_equal(v.frag, FRAG_LATER);
	assert_int_equal(v.sport, 0);
	assert_int_equal(v.dport, 0);
	assert_int_equal(v.frag_id, 0x1234);
}

static void test_not_ip_and_unknown_link(void **state)
{
	uint8_t arp[42] = { 0 };
	struct pkt_view v;

	(void)state;
	arp[12] = 0x08;
	arp[13] = 0x06;
	assert_int_equal(decode_packet(LT_ETHERNET, arp, sizeof(arp), &v),
			 DECODE_NOT_IP);
	assert_int_equal(decode_packet(147, syn, sizeof(syn), &v),
			 DECODE_LINK_UNSUPPORTED);
	assert_string_equal(decode_status_name(DECODE_NOT_IP),
			    "not IP (ARP, LLDP, ...)");
}

static void test_sll2_and_null(void **state)
{
	uint8_t f[20 + sizeof(syn) - 14];
	uint8_t n[4 + sizeof(syn) - 14];
	uint32_t fam = 2; /* AF_INET in the capturing host's order */
	struct pkt_view v;

	(void)state;
	memset(f, 0, 20);
	f[0] = 0x08; /* SLL2: protocol first */
	memcpy(f + 20, syn + 14, sizeof(syn) - 14);
	assert_int_equal(decode_packet(LT_LINUX_SLL2, f, sizeof(f), &v),
			 DECODE_OK);
	assert_int_equal(v.dport, 6881);
	memcpy(n, &fam, 4);
	memcpy(n + 4, syn + 14, sizeof(syn) - 14);
	assert_int_equal(decode_packet(LT_NULL, n, sizeof(n), &v), DECODE_OK);
	fam = __builtin_bswap32(fam); /* written on the other byte order */
	memcpy(n, &fam, 4);
	assert_int_equal(decode_packet(LT_NULL, n, sizeof(n), &v), DECODE_OK);
	assert_int_equal(v.sport, 40000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_every_snaplen),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_ip6_ext),
		cmocka_unit_test(test_ip4_fragments),
		cmocka_unit_test(test_not_ip_and_unknown_link),
		cmocka_unit_test(test_sll2_and_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
