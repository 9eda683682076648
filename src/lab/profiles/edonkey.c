/*
 * edonkey.c -- profile edonkey: amuled (aMule 2.3.3) as the lab's user,
 * Kad only, the lab's edonkey nodes forming a closed Kad network among
 * themselves (docs/lab.md, "eDonkey/Kad"); with search=KEYWORD, also a Kad
 * keyword search through amulecmd every interval.
 *
 * download=on: the node also downloads the other edonkey nodes' shared
 * files, one more every interval (from 20 s on), in random order, through
 * amulecmd "add ed2k://|file|NAME|SIZE|HASH|/|sources,ADDR:4662|/": the
 * eDonkey client-to-client protocol on TCP 4662 (hello, file requests,
 * parts), which is most of eDonkey's bytes in the wild, plus Kad source
 * look-ups. There is no ed2k server in Debian and a Kad keyword search
 * finds nothing while the nodes are "firewalled" (aMule publishes keywords
 * only when it is not, or has a buddy), so the links are made here: every
 * node's file is deterministic (its name and size), and its ed2k hash is
 * the MD4 of the file (files of 9,728,000 bytes or more: MD4 of the MD4s of
 * its 9,728,000-byte parts), computed with libgcrypt.
 */
#include <errno.h>
#include <gcrypt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

struct edonkey_opts {
	char search[64]; /* Kad keyword searched every interval */
	int download;	 /* download the other nodes' files */
};

/* aMule's config: Kad only (no ed2k server exists in Debian), every
 * filter that would drop lab addresses off, bound to the node's address,
 * the nodes/server list URLs pointed at nothing, EC on loopback only
 * (password "p2ptrace", for amulecmd). Each node's Kad ID is fixed in
 * advance (preferencesKad.dat), so nodes.dat (version 2) lists the lab's
 * other edonkey nodes under their real IDs -- with random ones, every
 * KADEMLIA2_REQ fails the receiver's ID check and is never answered --
 * with contact version 5 (Kad2 without obfuscation). */
/* Node number -> its Kad ID (16 bytes, deterministic). */
static void kad_id(unsigned index, unsigned char *id)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (index + 1);

	for (unsigned b = 0; b < 16; b++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		id[b] = (unsigned char)((x * 2685821657736338717ull) >> 56);
	}
}

static int amule_files(struct lab_ctx *ctx, unsigned i, const char *dir,
		       struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	char ad[700], path[800], addr[32];
	unsigned n = 0;
	FILE *f;

	lab_addr_str(nd->addr, addr, sizeof(addr));
	snprintf(ad, sizeof(ad), "%s/amule", dir);
	if (mkdir(ad, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, ad, "mkdir: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/Temp", ad);
	mkdir(path, 0755);
	if (chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path, "chown: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/Incoming", ad);
	mkdir(path, 0755);
	if (chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path, "chown: %s", strerror(errno));
	/* a file to share, so the node has something to publish */
	snprintf(path, sizeof(path), "%s/Incoming/%s-labfile.bin", ad,
		 nd->name);
	if (lab_make_data(path, nd->name, g->size ? g->size : 1 << 20) ||
	    chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path,
			       "cannot write the shared file");
	snprintf(path, sizeof(path), "%s/amule.conf", ad);
	if (lab_write_text(
		    path, 0644,
		    "[eMule]\nNick=%s\nPort=4662\nUDPPort=4672\nUDPEnable=1\nAddress=%s\n"
		    "Autoconnect=1\nReconnect=1\nUPnPEnabled=0\nConnectToKad=1\nConnectToED2K=0\n"
		    "TempDir=%s/Temp\nIncomingDir=%s/Incoming\nCheckDiskspace=0\n"
		    "FilterLanIPs=0\nParanoidFiltering=0\nIPFilterAutoLoad=0\nIPFilterClients=0\n"
		    "IPFilterServers=0\nIPFilterURL=\nGeoIPEnabled=0\nSmartIdCheck=0\n"
		    "KadNodesUrl=http://127.0.0.1:9/nodes.dat\nEd2kServersUrl=http://127.0.0.1:9/server.met\n"
		    "AddServerListFromServer=0\nAddServerListFromClient=0\n"
		    "[ExternalConnect]\nAcceptExternalConnections=1\nECAddress=127.0.0.1\nECPort=4712\n"
		    "ECPassword=a27002a58634829a3987e5b64d3f20de\nUPnPECEnabled=0\n",
		    nd->name, addr, ad, ad))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/nodes.dat", ad);
	f = fopen(path, "wb");
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot write: %s",
			       strerror(errno));
	for (unsigned k = 0; k < e->nnodes; k++)
		n += k != i && e->groups[e->nodes[k].group].profile ==
				       &lab_profile_edonkey;
	{
		uint32_t hdr[3] = { 0, 2, n };

		fwrite(hdr, 4, 3, f); /* little-endian host */
	}
	for (unsigned k = 0; k < e->nnodes; k++) {
		unsigned char c[16 + 4 + 2 + 2 + 1 + 8 + 1];
		uint32_t ip = e->nodes[k].addr;

		if (k == i || e->groups[e->nodes[k].group].profile !=
				      &lab_profile_edonkey)
			continue;
		kad_id(e->nodes[k].index, c);
		c[16] = ip & 255;
		c[17] = (ip >> 8) & 255;
		c[18] = (ip >> 16) & 255;
		c[19] = ip >> 24;
		c[20] = 4672 & 255;
		c[21] = 4672 >> 8;
		c[22] = 4662 & 255;
		c[23] = 4662 >> 8;
		c[24] = 5; /* contact version */
		memset(c + 25, 0, 9);
		fwrite(c, 1, sizeof(c), f);
	}
	if (fclose(f))
		return pt_fail(err, PT_EIO, path, "cannot write");
	/* our own Kad ID, the one the others' nodes.dat give us:
	 * u32 ip, u16 0, 16-byte ID, u8 0 (no tags) */
	snprintf(path, sizeof(path), "%s/preferencesKad.dat", ad);
	f = fopen(path, "wb");
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot write: %s",
			       strerror(errno));
	{
		unsigned char p[4 + 2 + 16 + 1] = { 0 };

		kad_id(nd->index, p + 6);
		fwrite(p, 1, sizeof(p), f);
	}
	if (fclose(f))
		return pt_fail(err, PT_EIO, path, "cannot write");
	if (chown(ad, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, ad, "chown: %s", strerror(errno));
	{
		static const char *const own[] = { "amule.conf", "nodes.dat",
						   "preferencesKad.dat" };

		for (unsigned k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s", ad, own[k]);
			if (chown(path, ctx->uid, ctx->gid))
				return pt_fail(err, PT_EIO, path, "chown: %s",
					       strerror(errno));
		}
	}
	return 0;
}

static int ed_option(struct lab_group *g, const char *k, const char *v,
		     char *msg, size_t len)
{
	struct edonkey_opts *o = g->opts;

	if (!strcmp(k, "download")) {
		if (strcmp(v, "on") && strcmp(v, "off")) {
			snprintf(msg, len,
				 "download: expected on or off, got '%s'", v);
			return -1;
		}
		o->download = v[1] == 'n';
		return 0;
	}
	if (strcmp(k, "search"))
		return 1;
	if (!lab_valid_name(v, sizeof(o->search) - 1, 0)) {
		snprintf(
			msg, len,
			"search: expected a keyword (letters, digits, '-_.'), got '%s'",
			v);
		return -1;
	}
	snprintf(o->search, sizeof(o->search), "%s", v);
	return 0;
}

/* aMule hard-codes 198.18.0.0/15 as reserved. */
static int ed_check(struct lab_exp *e, struct lab_group *g, char *msg,
		    size_t len)
{
	(void)g;
	if ((e->net & 0xffc00000u) == (100u << 24 | 64u << 16))
		return 0;
	snprintf(
		msg, len,
		"profile edonkey needs a subnet inside 100.64.0.0/10: aMule rejects 198.18.0.0/15 as reserved");
	return -1;
}

#define ED2K_PART 9728000u

/* The ed2k hash (hex) of the file at PATH of SIZE bytes. */
static int ed2k_hash(const char *path, uint64_t size, char *hex)
{
	unsigned char md[16], *parts = NULL, *buf;
	FILE *f = fopen(path, "rb");
	unsigned np = 0, nparts = (unsigned)(size / ED2K_PART) + 1;
	int rc = -1;

	buf = malloc(ED2K_PART);
	parts = malloc(16 * (size_t)nparts);
	if (!f || !buf || !parts || !gcry_check_version(NULL))
		goto out;
	for (uint64_t left = size; np < nparts; np++) {
		size_t want = left < ED2K_PART ? (size_t)left : ED2K_PART;

		if (fread(buf, 1, want, f) != want)
			goto out;
		gcry_md_hash_buffer(GCRY_MD_MD4, parts + 16 * np, buf, want);
		left -= want;
	}
	if (nparts == 1)
		memcpy(md, parts, 16);
	else
		gcry_md_hash_buffer(GCRY_MD_MD4, md, parts, 16 * (size_t)nparts);
	for (unsigned b = 0; b < 16; b++)
		snprintf(hex + 2 * b, 3, "%02X", md[b]);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(parts);
	return rc;
}

/* DIR/links.txt: an ed2k link, with its source, for every other edonkey
 * node's shared file (made again in DIR to be hashed). */
static int ed2k_links(struct lab_ctx *ctx, unsigned i, const char *dir,
		      struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_profile *me = e->groups[e->nodes[i].group].profile;
	char path[800], tmp[800], hex[33], ab[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/links.txt", dir);
	snprintf(tmp, sizeof(tmp), "%s/hash.tmp", dir);
	f = fopen(path, "w");
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot write");
	for (unsigned k = 0; k < e->nnodes; k++) {
		const struct lab_node *nk = &e->nodes[k];
		const struct lab_group *gk = &e->groups[nk->group];
		uint64_t size = gk->size ? gk->size : 1 << 20;

		if (k == i || gk->profile != me)
			continue;
		if (lab_make_data(tmp, nk->name, size) ||
		    ed2k_hash(tmp, size, hex)) {
			fclose(f);
			unlink(tmp);
			return pt_fail(err, PT_EIO, tmp,
				       "cannot compute the ed2k hash");
		}
		fprintf(f, "ed2k://|file|%s-labfile.bin|%llu|%s|/|sources,%s:4662|/\n",
			nk->name, (unsigned long long)size, hex,
			lab_addr_str(nk->addr, ab, sizeof(ab)));
	}
	unlink(tmp);
	if (fclose(f))
		return pt_fail(err, PT_EIO, path, "cannot write");
	return 0;
}

static int ed_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_group *g = &ctx->exp->groups[ctx->exp->nodes[i].group];
	const struct edonkey_opts *o = g->opts;
	char cmd[1400];
	int rc = amule_files(ctx, i, dir, err);

	if (rc)
		return rc;
	if (o->download) {
		if ((rc = ed2k_links(ctx, i, dir, err)))
			return rc;
		/* amuled; from 20 s on, every interval: one more download (the
		 * links in random order), the queue's state, a search */
		snprintf(
			cmd, sizeof(cmd),
			"A='amulecmd -h 127.0.0.1 -p 4712 -P p2ptrace'; amuled -c %s/amule -o & P=$!; "
			"trap 'kill $P; exit 0' TERM INT; sleep 20; "
			"sort -R links.txt > todo.txt; "
			"while kill -0 $P 2>/dev/null; do l=$(head -1 todo.txt); sed -i 1d todo.txt; "
			"[ -n \"$l\" ] && $A -c \"add $l\" | tail -1; $A -c 'show dl' | grep '%%' ; "
			"[ -n '%s' ] && $A -c 'search kad %s' | tail -1; sleep %g; done",
			dir, o->search, o->search[0] ? o->search : "x",
			g->interval_s > 1 ? g->interval_s : 30);
		lab_sh(a, cmd);
		return 0;
	}
	if (o->search[0]) {
		/* query mode: amuled, and a Kad keyword search through its EC
		 * port every interval (from 20 s on) */
		snprintf(
			cmd, sizeof(cmd),
			"amuled -c %s/amule -o & A=$!; trap 'kill $A; exit 0' TERM INT; sleep 20; "
			"while kill -0 $A 2>/dev/null; do amulecmd -h 127.0.0.1 -p 4712 -P p2ptrace "
			"-c 'search kad %s' | grep -v '^ *$'; sleep %g; done",
			dir, o->search, g->interval_s);
		lab_sh(a, cmd);
		return 0;
	}
	lab_arg(a, "amuled");
	lab_arg(a, "-c");
	lab_arg(a, "%s/amule", dir);
	lab_arg(a, "-o");
	return 0;
}

const struct lab_profile lab_profile_edonkey = {
	.name = "edonkey",
	.options = "search, download",
	.opts_size = sizeof(struct edonkey_opts),
	.option = ed_option,
	.check = ed_check,
	.prepare = ed_prepare,
};
