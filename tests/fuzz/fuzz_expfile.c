/*
 * fuzz_expfile.c -- libFuzzer target over the experiment-file parser
 * (src/lab/expfile.c lab_exp_parse) with every profile's own options and
 * checks (src/lab/profiles/*.c: gnunet's overlay links and degree among
 * them): the input is a file's text.
 *
 * Besides the sanitizers, it checks what `lab up` relies on: a refused
 * file leaves no node list and names the file (and a line); an accepted one
 * has nodes with distinct names inside the lab subnet, and profile gnunet's
 * friends graph (printed by its plan hook) can be built for it.
 * Built by tests/fuzz/run_fuzz.sh and, with replay.c, test_replay.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab/lab.h"
#include "lab/profile.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "check failed: %s (%s:%d)\n", #c,      \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	char *text = malloc(size + 1);
	FILE *f;

	if (!text || size > 65536) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = 0;
	if (lab_exp_parse(&e, "fz.lab", text, &err)) {
		CHECK(e.nodes == NULL);
		CHECK(!strncmp(err.where, "fz.lab", 6));
		free(text);
		return 0;
	}
	for (unsigned i = 0; i < e.nnodes; i++) {
		uint32_t mask = e.prefix ? ~0u << (32 - e.prefix) : 0;

		CHECK((e.nodes[i].addr & mask) == e.net);
		for (unsigned j = 0; j < i && e.nnodes < 64; j++)
			CHECK(strcmp(e.nodes[i].name, e.nodes[j].name));
	}
	f = fopen("/dev/null", "w");
	for (unsigned i = 0; f && i < e.ngroups; i++)
		if (e.groups[i].profile->plan)
			e.groups[i].profile->plan(&e, &e.groups[i], f);
	if (f)
		fclose(f);
	lab_exp_free(&e);
	free(text);
	return 0;
}
