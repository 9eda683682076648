/*
 * fuzz_labstate.c -- libFuzzer target over the lab's undo log reader
 * (src/lab/state.c lab_state_parse): the input is a log's text.
 *
 * Besides the sanitizers, it checks what `lab down` relies on: an accepted
 * log has only PIDs > 1 with a start time, node names without '/', the
 * lab's own namespaces, and no path outside the lab's work folder; a
 * refused one leaves nothing allocated and names a line.
 * Built by tests/fuzz/run_fuzz.sh and, with replay.c, test_replay.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab/lab.h"

#define CHECK(c)                                                          \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, "check failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                      \
			abort();                                          \
		}                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_state st;
	struct pt_err err = { 0 };
	const char *work = LAB_WORK_DIR "/fz";

	if (lab_state_parse("fz", "fz.state", (const char *)data, size, &st,
			    &err)) {
		CHECK(st.procs == NULL && st.netns == NULL && st.vms == NULL);
		CHECK(strstr(err.msg, "line ") || strstr(err.msg, "name"));
		return 0;
	}
	for (unsigned i = 0; i < st.nprocs; i++) {
		CHECK(st.procs[i].pid > 1);
		CHECK(st.procs[i].start > 0);
		CHECK(!strchr(st.procs[i].node, '/'));
	}
	for (unsigned i = 0; i < st.nnetns; i++) {
		CHECK(!strchr(st.netns[i], '/'));
		CHECK(!strcmp(st.netns[i], "p2psw-fz") ||
		      !strncmp(st.netns[i], "p2pn-fz-", 8));
	}
	CHECK(!st.work[0] || !strcmp(st.work, work));
	CHECK(!st.out[0] || (st.out[0] == '/' && !strstr(st.out, "/../") &&
			     !strstr(st.out, "//")));
	for (unsigned i = 0; i < st.nvms; i++) /* WORK/vm-NODE */
		CHECK(!strncmp(st.vms[i].dir, work, strlen(work)) &&
		      !strncmp(st.vms[i].dir + strlen(work), "/vm-", 4) &&
		      !strchr(st.vms[i].dir + strlen(work) + 1, '/'));
	lab_state_free(&st);
	return 0;
}
