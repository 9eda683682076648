/*
 * gnunet.c -- profile gnunet: one GNUnet 0.19 peer per node, file sharing
 * (GAP, anonymity 1) in a closed friends-only overlay: the lab's real
 * flood-query network, in the role Winny plays in the paper. Every peer
 * forwards the queries of others and relays the replies and content, as
 * Winny's nodes did; docs/lab.md ("GNUnet") says what maps and what not.
 *
 * Roles by group (role=): publisher (publishes files=N files of size= bytes
 * under keyword=), query (a keyword search every interval= seconds, no
 * download: the flood-query mode), download (searches, downloads one of
 * the results, again every interval), relay (runs and forwards only).
 *
 * The overlay: degree=N friends per node in a random graph over all the
 * lab's gnunet nodes (a ring through them in an order drawn from seed=,
 * then random chords), plus links=A-B,C-D explicit pairs. Keys are made
 * by the lab before the peers start (gnunet-ecc), so each peer's
 * friends.txt lists its friends' IDs; each peer exports its HELLO once
 * its address is in it, and after every peer started the lab hands each
 * its friends' HELLOs (work/gnunet/NODE.friends). No hostlist, no
 * bootstrap HELLO, no UPnP/STUN, the DHT's and CADET's start on demand
 * only; NSE proof-of-work 1 bit on every peer (15 costs a core minutes).
 *
 * The upload rank: tc on the node's link, and GNUnet's own bandwidth
 * quota from the node's up=/down= rates (quota=), clamped to the least
 * GNUnet works with (gnunet_quota.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profiles/gnunet.h"
#include "p2ptrace/clock.h"

enum gn_role { GN_RELAY = 0, GN_PUBLISHER, GN_QUERY, GN_DOWNLOAD };
static const char *const role_names[] = { "relay", "publisher", "query",
					  "download" };

struct gn_opts {
	int role;
	int degree; /* -1: default 4 */
	unsigned long seed;
	unsigned files;	  /* publisher: files published */
	char keyword[32]; /* published under / searched for */
	char links[400];  /* "A-B,C-D" */
	double quota;	  /* kbit/s; -1 auto (from up=/down=), 0 none */
};

static void gn_defaults(struct lab_group *g)
{
	struct gn_opts *o = g->opts;

	o->degree = -1;
	o->seed = 1;
	o->files = 3;
	o->quota = -1;
	snprintf(o->keyword, sizeof(o->keyword), "winnylab");
	g->interval_s = 10;
}

static int gn_option(struct lab_group *g, const char *k, const char *v,
		     char *msg, size_t len)
{
	struct gn_opts *o = g->opts;
	char *end;
	unsigned long u;

	if (!strcmp(k, "role")) {
		for (int r = 0; r < 4; r++)
			if (!strcmp(v, role_names[r])) {
				o->role = r;
				return 0;
			}
		snprintf(
			msg, len,
			"role: expected publisher, query, download or relay, got '%s'",
			v);
		return -1;
	}
	if (!strcmp(k, "keyword")) {
		if (!lab_valid_name(v, sizeof(o->keyword) - 1, 0)) {
			snprintf(
				msg, len,
				"keyword: expected letters, digits, '-_.' (at most %zu), got '%s'",
				sizeof(o->keyword) - 1, v);
			return -1;
		}
		snprintf(o->keyword, sizeof(o->keyword), "%s", v);
		return 0;
	}
	if (!strcmp(k, "links")) {
		if (strlen(v) >= sizeof(o->links) ||
		    strspn(v,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-,") !=
			    strlen(v)) {
			snprintf(
				msg, len,
				"links: expected NODE-NODE pairs separated by ',' (at most %zu characters), got '%s'",
				sizeof(o->links) - 1, v);
			return -1;
		}
		snprintf(o->links, sizeof(o->links), "%s", v);
		return 0;
	}
	if (!strcmp(k, "quota")) {
		if (!strcmp(v, "auto"))
			o->quota = -1;
		else if (!strcmp(v, "none"))
			o->quota = 0;
		else if (lab_parse_rate(v, &o->quota) || o->quota < 0.008 ||
			 o->quota > 32e6) {
			snprintf(
				msg, len,
				"quota: expected auto, none or a rate (e.g. 256kbit, 1mbit), got '%s'",
				v);
			return -1;
		}
		return 0;
	}
	if (strcmp(k, "degree") && strcmp(k, "seed") && strcmp(k, "files"))
		return 1;
	errno = 0;
	u = strtoul(v, &end, 10);
	if (!*v || *end || errno || *v == '-' ||
	    u > (k[0] == 's' ? 4294967295ul : 999)) {
		snprintf(msg, len, "%s: expected a whole number%s, got '%s'", k,
			 k[0] == 's' ? "" : " 0..999", v);
		return -1;
	}
	if (k[0] == 'd')
		o->degree = (int)u;
	else if (k[0] == 's')
		o->seed = u;
	else
		o->files = (unsigned)u;
	return 0;
}

/* ---- the overlay ------------------------------------------------------ */

/* Name of node K of group G as expfile.c will make it (nodes[] may not
 * exist yet while .check runs). */
static void node_name(const struct lab_group *g, unsigned k, char *buf,
		      size_t len)
{
	if (g->count == 1)
		snprintf(buf, len, "%s", g->name);
	else
		snprintf(buf, len, "%.24s-%u", g->name, (k + 1) % 10000);
}

/* The lab's gnunet nodes, in file order: (group, k) pairs in gi/gk. */
static unsigned gn_nodes(const struct lab_exp *e, unsigned *gi, unsigned *gk)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].profile == &lab_profile_gnunet)
			for (unsigned k = 0; k < e->groups[i].count; k++) {
				gi[n] = i;
				gk[n++] = k;
			}
	return n;
}

static int find_gn(const struct lab_exp *e, const unsigned *gi,
		   const unsigned *gk, unsigned n, const char *name)
{
	char b[LAB_NODE_MAX + 8];

	for (unsigned j = 0; j < n; j++) {
		node_name(&e->groups[gi[j]], gk[j], b, sizeof(b));
		if (!strcmp(b, name))
			return (int)j;
	}
	return -1;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

static int want_of(const struct lab_exp *e, unsigned g)
{
	const struct gn_opts *o = e->groups[g].opts;

	return o->degree < 0 ? 4 : o->degree;
}

/* The friends graph over the n gnunet nodes, as an n x n matrix adj
 * (1 = friends). msg set and -1 on a bad link. Deterministic: the same
 * file gives the same graph in `lab check`, `lab up` and every hook. */
static int gn_graph(const struct lab_exp *e, const unsigned *gi,
		    const unsigned *gk, unsigned n, unsigned char *adj,
		    char *msg, size_t len)
{
	unsigned *ord = calloc(n + 1, sizeof(unsigned)), *deg;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned nr = 0;

	deg = calloc(n + 1, sizeof(unsigned));
	if (!ord || !deg) {
		free(ord);
		free(deg);
		snprintf(msg, len, "out of memory");
		return -1;
	}
	memset(adj, 0, (size_t)n * n);
	for (unsigned j = 0; j < n; j++) {
		if (j == 0 || gi[j] != gi[j - 1]) {
			const struct gn_opts *o = e->groups[gi[j]].opts;

			if (j == 0)
				x ^= o->seed * 0xbf58476d1ce4e5b9ull + 1;
		}
		if (want_of(e, gi[j]) >= 2)
			ord[nr++] = j;
	}
	/* a ring through the nodes that want 2 or more, in a random order,
	 * so the overlay is connected; then chords up to each one's degree */
	for (unsigned j = nr; j > 1; j--) {
		unsigned r = (unsigned)(rnd(&x) % j), t = ord[j - 1];

		ord[j - 1] = ord[r];
		ord[r] = t;
	}
	for (unsigned j = 0; nr >= 2 && j < (nr == 2 ? 1 : nr); j++) {
		unsigned a = ord[j], b = ord[(j + 1) % nr];

		if (!adj[a * n + b])
			deg[a]++, deg[b]++;
		adj[a * n + b] = adj[b * n + a] = 1;
	}
	for (unsigned j = 0; j < n; j++) {
		unsigned a = ord[j % (nr ? nr : 1)];

		if (j >= nr)
			a = j; /* nodes wanting 0 or 1, after the ring */
		for (unsigned tries = 0;
		     deg[a] < (unsigned)want_of(e, gi[a]) && tries < 50 * n;
		     tries++) {
			unsigned b = (unsigned)(rnd(&x) % n);

			if (b == a || adj[a * n + b] ||
			    (deg[b] >= (unsigned)want_of(e, gi[b]) &&
			     tries < 20 * n))
				continue;
			adj[a * n + b] = adj[b * n + a] = 1;
			deg[a]++, deg[b]++;
		}
	}
	free(ord);
	free(deg);
	/* explicit links of every group */
	for (unsigned i = 0; i < e->ngroups; i++) {
		const struct gn_opts *o = e->groups[i].opts;
		char buf[sizeof(o->links)], *save = NULL;

		if (e->groups[i].profile != &lab_profile_gnunet || !o->links[0])
			continue;
		snprintf(buf, sizeof(buf), "%s", o->links);
		for (char *p = strtok_r(buf, ",", &save); p;
		     p = strtok_r(NULL, ",", &save)) {
			char *dash = NULL;
			int a = -1, b = -1;

			/* node names hold '-' too: try every split */
			for (char *q = strchr(p, '-'); q && (a < 0 || b < 0);
			     q = strchr(q + 1, '-')) {
				*q = 0;
				a = find_gn(e, gi, gk, n, p);
				b = find_gn(e, gi, gk, n, q + 1);
				*q = '-';
				dash = q;
			}
			if (!dash || a < 0 || b < 0 || a == b) {
				snprintf(
					msg, len,
					"links: '%s' is not a pair of two different gnunet nodes of this lab (NODE-NODE; unknown node?)",
					p);
				return -1;
			}
			adj[(unsigned)a * n + (unsigned)b] =
				adj[(unsigned)b * n + (unsigned)a] = 1;
		}
	}
	return 0;
}

/* The graph of E (allocated; NULL with msg on error); *pn its size, and
 * the node index in nodes[] of each of its nodes in idx (when nodes[]
 * exists). */
static unsigned char *graph_of(const struct lab_exp *e, unsigned *pn,
			       unsigned *idx, char *msg, size_t len)
{
	size_t total = 1;
	unsigned *gi, *gk, n;
	unsigned char *adj = NULL;

	for (unsigned i = 0; i < e->ngroups; i++)
		total += e->groups[i].count;
	gi = calloc(total, sizeof(unsigned));
	gk = calloc(total, sizeof(unsigned));
	if (gi && gk) {
		n = gn_nodes(e, gi, gk);
		adj = malloc((size_t)n * n + 1);
		if (adj && gn_graph(e, gi, gk, n, adj, msg, len)) {
			free(adj);
			adj = NULL;
		}
		*pn = n;
		for (unsigned j = 0; idx && adj && j < n; j++)
			idx[j] = e->groups[gi[j]].first_node + gk[j];
	} else
		snprintf(msg, len, "out of memory");
	free(gi);
	free(gk);
	return adj;
}

static int gn_check(struct lab_exp *e, struct lab_group *g, char *msg,
		    size_t len)
{
	const struct gn_opts *o = g->opts;
	unsigned total = 0, n;
	unsigned char *adj;

	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].profile == &lab_profile_gnunet)
			total += e->groups[i].count;
	if (o->degree > 0 && (unsigned)o->degree >= total) {
		snprintf(
			msg, len,
			"degree=%d is larger than the overlay: the lab has %u gnunet nodes, so at most %u friends each",
			o->degree, total, total ? total - 1 : 0);
		return -1;
	}
	if (o->role == GN_PUBLISHER && !o->files) {
		snprintf(msg, len, "role=publisher needs files=1 or more");
		return -1;
	}
	if (!o->links[0])
		return 0;
	adj = graph_of(e, &n, NULL, msg, len);
	free(adj);
	return adj ? 0 : -1;
}

static void gn_plan(const struct lab_exp *e, const struct lab_group *g, FILE *f)
{
	const struct gn_opts *o = g->opts;
	unsigned n = 0, *idx = calloc(e->nnodes + 1, sizeof(unsigned));
	char msg[200];
	unsigned char *adj =
		idx ? graph_of(e, &n, idx, msg, sizeof(msg)) : NULL;

	for (unsigned j = 0; adj && j < n; j++) {
		const struct lab_node *nd = &e->nodes[idx[j]];
		unsigned nf = 0;
		struct gn_quota q;

		if (nd->group != (unsigned)(g - e->groups))
			continue;
		fprintf(f, "gnunet %s: role %s, keyword %s, friends", nd->name,
			role_names[o->role], o->keyword);
		for (unsigned k = 0; k < n; k++)
			if (adj[j * n + k]) {
				fprintf(f, " %s", e->nodes[idx[k]].name);
				nf++;
			}
		fputc('\n', f);
		gn_quota_of(nd->up_kbps, nd->down_kbps, nf, o->quota, &q);
		gn_quota_plan(&q, nd->up_kbps, nd->down_kbps, nf, f);
	}
	free(adj);
	free(idx);
}

static int gn_preflight(const struct lab_exp *e, const struct lab_group *g,
			const char *where, struct pt_err *err)
{
	(void)e;
	(void)g;
	if (access(GN_LIBEXEC "/gnunet-service-arm", X_OK) ||
	    access("/usr/bin/gnunet-ecc", X_OK))
		return pt_fail(
			err, PT_EUSAGE, where,
			"profile gnunet needs GNUnet 0.19 (Debian package gnunet: make deps)");
	return 0;
}

/* ---- files ------------------------------------------------------------ */

/* Once per lab: work/gnunet (root's, 0755) with each gnunet node's key
 * (NODE.key, 0600, copied to the node at prepare) and peer ID (NODE.id). */
static int gn_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	char dir[600], key[700], id[128];

	snprintf(dir, sizeof(dir), "%s/gnunet", ctx->work);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	for (unsigned i = 0; i < e->nnodes; i++) {
		if (e->groups[e->nodes[i].group].profile != &lab_profile_gnunet)
			continue;
		snprintf(key, sizeof(key), "%s/%s.key", dir, e->nodes[i].name);
		unlink(key);
		{
			char *g[] = { "gnunet-ecc", "-g", "1", key, NULL };
			char *p[] = { "gnunet-ecc", "-p", key, NULL };

			if (lab_run(g, NULL, 0) ||
			    lab_run(p, id, sizeof(id)) ||
			    strspn(id,
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
				    52)
				return pt_fail(
					err, PT_EIO, key,
					"gnunet-ecc could not make a peer key (make deps)");
		}
		id[52] = 0;
		snprintf(key, sizeof(key), "%s/%s.id", dir, e->nodes[i].name);
		if (lab_write_text(key, 0644, "%s\n", id))
			return pt_fail(err, PT_EIO, key, "cannot write");
	}
	return 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static const char conf_fmt[] =
	"# written by p2ptrace lab for node %s (role %s)\n"
	"[PATHS]\nGNUNET_HOME = %s\nGNUNET_DATA_HOME = %s/data/\n"
	"GNUNET_CONFIG_HOME = %s/config/\nGNUNET_CACHE_HOME = %s/cache/\n"
	"GNUNET_RUNTIME_DIR = %s/run/\nGNUNET_USER_RUNTIME_DIR = %s/run/\n"
	"GNUNET_TMP = %s/tmp/\n"
	"[PEER]\nPRIVATE_KEY = %s/data/private_key.ecc\n"
	"[arm]\nSTART_SYSTEM_SERVICES = YES\nSTART_USER_SERVICES = YES\n"
	"[transport]\nPLUGINS = tcp\n"
	"[transport-tcp]\nPORT = 2086\nADVERTISED_PORT = 2086\nBINDTO = %s\n"
	"[nat]\nENABLE_UPNP = NO\nUSE_STUN = NO\nDISABLEV6 = YES\n"
	"RETURN_LOCAL_ADDRESSES = YES\nEXTERNAL_ADDRESS = %s\nBEHIND_NAT = NO\n"
	"[hostlist]\nIMMEDIATE_START = NO\nSTART_ON_DEMAND = NO\n"
	"[peerinfo]\nUSE_INCLUDED_HELLOS = NO\n"
	"[topology]\nFRIENDS-ONLY = YES\nMINIMUM-FRIENDS = 1\nFRIENDS = %s/friends.txt\n"
	"[nse]\nWORKBITS = 1\n"
	"[fs]\nCONTENT_PUSHING = NO\nDELAY = NO\nCONTENT_CACHING = %s\n"
	"[cadet]\nIMMEDIATE_START = NO\n[dht]\nIMMEDIATE_START = NO\n"
	"[gns]\nIMMEDIATE_START = NO\nSTART_ON_DEMAND = NO\n"
	"[zonemaster]\nIMMEDIATE_START = NO\nSTART_ON_DEMAND = NO\n"
	"[rest]\nIMMEDIATE_START = NO\nSTART_ON_DEMAND = NO\n"
	"[revocation]\nIMMEDIATE_START = NO\nSTART_ON_DEMAND = NO\n%s";

/* The peer's script: arm, its HELLO for the lab, its friends' HELLOs
 * from the lab, then its role's loop. */
static void script(char *s, size_t len, const struct lab_ctx *ctx,
		   const struct lab_node *nd, const struct lab_group *g,
		   const char *dir)
{
	const struct gn_opts *o = g->opts;
	size_t n = (size_t)snprintf(
		s, len,
		"C=%s/gnunet.conf; export HOME=%s TMPDIR=%s/tmp\n" GN_LIBEXEC
		"/gnunet-service-arm -c $C & A=$!\n"
		"trap 'kill $A 2>/dev/null; wait $A; exit 0' TERM INT\n"
		"until H=$(gnunet-peerinfo -c $C -g -f 2>/dev/null) && [ \"${H#*+tcp}\" != \"$H\" ]; do\n"
		"  kill -0 $A 2>/dev/null || exit 1; sleep 0.3; done\n"
		"echo \"$H\" > hello.tmp && mv hello.tmp hello\n"
		"F=%s/gnunet/%s.friends\n"
		"until [ -e $F ]; do sleep 0.3; done\n"
		"while read -r h; do gnunet-peerinfo -c $C -p \"$h\"; done < $F\n"
		"echo \"$(date +%%s.%%N) friends' HELLOs loaded: $(grep -c . $F)\"\n",
		dir, dir, dir, ctx->work, nd->name);

	switch (o->role) {
	case GN_PUBLISHER:
		n += (size_t)snprintf(
			s + n, len - n,
			"for f in pub/*.bin; do k=$(basename $f .bin)\n"
			"  gnunet-publish -c $C -a 1 -k %s -k $k $f | tail -1; done\n",
			o->keyword);
		break;
	case GN_QUERY:
		n += (size_t)snprintf(
			s + n, len - n,
			"while :; do n=$(gnunet-search -c $C -a 1 -t %gs %s | grep -c '^gnunet-download')\n"
			"  echo \"$(date +%%s.%%N) search %s: $n results\"; done\n",
			g->interval_s, o->keyword, o->keyword);
		break;
	case GN_DOWNLOAD:
		n += (size_t)snprintf(
			s + n, len - n,
			"while :; do U=$(gnunet-search -c $C -a 1 -t 10s %s | grep -o 'gnunet://fs/chk/[A-Z0-9.]*' | shuf -n 1)\n"
			"  if [ -n \"$U\" ] && timeout 600 gnunet-download -c $C -a 1 -o got.bin \"$U\" >/dev/null; then\n"
			"    echo \"$(date +%%s.%%N) downloaded $(sha256sum < got.bin | cut -c1-64)\"; else echo \"$(date +%%s.%%N) none\"; fi\n"
			"  rm -f got.bin; sleep %g; done\n",
			o->keyword, g->interval_s);
		break;
	default:
		break;
	}
	if (n < len)
		snprintf(s + n, len - n, "wait $A\n");
}

static int mkdir_own(const char *dir, const char *sub, uid_t u, gid_t g)
{
	char p[800];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -1;
	return chown(p, u, g);
}

static int gn_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	const struct gn_opts *o = g->opts;
	static char sc[4096];
	char path[900], addr[32], msg[200], fr[8192] = "", ats[300];
	struct gn_quota q;
	unsigned n = 0, me = 0, nf = 0;
	unsigned *idx = calloc(e->nnodes + 1, sizeof(unsigned));
	unsigned char *adj =
		idx ? graph_of(e, &n, idx, msg, sizeof(msg)) : NULL;
	size_t fl = 0;

	if (!adj) {
		free(idx);
		return pt_fail(err, PT_EUSAGE, e->path, "%s", msg);
	}
	while (me < n && idx[me] != i)
		me++;
	for (unsigned k = 0; k < n && me < n; k++) {
		char id[128];

		snprintf(path, sizeof(path), "%s/gnunet/%s.id", ctx->work,
			 e->nodes[idx[k]].name);
		nf += adj[me * n + k];
		if (adj[me * n + k] && !read_small(path, id, sizeof(id)) &&
		    fl + 60 < sizeof(fr))
			fl += (size_t)snprintf(fr + fl, sizeof(fr) - fl, "%s\n",
					       id);
	}
	gn_quota_of(nd->up_kbps, nd->down_kbps, nf, o->quota, &q);
	gn_quota_conf(&q, ats, sizeof(ats));
	free(adj);
	free(idx);
	lab_addr_str(nd->addr, addr, sizeof(addr));
	if (mkdir_own(dir, "data", ctx->uid, ctx->gid) ||
	    mkdir_own(dir, "config", ctx->uid, ctx->gid) ||
	    mkdir_own(dir, "cache", ctx->uid, ctx->gid) ||
	    mkdir_own(dir, "run", ctx->uid, ctx->gid) ||
	    mkdir_own(dir, "tmp", ctx->uid, ctx->gid) ||
	    mkdir_own(dir, "pub", ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/gnunet.conf", dir);
	if (lab_write_text(path, 0644, conf_fmt, nd->name, role_names[o->role],
			   dir, dir, dir, dir, dir, dir, dir, dir, addr, addr,
			   dir, o->role == GN_DOWNLOAD ? "NO" : "YES", ats))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/friends.txt", dir);
	if (lab_write_text(path, 0644, "%s", fr))
		return pt_fail(err, PT_EIO, path, "cannot write");
	{
		char from[700];

		snprintf(from, sizeof(from), "%s/gnunet/%s.key", ctx->work,
			 nd->name);
		snprintf(path, sizeof(path), "%s/data/private_key.ecc", dir);
		if (lab_copy_file(from, path, ctx->uid, ctx->gid) ||
		    chmod(path, 0600))
			return pt_fail(err, PT_EIO, path,
				       "cannot copy the peer key");
	}
	/* the publisher's content: deterministic bytes, so a download can
	 * be checked against the same function (NODE-K.bin, K = 1..files) */
	for (unsigned k = 1; o->role == GN_PUBLISHER && k <= o->files; k++) {
		char seed[64];

		snprintf(seed, sizeof(seed), "%s-%u", nd->name, k);
		snprintf(path, sizeof(path), "%s/pub/%s.bin", dir, seed);
		if (lab_make_data(path, seed, g->size ? g->size : 1 << 20) ||
		    chown(path, ctx->uid, ctx->gid))
			return pt_fail(err, PT_EIO, path,
				       "cannot write the published file");
	}
	script(sc, sizeof(sc), ctx, nd, g, dir);
	lab_sh(a, sc);
	return 0;
}

/* ---- the HELLO exchange ------------------------------------------------ */

static int hello_ok(const char *h)
{
	return !strncmp(h, "gnunet://friend-hello/", 22) && strstr(h, "+tcp") &&
	       strspn(h,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/+._-") ==
		       strlen(h);
}

/* After every peer started: wait (at most 120 s) until each has written
 * its HELLO (with its address), then give each its friends' HELLOs in
 * work/gnunet/NODE.friends (root's folder; written whole, then renamed,
 * so a peer never reads half a file). */
static int gn_after_start(struct lab_ctx *ctx, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	unsigned n = 0, *idx = calloc(e->nnodes + 1, sizeof(unsigned));
	char msg[200], path[900];
	unsigned char *adj =
		idx ? graph_of(e, &n, idx, msg, sizeof(msg)) : NULL;
	char(*hello)[1024] = calloc(n + 1, sizeof(*hello));
	uint64_t t0 = pt_mono_ns();
	int rc = 0;

	if (!adj || !hello) {
		rc = pt_fail(err, PT_ENOMEM, e->path, "%s",
			     adj ? "out of memory" : msg);
		goto out;
	}
	for (unsigned have = 0; have < n;) {
		have = 0;
		for (unsigned j = 0; j < n; j++) {
			if (!hello[j][0]) {
				snprintf(path, sizeof(path), "%s/%s/hello",
					 ctx->work, e->nodes[idx[j]].name);
				if (read_small(path, hello[j],
					       sizeof(hello[j])) ||
				    !hello_ok(hello[j]))
					hello[j][0] = 0;
			}
			have += hello[j][0] != 0;
		}
		if (have == n)
			break;
		if (pt_mono_ns() - t0 > 120000000000ull) {
			rc = pt_fail(
				err, PT_EIO, e->path,
				"gnunet: only %u of %u peers exported their HELLO within 120 s (see logs/NODE.err)",
				have, n);
			goto out;
		}
		pt_sleep_ms(200);
	}
	for (unsigned j = 0; j < n; j++) {
		char tmp[920];
		FILE *f;

		snprintf(path, sizeof(path), "%s/gnunet/%s.friends", ctx->work,
			 e->nodes[idx[j]].name);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		unlink(tmp);
		f = fopen(tmp, "wx");
		if (!f) {
			rc = pt_fail(err, PT_EIO, tmp, "cannot write: %s",
				     strerror(errno));
			goto out;
		}
		for (unsigned k = 0; k < n; k++)
			if (adj[j * n + k])
				fprintf(f, "%s\n", hello[k]);
		if (fclose(f) || chmod(tmp, 0644) || rename(tmp, path)) {
			rc = pt_fail(err, PT_EIO, path, "cannot write");
			goto out;
		}
	}
	if (getenv("P2PTRACE_LAB_TIMING"))
		fprintf(stderr,
			"p2ptrace: lab timing: gnunet HELLOs of %u peers exchanged after %.3f s\n",
			n, (pt_mono_ns() - t0) / 1e9);
out:
	free(adj);
	free(idx);
	free(hello);
	return rc;
}

const struct lab_profile lab_profile_gnunet = {
	.name = "gnunet",
	.options = "role, degree, seed, links, keyword, files, quota",
	.opts_size = sizeof(struct gn_opts),
	.defaults = gn_defaults,
	.option = gn_option,
	.check = gn_check,
	.plan = gn_plan,
	.preflight = gn_preflight,
	.shared = gn_shared,
	.prepare = gn_prepare,
	.after_start = gn_after_start,
	.before_stop = gn_before_stop,
	.columns = gn_columns,
	.column_down = gn_column_down,
};
