/*
 * test_trace_node.c -- the one rule that names a trace's node
 * (lib/label/catalog.c trace_node, used by analyze, report and classify):
 * the catalog row first, then the trace's "node=" label, then the file
 * name without its capture extension; labels and address follow the row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "p2ptrace/catalog.h"

static void test_row_first(void **state)
{
	struct catalog_row r = { .node = "leech-2",
				 .addr = "198.18.0.5",
				 .labels = "app=bittorrent;mode=download" };
	static const uint8_t a4[4] = { 198, 18, 0, 5 };
	struct trace_node tn;

	(void)state;
	trace_node(&r, "out/traces/x.pcapng", "node=other;app=web", &tn);
	assert_string_equal(tn.name, "leech-2");
	assert_string_equal(tn.labels, "app=bittorrent;mode=download");
	assert_int_equal(tn.ipver, 4);
	assert_memory_equal(tn.addr, a4, 4);
	r.addr = "2001:db8::1";
	trace_node(&r, "x.pcap", NULL, &tn);
	assert_int_equal(tn.ipver, 6);
	assert_int_equal(tn.addr[0], 0x20);
	assert_int_equal(tn.addr[1], 0x01);
	assert_int_equal(tn.addr[15], 1);
	r.addr = "";
	trace_node(&r, "x.pcap", NULL, &tn);
	assert_int_equal(tn.ipver, 0);
}

static void test_label_then_name(void **state)
{
	struct trace_node tn;

	(void)state;
	/* split files of one node (capture -C): the label names the node */
	trace_node(NULL, "out/traces/seed.003.pcapng", "app=bt;node=seed", &tn);
	assert_string_equal(tn.name, "seed");
	assert_string_equal(tn.labels, "app=bt;node=seed");
	assert_int_equal(tn.ipver, 0);
	trace_node(NULL, "/a/b/443-curl.pcap", "", &tn);
	assert_string_equal(tn.name, "443-curl");
	assert_string_equal(tn.labels, "");
	trace_node(NULL, "dir.v2/trace.cap", NULL, &tn);
	assert_string_equal(tn.name, "trace");
	trace_node(NULL, "seed.003.pcapng", "nodes=x", &tn);
	assert_string_equal(tn.name, "seed.003");
	trace_node(NULL, "dump.erf", NULL, &tn);
	assert_string_equal(tn.name, "dump.erf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_first),
		cmocka_unit_test(test_label_then_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
