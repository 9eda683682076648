/*
 * fuzz_expfile.c -- libFuzzer target over the experiment file parser
 * (src/lab/expfile.c lab_exp_parse, with every profile's options, the VM
 * settings and qemu-args allow-list): the input is a file's text.
 *
 * Besides the sanitizers it checks what `lab up` (root) relies on: an
 * accepted file has a valid lab name, no group running as root, nodes
 * with valid names inside the subnet, an `out` outside the system folders;
 * a refused one names a line and leaves nothing allocated.
 * Built by tests/fuzz/run_fuzz.sh and, with replay.c, test_replay.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab/fsutil.h"
#include "lab/lab.h"
#include "lab/profile.h"

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
	struct lab_exp e;
	struct pt_err err = { 0 };
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (lab_exp_parse(&e, "fz.lab", text, &err)) {
		CHECK(!strncmp(err.where, "fz.lab", 6));
		CHECK(e.nodes == NULL);
		free(text);
		return 0;
	}
	CHECK(lab_name_valid(e.name));
	CHECK(strcmp(e.user, "root"));
	CHECK(!e.out[0] || !lab_out_forbidden(e.out) ||
	      e.out[0] != '/'); /* relative: checked at up, cwd-dependent */
	CHECK(e.nnodes >= 1 && e.nnodes <= LAB_MAX_NODES);
	for (unsigned i = 0; i < e.ngroups; i++)
		CHECK(strcmp(lab_group_user(&e, &e.groups[i]), "root"));
	for (unsigned i = 0; i < e.nnodes; i++) {
		uint32_t mask = e.prefix ? 0xffffffffu << (32 - e.prefix) : 0;

		CHECK(lab_node_valid(e.nodes[i].name));
		CHECK((e.nodes[i].addr & mask) == (e.net & mask));
	}
	lab_exp_free(&e);
	free(text);
	return 0;
}
