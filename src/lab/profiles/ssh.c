/*
 * ssh.c -- profiles ssh-server (sshd with a generated host key; privilege
 * separation needs root) and ssh-client (with a generated ed25519 key).
 *
 * By default the server forces internal-sftp and the client runs an scp
 * loop (SFTP protocol), as in the paper's "misc" traffic. Real SSH is
 * mostly people at a shell and file copies, so the server can offer a
 * shell (shell=on) and the client can be a person (mode=interactive: a
 * session under a pty whose keystrokes come one by one, 100-300 ms apart,
 * commands such as ls, cat, top, with pauses to read the output), or copy
 * files with sftp, rsync over ssh, or scp (mode=mix picks one of the four
 * at random each time).
 *
 * The lab's user is nobody, whose shell is nologin: a shell session needs a
 * real one. The server does not touch the host's /etc/passwd: sshd runs in
 * a mount namespace of its own (unshare -m, private propagation) where a
 * copy of /etc/passwd, with the user's shell /bin/sh and home DIR/home, is
 * bind-mounted over the original; the copy vanishes with sshd.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

enum ssh_mode { SSH_SCP, SSH_SFTP, SSH_RSYNC, SSH_TTY, SSH_MIX };
static const char *const ssh_modes[] = { "scp",		"sftp", "rsync",
					 "interactive", "mix",	NULL };

struct ssh_opts {
	int shell; /* server: a shell for the user, not only internal-sftp */
	int mode;  /* client: enum ssh_mode */
};

static int server_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct ssh_opts *o = g->opts;

	if (strcmp(k, "shell"))
		return 1;
	if (!strcmp(v, "on") || !strcmp(v, "off")) {
		o->shell = v[1] == 'n';
		return 0;
	}
	snprintf(msg, len, "shell: expected on or off, got '%s'", v);
	return -1;
}

static int client_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct ssh_opts *o = g->opts;

	if (strcmp(k, "mode"))
		return 1;
	return lab_opt_choice(k, v, ssh_modes, -1, &o->mode, msg, len);
}

static int client_check(struct lab_exp *e, struct lab_group *g, char *msg,
			size_t len)
{
	const struct ssh_opts *o = g->opts, *so = e->groups[g->server].opts;

	if ((o->mode == SSH_RSYNC || o->mode == SSH_TTY ||
	     o->mode == SSH_MIX) &&
	    !so->shell) {
		snprintf(msg, len,
			 "mode=%s needs a shell on the server: add shell=on to group %s",
			 ssh_modes[o->mode], e->groups[g->server].name);
		return -1;
	}
	return 0;
}

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
		if (lab_run(kg, NULL, 0))
			return pt_fail(err, PT_EIO, path,
				       "ssh-keygen failed (make deps)");
	}
	if (mkdir("/run/sshd", 0755) && errno != EEXIST)
		return pt_fail(err, PT_EIO, "/run/sshd", "mkdir: %s",
			       strerror(errno));
	return 0;
}

/* shell=on: DIR/passwd (the host's, with USER's shell /bin/sh and home
 * DIR/home) and a home with files worth reading. */
static int shell_home(struct lab_ctx *ctx, const char *dir, const char *user,
		      struct pt_err *err)
{
	char path[800], line[1024];
	FILE *in = fopen("/etc/passwd", "r"), *out;
	size_t ul = strlen(user);
	int found = 0;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	out = in ? fopen(path, "w") : NULL;
	if (!out) {
		if (in)
			fclose(in);
		return pt_fail(err, PT_EIO, path, "cannot write");
	}
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, user, ul) && line[ul] == ':' && !found) {
			fprintf(out, "%s:x:%u:%u:p2ptrace lab:%s/home:/bin/sh\n",
				user, (unsigned)ctx->uid, (unsigned)ctx->gid,
				dir);
			found = 1;
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	if (fclose(out) || chmod(path, 0644) || !found)
		return pt_fail(err, PT_EIO, path,
			       "cannot write a passwd with user %s", user);
	snprintf(path, sizeof(path), "%s/home", dir);
	if ((mkdir(path, 0755) && errno != EEXIST) ||
	    chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path, "mkdir: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/home/notes.txt", dir);
	if (lab_write_text(path, 0644,
			   "lab notes\n- check the backups\n- rotate the logs\n"
			   "- update the web server certificate\n"))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/home/app.log", dir);
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return pt_fail(err, PT_EIO, path, "cannot write");
		for (unsigned k = 0; k < 600; k++)
			fprintf(f, "2026-11-%02u 10:%02u:%02u app[%u]: %s request %u served in %u ms\n",
				1 + k / 40 % 28, k / 60 % 60, k % 60, 4000 + k % 7,
				k % 23 ? "info" : "error", k, 3 + k * 37 % 400);
		if (fclose(f))
			return pt_fail(err, PT_EIO, path, "cannot write");
	}
	return 0;
}

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	const struct ssh_opts *o = g->opts;
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
		    "Subsystem sftp internal-sftp\n%s"
		    "UseDNS no\nPrintMotd no\nX11Forwarding no\nAllowTcpForwarding no\n"
		    "MaxStartups 100\nLogLevel INFO\n",
		    nd->name, lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_port(g), ctx->work, dir, dir,
		    lab_group_user(e, g),
		    o->shell ? "" : "ForceCommand internal-sftp\n"))
		return pt_fail(err, PT_EIO, path, "cannot write");
	if (o->shell) {
		int rc = shell_home(ctx, dir, lab_group_user(e, g), err);

		if (rc)
			return rc;
		lab_arg(a, "unshare");
		lab_arg(a, "-m");
		lab_arg(a, "--propagation");
		lab_arg(a, "private");
		lab_arg(a, "/bin/sh");
		lab_arg(a, "-c");
		lab_arg(a,
			"mount --bind %s/passwd /etc/passwd && exec /usr/sbin/sshd -D -e -f %s",
			dir, path);
		return 0;
	}
	lab_arg(a, "/usr/sbin/sshd");
	lab_arg(a, "-D");
	lab_arg(a, "-e");
	lab_arg(a, "-f");
	lab_arg(a, "%s", path);
	return 0;
}

/* The person at the keyboard (perl is Essential in Debian): a few
 * commands, each typed one key at a time 100-300 ms apart, a pause of 1-6 s
 * to read the output; top runs for 4-10 s before 'q'. */
static const char typer_pl[] =
	"srand(); $| = 1;\n"
	"my @c = ('ls -l', 'ls -la /etc | head -40', 'cat notes.txt', 'tail -30 app.log',\n"
	"  'grep -c error app.log', 'uptime', 'df -h', 'ps aux | head -25', 'free -m', 'date',\n"
	"  'cat /etc/os-release', 'ls /usr/bin | head -80', 'top', 'uname -a', 'id', 'w',\n"
	"  'grep error app.log | tail -5', 'du -sh .', 'echo $HOME');\n"
	"sub key { print $_[0]; select(undef, undef, undef, 0.1 + rand(0.2)); }\n"
	"select(undef, undef, undef, 1 + rand(2));\n"
	"for (1 .. 3 + int(rand(8))) {\n"
	"  my $cmd = $c[rand @c]; key($_) for split //, $cmd; key(\"\\n\");\n"
	"  if ($cmd eq 'top') { select(undef, undef, undef, 4 + rand(6)); key('q'); }\n"
	"  select(undef, undef, undef, 1 + rand(5));\n"
	"}\n"
	"key($_) for split //, \"exit\\n\"; sleep 2;\n";

/* mode sftp, rsync, interactive or mix: DIR/client.sh, a loop of sessions
 * with random pauses (0.25x-1.75x interval). */
static int client_script(struct lab_ctx *ctx, unsigned i, const char *dir,
			 const char *sa, struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct lab_group *sg = &e->groups[g->server];
	const struct ssh_opts *o = g->opts;
	const char *srv = e->nodes[sg->first_node +
				   (i - g->first_node) % sg->count]
				  .name;
	char path[800];

	snprintf(path, sizeof(path), "%s/typer.pl", dir);
	if (lab_write_text(path, 0644, "%s", typer_pl))
		return pt_fail(err, PT_EIO, path, "cannot write");
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	if (lab_write_text(
		    path, 0644,
		    "# ssh-client, mode=%s\nset -f\nexport TERM=xterm\n"
		    "rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }\n"
		    "think() { sleep $(awk -v r=$(rnd) -v i=%g 'BEGIN{printf \"%%.2f\", i*(0.25+1.5*r/65535)}'); }\n"
		    "O=\"-i key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
		    "-o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR\"\n"
		    "R=%s@%s; P=%u; F=%s/%s/files\n"
		    "one() {\n  case $1 in\n"
		    "  scp) scp -q $O -P $P $R:$F/file.bin got.bin ;;\n"
		    "  sftp) printf 'cd %%s\\nls -l\\nget file.bin got.bin\\nbye\\n' $F | sftp -q -b - $O -P $P $R >/dev/null ;;\n"
		    "  rsync) [ $(( $(rnd) %% 2 )) = 0 ] && rm -rf mirror; rsync -a -e \"ssh $O -p $P\" $R:$F/ mirror/ ;;\n"
		    "  interactive) perl typer.pl | ssh -tt $O -p $P $R >/dev/null ;;\n"
		    "  esac\n}\n"
		    "while :; do\n  m=%s\n"
		    "  [ $m = mix ] && set -- scp sftp rsync interactive && shift $(( $(rnd) %% 4 )) && m=$1\n"
		    "  one $m; echo \"$(date +%%s) $m exit $?\"\n  think\ndone\n",
		    ssh_modes[o->mode], g->interval_s > 0 ? g->interval_s : 5,
		    lab_group_user(e, g), sa, lab_group_port(sg), ctx->work, srv,
		    ssh_modes[o->mode]))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "/bin/sh");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct lab_group *sg = &e->groups[g->server];
	const struct ssh_opts *o = g->opts;
	unsigned k = i - g->first_node;
	char path[800], key[800], sa[32], cmd[1400];

	snprintf(path, sizeof(path), "%s/shared/client_key", ctx->work);
	snprintf(key, sizeof(key), "%s/key", dir);
	if (lab_copy_file(path, key, ctx->uid, ctx->gid) || chmod(key, 0600))
		return pt_fail(err, PT_EIO, key, "cannot copy the client key");
	lab_group_addr(e, g->server, k, sa, sizeof(sa));
	if (o->mode != SSH_SCP)
		return client_script(ctx, i, dir, sa, a, err);
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
	.options = "shell",
	.opts_size = sizeof(struct ssh_opts),
	.option = server_option,
	.shared = ssh_shared,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_ssh_client = {
	.name = "ssh-client",
	.role = LAB_ROLE_CLIENT,
	.server = "ssh-server",
	.options = "mode",
	.opts_size = sizeof(struct ssh_opts),
	.option = client_option,
	.check = client_check,
	.prepare = client_prepare,
};
