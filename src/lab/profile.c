/*
 * profile.c -- what runs on a node: for each profile, the files it needs in
 * the node's working directory and its command line. Servers that drop
 * privileges themselves (opentracker, nginx, vsftpd, sshd) start as root;
 * every client runs as the lab's unprivileged user. Rates the client can
 * limit itself (aria2) are set there too, as Winny's own setting was in the
 * paper. docs/lab.md lists the profiles and their options.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>
#include "lab/lab.h"

struct argb {
	char **argv;
	unsigned n, max;
	char *buf;
	size_t used, len;
	int overflow;
};

__attribute__((format(printf, 2, 3))) static void arg(struct argb *a,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n + 1 >= a->max || a->used >= a->len) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->len - a->used) {
		a->overflow = 1;
		return;
	}
	a->argv[a->n++] = a->buf + a->used;
	a->argv[a->n] = NULL;
	a->used += (size_t)n + 1;
}

__attribute__((format(printf, 3, 4))) static int
write_text(const char *path, mode_t mode, const char *fmt, ...)
{
	FILE *f;
	va_list ap;
	int rc;

	unlink(path);
	f = fopen(path, "w");
	if (!f)
		return -1;
	va_start(ap, fmt);
	rc = vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) || rc < 0)
		return -1;
	return chmod(path, mode);
}

/* Run a helper to completion; its stdout (first outlen-1 bytes) in out. */
static int run_cmd(char *const *argv, char *out, size_t outlen)
{
	int p[2], st;
	pid_t pid;
	size_t got = 0;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char tmp[4096];
		ssize_t n = read(p[0], tmp, sizeof(tmp));

		if (n <= 0)
			break;
		if (out && got + 1 < outlen) {
			size_t k = (size_t)n < outlen - 1 - got
					   ? (size_t)n
					   : outlen - 1 - got;

			memcpy(out + got, tmp, k);
			got += k;
		}
	}
	if (out && outlen)
		out[got] = 0;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Deterministic pseudo-random bytes (xorshift64*), so a file's checksum
 * depends only on its name and size. */
static int make_data(const char *path, const char *seed, uint64_t size)
{
	uint64_t x = 1469598103934665603ull;
	static uint64_t buf[1 << 17];
	int fd;

	for (const char *s = seed; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (size) {
		size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);

		for (size_t i = 0; i < (n + 7) / 8; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 2685821657736338717ull;
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		size -= n;
	}
	return close(fd);
}

static int copy_file(const char *from, const char *to, uid_t uid, gid_t gid)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	static char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (fchown(out, uid, gid))
		n = -1;
	close(in);
	if (close(out) || n < 0)
		return -1;
	return 0;
}

static int tracker_node(const struct lab_exp *e)
{
	for (unsigned i = 0; i < e->nnodes; i++)
		if (e->groups[e->nodes[i].group].profile == LAB_P_BT_TRACKER)
			return (int)i;
	return -1;
}

static unsigned tracker_port(const struct lab_exp *e)
{
	int t = tracker_node(e);

	if (t < 0)
		return 6969;
	return e->groups[e->nodes[t].group].port
		       ? e->groups[e->nodes[t].group].port
		       : 6969;
}

static int uses_profile(const struct lab_exp *e, enum lab_profile p)
{
	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].profile == p)
			return 1;
	return 0;
}

int lab_profile_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	char dir[600], path[700], tor[700], out[8192], url[128], ab[32];
	int t = tracker_node(e);

	snprintf(dir, sizeof(dir), "%s/shared", ctx->work);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	for (unsigned i = 0; i < e->nfiles; i++) {
		const struct lab_file *f = &e->files[i];
		char piece[16], *p;
		unsigned lg = 0;

		while ((1ull << lg) < f->piece)
			lg++;
		snprintf(path, sizeof(path), "%s/%s.bin", dir, f->name);
		snprintf(tor, sizeof(tor), "%s/%s.torrent", dir, f->name);
		if (make_data(path, f->name, f->size))
			return pt_fail(err, PT_EIO, path, "cannot write: %s",
				       strerror(errno));
		if (t < 0)
			continue;
		snprintf(url, sizeof(url), "http://%s:%u/announce",
			 lab_addr_str(e->nodes[t].addr, ab, sizeof(ab)),
			 tracker_port(e));
		snprintf(piece, sizeof(piece), "%u", lg);
		unlink(tor);
		{
			char *mk[] = { "mktorrent", "-p", "-l", piece, "-a",
				       url,	    "-o", tor,	path,  NULL };

			if (run_cmd(mk, NULL, 0))
				return pt_fail(
					err, PT_EIO, tor,
					"mktorrent failed (is mktorrent installed? make deps)");
		}
		{
			char *sh[] = { "aria2c", "-S", tor, NULL };

			if (run_cmd(sh, out, sizeof(out)) ||
			    !(p = strstr(out, "Info Hash: ")) ||
			    strspn(p + 11, "0123456789abcdef") < 40)
				return pt_fail(
					err, PT_EIO, tor,
					"cannot read the info hash with 'aria2c -S' (is aria2 installed? make deps)");
			memcpy(ctx->infohash[i], p + 11, 40);
			ctx->infohash[i][40] = 0;
		}
		chmod(tor, 0644);
	}
	snprintf(path, sizeof(path), "%s/done.sh", dir);
	if (write_text(
		    path, 0755,
		    "#!/bin/sh\n# aria2 --on-bt-download-complete hook: GID NFILES PATH\necho \"$(date +%%s.%%N) $3\" >> DONE\n"))
		return pt_fail(err, PT_EIO, path, "cannot write");
	if (uses_profile(e, LAB_P_SSH_SERVER)) {
		static const char *const keys[] = { "ssh_host_key",
						    "client_key" };

		for (unsigned k = 0; k < 2; k++) {
			char pub[720];

			snprintf(path, sizeof(path), "%s/%s", dir, keys[k]);
			snprintf(pub, sizeof(pub), "%s.pub", path);
			unlink(path);
			unlink(pub);
			{
				char *kg[] = { "ssh-keygen", "-q",
					       "-t",	     "ed25519",
					       "-N",	     "",
					       "-C",	     "p2ptrace-lab",
					       "-f",	     path,
					       NULL };

				if (run_cmd(kg, NULL, 0))
					return pt_fail(
						err, PT_EIO, path,
						"ssh-keygen failed (make deps)");
			}
		}
		if (mkdir("/run/sshd", 0755) && errno != EEXIST)
			return pt_fail(err, PT_EIO, "/run/sshd", "mkdir: %s",
				       strerror(errno));
	}
	return 0;
}

static const char *node_addr(const struct lab_exp *e, int group, unsigned k,
			     char *buf, size_t len)
{
	const struct lab_group *g = &e->groups[group];

	return lab_addr_str(e->nodes[g->first_node + k % g->count].addr, buf,
			    len);
}

static void aria2_common(struct argb *a, const struct lab_ctx *ctx,
			 const struct lab_group *g)
{
	arg(a, "aria2c");
	arg(a, "--enable-dht=false");
	arg(a, "--enable-dht6=false");
	arg(a, "--enable-peer-exchange=false");
	arg(a, "--bt-enable-lpd=false");
	arg(a, "--disable-ipv6=true");
	arg(a, "--listen-port=6881");
	arg(a, "--seed-ratio=0.0");
	arg(a, "--file-allocation=none");
	arg(a, "--summary-interval=0");
	arg(a, "--console-log-level=warn");
	arg(a, "--log=aria2.log");
	arg(a, "--log-level=notice");
	arg(a, "--auto-save-interval=0");
	arg(a, "--bt-max-peers=55");
	arg(a, "--dir=.");
	arg(a, "--on-bt-download-complete=%s/shared/done.sh", ctx->work);
	if (g->up_kbps > 0)
		arg(a, "--max-overall-upload-limit=%.0f",
		    g->up_kbps * 125 > 1 ? g->up_kbps * 125 : 1);
}

/* Replace %{GROUP} by the address of GROUP's first node. */
static int expand_cmd(const struct lab_exp *e, const char *in, char *out,
		      size_t len)
{
	size_t o = 0;

	while (*in) {
		if (in[0] == '%' && in[1] == '{') {
			const char *end = strchr(in, '}');
			char name[LAB_NODE_MAX], ab[32];
			int gi = -1;

			if (!end || end - in - 2 >= (long)sizeof(name))
				return -1;
			snprintf(name, sizeof(name), "%.*s",
				 (int)(end - in - 2), in + 2);
			for (unsigned i = 0; i < e->ngroups; i++)
				if (!strcmp(e->groups[i].name, name))
					gi = (int)i;
			for (unsigned i = 0; gi < 0 && i < e->nnodes; i++)
				if (!strcmp(e->nodes[i].name, name))
					lab_addr_str(e->nodes[i].addr, ab,
						     sizeof(ab)),
						gi = -2;
			if (gi == -1)
				return -1;
			if (gi >= 0)
				node_addr(e, gi, 0, ab, sizeof(ab));
			if (o + strlen(ab) >= len)
				return -1;
			memcpy(out + o, ab, strlen(ab));
			o += strlen(ab);
			in = end + 1;
			continue;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = *in++;
	}
	out[o] = 0;
	return 0;
}

static int server_file(const char *dir, uint64_t size, uid_t uid, gid_t gid)
{
	char path[700];

	(void)uid;
	(void)gid;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/file.bin", dir);
	return make_data(path, dir, size ? size : 1 << 20);
}

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

static int edonkey_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
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
	if (make_data(path, nd->name, g->size ? g->size : 1 << 20) ||
	    chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path,
			       "cannot write the shared file");
	snprintf(path, sizeof(path), "%s/amule.conf", ad);
	if (write_text(
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
		n += k != i &&
		     e->groups[e->nodes[k].group].profile == LAB_P_EDONKEY;
	{
		uint32_t hdr[3] = { 0, 2, n };

		fwrite(hdr, 4, 3, f); /* little-endian host */
	}
	for (unsigned k = 0; k < e->nnodes; k++) {
		unsigned char c[16 + 4 + 2 + 2 + 1 + 8 + 1];
		uint32_t ip = e->nodes[k].addr;

		if (k == i ||
		    e->groups[e->nodes[k].group].profile != LAB_P_EDONKEY)
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

int lab_profile_prepare(struct lab_ctx *ctx, unsigned i, char **argv,
			unsigned maxargs, char *argbuf, size_t buflen,
			int *as_root, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	struct argb a = { argv, 0, maxargs, argbuf, 0, buflen, 0 };
	char dir[600], path[800], addr[32], sa[32], cmd[1400];
	unsigned port = g->port;
	unsigned k = i - g->first_node;

	argv[0] = NULL;
	*as_root = 0;
	lab_addr_str(nd->addr, addr, sizeof(addr));
	snprintf(dir, sizeof(dir), "%s/%s", ctx->work, nd->name);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, dir, "mkdir: %s", strerror(errno));
	if (chown(dir, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, dir, "chown: %s", strerror(errno));
	if (g->server >= 0)
		node_addr(e, g->server, k, sa, sizeof(sa));
	switch (g->profile) {
	case LAB_P_BT_TRACKER:
		*as_root =
			1; /* opentracker chroots to -d and drops to nobody */
		if (chown(dir, 0, 0))
			return pt_fail(err, PT_EIO, dir, "chown: %s",
				       strerror(errno));
		{
			char wl[41 * LAB_MAX_FILES + 1] = "";

			for (unsigned f = 0; f < e->nfiles; f++)
				if (ctx->infohash[f][0]) {
					strcat(wl, ctx->infohash[f]);
					strcat(wl, "\n");
				}
			snprintf(path, sizeof(path), "%s/whitelist.txt", dir);
			if (write_text(path, 0644, "%s", wl))
				return pt_fail(err, PT_EIO, path,
					       "cannot write");
		}
		arg(&a, "opentracker");
		arg(&a, "-i");
		arg(&a, "%s", addr);
		arg(&a, "-p");
		arg(&a, "%u", port ? port : 6969);
		arg(&a, "-P");
		arg(&a, "%u", port ? port : 6969);
		arg(&a, "-d");
		arg(&a, "%s", dir);
		arg(&a, "-w");
		arg(&a, "whitelist.txt");
		break;
	case LAB_P_BT_SEED:
		snprintf(cmd, sizeof(cmd), "%s/shared/%s.bin", ctx->work,
			 e->files[g->file].name);
		snprintf(path, sizeof(path), "%s/%s.bin", dir,
			 e->files[g->file].name);
		if (copy_file(cmd, path, ctx->uid, ctx->gid))
			return pt_fail(err, PT_EIO, path,
				       "cannot copy the seed's data: %s",
				       strerror(errno));
		aria2_common(&a, ctx, g);
		arg(&a, "--bt-seed-unverified=true");
		arg(&a, "%s/shared/%s.torrent", ctx->work,
		    e->files[g->file].name);
		break;
	case LAB_P_BT_LEECH:
	case LAB_P_BT_QUERY:
		aria2_common(&a, ctx, g);
		if (g->profile == LAB_P_BT_QUERY) {
			double q = g->query_kbps * 125;

			arg(&a, "--max-overall-download-limit=%.0f",
			    q > 1 ? q : 1);
			arg(&a, "--bt-tracker-interval=%u",
			    g->interval_s >= 1 ? (unsigned)g->interval_s : 10);
		}
		arg(&a, "%s/shared/%s.torrent", ctx->work,
		    e->files[g->file].name);
		break;
	case LAB_P_HTTP_SERVER:
		*as_root = 1; /* the master binds port 80; workers run as the
				 user */
		snprintf(path, sizeof(path), "%s/www", dir);
		if (server_file(path, g->size, ctx->uid, ctx->gid))
			return pt_fail(err, PT_EIO, path,
				       "cannot write the served file");
		mkdir(strcat(strcpy(path, dir), "/tmp"), 0755);
		if (chown(path, ctx->uid, ctx->gid))
			return pt_fail(err, PT_EIO, path, "chown: %s",
				       strerror(errno));
		snprintf(path, sizeof(path), "%s/nginx.conf", dir);
		{
			struct group *gr = getgrgid(ctx->gid);
			char un[80];

			snprintf(un, sizeof(un), "%s %s",
				 g->user[0] ? g->user : e->user,
				 gr ? gr->gr_name : "nogroup");
			if (write_text(
				    path, 0644,
				    "# written by p2ptrace lab for node %s\n"
				    "daemon off;\nmaster_process on;\nworker_processes 1;\n"
				    "user %s;\npid %s/nginx.pid;\nerror_log %s/error.log notice;\n"
				    "events { worker_connections 512; }\n"
				    "http {\n  access_log %s/access.log;\n  default_type application/octet-stream;\n"
				    "  client_body_temp_path %s/tmp/body;\n  proxy_temp_path %s/tmp/proxy;\n"
				    "  fastcgi_temp_path %s/tmp/fastcgi;\n  uwsgi_temp_path %s/tmp/uwsgi;\n"
				    "  scgi_temp_path %s/tmp/scgi;\n"
				    "  server {\n    listen %s:%u;\n    root %s/www;\n  }\n}\n",
				    nd->name, un, dir, dir, dir, dir, dir, dir,
				    dir, dir, addr, port ? port : 80, dir))
				return pt_fail(err, PT_EIO, path,
					       "cannot write");
		}
		arg(&a, "nginx");
		arg(&a, "-e");
		arg(&a, "%s/error.log", dir);
		arg(&a, "-p");
		arg(&a, "%s/", dir);
		arg(&a, "-c");
		arg(&a, "%s", path);
		break;
	case LAB_P_FTP_SERVER:
		*as_root = 1; /* vsftpd binds port 21 and chroots anonymous
				 users */
		if (chown(dir, 0, 0))
			return pt_fail(err, PT_EIO, dir, "chown: %s",
				       strerror(errno));
		snprintf(path, sizeof(path), "%s/ftp", dir);
		if (server_file(path, g->size, 0, 0))
			return pt_fail(err, PT_EIO, path,
				       "cannot write the served file");
		snprintf(path, sizeof(path), "%s/vsftpd.conf", dir);
		if (write_text(
			    path, 0600,
			    "# written by p2ptrace lab for node %s\n"
			    "listen=YES\nlisten_ipv6=NO\nlisten_address=%s\nlisten_port=%u\n"
			    "background=NO\nanonymous_enable=YES\nlocal_enable=NO\nwrite_enable=NO\n"
			    "anon_root=%s/ftp\nno_anon_password=YES\nftp_username=%s\n"
			    "pasv_enable=YES\npasv_min_port=30000\npasv_max_port=30999\n"
			    "secure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\n"
			    "xferlog_enable=YES\nvsftpd_log_file=%s/vsftpd.log\nhide_ids=YES\n"
			    "connect_from_port_20=NO\nmax_clients=1000\n",
			    nd->name, addr, port ? port : 21, dir,
			    getpwnam("ftp") ? "ftp"
					    : (g->user[0] ? g->user : e->user),
			    dir))
			return pt_fail(err, PT_EIO, path, "cannot write");
		arg(&a, "vsftpd");
		arg(&a, "%s", path);
		break;
	case LAB_P_SSH_SERVER:
		*as_root = 1; /* sshd: privilege separation, host key */
		if (chown(dir, 0, 0))
			return pt_fail(err, PT_EIO, dir, "chown: %s",
				       strerror(errno));
		snprintf(path, sizeof(path), "%s/files", dir);
		if (server_file(path, g->size, 0, 0))
			return pt_fail(err, PT_EIO, path,
				       "cannot write the served file");
		snprintf(path, sizeof(path), "%s/shared/client_key.pub",
			 ctx->work);
		snprintf(cmd, sizeof(cmd), "%s/authorized_keys", dir);
		if (copy_file(path, cmd, 0, 0))
			return pt_fail(err, PT_EIO, cmd,
				       "cannot copy the client key");
		snprintf(path, sizeof(path), "%s/sshd_config", dir);
		if (write_text(
			    path, 0644,
			    "# written by p2ptrace lab for node %s\n"
			    "ListenAddress %s:%u\nHostKey %s/shared/ssh_host_key\nPidFile %s/sshd.pid\n"
			    "AuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\n"
			    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
			    "PubkeyAuthentication yes\nPermitRootLogin no\nAllowUsers %s\n"
			    "Subsystem sftp internal-sftp\nForceCommand internal-sftp\n"
			    "UseDNS no\nPrintMotd no\nX11Forwarding no\nAllowTcpForwarding no\n"
			    "MaxStartups 100\nLogLevel INFO\n",
			    nd->name, addr, port ? port : 22, ctx->work, dir,
			    dir, g->user[0] ? g->user : e->user))
			return pt_fail(err, PT_EIO, path, "cannot write");
		arg(&a, "/usr/sbin/sshd");
		arg(&a, "-D");
		arg(&a, "-e");
		arg(&a, "-f");
		arg(&a, "%s", path);
		break;
	case LAB_P_HTTP_CLIENT:
	case LAB_P_FTP_CLIENT:
	case LAB_P_SSH_CLIENT: {
		const struct lab_group *sg = &e->groups[g->server];
		unsigned sp = sg->port;

		if (g->profile == LAB_P_SSH_CLIENT) {
			snprintf(path, sizeof(path), "%s/shared/client_key",
				 ctx->work);
			snprintf(cmd, sizeof(cmd), "%s/key", dir);
			if (copy_file(path, cmd, ctx->uid, ctx->gid) ||
			    chmod(cmd, 0600))
				return pt_fail(err, PT_EIO, cmd,
					       "cannot copy the client key");
			snprintf(
				cmd, sizeof(cmd),
				"while :; do scp -q -i key -P %u -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
				"-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10 %s@%s:%s/%s/files/file.bin got.bin; "
				"echo \"$(date +%%s) scp exit $?\"; sleep %g; done",
				sp ? sp : 22, g->user[0] ? g->user : e->user,
				sa, ctx->work,
				e->nodes[sg->first_node + k % sg->count].name,
				g->interval_s);
		} else {
			snprintf(
				cmd, sizeof(cmd),
				"while :; do curl -s -S --noproxy '*' --max-time 600 -o /dev/null "
				"-w '%%{http_code} %%{size_download} %%{time_total}\\n' %s://%s:%u/file.bin; sleep %g; done",
				g->profile == LAB_P_HTTP_CLIENT ? "http"
								: "ftp",
				sa,
				sp ? sp
				   : (g->profile == LAB_P_HTTP_CLIENT ? 80
								      : 21),
				g->interval_s);
		}
		arg(&a, "/bin/sh");
		arg(&a, "-c");
		arg(&a, "%s", cmd);
		break;
	}
	case LAB_P_COMMAND:
		if (expand_cmd(e, g->cmd, cmd, sizeof(cmd)))
			return pt_fail(
				err, PT_EUSAGE, e->path,
				"group %s: cmd: unknown %%{NAME} or too long",
				g->name);
		arg(&a, "/bin/sh");
		arg(&a, "-c");
		arg(&a, "%s", cmd);
		break;
	case LAB_P_EDONKEY: {
		int rc = edonkey_prepare(ctx, i, dir, err);

		if (rc)
			return rc;
	}
		if (g->search[0]) {
			/* eDonkey query mode: amuled, and a Kad keyword search
			 * through its EC port every interval (from 20 s on) */
			snprintf(
				cmd, sizeof(cmd),
				"amuled -c %s/amule -o & A=$!; trap 'kill $A; exit 0' TERM INT; sleep 20; "
				"while kill -0 $A 2>/dev/null; do amulecmd -h 127.0.0.1 -p 4712 -P p2ptrace "
				"-c 'search kad %s' | grep -v '^ *$'; sleep %g; done",
				dir, g->search, g->interval_s);
			arg(&a, "/bin/sh");
			arg(&a, "-c");
			arg(&a, "%s", cmd);
			break;
		}
		arg(&a, "amuled");
		arg(&a, "-c");
		arg(&a, "%s/amule", dir);
		arg(&a, "-o");
		break;
	case LAB_P_IDLE:
	default:
		break;
	}
	if (a.overflow)
		return pt_fail(err, PT_ELIMIT, nd->name,
			       "command line too long");
	return 0;
}
