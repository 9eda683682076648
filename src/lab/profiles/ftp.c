/*
 * ftp.c -- profiles ftp-server (vsftpd, anonymous, passive mode, serving
 * file.bin; it binds port 21 and chroots anonymous users, so it starts as
 * root) and ftp-client (a curl ftp:// loop every interval).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab/profile.h"

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
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
		    "connect_from_port_20=NO\nmax_clients=1000\n",
		    nd->name, lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_port(g), dir,
		    getpwnam("ftp") ? "ftp" : lab_group_user(e, g), dir))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "vsftpd");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_ftp_server = {
	.name = "ftp-server",
	.role = LAB_ROLE_SERVER,
	.port = 21,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_ftp_client = {
	.name = "ftp-client",
	.role = LAB_ROLE_CLIENT,
	.server = "ftp-server",
	.data = "ftp",
	.prepare = lab_fetch_prepare,
};
