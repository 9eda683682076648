/*
 * fuzz_catalog.c -- libFuzzer target over the catalog rewrite of `lab
 * down` (src/lab/catalog.c lab_catalog_rewrite): root reads OUT/catalog.tsv
 * and OUT/capture-stats.tsv, which the folder's owner can change. The
 * input is both files, separated by the first "\n--\n" (none: no stats).
 *
 * Besides the sanitizers it checks that every row written (the header is
 * copied as read) has at least the 14 common columns and no written line
 * is longer than the longest line read (nothing is made up), and that the
 * rewrite ends.
 * Built by tests/fuzz/run_fuzz.sh and, with replay.c, test_replay.sh.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	const char *sep = memmem(data, size, "\n--\n", 4);
	size_t ncat = sep ? (size_t)(sep - (const char *)data) : size;
	struct lab_state st = { 0 };
	struct lab_down_ctx d = { "fz", "/nonexistent-p2pt", "/nonexistent",
				  &st };
	char *cat = malloc(ncat + 1), *sts = NULL, *out = NULL;
	size_t nsts = 0, nout = 0;
	FILE *in, *stats = NULL, *o;

	if (!cat)
		return 0;
	memcpy(cat, data, ncat);
	if (sep) {
		nsts = size - ncat - 4;
		sts = malloc(nsts + 1);
		if (!sts) {
			free(cat);
			return 0;
		}
		memcpy(sts, sep + 4, nsts);
	}
	in = fmemopen(cat, ncat ? ncat : 1, "r");
	if (sts && nsts)
		stats = fmemopen(sts, nsts, "r");
	o = open_memstream(&out, &nout);
	if (in && o) {
		if (!ncat)
			fgetc(in); /* fmemopen needs size >= 1: skip it */
		CHECK(lab_catalog_rewrite(&d, in, stats, o, 123456789, 0) ==
		      0);
	}
	if (in)
		fclose(in);
	if (stats)
		fclose(stats);
	if (o) {
		fclose(o);
		for (char *l = out, *e; l && *l; l = e + 1) {
			int tabs = 0;

			e = strchr(l, '\n');
			CHECK(e != NULL);
			CHECK((size_t)(e - l) < 8192 + 64);
			if (!strncmp(l, "node\t", 5))
				continue; /* the header, copied as read */
			for (char *c = l; c < e; c++)
				tabs += *c == '\t';
			CHECK(tabs >= 13);
		}
	}
	free(out);
	free(cat);
	free(sts);
	return 0;
}
