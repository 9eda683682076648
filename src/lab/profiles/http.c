/*
 * http.c -- profiles http-server (nginx with its own config, serving
 * file.bin; the master binds the port as root, workers run as the lab's
 * user) and http-client (a curl loop fetching it every interval).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

static int server_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	struct group *gr = getgrgid(ctx->gid);
	char path[800], un[80], addr[32];

	a->as_root = 1;
	snprintf(path, sizeof(path), "%s/www", dir);
	if (lab_server_file(path, g->size))
		return pt_fail(err, PT_EIO, path,
			       "cannot write the served file");
	snprintf(path, sizeof(path), "%s/tmp", dir);
	mkdir(path, 0755);
	if (chown(path, ctx->uid, ctx->gid))
		return pt_fail(err, PT_EIO, path, "chown: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	snprintf(un, sizeof(un), "%s %s", lab_group_user(e, g),
		 gr ? gr->gr_name : "nogroup");
	if (lab_write_text(
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
		    nd->name, un, dir, dir, dir, dir, dir, dir, dir, dir,
		    lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_port(g), dir))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "nginx");
	lab_arg(a, "-e");
	lab_arg(a, "%s/error.log", dir);
	lab_arg(a, "-p");
	lab_arg(a, "%s/", dir);
	lab_arg(a, "-c");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_http_server = {
	.name = "http-server",
	.role = LAB_ROLE_SERVER,
	.port = 80,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_http_client = {
	.name = "http-client",
	.role = LAB_ROLE_CLIENT,
	.server = "http-server",
	.data = "http",
	.prepare = lab_fetch_prepare,
};
