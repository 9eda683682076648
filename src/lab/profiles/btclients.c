/*
 * btclients.c -- the BitTorrent clients besides aria2 that a seed or
 * leecher group may run (client=transmission|qbittorrent|deluge|rtorrent):
 * each one's config, written by the lab into the node's folder, and its
 * command line. Every client runs as the lab's user, listens on the node's
 * address, port 6881 (TCP, and UDP for uTP and DHT), and has local peer
 * discovery, UPnP and NAT-PMP off; DHT and PEX are off unless the group
 * turns them on, and then DHT bootstraps from lab nodes only. The node's
 * up= rate is set in the client too; a finished download appends
 * "TIME PATH" to DONE in the node's folder, as aria2's hook does.
 *
 * What each client needed (found in namespaces, checked with tshark):
 *  - transmission-daemon 3.00: settings.json; DHT nodes from dht.bootstrap
 *    in its config folder; torrents and magnet links added over its RPC on
 *    127.0.0.1 (transmission-remote) by a small script that then waits.
 *  - qbittorrent-nox 4.5: qBittorrent.conf under --profile; torrents and
 *    magnet links on its command line. It has no setting for DHT bootstrap
 *    nodes (its built-in list is of host names, which cannot be resolved in
 *    the lab): it learns lab DHT nodes from its peers' PORT messages.
 *  - deluged 2.0: core.conf, and the Execute plugin for the completion hook.
 *    deluged creates its libtorrent session with libtorrent's defaults
 *    (UPnP, NAT-PMP, LSD on) before it reads core.conf, so a UPnP M-SEARCH
 *    and an LSD multicast join went out in the first second; the lab starts
 *    it through a few lines of Python that hand the session its settings
 *    (those off, DHT bootstrap nodes, uTP) from the start.
 *  - rtorrent 0.9.8: rtorrent.rc (daemon mode); dht.add_node only works once
 *    DHT runs, hence a schedule; it has no uTP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab/fsutil.h"
#include "lab/profiles/btclients.h"

#define BT_PORT 6881u
#define BT_MAX_BOOT 8 /* DHT nodes a node starts from */

/* What one node's client is given. */
struct bt_node {
	struct lab_ctx *ctx;
	const struct lab_group *g;
	const struct bt_opts *o;
	const char *dir, *name;
	int dfd; /* the node's folder */
	char addr[32];
	int seed;
	unsigned nref;
	char ref[LAB_MAX_FILES][400]; /* torrent files or magnet links */
	unsigned nboot;
	char boot[BT_MAX_BOOT][32];
};

/* A new folder NAME in DIRFD for the client's files: root-owned while
 * root fills it, given to the node's user by give(). -1 on failure. */
static int sub_dir(const struct bt_node *n, int dirfd, const char *name,
		   struct pt_err *err)
{
	int fd = lab_mkdir_at(dirfd, name);

	if (fd < 0)
		pt_fail(err, PT_EIO, n->dir, "cannot make %s: %s", name,
			strerror(errno));
	return fd;
}

static int give(const struct bt_node *n, int fd, struct pt_err *err)
{
	int rc = lab_dir_handover(fd, n->ctx->uid, n->ctx->gid, 0755);

	close(fd);
	return rc ? pt_fail(err, PT_EIO, n->dir,
			    "cannot hand a folder over: %s", strerror(errno))
		  : 0;
}

/* Write the new file NAME in DIRFD, owned by the node's user (the clients
 * rewrite their own config files). */
__attribute__((format(printf, 6, 7))) static int
put(const struct bt_node *n, int dirfd, const char *name, mode_t mode,
    struct pt_err *err, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int len, rc;

	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len < 0)
		return pt_fail(err, PT_ENOMEM, name, "out of memory");
	rc = lab_write_file_at(dirfd, name, text, (size_t)len, n->ctx->uid,
			       n->ctx->gid, mode);
	free(text);
	if (rc)
		return pt_fail(err, PT_EIO, n->dir, "cannot write %s: %s", name,
			       strerror(errno));
	return 0;
}

/* The node's up= rate in the units a client takes: bytes/s over UNIT,
 * at least 1 (0: not shaped). */
static unsigned up_limit(const struct bt_node *n, double unit)
{
	double v = n->g->up_kbps * 125 / unit;

	if (n->g->up_kbps <= 0)
		return 0;
	return v < 1 ? 1 : (unsigned)(v + 0.5);
}

/* done.sh: the completion hook; EXPR is the finished path in the client's
 * own terms (its arguments or environment). */
static int write_done(const struct bt_node *n, const char *expr,
		      struct pt_err *err)
{
	return put(
		n, n->dfd, "done.sh", 0755, err,
		"#!/bin/sh\n# %s's completion hook (written by p2ptrace lab)\n"
		"echo \"$(date +%%s.%%N) %s\" >> %s/DONE\n",
		bt_client_names[n->o->client], expr, n->dir);
}

/* A sh script that starts DAEMON, waits until READY succeeds (at most
 * 180 s: deluged took 68 s to listen on a loaded machine), runs ADD for
 * every torrent ("$t" in it), and waits for the
 * daemon; TERM ends both. */
static int write_runner(const struct bt_node *n, const char *daemon,
			const char *ready, const char *add, struct lab_cmd *a,
			struct pt_err *err)
{
	char list[LAB_MAX_FILES * 410] = "";
	size_t o = 0;
	int rc;

	for (unsigned k = 0; k < n->nref; k++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, " '%s'",
				      n->ref[k]);
	if ((rc = put(
		     n, n->dfd, "run.sh", 0755, err,
		     "#!/bin/sh\n# node %s: %s, then its torrents (written by p2ptrace lab)\n"
		     "%s &\nP=$!\ntrap 'kill $P 2>/dev/null; wait $P; exit 0' TERM INT\n"
		     "i=0\nuntil %s >/dev/null 2>&1; do\n"
		     "\ti=$((i+1)); [ $i -gt 900 ] && break; sleep 0.2\ndone\n"
		     "for t in%s; do %s; done\nwait $P\n",
		     n->name, bt_client_names[n->o->client], daemon, ready,
		     list, add)))
		return rc;
	lab_arg(a, "/bin/sh");
	lab_arg(a, "%s/run.sh", n->dir);
	return 0;
}

static const char *tf(int on)
{
	return on ? "true" : "false";
}

static int transmission(const struct bt_node *n, struct lab_cmd *a,
			struct pt_err *err)
{
	const struct bt_opts *o = n->o;
	char boot[BT_MAX_BOOT * 40] = "", daemon[800];
	unsigned up = up_limit(n, 1000); /* transmission's kB is 1000 B */
	size_t b = 0;
	int rc, fd = sub_dir(n, n->dfd, "transmission", err);

	if (fd < 0)
		return PT_EIO;
	for (unsigned k = 0; k < n->nboot; k++)
		b += (size_t)snprintf(boot + b, sizeof(boot) - b, "%s %u\n",
				      n->boot[k], BT_PORT);
	/* encryption: 0 prefers plaintext, 1 prefers encryption, 2 requires
	 * it; the default is 1 */
	rc = put(n, fd, "dht.bootstrap", 0644, err, "%s", boot);
	if (!rc)
		rc = put(
			n, fd, "settings.json", 0644, err,
			"{\n \"bind-address-ipv4\": \"%s\", \"peer-port\": %u, \"peer-port-random-on-start\": false,\n"
			" \"dht-enabled\": %s, \"pex-enabled\": %s, \"lpd-enabled\": false, \"utp-enabled\": %s,\n"
			" \"port-forwarding-enabled\": false, \"encryption\": %d,\n"
			" \"download-dir\": \"%s\", \"incomplete-dir-enabled\": false, \"watch-dir-enabled\": false,\n"
			" \"rpc-enabled\": true, \"rpc-bind-address\": \"127.0.0.1\", \"rpc-port\": 9091,\n"
			" \"rpc-authentication-required\": false, \"rpc-whitelist-enabled\": true,\n"
			" \"rpc-whitelist\": \"127.0.0.1\", \"rpc-host-whitelist-enabled\": false,\n"
			" \"speed-limit-up\": %u, \"speed-limit-up-enabled\": %s,\n"
			" \"script-torrent-done-enabled\": true, \"script-torrent-done-filename\": \"%s/done.sh\",\n"
			" \"ratio-limit-enabled\": false, \"idle-seeding-limit-enabled\": false,\n"
			" \"blocklist-enabled\": false, \"start-added-torrents\": true, \"message-level\": 2,\n"
			" \"download-queue-enabled\": false, \"seed-queue-enabled\": false,\n"
			" \"queue-stalled-enabled\": false\n}\n",
			n->addr, BT_PORT, tf(o->dht == BT_ON),
			tf(o->pex == BT_ON), tf(o->utp != BT_OFF),
			o->enc == BT_ENC_OFF	    ? 0
			: o->enc == BT_ENC_REQUIRED ? 2
						    : 1,
			n->dir, up ? up : 100, tf(up > 0), n->dir);
	if (!rc)
		rc = give(n, fd, err);
	else
		close(fd);
	if (rc || (rc = write_done(n, "$TR_TORRENT_DIR/$TR_TORRENT_NAME", err)))
		return rc;
	snprintf(daemon, sizeof(daemon),
		 "transmission-daemon -f -g %s/transmission", n->dir);
	return write_runner(n, daemon, "transmission-remote 127.0.0.1:9091 -l",
			    "transmission-remote 127.0.0.1:9091 -a \"$t\"", a,
			    err);
}

static int qbittorrent(const struct bt_node *n, struct lab_cmd *a,
		       struct pt_err *err)
{
	const struct bt_opts *o = n->o;
	static const char *const sub[] = { "qbt", "qBittorrent", "config" };
	unsigned up = up_limit(n, 1024); /* KiB/s */
	int fd[3], rc = 0;

	/* --profile=DIR reads DIR/qBittorrent/config/qBittorrent.conf */
	for (int k = 0; k < 3; k++)
		if ((fd[k] = sub_dir(n, k ? fd[k - 1] : n->dfd, sub[k], err)) <
		    0) {
			while (k--)
				close(fd[k]);
			return PT_EIO;
		}
	/* Encryption: 0 prefer (the default), 1 require, 2 off; BTProtocol:
	 * Both (TCP and uTP, the default) or TCP. The web UI listens on
	 * loopback only (lab exec NODE -- curl 127.0.0.1:8080/api/v2/...). */
	rc = put(
		n, fd[2], "qBittorrent.conf", 0644, err,
		"[LegalNotice]\nAccepted=true\n\n[BitTorrent]\n"
		"Session\\Port=%u\nSession\\UseRandomPort=false\n"
		"Session\\Interface=eth0\nSession\\InterfaceName=eth0\nSession\\InterfaceAddress=%s\n"
		"Session\\DHTEnabled=%s\nSession\\PeXEnabled=%s\nSession\\LSDEnabled=false\n"
		"Session\\Encryption=%d\nSession\\BTProtocol=%s\n"
		"Session\\GlobalUPSpeedLimit=%u\nSession\\DefaultSavePath=%s\n"
		"Session\\QueueingSystemEnabled=false\nSession\\AnonymousModeEnabled=false\n"
		"Session\\IgnoreLimitsOnLAN=false\n\n"
		"[Network]\nPortForwardingEnabled=false\n\n"
		"[Preferences]\nWebUI\\Enabled=true\nWebUI\\Address=127.0.0.1\nWebUI\\Port=8080\n"
		"WebUI\\LocalHostAuth=false\nWebUI\\UseUPnP=false\n"
		"Connection\\ResolvePeerCountries=false\nConnection\\UPnP=false\n"
		"Advanced\\trackerPortForwarding=false\n\n"
		"[AutoRun]\nenabled=true\nprogram=%s/done.sh %%F\n",
		BT_PORT, n->addr, tf(o->dht == BT_ON), tf(o->pex == BT_ON),
		o->enc == BT_ENC_OFF	    ? 2
		: o->enc == BT_ENC_REQUIRED ? 1
					    : 0,
		o->utp == BT_OFF ? "TCP" : "Both", up, n->dir, n->dir);
	for (int k = 2; k >= 0; k--)
		if (!rc)
			rc = give(n, fd[k], err);
		else
			close(fd[k]);
	if (rc || (rc = write_done(n, "$1", err)))
		return rc;
	lab_arg(a, "qbittorrent-nox");
	lab_arg(a, "--profile=%s/qbt", n->dir);
	lab_arg(a, "--save-path=%s", n->dir);
	lab_arg(a, "--skip-dialog=true");
	for (unsigned k = 0; k < n->nref; k++)
		lab_arg(a, "%s", n->ref[k]);
	return 0;
}

static int deluge(const struct bt_node *n, struct lab_cmd *a,
		  struct pt_err *err)
{
	const struct bt_opts *o = n->o;
	char cfg[700], boot[BT_MAX_BOOT * 40] = "", daemon[1600], add[1600];
	double up = n->g->up_kbps > 0 ? n->g->up_kbps * 125 / 1024 : -1;
	/* policies: 0 forced, 1 enabled (the default), 2 disabled */
	int pol = o->enc == BT_ENC_OFF ? 2 : o->enc == BT_ENC_REQUIRED ? 0 : 1;
	size_t b = 0;
	int rc, fd = sub_dir(n, n->dfd, "deluge", err);

	if (fd < 0)
		return PT_EIO;
	snprintf(cfg, sizeof(cfg), "%s/deluge", n->dir);
	for (unsigned k = 0; k < n->nboot; k++)
		b += (size_t)snprintf(boot + b, sizeof(boot) - b, "%s%s:%u",
				      k ? "," : "", n->boot[k], BT_PORT);
	rc = put(
		n, fd, "deluged.py", 0644, err,
		"# deluged whose libtorrent session starts with the lab's settings\n"
		"# (written by p2ptrace lab): no UPnP, NAT-PMP or LSD packet, ever\n"
		"import sys\nimport deluge._libtorrent as D\n_session = D.lt.session\n\n\n"
		"def session(settings=None, flags=0):\n    s = dict(settings or {})\n"
		"    s.update(enable_upnp=False, enable_natpmp=False, enable_lsd=False,\n"
		"             enable_dht=False, dht_bootstrap_nodes='%s',\n"
		"             listen_interfaces='%s:%u', enable_incoming_utp=%s,\n"
		"             enable_outgoing_utp=%s)\n    return _session(s, flags)\n\n\n"
		"D.lt.session = session\nfrom deluge.core.daemon_entry import start_daemon\n"
		"sys.exit(start_daemon())\n",
		boot, n->addr, BT_PORT, o->utp == BT_OFF ? "False" : "True",
		o->utp == BT_OFF ? "False" : "True");
	if (!rc)
		rc = put(
			n, fd, "core.conf", 0644, err,
			"{\"file\": 1, \"format\": 1}{\n"
			" \"download_location\": \"%s\", \"listen_ports\": [%u, %u], \"random_port\": false,\n"
			" \"listen_interface\": \"%s\", \"dht\": %s, \"upnp\": false, \"natpmp\": false,\n"
			" \"utpex\": %s, \"lsd\": false, \"enc_in_policy\": %d, \"enc_out_policy\": %d,\n"
			" \"enc_level\": 2, \"max_upload_speed\": %.1f, \"new_release_check\": false,\n"
			" \"enabled_plugins\": [\"Execute\"], \"daemon_port\": 58846, \"allow_remote\": false,\n"
			" \"stop_seed_at_ratio\": false, \"max_active_seeding\": -1,\n"
			" \"max_active_downloading\": -1, \"max_active_limit\": -1,\n"
			" \"ignore_limits_on_local_network\": false, \"send_info\": false,\n"
			" \"copy_torrent_file\": false\n}\n",
			n->dir, BT_PORT, BT_PORT, n->addr, tf(o->dht == BT_ON),
			tf(o->pex == BT_ON), pol, pol, up);
	if (!rc)
		rc = put(
			n, fd, "execute.conf", 0644, err,
			"{\"file\": 1, \"format\": 1}{\"commands\": [[\"1\", \"complete\", \"%s/done.sh\"]]}\n",
			n->dir);
	if (!rc)
		rc = give(n, fd, err);
	else
		close(fd);
	/* the Execute plugin passes: id, name, folder */
	if (rc || (rc = write_done(n, "$3/$2", err)))
		return rc;
	snprintf(
		daemon, sizeof(daemon),
		"python3 %s/deluged.py -c %s -d -u 127.0.0.1 -L info -l %s/deluged.log",
		cfg, cfg, n->dir);
	/* deluge-console waits at a prompt when it cannot connect: add only
	 * once the daemon listens, and never wait for ever */
	snprintf(
		add, sizeof(add),
		"timeout 60 deluge-console -c %s \"connect 127.0.0.1:58846; add -p %s $t\"",
		cfg, n->dir);
	return write_runner(n, daemon, "ss -Hltn 'sport = :58846' | grep -q .",
			    add, a, err);
}

static int rtorrent(const struct bt_node *n, struct lab_cmd *a,
		    struct pt_err *err)
{
	const struct bt_opts *o = n->o;
	char nodes[BT_MAX_BOOT * 80] = "";
	unsigned up = up_limit(n, 1024); /* KiB/s */
	size_t b = 0;
	int rc, fd;
	/* rtorrent's own default is no encryption at all, not even from a
	 * peer: in a swarm of clients that prefer encryption, an rtorrent that
	 * announced first was never reached. Not given, the lab uses
	 * "preferred"; encryption=off is rtorrent's own default. */
	const char *enc =
		o->enc == BT_ENC_PREFERRED || o->enc == BT_ENC_DEFAULT
			? "protocol.encryption.set = allow_incoming,try_outgoing,enable_retry\n"
		: o->enc == BT_ENC_REQUIRED
			? "protocol.encryption.set = allow_incoming,try_outgoing,require,require_RC4\n"
			: "";

	if ((fd = sub_dir(n, n->dfd, "session", err)) < 0)
		return PT_EIO;
	if ((rc = give(n, fd, err)) || (rc = write_done(n, "$1", err)))
		return rc;
	/* dht.add_node fails while the rc file is read (DHT not started
	 * yet): each node is added by a one-shot schedule */
	for (unsigned k = 0; k < n->nboot && o->dht == BT_ON; k++)
		b += (size_t)snprintf(
			nodes + b, sizeof(nodes) - b,
			"schedule2 = dht_node_%u,2,0,\"dht.add_node=%s:%u\"\n",
			k, n->boot[k], BT_PORT);
	if ((rc = put(
		     n, n->dfd, "rtorrent.rc", 0644, err,
		     "# rtorrent for node %s (written by p2ptrace lab)\n"
		     "system.daemon.set = true\ndirectory.default.set = %s\nsession.path.set = %s/session\n"
		     "log.open_file = log, %s/rtorrent.log\nlog.add_output = info, log\n"
		     "network.bind_address.set = %s\nnetwork.port_range.set = %u-%u\n"
		     "network.port_random.set = no\ntrackers.use_udp.set = no\n"
		     "dht.mode.set = %s\ndht.port.set = %u\nprotocol.pex.set = %s\n%s%s"
		     "throttle.global_up.max_rate.set_kb = %u\n"
		     "method.set_key = event.download.finished,done,\"execute.nothrow=%s/done.sh,$d.base_path=\"\n",
		     n->name, n->dir, n->dir, n->dir, n->addr, BT_PORT, BT_PORT,
		     o->dht == BT_ON ? "on" : "disable", BT_PORT,
		     o->pex == BT_ON ? "yes" : "no", nodes, enc, up, n->dir)))
		return rc;
	lab_arg(a, "rtorrent");
	lab_arg(a, "-n");
	lab_arg(a, "-o");
	lab_arg(a, "import=%s/rtorrent.rc", n->dir);
	for (unsigned k = 0; k < n->nref; k++)
		lab_arg(a, "%s", n->ref[k]);
	return 0;
}

static int client(const struct bt_node *n, struct lab_cmd *a,
		  struct pt_err *err)
{
	switch (n->o->client) {
	case BT_TRANSMISSION:
		return transmission(n, a, err);
	case BT_QBITTORRENT:
		return qbittorrent(n, a, err);
	case BT_DELUGE:
		return deluge(n, a, err);
	case BT_RTORRENT:
		return rtorrent(n, a, err);
	default:
		return pt_fail(err, PT_EUSAGE, n->name,
			       "not a client of btclients.c");
	}
}

int bt_client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      int seed, struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	static struct bt_node n; /* large; prepare runs one node at a time */
	unsigned idx[LAB_MAX_FILES];
	uint32_t boot[BT_MAX_BOOT];
	int rc = 0;

	memset(&n, 0, sizeof(n));
	n.ctx = ctx;
	n.g = &e->groups[e->nodes[i].group];
	n.o = n.g->opts;
	n.dir = dir;
	n.name = e->nodes[i].name;
	n.seed = seed;
	lab_addr_str(e->nodes[i].addr, n.addr, sizeof(n.addr));
	if ((n.dfd = lab_open_dir(dir, 0)) < 0)
		return pt_fail(err, PT_EIO, dir, "cannot open: %s",
			       strerror(errno));
	n.nref = bt_group_files(e, n.g, idx);
	for (unsigned k = 0; k < n.nref && !rc; k++) {
		const char *f = e->files[idx[k]].name;
		char from[800], to[LAB_NODE_MAX + 8];

		if (bt_torrent_ref(ctx, idx[k], !seed && n.o->magnet == BT_ON,
				   n.ref[k], sizeof(n.ref[k])))
			rc = pt_fail(err, PT_EIO, f,
				     "no info hash for its magnet link");
		/* a seed starts with the data in its folder */
		snprintf(from, sizeof(from), "%s/shared/%s.bin", ctx->work, f);
		snprintf(to, sizeof(to), "%s.bin", f);
		if (!rc && seed &&
		    lab_copy_file_at(n.dfd, to, from, ctx->uid, ctx->gid, 0644))
			rc = pt_fail(err, PT_EIO, dir,
				     "cannot copy the seed's data %s: %s", to,
				     strerror(errno));
	}
	if (n.o->dht == BT_ON) {
		n.nboot = bt_dht_nodes(e, i, boot, BT_MAX_BOOT);
		for (unsigned k = 0; k < n.nboot; k++)
			lab_addr_str(boot[k], n.boot[k], sizeof(n.boot[k]));
	}
	if (!rc)
		rc = client(&n, a, err);
	close(n.dfd);
	return rc;
}
