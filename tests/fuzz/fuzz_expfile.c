/*
 * fuzz_expfile.c -- libFuzzer target over the experiment file parser
 * (src/lab/expfile.c lab_exp_parse, with every profile's own options, e.g.
 * the BitTorrent peers' client=, utp=, dht=, file=A,B in profiles/btopts.c,
 * the VM settings and qemu-args allow-list): the input is a file's text.
 *
 * Besides the sanitizers it checks what `lab up` (root) relies on: an
 * accepted file has a valid lab name, no group running as root, nodes with
 * valid unique names inside the subnet and namespaces of the lab, an `out`
 * outside the system folders, files and groups in range (a BitTorrent
 * group's first file is one of its files; DHT, PEX and magnet links only
 * with a public file); a refused one names the file (and a line) and
 * leaves nothing allocated. Every group's plan hook (profile gnunet prints
 * its friends graph) runs on an accepted file.
 * Built by tests/fuzz/run_fuzz.sh and, with replay.c, test_replay.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab/fsutil.h"
#include "lab/lab.h"
#include "lab/profile.h"
#include "lab/profiles/btclients.h"

#define CHECK(c)                                                          \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, "check failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                      \
			abort();                                          \
		}                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bt(const struct lab_exp *e, const struct lab_group *g)
{
	const struct bt_opts *o = g->opts;
	int pub = 0;

	CHECK(g->files && g->file >= 0 && g->file < (int)e->nfiles);
	CHECK(g->files < (1u << e->nfiles));
	CHECK(g->files & (1u << g->file)); /* the first one named */
	CHECK(o->client >= 0 && o->client < BT_NCLIENTS);
	for (unsigned f = 0; f < e->nfiles; f++)
		if (g->files & (1u << f)) {
			pub |= e->files[f].is_public;
			CHECK(o->magnet != BT_ON || e->files[f].is_public);
		}
	CHECK(pub || (o->dht != BT_ON && o->pex != BT_ON));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	char *text;
	uint32_t mask;
	FILE *f;

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
	free(text);
	CHECK(lab_name_valid(e.name));
	CHECK(strcmp(e.user, "root"));
	CHECK(!e.out[0] || !lab_out_forbidden(e.out) ||
	      e.out[0] != '/'); /* relative: checked at up, cwd-dependent */
	for (unsigned i = 0; i < e.ngroups; i++)
		CHECK(strcmp(lab_group_user(&e, &e.groups[i]), "root"));
	mask = e.prefix ? 0xffffffffu << (32 - e.prefix) : 0;
	CHECK(e.nnodes >= 1 && e.nnodes <= LAB_MAX_NODES);
	for (unsigned i = 0; i < e.nnodes; i++) {
		const struct lab_node *n = &e.nodes[i];

		CHECK(lab_node_valid(n->name));
		CHECK((n->addr & mask) == e.net && n->addr != e.net &&
		      (n->addr | mask) != 0xffffffffu);
		CHECK(n->group < e.ngroups);
		CHECK(!strncmp(n->netns, "p2pn-", 5));
		for (unsigned j = 0; j < i && e.nnodes < 64; j++)
			CHECK(strcmp(e.nodes[j].name, n->name));
	}
	for (unsigned i = 0; i < e.ngroups; i++) {
		const struct lab_group *g = &e.groups[i];

		CHECK(g->file < (int)e.nfiles);
		CHECK(g->server < (int)e.ngroups);
		if (bt_is_peer(g))
			check_bt(&e, g);
	}
	f = fopen("/dev/null", "w");
	for (unsigned i = 0; f && i < e.ngroups; i++)
		if (e.groups[i].profile->plan)
			e.groups[i].profile->plan(&e, &e.groups[i], f);
	if (f)
		fclose(f);
	lab_exp_free(&e);
	return 0;
}
