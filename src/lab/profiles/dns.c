/*
 * dns.c -- profiles dns-server and dns-client: background name look-ups,
 * so a model learns traffic that is none of the P2P or file-transfer
 * classes. Every real capture is full of DNS.
 *
 * dns-server: unbound (run as root, drops to the lab's user) on the node's
 * address, port 53, UDP and TCP, answering for the zone "lab." from
 * local-data: NODE.lab and GROUP.lab (A, and PTR for every node address),
 * an MX and a TXT record for lab., www.lab as a CNAME of the first node. It
 * never recurses: "." is a static local zone, so a name outside lab. gets
 * NXDOMAIN at once and unbound never tries a root server.
 *
 * dns-client: look-ups of random lab names (and 1 in 8 names that do not
 * exist, and reverse look-ups) after random pauses (0.1x-1.9x interval),
 * with agent=dig (A, AAAA, MX, TXT, PTR; 1 in 10 over TCP), getent (the C
 * library's stub resolver, search domain lab; it asks A only: the lab's
 * links have no IPv6, so glibc's AI_ADDRCONFIG skips AAAA), or mix. getent
 * reads /etc/resolv.conf, so the client starts as root in a mount namespace of
 * its own (unshare -m, private propagation) where a resolv.conf naming the
 * lab's server is bind-mounted over the host's, then drops to the lab's user
 * (setpriv) before the loop starts.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab/profile.h"

enum dns_agent { DNS_DIG, DNS_GETENT, DNS_MIX };
static const char *const dns_agents[] = { "dig", "getent", "mix", NULL };

struct dns_opts {
	int agent;
};

static void dns_defaults(struct lab_group *g)
{
	((struct dns_opts *)g->opts)->agent = DNS_MIX;
}

static int client_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct dns_opts *o = g->opts;

	if (strcmp(k, "agent"))
		return 1;
	return lab_opt_choice(k, v, dns_agents, -1, &o->agent, msg, len);
}

/* The lab's subnet as unbound's access-control wants it. */
static void subnet_str(const struct lab_exp *e, char *buf, size_t len)
{
	char a[32];

	snprintf(buf, len, "%s/%u", lab_addr_str(e->net, a, sizeof(a)),
		 e->prefix);
}

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	char path[800], addr[32], net[48], ab[32];
	FILE *f;

	a->as_root = 1; /* port 53; unbound drops to the user itself */
	lab_addr_str(nd->addr, addr, sizeof(addr));
	subnet_str(e, net, sizeof(net));
	snprintf(path, sizeof(path), "%s/unbound.conf", dir);
	unlink(path);
	f = fopen(path, "w");
	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot write: %s",
			       strerror(errno));
	fprintf(f,
		"# written by p2ptrace lab for node %s\nserver:\n"
		"  interface: %s\n  port: %u\n  do-ip6: no\n  do-ip4: yes\n  do-udp: yes\n  do-tcp: yes\n"
		"  access-control: %s allow\n  chroot: \"\"\n  username: \"%s\"\n"
		"  directory: \"%s\"\n  pidfile: \"%s/unbound.pid\"\n  use-syslog: no\n"
		"  logfile: \"\"\n  verbosity: 1\n  do-daemonize: no\n  root-hints: \"\"\n"
		"  hide-identity: yes\n  hide-version: yes\n"
		"  local-zone: \".\" static\n  local-zone: \"lab.\" static\n"
		"  local-data: \"lab. 3600 IN SOA ns.lab. admin.lab. 1 3600 600 86400 300\"\n"
		"  local-data: \"lab. 3600 IN NS ns.lab.\"\n"
		"  local-data: \"ns.lab. 3600 IN A %s\"\n"
		"  local-data: \"lab. 3600 IN MX 10 mail.lab.\"\n"
		"  local-data: \"mail.lab. 3600 IN A %s\"\n"
		"  local-data: \"lab. 3600 IN TXT \\\"v=spf1 mx -all\\\"\"\n"
		"  local-data: \"www.lab. 300 IN CNAME %s.lab.\"\n",
		nd->name, addr, lab_group_port(g), net, lab_group_user(e, g),
		dir, dir, addr, addr, e->nodes[0].name);
	for (unsigned k = 0; k < e->nnodes; k++) {
		lab_addr_str(e->nodes[k].addr, ab, sizeof(ab));
		fprintf(f,
			"  local-data: \"%s.lab. 300 IN A %s\"\n"
			"  local-data-ptr: \"%s %s.lab.\"\n",
			e->nodes[k].name, ab, ab, e->nodes[k].name);
	}
	for (unsigned k = 0; k < e->ngroups; k++)
		if (e->groups[k].count > 1)
			fprintf(f, "  local-data: \"%s.lab. 300 IN A %s\"\n",
				e->groups[k].name,
				lab_group_addr(e, (int)k, 0, ab, sizeof(ab)));
	fprintf(f, "remote-control:\n  control-enable: no\n");
	if (fclose(f))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "unbound");
	lab_arg(a, "-d");
	lab_arg(a, "-p");
	lab_arg(a, "-c");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct dns_opts *o = g->opts;
	char path[800], sa[32], names[4096] = "", ab[32];
	size_t l = 0;

	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	/* the names asked: nodes (at most 60), plus some that do not exist */
	for (unsigned k = 0; k < e->nnodes && k < 60; k++) {
		unsigned n = (k * 37 + i) % e->nnodes;

		l += (size_t)snprintf(names + l, sizeof(names) - l, " %s.lab",
				      e->nodes[n].name);
	}
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	if (lab_write_text(
		    path, 0644,
		    "# written by p2ptrace lab\nnameserver %s\nsearch lab\n"
		    "options timeout:2 attempts:2\n",
		    sa))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	if (lab_write_text(
		    path, 0644,
		    "# dns-client agent=%s\nset -f\n"
		    "rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }\n"
		    "think() { sleep $(awk -v r=$(rnd) -v i=%g 'BEGIN{printf \"%%.2f\", i*(0.1+1.8*r/65535)}'); }\n"
		    "S=%s; A=%s\n"
		    "while :; do\n  set --%s; shift $(( $(rnd) %% $# )); n=$1\n"
		    "  r=$(rnd)\n  [ $(( r %% 8 )) = 0 ] && n=host$(( r %% 500 )).lab\n"
		    "  [ $(( r %% 8 )) = 1 ] && n=$(( r %% 200 + 1 )).example.org\n"
		    "  a=$A; [ $a = mix ] && { [ $(( r %% 2 )) = 0 ] && a=dig || a=getent; }\n"
		    "  if [ $a = dig ]; then\n"
		    "    set -- A A A AAAA MX TXT A A; t=$(( r / 8 %% 8 + 1 )); shift $(( t - 1 ))\n"
		    "    tcp=; [ $(( r %% 10 )) = 3 ] && tcp=+tcp\n"
		    "    if [ $(( r %% 7 )) = 2 ]; then dig +tries=1 +time=2 $tcp @$S -x %s >/dev/null\n"
		    "    else dig +tries=1 +time=2 $tcp @$S $n $1 >/dev/null; fi\n"
		    "  else\n    getent ahosts ${n%%.lab} >/dev/null\n  fi\n"
		    "  echo \"$(date +%%s) $a $n $?\"\n  think\ndone\n",
		    dns_agents[o->agent], g->interval_s > 0 ? g->interval_s : 5,
		    sa, dns_agents[o->agent], names,
		    lab_addr_str(e->nodes[(i * 7 + 3) % e->nnodes].addr, ab,
				 sizeof(ab))))
		return pt_fail(err, PT_EIO, path, "cannot write");
	if (o->agent == DNS_DIG) {
		lab_arg(a, "/bin/sh");
		lab_arg(a, "%s", path);
		return 0;
	}
	a->as_root = 1; /* to bind-mount resolv.conf; drops before the loop */
	lab_arg(a, "unshare");
	lab_arg(a, "-m");
	lab_arg(a, "--propagation");
	lab_arg(a, "private");
	lab_arg(a, "/bin/sh");
	lab_arg(a, "-c");
	lab_arg(a,
		"mount --bind %s/resolv.conf /etc/resolv.conf && exec setpriv --reuid=%u --regid=%u --clear-groups /bin/sh %s",
		dir, (unsigned)ctx->uid, (unsigned)ctx->gid, path);
	return 0;
}

const struct lab_profile lab_profile_dns_server = {
	.name = "dns-server",
	.role = LAB_ROLE_SERVER,
	.port = 53,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_dns_client = {
	.name = "dns-client",
	.role = LAB_ROLE_CLIENT,
	.server = "dns-server",
	.options = "agent",
	.opts_size = sizeof(struct dns_opts),
	.defaults = dns_defaults,
	.option = client_option,
	.prepare = client_prepare,
};
