/*
 * btopts.c -- the settings a BitTorrent peer group may give (client=,
 * utp=, dht=, pex=, encryption=, magnet=), what each client can do with
 * them, and the pieces every client's set-up shares: the lab's announce
 * URL, a file's info hash and magnet link, the DHT nodes a node bootstraps
 * from (lab nodes only), and aria2's arguments for the settings.
 *
 * Why the checks: a private torrent turns DHT and PEX off in every client
 * (BEP 27) and cannot be fetched from a magnet link, so those settings need
 * a `file ... private=no`; aria2 and rtorrent have no uTP; aria2 always
 * tries an encrypted handshake first (so it has no "off"). A setting a
 * client cannot honour is an error, never silently dropped.
 */
#include <stdio.h>
#include <string.h>
#include "lab/profiles/btclients.h"

const char *const bt_client_names[BT_NCLIENTS] = {
	[BT_ARIA2] = "aria2",
	[BT_TRANSMISSION] = "transmission",
	[BT_QBITTORRENT] = "qbittorrent",
	[BT_DELUGE] = "deluge",
	[BT_RTORRENT] = "rtorrent",
};

static int on_off(const char *v, int *out)
{
	if (!strcmp(v, "on"))
		*out = BT_ON;
	else if (!strcmp(v, "off"))
		*out = BT_OFF;
	else
		return -1;
	return 0;
}

int bt_option(struct bt_opts *o, const char *k, const char *v, char *msg,
	      size_t len)
{
	if (!strcmp(k, "client"))
		return lab_opt_choice(k, v, bt_client_names, BT_NCLIENTS,
				      &o->client, msg, len);
	if (!strcmp(k, "encryption")) {
		static const char *const enc[] = { "off", "preferred",
						   "required" };

		for (int i = 0; i < 3; i++)
			if (!strcmp(v, enc[i])) {
				o->enc = BT_ENC_OFF + i;
				return 0;
			}
		snprintf(
			msg, len,
			"encryption: expected off, preferred or required, got '%s'",
			v);
		return -1;
	}
	{
		int *sw = !strcmp(k, "utp")	 ? &o->utp
			  : !strcmp(k, "dht")	 ? &o->dht
			  : !strcmp(k, "pex")	 ? &o->pex
			  : !strcmp(k, "magnet") ? &o->magnet
						 : NULL;

		if (!sw)
			return 1;
		if (on_off(v, sw)) {
			snprintf(msg, len, "%s: expected on or off, got '%s'",
				 k, v);
			return -1;
		}
	}
	return 0;
}

int bt_is_peer(const struct lab_group *g)
{
	return g->profile == &lab_profile_bittorrent_seed ||
	       g->profile == &lab_profile_bittorrent_leech ||
	       g->profile == &lab_profile_bittorrent_query;
}

int bt_check(const struct lab_exp *e, const struct lab_group *g, char *msg,
	     size_t len)
{
	const struct bt_opts *o = g->opts;
	const char *cl = bt_client_names[o->client];
	const char *why = NULL;
	int pub = -1, bad = -1;

	if (g->profile == &lab_profile_bittorrent_query &&
	    o->client != BT_ARIA2)
		why = "the query mode runs aria2 only (client=aria2)";
	else if (o->utp == BT_ON &&
		 (o->client == BT_ARIA2 || o->client == BT_RTORRENT))
		why = "utp=on: this client has no uTP";
	else if (o->enc == BT_ENC_OFF && o->client == BT_ARIA2)
		why = "encryption=off: aria2 always tries an encrypted handshake first (use preferred or required)";
	else if (o->magnet == BT_ON &&
		 g->profile != &lab_profile_bittorrent_leech)
		why = "magnet=on: only a leecher starts from a magnet link";
	if (why) {
		snprintf(msg, len, "client %s: %s", cl, why);
		return -1;
	}
	/* a client keeps DHT and PEX off for its private torrents: one public
	 * file is enough; a magnet link needs every file public */
	for (unsigned f = 0; f < e->nfiles; f++) {
		if (!(g->files & (1u << f)))
			continue;
		if (e->files[f].is_public)
			pub = f;
		else if (o->magnet == BT_ON)
			bad = f;
	}
	if (bad < 0 && pub < 0 && (o->dht == BT_ON || o->pex == BT_ON))
		bad = g->file;
	if (bad >= 0) {
		snprintf(
			msg, len,
			"%s needs a public torrent: file %s is private (a private torrent has DHT and PEX off and no magnet link); give its 'file' line private=no",
			o->magnet == BT_ON ? "magnet=on"
			: o->dht == BT_ON  ? "dht=on"
					   : "pex=on",
			e->files[bad].name);
		return -1;
	}
	return 0;
}

static int tracker_node(const struct lab_exp *e)
{
	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->groups[e->nodes[i].group].profile ==
		    &lab_profile_bittorrent_tracker)
			return (int)i;
	return -1;
}

void bt_announce_url(const struct lab_exp *e, char *buf, size_t len)
{
	int t = tracker_node(e);
	char ab[32];

	if (t < 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "http://%s:%u/announce",
		 lab_addr_str(e->nodes[t].addr, ab, sizeof(ab)),
		 lab_group_port(&e->groups[e->nodes[t].group]));
}

/* File F's info hash: line F of shared/whitelist.txt (bittorrent.c writes
 * one line per file, in file order). */
static int info_hash(const struct lab_ctx *ctx, unsigned f, char *hash)
{
	char path[700], line[64];
	FILE *fp;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/shared/whitelist.txt", ctx->work);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	for (unsigned k = 0; fgets(line, sizeof(line), fp); k++)
		if (k == f && strspn(line, "0123456789abcdef") == 40) {
			memcpy(hash, line, 40);
			hash[40] = 0;
			rc = 0;
			break;
		}
	fclose(fp);
	return rc;
}

int bt_torrent_ref(const struct lab_ctx *ctx, unsigned f, int magnet, char *buf,
		   size_t len)
{
	const struct lab_exp *e = ctx->exp;
	char hash[41], url[128], enc[200];
	size_t o = 0;

	if (!magnet) {
		snprintf(buf, len, "%s/shared/%s.torrent", ctx->work,
			 e->files[f].name);
		return 0;
	}
	if (info_hash(ctx, f, hash))
		return -1;
	bt_announce_url(e, url, sizeof(url));
	for (const char *p = url; *p && o + 4 < sizeof(enc); p++) {
		if (*p == ':' || *p == '/')
			o += (size_t)snprintf(enc + o, sizeof(enc) - o,
					      "%%%02X", (unsigned char)*p);
		else
			enc[o++] = *p;
	}
	enc[o] = 0;
	snprintf(buf, len, "magnet:?xt=urn:btih:%s&dn=%s.bin&tr=%s", hash,
		 e->files[f].name, enc);
	return 0;
}

unsigned bt_dht_nodes(const struct lab_exp *e, unsigned i, uint32_t *addrs,
		      unsigned max)
{
	unsigned n = 0;

	/* the next nodes after I (cyclically) with DHT on: every node has
	 * different neighbours, and the lab's DHT is one connected graph */
	for (unsigned k = 1; k < e->nnodes && n < max; k++) {
		const struct lab_node *nd = &e->nodes[(i + k) % e->nnodes];
		const struct lab_group *g = &e->groups[nd->group];

		if (bt_is_peer(g) &&
		    ((const struct bt_opts *)g->opts)->dht == BT_ON)
			addrs[n++] = nd->addr;
	}
	return n;
}

unsigned bt_group_files(const struct lab_exp *e, const struct lab_group *g,
			unsigned *idx)
{
	unsigned n = 0;

	for (unsigned f = 0; f < e->nfiles; f++)
		if (g->files & (1u << f))
			idx[n++] = f;
	return n;
}

void bt_aria2_args(const struct lab_ctx *ctx, unsigned i, const char *dir,
		   struct lab_cmd *a)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct bt_opts *o = g->opts;

	if (o->dht == BT_ON) {
		uint32_t boot[1];
		char ab[32];

		lab_arg(a, "--enable-dht=true");
		lab_arg(a, "--dht-listen-port=6881");
		lab_arg(a, "--dht-file-path=%s/dht.dat", dir);
		/* aria2 takes one entry point; the others come from it */
		if (bt_dht_nodes(e, i, boot, 1))
			lab_arg(a, "--dht-entry-point=%s:6881",
				lab_addr_str(boot[0], ab, sizeof(ab)));
	}
	if (o->pex == BT_ON)
		lab_arg(a, "--enable-peer-exchange=true");
	if (o->enc == BT_ENC_REQUIRED) {
		lab_arg(a, "--bt-require-crypto=true");
		lab_arg(a, "--bt-min-crypto-level=arc4");
	}
}

int bt_aria2_torrents(const struct lab_ctx *ctx, unsigned i, struct lab_cmd *a,
		      struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct bt_opts *o = g->opts;
	unsigned idx[LAB_MAX_FILES], n = bt_group_files(e, g, idx);
	char ref[400];

	for (unsigned k = 0; k < n; k++) {
		if (bt_torrent_ref(ctx, idx[k], o->magnet == BT_ON, ref,
				   sizeof(ref)))
			return pt_fail(err, PT_EIO, e->files[idx[k]].name,
				       "no info hash for its magnet link");
		lab_arg(a, "%s", ref);
	}
	return 0;
}

void bt_plan(const struct lab_exp *e, const struct lab_group *g, FILE *f)
{
	static const char *const sw[] = { "default", "off", "on" };
	static const char *const enc[] = { "default", "off", "preferred",
					   "required" };
	const struct bt_opts *o = g->opts;
	unsigned idx[LAB_MAX_FILES], n = bt_group_files(e, g, idx);
	uint32_t boot[8];
	char ab[32];

	fprintf(f, "group %s: client=%s file=", g->name,
		bt_client_names[o->client]);
	for (unsigned k = 0; k < n; k++)
		fprintf(f, "%s%s%s", k ? "," : "", e->files[idx[k]].name,
			e->files[idx[k]].is_public ? "" : "(private)");
	fprintf(f, " utp=%s dht=%s pex=%s encryption=%s magnet=%s", sw[o->utp],
		sw[o->dht], sw[o->pex], enc[o->enc], sw[o->magnet]);
	if (o->dht == BT_ON) {
		/* aria2 takes the first only */
		n = bt_dht_nodes(e, g->first_node, boot,
				 o->client == BT_ARIA2 ? 1 : 8);
		fprintf(f,
			"; DHT bootstrap of %s:", e->nodes[g->first_node].name);
		for (unsigned k = 0; k < n; k++)
			fprintf(f, " %s",
				lab_addr_str(boot[k], ab, sizeof(ab)));
	}
	fputc('\n', f);
}
