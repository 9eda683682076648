/*
 * links.c -- the lab's network: namespaces, IPv6 off, veth pairs born in
 * their namespaces and a bridge in the switch namespace, offloads off,
 * addresses, then shaping (tc). Each step is one batch (ip -batch, tc
 * -batch) or a loop of in-process netlink calls after setns(), because a
 * lab of hundreds of nodes would otherwise take minutes to build.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lab/lab.h"
#include "lab/profile.h"

int lab_net_setup(const struct lab_exp *e, FILE *st, struct pt_err *err)
{
	size_t cap = 4096 + (size_t)e->nnodes * 1024, len = 0;
	char *b = malloc(cap);
	int rc = 0;

	if (!b)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	/* 1. namespaces: logged first, then created in one ip -batch */
	lab_state_add(st, "netns %s", e->switch_ns);
	len += (size_t)snprintf(b + len, cap - len, "netns add %s\n",
				e->switch_ns);
	for (unsigned i = 0; i < e->nnodes; i++) {
		lab_state_add(st, "netns %s", e->nodes[i].netns);
		len += (size_t)snprintf(b + len, cap - len, "netns add %s\n",
					e->nodes[i].netns);
	}
	if ((rc = lab_batch("ip", NULL, b, err)))
		goto out;
	/* 2. IPv6 off in every namespace before any link exists */
	for (unsigned i = 0; i <= e->nnodes && !rc; i++) {
		const char *ns =
			i == e->nnodes ? e->switch_ns : e->nodes[i].netns;

		if (lab_ns_enter(ns) ||
		    lab_ns_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6",
				  "1") ||
		    lab_ns_sysctl(
			    "/proc/sys/net/ipv6/conf/default/disable_ipv6",
			    "1"))
			rc = pt_fail(err, PT_EIO, ns,
				     "cannot enter or disable IPv6: %s",
				     strerror(errno));
	}
	lab_ns_home();
	if (rc)
		goto out;
	/* 3. bridge + veth pairs, each end born in its namespace */
	len = (size_t)snprintf(
		b, cap,
		"link add name br0 netns %s type bridge stp_state 0 mcast_snooping 0\n",
		e->switch_ns);
	for (unsigned i = 0; i < e->nnodes; i++)
		len += (size_t)snprintf(
			b + len, cap - len,
			"link add name eth0 netns %s type veth peer name %s netns %s\n",
			e->nodes[i].netns, e->nodes[i].veth, e->switch_ns);
	if ((rc = lab_batch("ip", NULL, b, err)))
		goto out;
	/* 4. per node: offloads off, lo up, address, eth0 up */
	for (unsigned i = 0; i < e->nnodes && !rc; i++) {
		const struct lab_node *n = &e->nodes[i];

		if (lab_ns_enter(n->netns) || lab_ns_offloads_off("eth0") ||
		    (e->groups[n->group].tcp_ts_off &&
		     lab_ns_sysctl("/proc/sys/net/ipv4/tcp_timestamps",
				   "0")) ||
		    lab_ns_link_up("lo", NULL) ||
		    (!(e->groups[n->group].profile->flags &
		       LAB_PF_GUEST_ADDR) &&
		     lab_ns_addr_add("eth0", n->addr, e->prefix)) ||
		    lab_ns_link_up("eth0", NULL))
			rc = pt_fail(err, PT_EIO, n->netns,
				     "link setup failed: %s", strerror(errno));
	}
	/* 5. the switch: ports offloads off, on the bridge, up */
	if (!rc && (lab_ns_enter(e->switch_ns) || lab_ns_link_up("lo", NULL)))
		rc = pt_fail(err, PT_EIO, e->switch_ns, "cannot enter: %s",
			     strerror(errno));
	for (unsigned i = 0; i < e->nnodes && !rc; i++)
		if (lab_ns_offloads_off(e->nodes[i].veth) ||
		    lab_ns_link_up(e->nodes[i].veth, "br0"))
			rc = pt_fail(err, PT_EIO, e->switch_ns, "port %s: %s",
				     e->nodes[i].veth, strerror(errno));
	if (!rc && lab_ns_link_up("br0", NULL))
		rc = pt_fail(err, PT_EIO, e->switch_ns, "br0 up: %s",
			     strerror(errno));
	lab_ns_home();
	/* 5b. the profile's own link setup (a VM: eth0 + tap on a bridge) */
	for (unsigned i = 0; i < e->nnodes && !rc; i++) {
		const struct lab_profile *p =
			e->groups[e->nodes[i].group].profile;

		if (p->net)
			rc = p->net(e, i, err);
	}
out:
	free(b);
	return rc;
}

/* One direction of a node's link: its rate, the group's queue, half the
 * group's delay, jitter and loss (the other half is on the other
 * direction). */
static struct lab_shape shape_of(const struct lab_group *g, double kbps)
{
	struct lab_shape s = { kbps, g->queue_ms, g->delay_ms / 2,
			       g->loss_pct / 2, g->jitter_ms / 2 };

	return s;
}

/* 6. shaping: download on the switch side, upload on the node side */
int lab_net_shaping(const struct lab_exp *e, struct pt_err *err)
{
	size_t cap = 4096 + (size_t)e->nnodes * 1024, len = 0;
	char *b = malloc(cap);
	int rc = 0;

	if (!b)
		return pt_fail(err, PT_ENOMEM, "lab", "out of memory");
	b[0] = 0;
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_group *g = &e->groups[e->nodes[i].group];
		struct lab_shape s = shape_of(g, e->nodes[i].down_kbps);
		char one[1024];

		if (lab_shape_batch(one, sizeof(one), e->nodes[i].veth, &s) ||
		    len + strlen(one) >= cap) {
			rc = pt_fail(err, PT_ELIMIT, e->nodes[i].name,
				     "shaping commands too long");
			goto out;
		}
		memcpy(b + len, one, strlen(one) + 1);
		len += strlen(one);
	}
	if (len && (rc = lab_batch("tc", e->switch_ns, b, err)))
		goto out;
	/* upload: one tc -batch per shaped node, 8 at a time */
	{
		const char **ns = calloc(e->nnodes + 1, sizeof(char *));
		const char **tx = calloc(e->nnodes + 1, sizeof(char *));
		char *all = calloc(e->nnodes + 1, 1024);

		if (!ns || !tx || !all)
			rc = pt_fail(err, PT_ENOMEM, "lab", "out of memory");
		for (unsigned i = 0; i < e->nnodes && !rc; i++) {
			const struct lab_group *g =
				&e->groups[e->nodes[i].group];
			struct lab_shape s = shape_of(g, e->nodes[i].up_kbps);

			ns[i] = e->nodes[i].netns;
			tx[i] = all + (size_t)i * 1024;
			if (lab_shape_batch(all + (size_t)i * 1024, 1024,
					    "eth0", &s))
				rc = pt_fail(err, PT_ELIMIT, e->nodes[i].name,
					     "shaping commands too long");
		}
		if (!rc)
			rc = lab_batch_many("tc", ns, tx, e->nnodes, 8, err);
		free(ns);
		free(tx);
		free(all);
	}
out:
	free(b);
	return rc;
}
