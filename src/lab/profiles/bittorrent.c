/*
 * bittorrent.c -- the BitTorrent profiles: a tracker (opentracker), seeds,
 * leechers and the "query mode" (docs/lab.md). A peer is aria2c unless its
 * group says client= (btclients.c); by default with DHT, PEX, local peer
 * discovery and IPv6 off and a private torrent, so the swarm is the lab's
 * nodes and nothing else; a group may turn DHT (bootstrapped from lab nodes
 * only) and PEX on for a public torrent (btopts.c). A node's up= rate is
 * set in the client too, as Winny's own bandwidth setting was in the paper.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"
#include "lab/profiles/btclients.h"

static int tracker_node(const struct lab_exp *e)
{
	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->groups[e->nodes[i].group].profile ==
		    &lab_profile_bittorrent_tracker)
			return (int)i;
	return -1;
}

/* Once per lab: a torrent of every `file` (private unless private=no; its data
 * is in work/shared already), announced to the tracker; the info hashes, one a
 * line, in shared/whitelist.txt for the tracker; aria2's completion hook. */
static int bt_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	char dir[600], path[700], tor[700], out[8192], url[128], ab[32];
	char wl[41 * LAB_MAX_FILES + 1] = "";
	size_t wlen = 0;
	int t = tracker_node(e);

	snprintf(dir, sizeof(dir), "%s/shared", ctx->work);
	for (unsigned i = 0; i < e->nfiles && t >= 0; i++) {
		const struct lab_file *f = &e->files[i];
		char piece[16], *p;
		unsigned lg = 0;

		while ((1ull << lg) < f->piece)
			lg++;
		snprintf(path, sizeof(path), "%s/%s.bin", dir, f->name);
		snprintf(tor, sizeof(tor), "%s/%s.torrent", dir, f->name);
		snprintf(url, sizeof(url), "http://%s:%u/announce",
			 lab_addr_str(e->nodes[t].addr, ab, sizeof(ab)),
			 lab_group_port(&e->groups[e->nodes[t].group]));
		snprintf(piece, sizeof(piece), "%u", lg);
		unlink(tor);
		{
			char *mk[] = { "mktorrent", "-p", "-l", piece, "-a",
				       url,	    "-o", tor,	path,  NULL };

			if (f->is_public) /* no -p */
				memmove(mk + 1, mk + 2,
					sizeof(mk) - 2 * sizeof(mk[0]));
			if (lab_run(mk, NULL, 0))
				return pt_fail(
					err, PT_EIO, tor,
					"mktorrent failed (is mktorrent installed? make deps)");
		}
		{
			char *sh[] = { "aria2c", "-S", tor, NULL };

			if (lab_run(sh, out, sizeof(out)) ||
			    !(p = strstr(out, "Info Hash: ")) ||
			    strspn(p + 11, "0123456789abcdef") < 40)
				return pt_fail(
					err, PT_EIO, tor,
					"cannot read the info hash with 'aria2c -S' (is aria2 installed? make deps)");
			memcpy(wl + wlen, p + 11, 40);
			wl[wlen + 40] = '\n';
			wlen += 41;
			wl[wlen] = 0;
		}
		chmod(tor, 0644);
	}
	snprintf(path, sizeof(path), "%s/whitelist.txt", dir);
	if (lab_write_text(path, 0644, "%s", wl))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/done.sh", dir);
	if (lab_write_text(
		    path, 0755,
		    "#!/bin/sh\n# aria2 --on-bt-download-complete hook: GID NFILES PATH\necho \"$(date +%%s.%%N) $3\" >> DONE\n"))
		return pt_fail(err, PT_EIO, path, "cannot write");
	return 0;
}

/* opentracker chroots to -d and drops to nobody: it starts as root in a
 * root-owned folder; Debian's build is whitelist-only. */
static int tracker_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			   struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	unsigned port = lab_group_port(&e->groups[nd->group]);
	char path[800], wl[41 * LAB_MAX_FILES + 1], addr[32];
	size_t n = 0;
	FILE *f;

	a->as_root = 1;
	if (chown(dir, 0, 0))
		return pt_fail(err, PT_EIO, dir, "chown: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/shared/whitelist.txt", ctx->work);
	f = fopen(path, "r");
	if (f) {
		n = fread(wl, 1, sizeof(wl) - 1, f);
		fclose(f);
	}
	wl[n] = 0;
	snprintf(path, sizeof(path), "%s/whitelist.txt", dir);
	if (lab_write_text(path, 0644, "%s", wl))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "opentracker");
	lab_arg(a, "-i");
	lab_arg(a, "%s", lab_addr_str(nd->addr, addr, sizeof(addr)));
	lab_arg(a, "-p");
	lab_arg(a, "%u", port);
	lab_arg(a, "-P");
	lab_arg(a, "%u", port);
	lab_arg(a, "-d");
	lab_arg(a, "%s", dir);
	lab_arg(a, "-w");
	lab_arg(a, "whitelist.txt");
	return 0;
}

static void aria2_common(struct lab_cmd *a, const struct lab_ctx *ctx,
			 const struct lab_group *g)
{
	lab_arg(a, "aria2c");
	lab_arg(a, "--enable-dht=false");
	lab_arg(a, "--enable-dht6=false");
	lab_arg(a, "--enable-peer-exchange=false");
	lab_arg(a, "--bt-enable-lpd=false");
	lab_arg(a, "--disable-ipv6=true");
	lab_arg(a, "--listen-port=6881");
	lab_arg(a, "--seed-ratio=0.0");
	lab_arg(a, "--file-allocation=none");
	lab_arg(a, "--summary-interval=0");
	lab_arg(a, "--console-log-level=warn");
	lab_arg(a, "--log=aria2.log");
	lab_arg(a, "--log-level=notice");
	lab_arg(a, "--auto-save-interval=0");
	lab_arg(a, "--bt-max-peers=55");
	lab_arg(a, "--dir=.");
	lab_arg(a, "--on-bt-download-complete=%s/shared/done.sh", ctx->work);
	if (g->up_kbps > 0)
		lab_arg(a, "--max-overall-upload-limit=%.0f",
			g->up_kbps * 125 > 1 ? g->up_kbps * 125 : 1);
}

static int seed_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct bt_opts *o = g->opts;
	unsigned idx[LAB_MAX_FILES], n;
	char from[800], path[800];

	if (o->client != BT_ARIA2)
		return bt_client_prepare(ctx, i, dir, 1, a, err);
	n = bt_group_files(e, g, idx);
	for (unsigned k = 0; k < n; k++) {
		const char *file = e->files[idx[k]].name;

		snprintf(from, sizeof(from), "%s/shared/%s.bin", ctx->work,
			 file);
		snprintf(path, sizeof(path), "%s/%s.bin", dir, file);
		if (lab_copy_file(from, path, ctx->uid, ctx->gid))
			return pt_fail(err, PT_EIO, path,
				       "cannot copy the seed's data: %s",
				       strerror(errno));
	}
	aria2_common(a, ctx, g);
	lab_arg(a, "--bt-seed-unverified=true");
	bt_aria2_args(ctx, i, dir, a);
	return bt_aria2_torrents(ctx, i, a, err);
}

static int leech_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			 struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct bt_opts *o = g->opts;

	if (o->client != BT_ARIA2)
		return bt_client_prepare(ctx, i, dir, 0, a, err);
	aria2_common(a, ctx, g);
	if (g->profile == &lab_profile_bittorrent_query) {
		double r = o->query_kbps * 125;

		lab_arg(a, "--max-overall-download-limit=%.0f", r > 1 ? r : 1);
		lab_arg(a, "--bt-tracker-interval=%u",
			g->interval_s >= 1 ? (unsigned)g->interval_s : 10);
	}
	bt_aria2_args(ctx, i, dir, a);
	return bt_aria2_torrents(ctx, i, a, err);
}

static void peer_defaults(struct lab_group *g)
{
	struct bt_opts *o = g->opts;

	o->query_kbps = 2;
}

static int peer_option(struct lab_group *g, const char *k, const char *v,
		       char *msg, size_t len)
{
	struct bt_opts *o = g->opts;

	if (strcmp(k, "query-rate") ||
	    g->profile != &lab_profile_bittorrent_query)
		return bt_option(o, k, v, msg, len);
	if (lab_parse_rate(v, &o->query_kbps) || o->query_kbps < 0.1 ||
	    o->query_kbps > 10e6) {
		snprintf(
			msg, len,
			"%s: expected a rate such as 6.4kbit or 2mbit (0.1 kbit .. 10 gbit), got '%s'",
			k, v);
		return -1;
	}
	return 0;
}

static int peer_check(struct lab_exp *e, struct lab_group *g, char *msg,
		      size_t len)
{
	const struct bt_opts *o = g->opts;

	/* query mode: the link's download is held to the query rate too
	 * (aria2's own limit lets a pipeline of blocks through first) */
	if (g->profile == &lab_profile_bittorrent_query && g->down_kbps <= 0)
		g->down_kbps = o->query_kbps;
	return bt_check(e, g, msg, len);
}

const struct lab_profile lab_profile_bittorrent_tracker = {
	.name = "bittorrent-tracker",
	.role = LAB_ROLE_SERVER,
	.port = 6969,
	.shared = bt_shared,
	.prepare = tracker_prepare,
};

const struct lab_profile lab_profile_bittorrent_seed = {
	.name = "bittorrent-seed",
	.needs_one = "bittorrent-tracker",
	.flags = LAB_PF_FILE,
	.options = BT_OPTION_KEYS,
	.opts_size = sizeof(struct bt_opts),
	.defaults = peer_defaults,
	.option = peer_option,
	.check = peer_check,
	.plan = bt_plan,
	.shared = bt_shared,
	.prepare = seed_prepare,
};

const struct lab_profile lab_profile_bittorrent_leech = {
	.name = "bittorrent-leech",
	.needs_one = "bittorrent-tracker",
	.flags = LAB_PF_FILE,
	.options = BT_OPTION_KEYS,
	.opts_size = sizeof(struct bt_opts),
	.defaults = peer_defaults,
	.option = peer_option,
	.check = peer_check,
	.plan = bt_plan,
	.shared = bt_shared,
	.prepare = leech_prepare,
};

const struct lab_profile lab_profile_bittorrent_query = {
	.name = "bittorrent-query",
	.needs_one = "bittorrent-tracker",
	.flags = LAB_PF_FILE,
	.options = "query-rate, " BT_OPTION_KEYS,
	.opts_size = sizeof(struct bt_opts),
	.defaults = peer_defaults,
	.option = peer_option,
	.check = peer_check,
	.plan = bt_plan,
	.shared = bt_shared,
	.prepare = leech_prepare,
};
