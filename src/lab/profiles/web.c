/*
 * web.c -- profiles web-server and web-client: the web as users make it,
 * not one file fetched by curl. Real web traffic is TLS (HTTP/2 where both
 * sides offer it, else HTTP/1.1), pages of many objects of very different
 * sizes, and browsers that open several connections at once, keep them
 * alive between pages and pause while the user reads.
 *
 * web-server: nginx with three listeners on the node's address: PORT
 * (default 443) TLS with ALPN h2 and http/1.1, 8443 TLS HTTP/1.1 only (so a
 * browser falls back to its 6 parallel connections), 80 plain HTTP. The
 * certificate is issued at `lab up` by a lab CA (work/shared/labca.crt, made
 * once per lab with openssl) for the node's address and NODE.lab, and is
 * sent with the CA as a chain of two, as most sites send leaf +
 * intermediate. The site is generated: `pages=` pages, `objects=` objects
 * (css, js, images) of log-uniform sizes from 200 B to 300 KiB with an
 * occasional large one (every 16th up to 2 MiB), three of them shared by
 * every page; each page moves to a random other page after 2-10 s
 * (JavaScript), so a browser keeps browsing by itself; file.bin (size=) is
 * a download.
 *
 * web-client: agent=curl (the page, then its objects with --parallel: up to
 * 6 connections in HTTP/1.1, one multiplexed connection in HTTP/2), wget
 * (-p: the page and its requisites over one keep-alive connection) or
 * chromium (headless, a browsing session of 20-60 s on the self-navigating
 * site, then a pause); proto=h2 | https (TLS HTTP/1.1) | http. Think times
 * are random, 0.25x-1.75x interval. Chromium is kept off every outside
 * service: no background networking, component updates, sync, pings or
 * domain reliability, and a host-resolver rule that maps every name but the
 * server's NODE.lab to "not found", so it never even resolves a Google name
 * (tests/lab/test_lab_services.sh checks its trace).
 */
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

enum web_agent { WEB_CURL, WEB_WGET, WEB_CHROMIUM };
enum web_proto { WEB_H2, WEB_HTTPS, WEB_HTTP };

enum web_mode { WEB_BROWSE, WEB_APP };

struct web_opts {
	unsigned pages, objects;
	int agent, proto; /* -1 = default */
	int mode;	  /* enum web_mode */
};

static void web_defaults(struct lab_group *g)
{
	struct web_opts *o = g->opts;

	o->pages = 8;
	o->objects = 80;
	o->agent = WEB_CURL;
	o->proto = -1;
	o->mode = WEB_BROWSE;
}

static const char *const agents[] = { "curl", "wget", "chromium", NULL };
static const char *const protos[] = { "h2", "https", "http", NULL };
static const char *const modes[] = { "browse", "app", NULL };

static int server_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct web_opts *o = g->opts;
	char *end;
	unsigned long n;

	if (strcmp(k, "pages") && strcmp(k, "objects"))
		return 1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || n < 1 ||
	    n > (k[0] == 'p' ? 100ul : 2000ul)) {
		snprintf(msg, len, "%s: expected 1..%u, got '%s'", k,
			 k[0] == 'p' ? 100u : 2000u, v);
		return -1;
	}
	if (k[0] == 'p')
		o->pages = (unsigned)n;
	else
		o->objects = (unsigned)n;
	return 0;
}

static int client_option(struct lab_group *g, const char *k, const char *v,
			 char *msg, size_t len)
{
	struct web_opts *o = g->opts;

	if (!strcmp(k, "agent"))
		return lab_opt_choice(k, v, agents, -1, &o->agent, msg, len);
	if (!strcmp(k, "proto"))
		return lab_opt_choice(k, v, protos, -1, &o->proto, msg, len);
	if (!strcmp(k, "mode"))
		return lab_opt_choice(k, v, modes, -1, &o->mode, msg, len);
	return 1;
}

static int client_check(struct lab_exp *e, struct lab_group *g, char *msg,
			size_t len)
{
	struct web_opts *o = g->opts;

	(void)e;
	if (o->proto < 0)
		o->proto = o->agent == WEB_WGET ? WEB_HTTPS : WEB_H2;
	if (o->agent == WEB_WGET && o->proto == WEB_H2) {
		snprintf(
			msg, len,
			"proto=h2: wget speaks HTTP/1.1 only (use proto=https or http)");
		return -1;
	}
	if (o->mode == WEB_APP && o->agent != WEB_CURL) {
		snprintf(msg, len, "mode=app: needs agent=curl");
		return -1;
	}
	return 0;
}

/* Once per lab: the lab CA (a self-signed P-256 certificate). */
static int web_shared(struct lab_ctx *ctx, struct pt_err *err)
{
	char key[700], crt[700];
	char *argv[] = { "openssl",
			 "req",
			 "-x509",
			 "-newkey",
			 "ec",
			 "-pkeyopt",
			 "ec_paramgen_curve:P-256",
			 "-nodes",
			 "-keyout",
			 key,
			 "-out",
			 crt,
			 "-days",
			 "30",
			 "-subj",
			 "/O=p2ptrace lab/CN=p2ptrace lab CA",
			 NULL };

	snprintf(key, sizeof(key), "%s/shared/labca.key", ctx->work);
	snprintf(crt, sizeof(crt), "%s/shared/labca.crt", ctx->work);
	unlink(key);
	unlink(crt);
	if (lab_run(argv, NULL, 0) || chmod(crt, 0644))
		return pt_fail(err, PT_EIO, crt,
			       "openssl could not make the lab CA (make deps)");
	return 0;
}

/* The server's key and certificate (RSA 2048, SAN = address + NODE.lab),
 * signed by the lab CA; chain.crt = leaf + CA. */
static int web_cert(struct lab_ctx *ctx, const char *dir, const char *node,
		    const char *addr, unsigned serial, struct pt_err *err)
{
	char key[700], csr[700], crt[700], ext[700], cak[700], cac[700],
		subj[100], ser[16], chain[700];
	char *req[] = { "openssl", "req",     "-new", "-newkey", "rsa:2048",
			"-nodes",  "-keyout", key,    "-out",	 csr,
			"-subj",   subj,      NULL };
	char *sign[] = { "openssl", "x509",	   "-req", "-in",
			 csr,	    "-CA",	   cac,	   "-CAkey",
			 cak,	    "-set_serial", ser,	   "-days",
			 "30",	    "-extfile",	   ext,	   "-out",
			 crt,	    NULL };

	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(csr, sizeof(csr), "%s/server.csr", dir);
	snprintf(crt, sizeof(crt), "%s/server.crt", dir);
	snprintf(ext, sizeof(ext), "%s/server.ext", dir);
	snprintf(chain, sizeof(chain), "%s/chain.crt", dir);
	snprintf(cak, sizeof(cak), "%s/shared/labca.key", ctx->work);
	snprintf(cac, sizeof(cac), "%s/shared/labca.crt", ctx->work);
	snprintf(subj, sizeof(subj), "/O=p2ptrace lab/CN=%s.lab", node);
	snprintf(ser, sizeof(ser), "%u", serial + 1000);
	if (lab_write_text(
		    ext, 0644,
		    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
		    "subjectAltName=IP:%s,DNS:%s.lab\n",
		    addr, node))
		return pt_fail(err, PT_EIO, ext, "cannot write");
	if (lab_run(req, NULL, 0) || lab_run(sign, NULL, 0))
		return pt_fail(
			err, PT_EIO, crt,
			"openssl could not issue the server certificate");
	{
		FILE *out = fopen(chain, "w");
		const char *parts[] = { crt, cac };
		int bad = !out;

		for (unsigned k = 0; k < 2 && out; k++) {
			FILE *in = fopen(parts[k], "r");
			char buf[4096];
			size_t n;

			if (!in) {
				bad = 1;
				break;
			}
			while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
				if (fwrite(buf, 1, n, out) != n)
					bad = 1;
			fclose(in);
		}
		if (out && fclose(out))
			bad = 1;
		if (bad)
			return pt_fail(err, PT_EIO, chain, "cannot write");
	}
	return 0;
}

/* xorshift64* from a seed string: the site depends on the node name only. */
static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

static double rng_unit(uint64_t *x)
{
	return (double)(rng_next(x) >> 11) / 9007199254740992.0;
}

static int text_object(const char *path, const char *line, uint64_t size)
{
	FILE *f = fopen(path, "w");
	size_t l = strlen(line);

	if (!f)
		return -1;
	for (uint64_t w = 0; w < size; w += l)
		fwrite(line, 1, size - w < l ? (size_t)(size - w) : l, f);
	return fclose(f);
}

/* The site: objects o1..oN (css, js, png, jpg), pages page1..pageP (and
 * index.html = page1) that reference them. */
static int web_site(const char *www, const char *seed, const struct web_opts *o)
{
	static const char *const ext[] = { "css", "js",	 "png",
					   "jpg", "png", "jpg" };
	uint64_t x = 1469598103934665603ull;
	char path[900];
	FILE *f;

	for (const char *s = seed; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	for (unsigned j = 1; j <= o->objects; j++) {
		const char *e = ext[j % 6];
		double lo = log(200),
		       hi = log(j % 16 == 0 ? 2 << 20 : 300 << 10);
		uint64_t size = (uint64_t)exp(lo + (hi - lo) * rng_unit(&x));
		int rc;

		snprintf(path, sizeof(path), "%s/o%u.%s", www, j, e);
		if (e[0] == 'c')
			rc = text_object(path, ".c{margin:0 auto;color:#333}\n",
					 size / 4 + 64);
		else if (e[0] == 'j')
			rc = text_object(
				path,
				"var a=[1,2,3].map(function(x){return x*2});\n",
				size / 2 + 64);
		else
			rc = lab_make_data(path, path + strlen(www), size);
		if (rc)
			return -1;
	}
	for (unsigned p = 1; p <= o->pages + 1; p++) {
		snprintf(path, sizeof(path), "%s/%s", www,
			 p > o->pages ? "index.html" : "");
		if (p <= o->pages)
			snprintf(path, sizeof(path), "%s/page%u.html", www, p);
		f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f,
			"<!doctype html>\n<html><head><meta charset=utf-8><title>lab page %u</title>\n",
			p > o->pages ? 1 : p);
		for (unsigned j = 1; j <= o->objects; j++) {
			const char *e = ext[j % 6];
			unsigned mine = p > o->pages ? 1 : p;

			if (j > 3 && (j - 4) % o->pages + 1 != mine)
				continue;
			if (e[0] == 'c')
				fprintf(f,
					"<link rel=stylesheet href=\"o%u.css\">\n",
					j);
			else if (e[0] == 'j')
				fprintf(f, "<script src=\"o%u.js\"></script>\n",
					j);
			else
				fprintf(f, "<img src=\"o%u.%s\" alt=\"\">\n", j,
					e);
		}
		fprintf(f,
			"</head><body><p>lab page</p>\n<script>setTimeout(function(){"
			"location='page'+(1+Math.floor(Math.random()*%u))+'.html'},"
			"2000+Math.random()*8000)</script>\n</body></html>\n",
			o->pages);
		if (fclose(f))
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
	struct group *gr = getgrgid(ctx->gid);
	char path[800], un[80], addr[32];
	int rc;

	a->as_root = 1; /* the master binds 80 and 443; workers run as user */
	lab_addr_str(nd->addr, addr, sizeof(addr));
	if ((rc = web_cert(ctx, dir, nd->name, addr, nd->index, err)))
		return rc;
	snprintf(path, sizeof(path), "%s/www", dir);
	if (lab_server_file(path, g->size) || web_site(path, nd->name, g->opts))
		return pt_fail(err, PT_EIO, path, "cannot write the site");
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
		    "events { worker_connections 1024; }\n"
		    "http {\n  access_log %s/access.log;\n  include /etc/nginx/mime.types;\n"
		    "  default_type application/octet-stream;\n"
		    "  client_body_temp_path %s/tmp/body;\n  proxy_temp_path %s/tmp/proxy;\n"
		    "  fastcgi_temp_path %s/tmp/fastcgi;\n  uwsgi_temp_path %s/tmp/uwsgi;\n"
		    "  scgi_temp_path %s/tmp/scgi;\n"
		    "  ssl_certificate %s/chain.crt;\n  ssl_certificate_key %s/server.key;\n"
		    "  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_session_cache shared:lab:1m;\n"
		    "  keepalive_timeout 30s;\n  sendfile on;\n  gzip on;\n"
		    "  gzip_types text/css application/javascript;\n"
		    "  server {\n    listen %s:%u ssl http2;\n    listen %s:80;\n"
		    "    server_name %s.lab;\n    root %s/www;\n  }\n"
		    "  server {\n    listen %s:8443 ssl;\n    root %s/www;\n  }\n}\n",
		    nd->name, un, dir, dir, dir, dir, dir, dir, dir, dir, dir,
		    dir, addr, lab_group_port(g), addr, nd->name, dir, addr,
		    dir))
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

/* Shell helpers every client script starts with: rnd (0..65535) and
 * think (sleep 0.25x..1.75x interval). */
#define WEB_SH_HEAD                                                            \
	"set -f\n"                                                             \
	"rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }\n"                \
	"think() { sleep $(awk -v r=$(rnd) -v i=%g 'BEGIN{printf \"%%.2f\", "  \
	"i*(0.25+1.5*r/65535)}'); }\n"                                         \
	"page() { echo page$(( $(rnd) %% %u + 1 )).html; }\n"

/* mode=app: what an application talking to its service does (a chat, a
 * meeting or a streaming app: the bulk of the web in captures made
 * elsewhere), not page loads. One session = one curl process, so one
 * long-lived connection (curl reuses it from one request to the next),
 * carrying 15-120 requests paced at 10-60 a minute (--rate), each for a
 * random object, two in three for a random first 60-4,060 bytes of it
 * (Range: responses of API-like sizes), each with a request header of
 * 0-900 random bytes (tokens and cookies make requests of varied size).
 * Then a think time. */
static int app_script(const char *path, const struct web_opts *o, double iv,
		      unsigned pages, unsigned objects, const char *ca,
		      const char *base)
{
	return lab_write_text(
		path, 0644,
		"# web-client (curl, %s, mode=app): one connection, many small paced requests\n" WEB_SH_HEAD
		"obj() { n=$(( $(rnd) %% %u + 1 )); case $(( n %% 6 )) in 0) e=css;; 1) e=js;; "
		"2|4) e=png;; *) e=jpg;; esac; echo o$n.$e; }\n"
		"pad() { head -c $(( $(rnd) %% 901 )) /dev/zero | tr '\\0' x; }\n"
		"while :; do\n  r=$(( $(rnd) %% 51 + 10 )); n=$(( r * ($(rnd) %% 91 + 30) / 60 ))\n"
		"  [ $n -gt 120 ] && n=120\n  j=0; : > app.cfg\n"
		"  while [ $j -lt $n ]; do\n    [ $j -gt 0 ] && echo next >> app.cfg\n"
		"    printf 'url = \"%s/%%s\"\\noutput = /dev/null\\ncacert = \"%s\"\\n%s\\n"
		"noproxy = \"*\"\\nmax-time = 60\\nheader = \"X-Req: %%s\"\\n' $(obj) \"$(pad)\" >> app.cfg\n"
		"    [ $(( $(rnd) %% 3 )) != 0 ] && echo \"range = \\\"0-$(( $(rnd) %% 4001 + 60 ))\\\"\" >> app.cfg\n"
		"    j=$((j + 1))\n  done\n"
		"  echo \"$(date +%%s) app session: $n requests at $r/min\"\n"
		"  curl -sS --rate $r/m -K app.cfg\n  think\ndone\n",
		protos[o->proto], iv, pages, objects, base, ca,
		o->proto == WEB_H2 ? "http2" : "http1.1");
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct lab_group *sg = &e->groups[g->server];
	const struct web_opts *o = g->opts, *so = sg->opts;
	const char *srv =
		e->nodes[sg->first_node + (i - g->first_node) % sg->count].name;
	char sa[32], base[128], path[800], ca[700];
	unsigned port = o->proto == WEB_H2	? lab_group_port(sg)
			: o->proto == WEB_HTTPS ? 8443
						: 80;
	double iv = g->interval_s > 0 ? g->interval_s : 5;
	int rc = 0;

	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	snprintf(ca, sizeof(ca), "%s/shared/labca.crt", ctx->work);
	snprintf(base, sizeof(base), "%s://%s:%u",
		 o->proto == WEB_HTTP ? "http" : "https", sa, port);
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	if (o->mode == WEB_APP)
		rc = app_script(path, o, iv, so->pages, so->objects, ca, base);
	else if (o->agent == WEB_CURL)
		rc = lab_write_text(
			path, 0644,
			"# web-client (curl, %s): a page, then its objects in parallel\n" WEB_SH_HEAD
			"C=\"curl -sS --noproxy * --max-time 120 --cacert %s %s\"\n"
			"while :; do\n  p=$(page)\n"
			"  $C -o page.html -w '%%{http_version} %%{http_code} %%{size_download} %%{time_total}\\n' %s/$p\n"
			"  set -- $(sed -n 's/.*\\(src\\|href\\)=\"\\([^\"]*\\)\".*/\\2/p' page.html | sed 's|^|-o /dev/null %s/|')\n"
			"  [ $# -gt 0 ] && $C --parallel --parallel-max 6 \"$@\"\n"
			"  [ $(( $(rnd) %% 10 )) = 0 ] && $C -o /dev/null %s/file.bin\n"
			"  think\ndone\n",
			protos[o->proto], iv, so->pages, ca,
			o->proto == WEB_H2     ? "--http2"
			: o->proto == WEB_HTTP ? "--http1.1"
					       : "--http1.1",
			base, base, base);
	else if (o->agent == WEB_WGET)
		rc = lab_write_text(
			path, 0644,
			"# web-client (wget, %s): a page and its requisites\n" WEB_SH_HEAD
			"while :; do\n  wget -nv -p -e robots=off --no-proxy --timeout=60 --tries=1 "
			"--ca-certificate=%s --delete-after -P dl %s/$(page) 2>&1 | tail -1\n"
			"  think\ndone\n",
			protos[o->proto], iv, so->pages, ca, base);
	else
		rc = lab_write_text(
			path, 0644,
			"# web-client (chromium, %s): browsing sessions of 20-60 s\n" WEB_SH_HEAD
			"while :; do\n  s=$(( $(rnd) %% 41 + 20 ))\n  echo \"$(date +%%s) session $s s\"\n"
			"  [ $(( $(rnd) %% 2 )) = 0 ] && rm -rf chromium\n"
			"  timeout -k 5 $s chromium --headless=new --no-sandbox --disable-gpu "
			"--user-data-dir=%s/chromium --no-first-run --no-default-browser-check "
			"--disable-background-networking --disable-component-update --disable-sync "
			"--disable-default-apps --disable-extensions --no-pings --disable-domain-reliability "
			"--disable-client-side-phishing-detection --disable-breakpad --metrics-recording-only "
			"--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
			"CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions "
			"--ignore-certificate-errors --host-resolver-rules='MAP %s.lab %s, MAP * ~NOTFOUND' "
			"%s://%s.lab:%u/$(page) >/dev/null 2>>chromium.err\n"
			"  think\ndone\n",
			protos[o->proto], iv, so->pages, dir, srv, sa,
			o->proto == WEB_HTTP ? "http" : "https", srv, port);
	if (rc)
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "/bin/sh");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_web_server = {
	.name = "web-server",
	.role = LAB_ROLE_SERVER,
	.port = 443,
	.options = "pages, objects",
	.opts_size = sizeof(struct web_opts),
	.defaults = web_defaults,
	.option = server_option,
	.shared = web_shared,
	.prepare = server_prepare,
};

const struct lab_profile lab_profile_web_client = {
	.name = "web-client",
	.role = LAB_ROLE_CLIENT,
	.server = "web-server",
	.options = "agent, proto, mode",
	.opts_size = sizeof(struct web_opts),
	.defaults = web_defaults,
	.option = client_option,
	.check = client_check,
	.prepare = client_prepare,
};
