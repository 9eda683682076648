/*
 * ftp.c -- profiles ftp-server (vsftpd, anonymous, serving file.bin; it
 * binds port 21 and chroots anonymous users, so it starts as root) and
 * ftp-client (by default a curl ftp:// loop every interval, passive mode).
 *
 * Real FTP is a control connection and one data connection per listing or
 * file, in passive mode (the client connects to a port the server names:
 * EPSV/PASV) or active mode (the server connects back to the client's port
 * from its port 20: EPRT/PORT). So the client can be lftp as well as curl
 * (agent=), list a folder and fetch several files per session, and use
 * mode=passive, active or mix; the server can serve files=N more files of
 * varied sizes in pub/ and open active data connections from port 20
 * (port20=on), as vsftpd's stock configuration does.
 */
#include <errno.h>
#include <pwd.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab/profile.h"

enum ftp_mode { FTP_PASSIVE, FTP_ACTIVE, FTP_MIX };
static const char *const ftp_modes[] = { "passive", "active", "mix", NULL };
static const char *const ftp_agents[] = { "curl", "lftp", NULL };
static const char *const pub_ext[] = { "pdf", "zip", "txt", "iso", "tar.gz" };

struct ftp_opts {
	int port20;	/* server: active data from port 20 */
	unsigned files; /* server: files in pub/ */
	int agent;	/* client: 0 curl, 1 lftp */
	int mode;	/* client: enum ftp_mode */
};

static int server_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct ftp_opts *o = g->opts;

	if (!strcmp(k, "port20")) {
		if (strcmp(v, "on") && strcmp(v, "off")) {
			snprintf(msg, len,
				 "port20: expected on or off, got '%s'", v);
			return -1;
		}
		o->port20 = v[1] == 'n';
		return 0;
	}
	if (!strcmp(k, "files")) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || end == v || *end || *v == '-' || n > 200) {
			snprintf(msg, len, "files: expected 0..200, got '%s'",
				 v);
			return -1;
		}
		o->files = (unsigned)n;
		return 0;
	}
	return 1;
}

static int client_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct ftp_opts *o = g->opts;

	if (!strcmp(k, "agent"))
		return lab_opt_choice(k, v, ftp_agents, -1, &o->agent, msg,
				      len);
	if (!strcmp(k, "mode"))
		return lab_opt_choice(k, v, ftp_modes, -1, &o->mode, msg, len);
	return 1;
}

/* files=N: pub/doc1..N, log-uniform sizes 2 KiB .. 4 MiB (deterministic). */
static int pub_files(const char *dir, unsigned n)
{
	char path[900];
	uint64_t x = 88172645463325252ull;

	snprintf(path, sizeof(path), "%s/pub", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	for (unsigned k = 1; k <= n; k++) {
		double u;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		u = (double)((x * 2685821657736338717ull) >> 11) /
		    9007199254740992.0;
		snprintf(path, sizeof(path), "%s/pub/doc%u.%s", dir, k,
			 pub_ext[k % 5]);
		if (lab_make_data(path, path + strlen(dir),
				  (uint64_t)(2048.0 * pow(2048.0, u))))
			return -1;
	}
	return 0;
}

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	const struct ftp_opts *o = g->opts;
	char path[800], addr[32];

	a->as_root = 1;
	if (chown(dir, 0, 0))
		return pt_fail(err, PT_EIO, dir, "chown: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/ftp", dir);
	if (lab_server_file(path, g->size))
		return pt_fail(err, PT_EIO, path,
			       "cannot write the served file");
	snprintf(path, sizeof(path), "%s/vsftpd.conf", dir);
	if (lab_write_text(
		    path, 0600,
		    "# written by p2ptrace lab for node %s\n"
		    "listen=YES\nlisten_ipv6=NO\nlisten_address=%s\nlisten_port=%u\n"
		    "background=NO\nanonymous_enable=YES\nlocal_enable=NO\nwrite_enable=NO\n"
		    "anon_root=%s/ftp\nno_anon_password=YES\nftp_username=%s\n"
		    "pasv_enable=YES\npasv_min_port=30000\npasv_max_port=30999\n"
		    "secure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\n"
		    "xferlog_enable=YES\nvsftpd_log_file=%s/vsftpd.log\nhide_ids=YES\n"
		    "connect_from_port_20=%s\nmax_clients=1000\n",
		    nd->name, lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_port(g), dir,
		    getpwnam("ftp") ? "ftp" : lab_group_user(e, g), dir,
		    o->port20 ? "YES" : "NO"))
		return pt_fail(err, PT_EIO, path, "cannot write");
	if (o->files) {
		char root[700];

		snprintf(root, sizeof(root), "%s/ftp", dir);
		if (pub_files(root, o->files))
			return pt_fail(err, PT_EIO, root, "cannot write pub/");
	}
	lab_arg(a, "vsftpd");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct ftp_opts *o = g->opts, *so = e->groups[g->server].opts;
	char path[800], sa[32], names[800] = "";

	if (o->agent == 0 && o->mode == FTP_PASSIVE)
		return lab_fetch_prepare(ctx, i, dir, a, err);
	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	/* the server's pub/ files, by the names pub_files gives them */
	for (unsigned k = 1; k <= so->files && k <= 40; k++) {
		size_t l = strlen(names);

		snprintf(names + l, sizeof(names) - l, " pub/doc%u.%s", k,
			 pub_ext[k % 5]);
	}
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	/* a session: list / and pub/, fetch file.bin or 1-3 files of pub/ */
	if (lab_write_text(
		    path, 0644,
		    "# ftp-client agent=%s mode=%s\nset -f\n"
		    "rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }\n"
		    "think() { sleep $(awk -v r=$(rnd) -v i=%g 'BEGIN{printf \"%%.2f\", i*(0.25+1.5*r/65535)}'); }\n"
		    "U=ftp://%s:%u\n"
		    "while :; do\n  m=%s\n"
		    "  [ $m = mix ] && { [ $(( $(rnd) %% 2 )) = 0 ] && m=active || m=passive; }\n"
		    "  set -- file.bin%s; shift $(( $(rnd) %% $# )); f=$1\n"
		    "  if [ %d = 1 ]; then\n"
		    "    [ $m = active ] && pm=off || pm=on\n"
		    "    lftp -c \"set ftp:passive-mode $pm; set net:max-retries 2; set net:timeout 30; "
		    "set xfer:clobber on; open $U; ls; cls -l pub; get -e $f -o got.bin\"; r=$?\n"
		    "  else\n"
		    "    [ $m = active ] && A='-P -' || A=\n"
		    "    curl -sS --max-time 300 $A $U/pub/ >/dev/null; curl -sS --max-time 300 $A -o got.bin $U/$f; r=$?\n"
		    "  fi\n"
		    "  echo \"$(date +%%s) $m $f exit $r\"\n  think\ndone\n",
		    ftp_agents[o->agent], ftp_modes[o->mode],
		    g->interval_s > 0 ? g->interval_s : 5, sa,
		    lab_group_port(&e->groups[g->server]), ftp_modes[o->mode],
		    names, o->agent))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "/bin/sh");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_ftp_server = {
	.name = "ftp-server",
	.role = LAB_ROLE_SERVER,
	.port = 21,
	.options = "port20, files",
	.opts_size = sizeof(struct ftp_opts),
	.option = server_option,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_ftp_client = {
	.name = "ftp-client",
	.role = LAB_ROLE_CLIENT,
	.server = "ftp-server",
	.data = "ftp",
	.options = "agent, mode",
	.opts_size = sizeof(struct ftp_opts),
	.option = client_option,
	.prepare = client_prepare,
};
