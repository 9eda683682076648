/*
 * test_classify_labels.c -- nDPI result lines, nDPI names -> classes,
 * class lists, the 5-tuple join (either direction), the feature names and
 * the port / Karagiannis baselines on hand-made cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "classify/baselines.h"
#include "p2ptrace/flowfeat.h"
#include "classify/labels.h"

static void test_parse_lines(void **s)
{
	struct lbl_entry e;
	uint8_t a[16] = { 0 };

	(void)s;
	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t1\tTCP 192.168.1.13:55523 <-> 178.62.197.130:443 "
			"[proto: 91.26/TLS.ntop][IP: 26/ntop][Encrypted]"
			"[Confidence: DPI][DPI packets: 7]\n",
			&e),
		1);
	assert_int_equal(e.proto, 6);
	assert_int_equal(e.ipver, 4);
	assert_int_equal(e.port[0], 55523);
	assert_int_equal(e.port[1], 443);
	inet_pton(AF_INET, "178.62.197.130", a);
	assert_memory_equal(e.addr[1], a, 16);
	assert_string_equal(e.name, "TLS.ntop");
	assert_int_equal(e.dpi, 1);

	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t117\tICMPV6 [fe80::7af8:82ff:fed3:fbc2]:0 -> "
			"[ff02::2]:0 [proto: 102/ICMPV6][IP: 0/Unknown]"
			"[Confidence: DPI]",
			&e),
		1);
	assert_int_equal(e.proto, 58);
	assert_int_equal(e.ipver, 6);
	assert_string_equal(e.name, "ICMPV6");

	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t3\tUDP 154.127.49.243:6881 <-> 192.168.1.128:51413 "
			"[proto: 37/BitTorrent][Confidence: Match by port]",
			&e),
		1);
	assert_int_equal(e.dpi, 0);
	assert_int_equal(e.proto, 17);

	/* not flow lines */
	assert_int_equal(lbl_parse_ndpi_line(
				 "DPI Packets (TCP):\t7\t(7.00 pkts/flow)", &e),
			 0);
	assert_int_equal(
		lbl_parse_ndpi_line("\t1\t 10.0.2.15                \t 1      ",
				    &e),
		0);
	assert_int_equal(lbl_parse_ndpi_line("", &e), 0);
	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t1\tTCP 1.2.3.4:99999 <-> 1.2.3.5:1 [proto: 7/HTTP]",
			&e),
		0);
}

static void test_classes(void **s)
{
	(void)s;
	assert_string_equal(lbl_class_of_ndpi("BitTorrent", "x.pcap"),
			    "bittorrent");
	assert_string_equal(lbl_class_of_ndpi("TLS.BitTorrent", "x.pcap"),
			    "bittorrent");
	assert_string_equal(lbl_class_of_ndpi("HTTP.Gnutella", "x.pcap"),
			    "gnutella");
	assert_string_equal(lbl_class_of_ndpi("eDonkey", "x.pcap"), "edonkey");
	assert_string_equal(lbl_class_of_ndpi("HTTP.PPStream", "x.pcap"),
			    "p2p-other");
	assert_string_equal(lbl_class_of_ndpi("ETHEREUM", "x.pcap"),
			    "p2p-other");
	assert_string_equal(lbl_class_of_ndpi("Skype_Teams.Skype_TeamsCall",
					      "/d/skype.pcap"),
			    "p2p-other");
	assert_string_equal(lbl_class_of_ndpi("Skype_Teams.Skype_TeamsCall",
					      "/d/teams.pcap"),
			    "other");
	assert_string_equal(lbl_class_of_ndpi("HTTP.Google", "x.pcap"), "web");
	assert_string_equal(lbl_class_of_ndpi("QUIC.YouTube", "x.pcap"), "web");
	assert_string_equal(lbl_class_of_ndpi("TLS", "x.pcap"), "web");
	assert_string_equal(lbl_class_of_ndpi("DNS.Google", "x.pcap"), "other");
	assert_string_equal(lbl_class_of_ndpi("HTTPS_Something", "x.pcap"),
			    "other");
	assert_string_equal(lbl_class_of_ndpi("SSH", "x.pcap"), "ssh");
	assert_string_equal(lbl_class_of_ndpi("FTP_DATA", "x.pcap"), "ftp");
	assert_null(lbl_class_of_ndpi("Unknown", "x.pcap"));
}

static void test_class_list(void **s)
{
	struct lbl_classes c;
	struct pt_err err = { 0 };

	(void)s;
	assert_int_equal(lbl_classes_parse(LBL_DEFAULT_CLASSES, &c, &err), 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(lbl_classes_map(&c, "ssh"),
			 lbl_classes_find(&c, "other"));
	assert_int_equal(lbl_classes_map(&c, "web"), 4);
	assert_int_equal(lbl_classes_parse("web,p2p", &c, &err), 0);
	assert_int_equal(lbl_classes_map(&c, "ssh"), -1);
	assert_int_not_equal(lbl_classes_parse("web", &c, &err), 0);
	assert_int_not_equal(lbl_classes_parse("a,,b", &c, &err), 0);
	assert_int_not_equal(lbl_classes_parse("a,b,a", &c, &err), 0);
}

static void test_join(void **s)
{
	struct lbl_set set;
	struct lbl_entry e;
	struct flow f;
	struct pt_err err = { 0 };
	const struct lbl_entry *hit;

	(void)s;
	memset(&set, 0, sizeof(set));
	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t1\tUDP 10.0.0.2:5000 <-> 10.0.0.1:6881 [proto: 37/BitTorrent][Confidence: DPI]",
			&e),
		1);
	assert_int_equal(lbl_set_add(&set, &e, &err), 0);
	assert_int_equal(
		lbl_parse_ndpi_line(
			"\t2\tICMP 10.0.0.1:0 -> 10.0.0.9:0 [proto: 81/ICMP][Confidence: DPI]",
			&e),
		1);
	assert_int_equal(lbl_set_add(&set, &e, &err), 0);
	/* our key is canonical (a <= b): 10.0.0.1:6881 / 10.0.0.2:5000 */
	memset(&f, 0, sizeof(f));
	inet_pton(AF_INET, "10.0.0.1", f.key.a);
	inet_pton(AF_INET, "10.0.0.2", f.key.b);
	f.key.aport = 6881;
	f.key.bport = 5000;
	f.key.proto = 17;
	f.key.ipver = 4;
	hit = lbl_find(&set, &f);
	assert_non_null(hit);
	assert_string_equal(hit->name, "BitTorrent");
	f.key.proto = 6; /* TCP: another flow */
	assert_null(lbl_find(&set, &f));
	/* ICMP: ports are type/code here, ignored in the join */
	memset(&f, 0, sizeof(f));
	inet_pton(AF_INET, "10.0.0.1", f.key.a);
	inet_pton(AF_INET, "10.0.0.9", f.key.b);
	f.key.proto = 1;
	f.key.bport = 0x0800;
	hit = lbl_find(&set, &f);
	assert_non_null(hit);
	assert_string_equal(hit->name, "ICMP");
	lbl_set_free(&set);
}

static void test_feature_names(void **s)
{
	char b[64];
	int n = feat_count(FSET_FULL, 0, 0);

	(void)s;
	assert_int_equal(feat_count(FSET_FULL, 0, 1), n + 2);
	assert_string_equal(feat_name(FSET_FULL, 0, 0, 0, b, sizeof(b)),
			    "proto");
	assert_string_equal(feat_name(FSET_FULL, 0, 0, 3, b, sizeof(b)),
			    "fwd_pkts");
	assert_string_equal(feat_name(FSET_FULL, 0, 1, n + 1, b, sizeof(b)),
			    "dport");
	assert_string_equal(feat_name(FSET_BINS, 0, 0, 17, b, sizeof(b)),
			    "rev_plen_1280_2559");
	assert_int_equal(feat_count(FSET_EARLY, 3, 0), 1 + 6 + 4);
	/* names are unique */
	for (int i = 0; i < n; i++) {
		char c[64];
		feat_name(FSET_FULL, 0, 0, i, b, sizeof(b));
		for (int j = i + 1; j < n; j++)
			assert_string_not_equal(
				b, feat_name(FSET_FULL, 0, 0, j, c, sizeof(c)));
	}
}

static void test_baselines(void **s)
{
	struct host_feats hf;

	(void)s;
	memset(&hf, 0, sizeof(hf));
	assert_string_equal(base_port(6, 40000, 6881), "bittorrent");
	assert_string_equal(base_port(17, 6346, 40000), "gnutella");
	assert_string_equal(base_port(6, 40000, 443), "web");
	assert_string_equal(base_port(6, 40000, 50000), "other");
	assert_string_equal(base_port(1, 0, 80), "other");
	/* PTP: a pair using TCP and UDP is P2P unless a listed service */
	hf.pair_tcp_udp = 1;
	assert_string_equal(base_ptp(6, 40000, 50000, &hf), "p2p-other");
	assert_string_equal(base_ptp(17, 40000, 53, &hf), "other");
	hf.pair_tcp_udp = 0;
	/* {IP,port}: as many peer addresses as peer ports -> P2P */
	hf.resp_peer_ips = 10;
	hf.resp_peer_ports = 10;
	assert_string_equal(base_ptp(6, 40000, 50000, &hf), "p2p-other");
	/* a web server: few addresses, many ports -> by port */
	hf.resp_peer_ips = 3;
	hf.resp_peer_ports = 40;
	assert_string_equal(base_ptp(6, 40000, 443, &hf), "web");
	assert_string_equal(base_ptp(6, 40000, 6881, &hf), "bittorrent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_class_list),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_feature_names),
		cmocka_unit_test(test_baselines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
