/*
 * expfile.c -- the experiment file: parse, validate and expand into a plan
 * of nodes (names, addresses, namespaces). Every error names the line and
 * says what was expected; nothing is created here. Format: docs/lab.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/catalog.h"
#include "lab/fsutil.h"
#include "lab/lab.h"
#include "lab/profile.h"
#include "tool.h"

#define MAXTOK 64

struct pctx {
	struct lab_exp *exp;
	const char *where;
	int line;
	struct pt_err *err;
};

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *c,
						      const char *fmt, ...)
{
	va_list ap;

	if (c->err) {
		c->err->code = PT_EFORMAT;
		if (c->line)
			snprintf(c->err->where, sizeof(c->err->where),
				 "%.200s:%d", c->where, c->line);
		else
			snprintf(c->err->where, sizeof(c->err->where), "%.200s",
				 c->where);
		va_start(ap, fmt);
		vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
		va_end(ap);
	}
	return PT_EFORMAT;
}

/* Split a line into tokens in place: whitespace separates, '#' starts a
 * comment, "..." quotes (the quotes are removed). */
static int tokenize(struct pctx *c, char *s, char **tok, int max)
{
	int n = 0;
	char *w;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			break;
		if (n == max)
			return perr(c, "too many words (at most %d)", max);
		tok[n++] = w = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r') {
			if (*s == '"') {
				s++;
				while (*s && *s != '"')
					*w++ = *s++;
				if (*s != '"')
					return perr(c, "unterminated quote");
				s++;
				continue;
			}
			*w++ = *s++;
		}
		if (*s)
			s++;
		*w = 0;
	}
	return n;
}

static int find_group(const struct lab_exp *e, const char *name)
{
	for (unsigned i = 0; i < e->ngroups; i++)
		if (!strcmp(e->groups[i].name, name))
			return (int)i;
	return -1;
}

static int find_file(const struct lab_exp *e, const char *name)
{
	for (unsigned i = 0; i < e->nfiles; i++)
		if (!strcmp(e->files[i].name, name))
			return (int)i;
	return -1;
}

static int need_args(struct pctx *c, int ntok, int want, const char *usage)
{
	if (ntok != want)
		return perr(c, "expected '%s'", usage);
	return 0;
}

static int parse_file_line(struct pctx *c, char **tok, int n)
{
	struct lab_exp *e = c->exp;
	struct lab_file *f;

	if (n < 2)
		return perr(c, "expected 'file NAME size=SIZE [piece=SIZE] [private=yes|no]'");
	if (e->nfiles == LAB_MAX_FILES)
		return perr(c, "too many files (at most %d)", LAB_MAX_FILES);
	if (!lab_valid_name(tok[1], LAB_NODE_MAX - 1, 0))
		return perr(c, "bad file name '%s' (letters, digits, '-_.')",
			    tok[1]);
	if (find_file(e, tok[1]) >= 0)
		return perr(c, "file '%s' is defined twice", tok[1]);
	f = &e->files[e->nfiles];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", tok[1]);
	f->piece = 256 * 1024;
	f->line = c->line;
	for (int i = 2; i < n; i++) {
		char *v = strchr(tok[i], '=');

		if (!v)
			return perr(c, "expected KEY=VALUE, got '%s'", tok[i]);
		*v++ = 0;
		if (!strcmp(tok[i], "size")) {
			if (lab_parse_size(v, &f->size) || f->size == 0 ||
			    f->size > (16ull << 30))
				return perr(
					c,
					"size: expected a size such as 20MiB (1 B .. 16 GiB), got '%s'",
					v);
		} else if (!strcmp(tok[i], "piece")) {
			if (lab_parse_size(v, &f->piece) || f->piece < 16384 ||
			    f->piece > (16u << 20) ||
			    (f->piece & (f->piece - 1)))
				return perr(
					c,
					"piece: expected a power of two from 16KiB to 16MiB, got '%s'",
					v);
		} else if (!strcmp(tok[i], "private")) {
			if (strcmp(v, "yes") && strcmp(v, "no"))
				return perr(
					c,
					"private: expected yes or no, got '%s'",
					v);
			f->is_public = !strcmp(v, "no");
		} else {
			return perr(
				c,
				"unknown file option '%s' (expected size, piece or private)",
				tok[i]);
		}
	}
	if (!f->size)
		return perr(c, "file '%s' needs size=SIZE", f->name);
	e->nfiles++;
	return 0;
}

/* A key the common ones do not take: the profile's own (profile.h). */
static int profile_opt(struct pctx *c, struct lab_group *g, const char *k,
		       const char *v)
{
	const struct lab_profile *p = g->profile;
	char msg[400] = "";
	int r = p->option ? p->option(g, k, v, msg, sizeof(msg)) : 1;

	if (r < 0 || (r > 0 && msg[0]))
		return perr(c, "%s", msg);
	if (r > 0)
		return perr(
			c,
			"unknown group option '%s' (expected count, up, down, queue, tcp_ts, delay, jitter, loss, file, server, port, interval, start, size, user, %s%sor 'labels' before key=value labels)",
			k, p->options ? p->options : "",
			p->options ? ", " : "");
	return 0;
}

/* file=NAME or file=A,B,...: the swarms a BitTorrent node joins. */
static int group_files(struct pctx *c, struct lab_group *g, const char *v)
{
	char buf[LAB_MAX_FILES * LAB_NODE_MAX + 1], *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return perr(c, "file: too long");
	snprintf(buf, sizeof(buf), "%s", v);
	g->file = -1;
	g->files = 0;
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int f = find_file(c->exp, t);

		if (f < 0)
			return perr(c, "file: no 'file %s' line above", t);
		if (g->files & (1u << f))
			return perr(c, "file: %s given twice", t);
		if (g->file < 0)
			g->file = f;
		g->files |= 1u << f;
	}
	if (g->file < 0)
		return perr(c, "file: expected NAME or NAME,NAME,..., got '%s'",
			    v);
	return 0;
}

static int group_opt(struct pctx *c, struct lab_group *g, const char *k,
		     const char *v, char (*server)[LAB_NODE_MAX])
{
	uint64_t u;

	if (!strcmp(k, "count")) {
		if (tool_parse_u64(v, &u) || u < 1 || u > LAB_MAX_NODES)
			return perr(c, "count: expected 1..%d, got '%s'",
				    LAB_MAX_NODES, v);
		g->count = (unsigned)u;
	} else if (!strcmp(k, "up") || !strcmp(k, "down")) {
		struct lab_rates *set = k[0] == 'u' ? &g->up_set : &g->down_set;

		if (lab_parse_rates(v, set))
			return perr(
				c,
				"%s: expected a rate such as 6.4kbit or 2mbit (0.1 kbit .. 10 gbit), a range A..B (A < B) or a list A,B,... (at most 8), got '%s'",
				k, v);
		if (k[0] == 'u')
			g->up_kbps = set->v[0];
		else
			g->down_kbps = set->v[0];
		if (set->n == 1)
			set->n = 0;
	} else if (!strcmp(k, "jitter")) {
		static const char *const ju[] = { "", "ms", "s", NULL };
		static const double jm[] = { 1, 1, 1000 };

		if (lab_parse_unit(v, &g->jitter_ms, ju, jm) ||
		    g->jitter_ms > 10000)
			return perr(
				c,
				"jitter: expected e.g. 5ms (at most 10 s), got '%s'",
				v);
	} else if (!strcmp(k, "delay")) {
		static const char *const du[] = { "", "ms", "s", NULL };
		static const double dm[] = { 1, 1, 1000 };

		if (lab_parse_unit(v, &g->delay_ms, du, dm) ||
		    g->delay_ms > 10000)
			return perr(
				c,
				"delay: expected e.g. 20ms (at most 10 s), got '%s'",
				v);
	} else if (!strcmp(k, "queue")) {
		static const char *const qu[] = { "", "ms", "s", NULL };
		static const double qm[] = { 1, 1, 1000 };

		if (lab_parse_unit(v, &g->queue_ms, qu, qm) ||
		    g->queue_ms < 10 || g->queue_ms > 10000)
			return perr(
				c,
				"queue: expected the shaper's queue as a time, e.g. 500ms or 2s (10 ms .. 10 s), got '%s'",
				v);
	} else if (!strcmp(k, "tcp_ts")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return perr(c, "tcp_ts: expected on or off, got '%s'",
				    v);
		g->tcp_ts_off = !strcmp(v, "off");
	} else if (!strcmp(k, "loss")) {
		char tmp[32];
		size_t l = strlen(v);
		double p;

		snprintf(tmp, sizeof(tmp), "%.*s",
			 (int)(l && v[l - 1] == '%' ? l - 1 : l), v);
		if (lab_parse_unit(tmp, &p, (const char *const[]){ "", NULL },
				   (const double[]){ 1 }) ||
		    p > 100)
			return perr(
				c,
				"loss: expected a percentage 0..100, got '%s'",
				v);
		g->loss_pct = p;
	} else if (!strcmp(k, "file")) {
		return group_files(c, g, v);
	} else if (!strcmp(k, "server")) {
		snprintf(*server, LAB_NODE_MAX, "%s", v);
	} else if (!strcmp(k, "port")) {
		if (tool_parse_u64(v, &u) || u < 1 || u > 65535)
			return perr(c, "port: expected 1..65535, got '%s'", v);
		g->port = (unsigned)u;
	} else if (!strcmp(k, "interval") || !strcmp(k, "start")) {
		double s;

		if (lab_parse_seconds(v, &s) || s > 86400)
			return perr(
				c,
				"%s: expected seconds such as 2 or 0.5, got '%s'",
				k, v);
		if (k[0] == 'i')
			g->interval_s = s;
		else
			g->start_s = s;
	} else if (!strcmp(k, "size")) {
		if (lab_parse_size(v, &g->size) || g->size > (16ull << 30))
			return perr(
				c,
				"size: expected a size such as 1MiB, got '%s'",
				v);
	} else if (!strcmp(k, "user")) {
		if (!lab_valid_name(v, sizeof(g->user) - 1, 0))
			return perr(c, "user: expected a user name, got '%s'",
				    v);
		if (!strcmp(v, "root"))
			return perr(c, "user: root is refused (clients run "
				       "as an unprivileged user)");
		snprintf(g->user, sizeof(g->user), "%s", v);
	} else {
		return profile_opt(c, g, k, v);
	}
	return 0;
}

static int add_label(struct pctx *c, struct lab_group *g, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t used = strlen(g->labels);

	if (!eq || eq == kv || !eq[1])
		return perr(c, "label: expected KEY=VALUE, got '%s'", kv);
	for (const char *p = kv; *p; p++)
		if (*p == ';' || *p == '\t' ||
		    (p < eq && !(isalnum((unsigned char)*p) || *p == '_' ||
				 *p == '-' || *p == '.')))
			return perr(
				c,
				"label '%s': keys are letters, digits, '_-.'; values have no ';' or tab",
				kv);
	if (used + strlen(kv) + 2 > sizeof(g->labels))
		return perr(c, "labels longer than %zu characters",
			    sizeof(g->labels) - 1);
	{
		char key[128], tmp[8];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		if (label_get(g->labels, key, tmp, sizeof(tmp)))
			return perr(c, "label '%s' given twice", key);
	}
	snprintf(g->labels + used, sizeof(g->labels) - used, "%s%s",
		 used ? ";" : "", kv);
	return 0;
}

static int parse_group_line(struct pctx *c, char **tok, int n,
			    char (*servers)[LAB_NODE_MAX])
{
	struct lab_exp *e = c->exp;
	struct lab_group *g;
	int i, in_labels = 0;

	if (n < 3)
		return perr(
			c,
			"expected 'group NAME PROFILE [KEY=VALUE ...] [labels KEY=VALUE ...]'");
	if (e->ngroups == LAB_MAX_GROUPS)
		return perr(c, "too many groups (at most %d)", LAB_MAX_GROUPS);
	if (!lab_valid_name(tok[1], 24, 0))
		return perr(c,
			    "bad group name '%s' (1-24 letters, digits, '-_.')",
			    tok[1]);
	if (find_group(e, tok[1]) >= 0)
		return perr(c, "group '%s' is defined twice", tok[1]);
	g = &e->groups[e->ngroups];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", tok[1]);
	g->profile = lab_profile_parse(tok[2]);
	if (!g->profile) {
		char list[1000];

		lab_profile_list(list, sizeof(list));
		return perr(c, "unknown profile '%s' (expected one of: %s)",
			    tok[2], list);
	}
	g->count = 1;
	if (g->profile->opts_size &&
	    !(g->opts = calloc(1, g->profile->opts_size)))
		return pt_fail(c->err, PT_ENOMEM, c->where, "out of memory");
	g->file = g->server = -1;
	g->interval_s = 1;
	g->line = c->line;
	if (g->profile->defaults)
		g->profile->defaults(g);
	servers[e->ngroups][0] = 0;
	for (i = 3; i < n; i++) {
		char *v;
		int rc;

		if (!strcmp(tok[i], "labels")) {
			if (in_labels)
				return perr(c, "'labels' given twice");
			in_labels = 1;
			continue;
		}
		if (in_labels) {
			if ((rc = add_label(c, g, tok[i])))
				return rc;
			continue;
		}
		v = strchr(tok[i], '=');
		if (!v)
			return perr(c,
				    "expected KEY=VALUE or 'labels', got '%s'",
				    tok[i]);
		*v++ = 0;
		if ((rc = group_opt(c, g, tok[i], v, &servers[e->ngroups])))
			return rc;
	}
	e->ngroups++;
	return 0;
}

static int parse_line(struct pctx *c, char *s, char (*servers)[LAB_NODE_MAX])
{
	struct lab_exp *e = c->exp;
	char *tok[MAXTOK];
	int n = tokenize(c, s, tok, MAXTOK), rc;

	if (n <= 0)
		return n;
	if (!strcmp(tok[0], "lab")) {
		if ((rc = need_args(c, n, 2, "lab NAME")))
			return rc;
		if (!lab_valid_name(tok[1], LAB_NAME_MAX, 1))
			return perr(c,
				    "bad lab name '%s' (1-%d of a-z, 0-9, '-')",
				    tok[1], LAB_NAME_MAX);
		snprintf(e->name, sizeof(e->name), "%s", tok[1]);
	} else if (!strcmp(tok[0], "subnet")) {
		if ((rc = need_args(c, n, 2, "subnet A.B.C.D/PREFIX")))
			return rc;
		if (lab_parse_cidr(tok[1], &e->net, &e->prefix))
			return perr(
				c,
				"expected a subnet such as 198.18.0.0/16, got '%s'",
				tok[1]);
		if (!lab_subnet_allowed(e->net, e->prefix))
			return perr(
				c,
				"subnet %s is not inside 198.18.0.0/15 or 100.64.0.0/10 (the only ranges a lab may use), or has host bits set",
				tok[1]);
	} else if (!strcmp(tok[0], "duration")) {
		double sec;

		if ((rc = need_args(c, n, 2, "duration SECONDS")))
			return rc;
		if (lab_parse_seconds(tok[1], &sec) || sec < 1 || sec > 7 * 86400)
			return perr(
				c,
				"duration: expected seconds (1 .. 604800) such as 600 or 10m, got '%s'",
				tok[1]);
		e->duration_ns = (uint64_t)(sec * 1e9);
	} else if (!strcmp(tok[0], "out")) {
		if ((rc = need_args(c, n, 2, "out DIR")))
			return rc;
		if (strlen(tok[1]) >= sizeof(e->out) - 64)
			return perr(c, "out: path too long");
		if (lab_out_forbidden(tok[1]))
			return perr(c,
				    "out: %s is a system folder (%s): refused",
				    tok[1], lab_out_forbidden(tok[1]));
		snprintf(e->out, sizeof(e->out), "%s", tok[1]);
	} else if (!strcmp(tok[0], "snaplen")) {
		uint64_t u;

		if ((rc = need_args(c, n, 2, "snaplen BYTES")))
			return rc;
		if (tool_parse_u64(tok[1], &u) || u < 64 || u > 262144)
			return perr(c,
				    "snaplen: expected 64 .. 262144, got '%s'",
				    tok[1]);
		e->snaplen = (unsigned)u;
	} else if (!strcmp(tok[0], "user")) {
		if ((rc = need_args(c, n, 2, "user NAME")))
			return rc;
		if (!strcmp(tok[1], "root"))
			return perr(c, "user: root is refused (clients run "
				       "as an unprivileged user)");
		if (!lab_valid_name(tok[1], sizeof(e->user) - 1, 0))
			return perr(c, "user: expected a user name, got '%s'",
				    tok[1]);
		snprintf(e->user, sizeof(e->user), "%s", tok[1]);
	} else if (!strcmp(tok[0], "file")) {
		return parse_file_line(c, tok, n);
	} else if (!strcmp(tok[0], "group")) {
		return parse_group_line(c, tok, n, servers);
	} else {
		return perr(
			c,
			"unknown directive '%s' (expected lab, subnet, duration, out, snaplen, user, file or group)",
			tok[0]);
	}
	return 0;
}

/* The checks of group G the profile's row asks for (profile.h): a file,
 * a server group of the right profile, its own check. */
static int check_group(struct pctx *c, struct lab_group *g,
		       const char *server)
{
	struct lab_exp *e = c->exp;
	const struct lab_profile *p = g->profile;
	char msg[400] = "";

	if (server[0]) {
		g->server = find_group(e, server);
		if (g->server < 0)
			return perr(c, "server: no group named '%s'", server);
	}
	if ((p->flags & LAB_PF_FILE) && g->file < 0)
		return perr(c, "profile %s needs file=NAME (a 'file' line)",
			    p->name);
	if (p->server) {
		const struct lab_profile *sp;

		if (g->server < 0)
			return perr(c, "profile %s needs server=GROUP",
				    p->name);
		sp = e->groups[g->server].profile;
		if (strcmp(sp->name, p->server))
			return perr(
				c,
				"server=%s: that group's profile is %s, expected %s",
				server, sp->name, p->server);
	}
	if (p->check && p->check(e, g, msg, sizeof(msg)))
		return perr(c, "%s", msg);
	return 0;
}

/* Nodes of the profile named NAME in the lab. */
static unsigned count_of(const struct lab_exp *e, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->ngroups; i++)
		if (!strcmp(e->groups[i].profile->name, name))
			n += e->groups[i].count;
	return n;
}

/* Cross-checks that need the whole file, then the node list. */
static int finish(struct pctx *c, char (*servers)[LAB_NODE_MAX])
{
	struct lab_exp *e = c->exp;
	unsigned total = 0, hosts;
	int rc;

	for (unsigned i = 0; i < e->ngroups; i++) {
		struct lab_group *g = &e->groups[i];

		c->line = g->line;
		if ((rc = check_group(c, g, servers[i])))
			return rc;
		if (g->count == 1 ? strlen(g->name) >= LAB_NODE_MAX
				  : strlen(g->name) + 6 >= LAB_NODE_MAX)
			return perr(c, "group name too long");
		total += g->count;
		if (total > LAB_MAX_NODES ||
		    total > (1u << (32 - e->prefix)) - 2)
			return perr(
				c,
				"%u nodes do not fit (subnet /%u holds %u hosts, a bridge %d ports)",
				total, e->prefix, (1u << (32 - e->prefix)) - 2,
				LAB_MAX_NODES);
	}
	c->line = 0;
	if (!e->ngroups)
		return perr(c,
			    "no 'group' line: a lab needs at least one node");
	for (unsigned i = 0; i < e->ngroups; i++) {
		const struct lab_profile *p = e->groups[i].profile;
		unsigned n;

		c->line = e->groups[i].line;
		if (p->needs_one && (n = count_of(e, p->needs_one)) != 1)
			return perr(
				c,
				"profile %s needs exactly one %s node in the lab (found %u)",
				p->name, p->needs_one, n);
	}
	c->line = 0;
	hosts = (1u << (32 - e->prefix)) - 2;
	if (total > LAB_MAX_NODES || total > hosts)
		return perr(
			c,
			"%u nodes do not fit (subnet /%u holds %u hosts, a bridge %d ports)",
			total, e->prefix, hosts, LAB_MAX_NODES);
	e->nodes = calloc(total, sizeof(*e->nodes));
	if (!e->nodes)
		return pt_fail(c->err, PT_ENOMEM, c->where, "out of memory");
	for (unsigned gi = 0; gi < e->ngroups; gi++) {
		struct lab_group *g = &e->groups[gi];

		g->first_node = e->nnodes;
		for (unsigned k = 0; k < g->count; k++) {
			struct lab_node *nd = &e->nodes[e->nnodes++];

			if (g->count == 1)
				snprintf(nd->name, sizeof(nd->name), "%s",
					 g->name);
			else
				snprintf(nd->name, sizeof(nd->name), "%.24s-%u",
					 g->name, (k + 1) % 10000);
			nd->group = gi;
			nd->index = e->nnodes;
			nd->addr = e->net + nd->index;
			snprintf(nd->veth, sizeof(nd->veth), "v%u", nd->index);
			nd->up_kbps = lab_rate_of(&g->up_set, g->up_kbps,
						  nd->name, k, 1);
			nd->down_kbps = lab_rate_of(&g->down_set,
						    g->down_kbps, nd->name, k,
						    0);
		}
	}
	for (unsigned i = 0; i < e->nnodes; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(e->nodes[i].name, e->nodes[j].name)) {
				c->line = e->groups[e->nodes[i].group].line;
				return perr(
					c,
					"node name '%s' is used twice (group names and NAME-N collide)",
					e->nodes[i].name);
			}
	return lab_exp_rename(e, e->name) ? perr(c, "bad lab name") : 0;
}

int lab_exp_rename(struct lab_exp *e, const char *name)
{
	if (!lab_valid_name(name, LAB_NAME_MAX, 1))
		return -1;
	if (name != e->name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->switch_ns, sizeof(e->switch_ns), "p2psw-%s", e->name);
	for (unsigned i = 0; i < e->nnodes; i++)
		snprintf(e->nodes[i].netns, sizeof(e->nodes[i].netns),
			 "p2pn-%s-%s", e->name, e->nodes[i].name);
	return 0;
}

int lab_exp_parse(struct lab_exp *e, const char *where, const char *text,
		  struct pt_err *err)
{
	struct pctx c = { e, where, 0, err };
	char(*servers)[LAB_NODE_MAX];
	const char *p = text;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", where);
	snprintf(e->name, sizeof(e->name), "lab");
	e->net = 198u << 24 | 18u << 16;
	e->prefix = 16;
	e->duration_ns = 600ull * 1000000000ull;
	snprintf(e->out, sizeof(e->out), "lab-out");
	e->snaplen = 256;
	snprintf(e->user, sizeof(e->user), "nobody");
	servers = calloc(LAB_MAX_GROUPS, sizeof(*servers));
	if (!servers)
		return pt_fail(err, PT_ENOMEM, where, "out of memory");
	while (*p && !rc) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[2048];

		c.line++;
		if (len >= sizeof(line)) {
			rc = perr(&c, "line longer than %zu characters",
				  sizeof(line) - 1);
			break;
		}
		memcpy(line, p, len);
		line[len] = 0;
		rc = parse_line(&c, line, servers);
		if (rc > 0)
			rc = 0;
		p = nl ? nl + 1 : p + len;
	}
	if (!rc)
		rc = finish(&c, servers);
	free(servers);
	if (rc)
		lab_exp_free(e); /* nodes and VM settings */
	return rc;
}

int lab_exp_load(struct lab_exp *e, const char *path, struct pt_err *err)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	memset(e, 0, sizeof(*e));
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		free(buf);
		return pt_fail(err, PT_EFORMAT, path,
			       "cannot read it, or it is larger than 1 MiB");
	}
	fclose(f);
	buf[n] = 0;
	if (strlen(buf) != n) {
		free(buf);
		return pt_fail(err, PT_EFORMAT, path,
			       "contains a NUL byte: not a text file");
	}
	rc = lab_exp_parse(e, path, buf, err);
	free(buf);
	return rc;
}

void lab_exp_free(struct lab_exp *e)
{
	for (unsigned i = 0; i <= e->ngroups && i < LAB_MAX_GROUPS; i++) {
		free(e->groups[i].opts);
		e->groups[i].opts = NULL;
	}
	free(e->nodes);
	e->nodes = NULL;
	e->nnodes = 0;
}
