/*
 * ssh.c -- profiles ssh-server (sshd with a generated host key and
 * ForceCommand internal-sftp; privilege separation needs root) and
 * ssh-client (an scp loop, SFTP protocol, with a generated ed25519 key).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

/* Once per lab: the host key and the client key in work/shared. */
static int ssh_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	static const char *const keys[] = { "ssh_host_key", "client_key" };
	char path[700], pub[720];

	for (unsigned k = 0; k < 2; k++) {
		char *kg[] = { "ssh-keygen", "-q", "-t", "ed25519",
			       "-N",	     "",   "-C", "p2ptrace-lab",
			       "-f",	     path, NULL };

		snprintf(path, sizeof(path), "%s/shared/%s", ctx->work,
			 keys[k]);
		snprintf(pub, sizeof(pub), "%s.pub", path);
		unlink(path);
		unlink(pub);
		if (lab_run_cmd(kg, NULL, 0))
			return pt_fail(err, PT_EIO, path,
				       "ssh-keygen failed (make deps)");
	}
	if (mkdir("/run/sshd", 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, "/run/sshd", "mkdir: %s",
			       strerror(errno));
	return 0;
}

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	char path[800], keys[800], addr[32];

	a->as_root = 1;
	if (chown(dir, 0, 0))
		return pt_fail(err, PT_EIO, dir, "chown: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/files", dir);
	if (lab_server_file(path, g->size))
		return pt_fail(err, PT_EIO, path,
			       "cannot write the served file");
	snprintf(path, sizeof(path), "%s/shared/client_key.pub", ctx->work);
	snprintf(keys, sizeof(keys), "%s/authorized_keys", dir);
	if (lab_copy_file(path, keys, 0, 0))
		return pt_fail(err, PT_EIO, keys, "cannot copy the client key");
	snprintf(path, sizeof(path), "%s/sshd_config", dir);
	if (lab_write_text(
		    path, 0644,
		    "# written by p2ptrace lab for node %s\n"
		    "ListenAddress %s:%u\nHostKey %s/shared/ssh_host_key\nPidFile %s/sshd.pid\n"
		    "AuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\n"
		    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
		    "PubkeyAuthentication yes\nPermitRootLogin no\nAllowUsers %s\n"
		    "Subsystem sftp internal-sftp\nForceCommand internal-sftp\n"
		    "UseDNS no\nPrintMotd no\nX11Forwarding no\nAllowTcpForwarding no\n"
		    "MaxStartups 100\nLogLevel INFO\n",
		    nd->name, lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_port(g), ctx->work, dir, dir,
		    lab_group_user(e, g)))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "/usr/sbin/sshd");
	lab_arg(a, "-D");
	lab_arg(a, "-e");
	lab_arg(a, "-f");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct lab_group *sg = &e->groups[g->server];
	unsigned k = i - g->first_node;
	char path[800], key[800], sa[32], cmd[1400];

	snprintf(path, sizeof(path), "%s/shared/client_key", ctx->work);
	snprintf(key, sizeof(key), "%s/key", dir);
	if (lab_copy_file(path, key, ctx->uid, ctx->gid) || chmod(key, 0600))
		return pt_fail(err, PT_EIO, key, "cannot copy the client key");
	lab_group_addr(e, g->server, k, sa, sizeof(sa));
	snprintf(
		cmd, sizeof(cmd),
		"while :; do scp -q -i key -P %u -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
		"-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10 %s@%s:%s/%s/files/file.bin got.bin; "
		"echo \"$(date +%%s) scp exit $?\"; sleep %g; done",
		lab_group_port(sg), lab_group_user(e, g), sa, ctx->work,
		e->nodes[sg->first_node + k % sg->count].name, g->interval_s);
	lab_sh(a, cmd);
	return 0;
}

const struct lab_profile lab_profile_ssh_server = {
	.name = "ssh-server",
	.role = LAB_ROLE_SERVER,
	.port = 22,
	.shared = ssh_shared,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_ssh_client = {
	.name = "ssh-client",
	.role = LAB_ROLE_CLIENT,
	.server = "ssh-server",
	.prepare = client_prepare,
};
