/*
 * ntp.c -- profiles ntp-server and ntp-client: time synchronisation, the
 * small periodic UDP exchanges found in every real capture.
 *
 * ntp-server: chronyd serving its own clock ("local stratum 8") on the
 * node's address, port 123, to the lab's subnet. ntp-client: chronyd
 * polling it (mode=daemon, the default: "iburst", then every 2^poll s,
 * poll= 3..10, default 5 = 32 s; chronyd backs off up to 2^(poll+2)) or
 * one-shot queries (mode=query: chronyd -Q, 4 samples, every interval
 * s, as sntp/ntpdate-style clients do).
 *
 * Neither ever touches the host's clock: every chronyd runs with -x (no
 * clock control), with no command socket (cmdport 0, bindcmdaddress /) and
 * its pid file in the node's folder, so it meets neither the host's
 * chronyd nor the other nodes'. chronyd insists on starting as root; -u
 * drops it to the lab's user. A query (-Q) runs as the user from the start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab/profile.h"

struct ntp_opts {
	int query;     /* client: one-shot queries, not a daemon */
	unsigned poll; /* client: log2 of the polling interval (s) */
};

static void ntp_defaults(struct lab_group *g)
{
	((struct ntp_opts *)g->opts)->poll = 5;
}

static int client_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct ntp_opts *o = g->opts;

	if (!strcmp(k, "mode")) {
		if (strcmp(v, "daemon") && strcmp(v, "query")) {
			snprintf(msg, len,
				 "mode: expected daemon or query, got '%s'", v);
			return -1;
		}
		o->query = v[0] == 'q';
		return 0;
	}
	if (!strcmp(k, "poll")) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || end == v || *end || n < 3 || n > 10) {
			snprintf(
				msg, len,
				"poll: expected 3..10 (log2 of seconds: 3 = 8 s, 10 = 1024 s), got '%s'",
				v);
			return -1;
		}
		o->poll = (unsigned)n;
		return 0;
	}
	return 1;
}

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	char path[800], addr[32], net[32];

	a->as_root = 1;
	snprintf(path, sizeof(path), "%s/chrony.conf", dir);
	if (lab_write_text(
		    path, 0644,
		    "# written by p2ptrace lab for node %s\n"
		    "local stratum 8\nallow %s/%u\nbindaddress %s\nport 123\n"
		    "cmdport 0\nbindcmdaddress /\npidfile %s/chronyd.pid\n",
		    nd->name, lab_addr_str(e->net, net, sizeof(net)), e->prefix,
		    lab_addr_str(nd->addr, addr, sizeof(addr)), dir))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "chronyd");
	lab_arg(a, "-d");
	lab_arg(a, "-x");
	lab_arg(a, "-u");
	lab_arg(a, "%s", lab_group_user(e, g));
	lab_arg(a, "-f");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct ntp_opts *o = g->opts;
	char path[800], sa[32], cmd[600];

	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	if (o->query) {
		snprintf(
			cmd, sizeof(cmd),
			"while :; do chronyd -Q -f /dev/null -t 20 'server %s iburst maxsamples 4' 2>&1 | tail -1; "
			"sleep %g; done",
			sa, g->interval_s > 0 ? g->interval_s : 60);
		lab_sh(a, cmd);
		return 0;
	}
	a->as_root = 1; /* chronyd starts as root only; -u drops it */
	snprintf(path, sizeof(path), "%s/chrony.conf", dir);
	if (lab_write_text(
		    path, 0644,
		    "# written by p2ptrace lab for node %s\n"
		    "server %s iburst minpoll %u maxpoll %u\nport 0\ncmdport 0\n"
		    "bindcmdaddress /\npidfile %s/chronyd.pid\n",
		    e->nodes[i].name, sa, o->poll, o->poll + 2, dir))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "chronyd");
	lab_arg(a, "-d");
	lab_arg(a, "-x");
	lab_arg(a, "-u");
	lab_arg(a, "%s", lab_group_user(e, g));
	lab_arg(a, "-f");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_ntp_server = {
	.name = "ntp-server",
	.role = LAB_ROLE_SERVER, /* UDP only: port 0, up does not wait */
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_ntp_client = {
	.name = "ntp-client",
	.role = LAB_ROLE_CLIENT,
	.server = "ntp-server",
	.options = "mode, poll",
	.opts_size = sizeof(struct ntp_opts),
	.defaults = ntp_defaults,
	.option = client_option,
	.prepare = client_prepare,
};
