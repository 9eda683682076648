/*
 * qemu_net.c -- a VM node's network: inside its namespace a bridge joins
 * eth0 to QEMU's tap; with dhcp=on, the lab's DHCP server (dnsmasq) in the
 * switch namespace gives each such VM its node's address by MAC.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "lab/lab.h"
#include "lab/qemu.h"
#include "lab/qemu_int.h"

/* ---- network inside the node namespace -------------------------------- */

int lab_vm_net(const char *netns, struct pt_err *err)
{
	static const char text[] =
		"link add " LAB_VM_BR
		" type bridge stp_state 0 mcast_snooping 0\n"
		"tuntap add dev " LAB_VM_TAP " mode tap\n"
		"link set eth0 master " LAB_VM_BR "\n"
		"link set " LAB_VM_TAP " master " LAB_VM_BR "\n"
		"link set " LAB_VM_BR " up\n"
		"link set " LAB_VM_TAP " up\n"
		"link set eth0 up\n";
	int rc = lab_batch("ip", netns, text, err);

	if (rc)
		return rc;
	if (lab_ns_enter(netns))
		return pt_fail(err, PT_EIO, netns, "setns: %s",
			       strerror(errno));
	lab_ns_sysctl("/proc/sys/net/ipv6/conf/" LAB_VM_BR "/disable_ipv6",
		      "1");
	lab_ns_sysctl("/proc/sys/net/ipv6/conf/" LAB_VM_TAP "/disable_ipv6",
		      "1");
	lab_ns_offloads_off(LAB_VM_TAP);
	lab_ns_offloads_off(LAB_VM_BR);
	lab_ns_home();
	return 0;
}

/* The lab's DHCP server: dnsmasq in the switch namespace, bound to br0
 * (given the subnet's last host address), a fixed address per VM MAC for
 * every node of a dhcp=on group, no router, no DNS (port=0), no lease
 * file. Started once per lab, before the first such VM. */
int lab_vm_start_dhcp(const struct lab_exp *e, const char *work,
		      const char *out, FILE *state, struct pt_err *err)
{
	uint32_t mask = 0xffffffffu << (32 - e->prefix);
	uint32_t srv = (e->net | ~mask) - 1;
	char conf[PATH_MAX], log[PATH_MAX], a[32], m[32], n[32], cmd[128];
	char confarg[PATH_MAX + 16];
	char *argv[] = { "dnsmasq", "--keep-in-foreground", confarg, NULL };
	struct lab_spawn sp;
	FILE *f;
	pid_t pid;
	int rc;

	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->nodes[i].addr == srv)
			return pt_fail(
				err, PT_EUSAGE, e->path,
				"dhcp=on: the lab's DHCP server takes the subnet's last host %s, which node %s has: use a larger subnet",
				lab_addr_str(srv, a, sizeof(a)),
				e->nodes[i].name);
	if (!lab_vm_in_path("dnsmasq"))
		return pt_fail(
			err, PT_EUSAGE, e->path,
			"dhcp=on needs dnsmasq (Debian: dnsmasq-base; make deps)");
	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", work);
	snprintf(log, sizeof(log), "%s/logs/dhcp.log", out);
	snprintf(confarg, sizeof(confarg), "--conf-file=%s", conf);
	f = fopen(conf, "w");
	if (!f)
		return pt_fail(err, PT_EIO, conf, "cannot write: %s",
			       strerror(errno));
	fprintf(f,
		"# written by p2ptrace lab %s: DHCP for its VM nodes, nothing else\n"
		"port=0\nno-resolv\nno-hosts\nno-poll\ninterface=br0\nbind-interfaces\n"
		"except-interface=lo\nuser=nobody\nleasefile-ro\ndhcp-authoritative\n"
		"log-dhcp\nlog-facility=-\ndhcp-range=%s,static,%s,12h\n"
		"dhcp-option=option:router\ndhcp-option=option:dns-server\n",
		e->name, lab_addr_str(e->net, n, sizeof(n)),
		lab_addr_str(mask, m, sizeof(m)));
	for (unsigned i = 0; i < e->nnodes; i++) {
		const struct lab_node *nd = &e->nodes[i];
		const struct lab_vm_conf *c = e->groups[nd->group].opts;

		if (c && c->dhcp)
			fprintf(f, "dhcp-host=52:54:00:%02x:%02x:%02x,%s,%s\n",
				(nd->addr >> 16) & 255, (nd->addr >> 8) & 255,
				nd->addr & 255,
				lab_addr_str(nd->addr, a, sizeof(a)), nd->name);
	}
	if (fclose(f))
		return pt_fail(err, PT_EIO, conf, "cannot write: %s",
			       strerror(errno));
	snprintf(cmd, sizeof(cmd), "addr add %s/%u dev br0\n",
		 lab_addr_str(srv, a, sizeof(a)), e->prefix);
	if ((rc = lab_batch("ip", e->switch_ns, cmd, err)))
		return rc;
	memset(&sp, 0, sizeof(sp));
	sp.netns = e->switch_ns;
	sp.cwd = work;
	sp.out_path = log;
	sp.err_path = log;
	sp.argv = argv;
	sp.state = state;
	sp.node = "dhcp";
	if ((rc = lab_spawn(&sp, &pid, err)))
		return rc;
	pt_sleep_ms(200);
	if (!lab_proc_alive(pid, 0) || waitpid(pid, NULL, WNOHANG) == pid) {
		char t[200];

		lab_vm_tail(log, t, sizeof(t));
		return pt_fail(err, PT_EIO, log, "dnsmasq exited at start: %s",
			       t);
	}
	fprintf(stderr,
		"p2ptrace: lab %s: DHCP server (dnsmasq) at %s on the switch bridge, for the dhcp=on VMs\n",
		e->name, a);
	return 0;
}
