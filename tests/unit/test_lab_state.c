/*
 * test_lab_state.c -- the undo log reader (src/lab/state.c): what the lab
 * writes reads back; every forged or damaged line refuses the whole log
 * with its line number (issue 13 item 4: a long `out` continuing as a
 * forged line, `proc 1 0 x`, a netns or work path leading outside the lab,
 * another lab's name); lab and node names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lab/lab.h"

static const char good[] = "lab t1\n"
			   "out /srv/exp/out 1\n"
			   "work " LAB_WORK_DIR "/t1\n"
			   "netns p2psw-t1\n"
			   "netns p2pn-t1-seed1\n"
			   "profile command\n"
			   "proc 4242 123456 seed1\n"
			   "proc 4243 123457 -\n"
			   "capture 4300 123999\n"
			   "qemu vm1 30 " LAB_WORK_DIR "/t1/vm-vm1\n"
			   "proc 4400 124000 vm1\n";

static void test_good(void **state)
{
	struct lab_state st;
	struct pt_err err = { 0 };

	(void)state;
	assert_int_equal(
		lab_state_parse("t1", "t1.state", good, strlen(good), &st, &err),
		0);
	assert_string_equal(st.out, "/srv/exp/out 1");
	assert_string_equal(st.work, LAB_WORK_DIR "/t1");
	assert_int_equal(st.nnetns, 2);
	assert_string_equal(st.netns[1], "p2pn-t1-seed1");
	assert_int_equal(st.nprofiles, 1);
	assert_string_equal(st.profiles[0], "command");
	assert_int_equal(st.nprocs, 4);
	assert_int_equal(st.procs[0].pid, 4242);
	assert_int_equal(st.procs[0].start, 123456);
	assert_string_equal(st.procs[0].node, "seed1");
	assert_int_equal(st.procs[2].capture, 1);
	assert_int_equal(st.nvms, 1);
	assert_int_equal(st.vms[0].grace, 30);
	assert_string_equal(st.vms[0].dir, LAB_WORK_DIR "/t1/vm-vm1");
	lab_state_free(&st);
}

/* text must be refused, the message naming line `line` */
static void refused(const char *text, unsigned line, const char *why)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	char want[32];

	if (lab_state_parse("t1", "t1.state", text, strlen(text), &st, &err) !=
	    PT_EFORMAT) {
		print_error("accepted: %s\n", text);
		fail();
	}
	snprintf(want, sizeof(want), "line %u: ", line);
	if (!strstr(err.msg, want) || !strstr(err.msg, why)) {
		print_error("%s: got '%s', want '%s' and '%s'\n", text, err.msg,
			    want, why);
		fail();
	}
	assert_null(st.procs);
	assert_null(st.netns);
}

static void test_forged(void **state)
{
	char *longl;
	size_t n = 1100;

	(void)state;
	refused("lab t1\nproc 1 0 x\n", 2, "pid");
	refused("proc 0 5 x\n", 1, "pid");
	refused("proc -1 5 x\n", 1, "pid");
	refused("proc 4294967295 5 x\n", 1, "pid");
	refused("proc 99 0 x\n", 1, "start time");
	refused("proc 99 5 ../x\n", 1, "node");
	refused("capture 99x 5\n", 1, "pid");
	refused("netns ../../proc/1/ns/net\n", 1, "netns");
	refused("netns p2pn-t2-a\n", 1, "netns");
	refused("netns p2pn-t1-../x\n", 1, "netns");
	refused("netns p2psw-t1 extra\n", 1, "unknown");
	refused("work " LAB_WORK_DIR "/t1/../..\n", 1, "work");
	refused("work /\n", 1, "work");
	refused("out relative/dir\n", 1, "out");
	refused("out /a/../etc\n", 1, "out");
	refused("out /a//b\n", 1, "out");
	refused("lab t2\n", 1, "another lab");
	refused("profile rootshell\n", 1, "profile");
	refused("qemu vm1 30 /etc\n", 1, "qemu");
	refused("qemu vm1 99999999 " LAB_WORK_DIR "/t1/vm-vm1\n", 1, "grace");
	refused("lab t1\nrm -rf /\n", 2, "unknown");
	refused("lab t1\nproc  5 6 x\n", 2, "malformed");
	refused("lab t1\nproc 5 6 x", 2, "not ended");
	/* a long out line continuing as a forged line: refused as too long,
	 * never read as two lines */
	longl = malloc(n + 64);
	assert_non_null(longl);
	memcpy(longl, "lab t1\nout /", 12);
	memset(longl + 12, 'a', n);
	strcpy(longl + 12 + n, "proc 1 1 x\n");
	refused(longl, 2, "longer");
	free(longl);
}

static void test_nul(void **state)
{
	static const char t[] = "lab t1\nproc 5\0 6 x\n";
	struct lab_state st;
	struct pt_err err = { 0 };

	(void)state;
	assert_int_equal(lab_state_parse("t1", "t1.state", t, sizeof(t) - 1,
					 &st, &err),
			 PT_EFORMAT);
	assert_non_null(strstr(err.msg, "line 2: NUL"));
}

static void test_names(void **state)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	char p[256];

	(void)state;
	assert_true(lab_name_valid("a"));
	assert_true(lab_name_valid("exp-1"));
	assert_true(lab_name_valid("abcdefghij123456"));
	assert_false(lab_name_valid("abcdefghij1234567"));
	assert_false(lab_name_valid(""));
	assert_false(lab_name_valid("../../x"));
	assert_false(lab_name_valid("-x"));
	assert_false(lab_name_valid("A"));
	assert_true(lab_node_valid("seed.1_a-b"));
	assert_false(lab_node_valid(".."));
	assert_false(lab_node_valid("a/b"));
	assert_int_equal(lab_state_path("../../x", p, sizeof(p)), -1);
	assert_int_equal(lab_state_read("../../x", &st, &err), PT_EUSAGE);
	assert_int_equal(lab_state_parse("../x", "w", "", 0, &st, &err),
			 PT_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
