/*
 * profile.h -- what a lab profile is: one row of a table, read by the
 * experiment-file parser (expfile.c), by `lab up`/`lab down` (up.c,
 * down.c) and by the catalog (catalog.c), plus the profile's own functions
 * in its own file under src/lab/profiles/. Nothing outside that file knows
 * what a profile runs.
 *
 * HOW TO ADD A PROFILE (one new file, one table line, the docs):
 *
 *  1. Write src/lab/profiles/NAME.c. It opens with a comment saying what
 *     runs on the node and why it is set up that way, and defines the row
 *         const struct lab_profile lab_profile_NAME = {
 *             .name = "NAME", .role = LAB_ROLE_PEER, .prepare = prep, ...
 *         };
 *     (one file may hold a family of rows: bittorrent.c holds four).
 *     Only .name is required; every hook may be NULL.
 *  2. Add the line LAB_PROFILE(NAME) to src/lab/profiles/list.h, where the
 *     profile should appear in `lab check`'s list of profiles.
 *  3. Document it in docs/lab.md (table "Profiles", its options) and, for
 *     a new Debian package, add the package to scripts/deps.sh.
 *  4. Test it: tests/lab/test_lab_NAME.sh (a real lab, checked against an
 *     independent source such as tshark) and, for its option parser,
 *     a case in tests/unit/test_lab_expfile.c.
 *
 * Rules the hooks follow:
 *  - Options of its own: set .opts_size to the size of a struct kept in the
 *    profile's file; the parser gives every group of the profile a zeroed
 *    area of that size in g->opts, calls .defaults, then hands .option
 *    every KEY=VALUE the common keys (count, up, down, queue, delay, loss,
 *    file, server, port, interval, start, size, user) do not take. .options
 *    lists the keys for the "unknown option" message.
 *  - Hooks that may fail write a one-line message (msg, or err with a
 *    where) and return non-zero; they never print and never exit.
 *  - Everything a hook creates lives under ctx->work (removed by `lab
 *    down`) or ctx->out, or is a process started with lab_spawn() (logged
 *    in the undo log, so `lab down` stops it even after `lab up` died).
 *  - Clients run as the lab's user: prepare sets cmd->as_root only for a
 *    server that drops privileges itself.
 *  - Per-lab hooks (.shared, .after_start, .before_stop) run once per lab
 *    for each distinct function, so the rows of one family may share one.
 *
 * Order in `lab up`: parse (.defaults, .option, .check) -> .preflight ->
 * the data of the `file` lines -> .shared -> namespaces and links (.net,
 * LAB_PF_GUEST_ADDR) -> catalog (.columns, .column) -> capture -> servers,
 * then the others (.prepare + spawn, or .start) -> .after_start.
 * In `lab down`: .before_stop (everything still runs, capture too) -> VMs,
 * processes, capture, namespaces stop -> catalog (.column_down).
 */
#ifndef P2PTRACE_LAB_PROFILE_H
#define P2PTRACE_LAB_PROFILE_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "p2ptrace/err.h"
#include "lab/lab.h"

enum lab_role {
	LAB_ROLE_PEER = 0, /* neither: started with the clients */
	LAB_ROLE_SERVER,   /* started first; up waits until it listens */
	LAB_ROLE_CLIENT,   /* needs server=GROUP of profile .server */
};

#define LAB_PF_FILE 1u	     /* needs file=NAME (a `file` line) */
#define LAB_PF_GUEST_ADDR 2u /* eth0 gets no address: the guest sets it */
#define LAB_PF_UDP                                                             \
	4u /* a server on a UDP port (DNS, NTP): up waits                      \
	      for a UDP socket bound to it, not a listener */

/* What lab up knows while it builds the lab (see up.c). */
struct lab_ctx {
	const struct lab_exp *exp;
	const char *work; /* LAB_WORK_DIR/LAB; shared files in work/shared */
	const char *out;  /* output dir (absolute) */
	uid_t uid;	  /* the node's user (set before .prepare/.start) */
	gid_t gid;
};

/* What lab down knows: only the undo log, not the experiment file. */
struct lab_down_ctx {
	const char *name, *out, *work;
	const struct lab_state *st; /* netns, procs (node names) */
};

/* A node's command line, built by .prepare with lab_arg(). */
struct lab_cmd {
	char **argv;
	unsigned n, max;
	char *buf;
	size_t used, len;
	int overflow;
	int as_root; /* the process starts as root (it drops by itself) */
};

struct lab_profile {
	const char *name; /* in the experiment file and the catalog */
	enum lab_role role;
	unsigned port;	       /* servers: default listening port */
	const char *server;    /* clients: the profile server=GROUP must have */
	const char *needs_one; /* the lab must hold exactly one node of this
				  profile (bittorrent: the tracker) */
	unsigned flags;	       /* LAB_PF_* */
	const char *options;   /* own keys, "a, b" (for error messages) */
	const void *data;      /* for hooks shared by several rows */
	size_t opts_size;      /* size of g->opts */

	/* parse: defaults of g->opts; one KEY=VALUE (0 taken, 1 not its key
	 * (msg, if set, replaces the generic message), -1 bad value: msg);
	 * after the whole file (0 ok, else msg). */
	void (*defaults)(struct lab_group *g);
	int (*option)(struct lab_group *g, const char *key, const char *val,
		      char *msg, size_t len);
	int (*check)(struct lab_exp *e, struct lab_group *g, char *msg,
		     size_t len);
	/* lab check: extra lines after the node table (one per group). */
	void (*plan)(const struct lab_exp *e, const struct lab_group *g,
		     FILE *f);
	/* lab up, before anything is created; WHERE is "exp.lab:LINE". */
	int (*preflight)(const struct lab_exp *e, const struct lab_group *g,
			 const char *where, struct pt_err *err);
	/* once per lab: files every node of the profile uses (work/shared) */
	int (*shared)(struct lab_ctx *ctx, struct pt_err *err);
	/* node I's link is up (in the initial namespace on return) */
	int (*net)(const struct lab_exp *e, unsigned i, struct pt_err *err);
	/* node I: write its files into DIR (exists, owned by ctx->uid) and
	 * build its command line; no argv = no process (idle). */
	int (*prepare)(struct lab_ctx *ctx, unsigned i, const char *dir,
		       struct lab_cmd *cmd, struct pt_err *err);
	/* node I: start it by other means than one spawned command (a VM);
	 * replaces .prepare. */
	int (*start)(struct lab_ctx *ctx, unsigned i, FILE *state, pid_t *pid,
		     struct pt_err *err);
	/* once per lab, after every node started (exchange addresses...) */
	int (*after_start)(struct lab_ctx *ctx, struct pt_err *err);
	/* once per lab, at down, before anything is stopped (dump counters
	 * into d->out); failures are reported, down goes on. */
	int (*before_stop)(const struct lab_down_ctx *d, struct pt_err *err);
	/* extra catalog columns (NULL-terminated names, appended after the
	 * common ones; empty for nodes of other profiles); their values at
	 * up and, filled in again, at down (val holds the value so far). */
	const char *const *columns;
	void (*column)(const struct lab_ctx *ctx, unsigned i, unsigned col,
		       char *val, size_t len);
	void (*column_down)(const struct lab_down_ctx *d, const char *node,
			    unsigned col, char *val, size_t len);
};

/* Every row, in list.h's order, NULL-terminated (profiles/table.c). */
extern const struct lab_profile *const lab_profiles[];
#define LAB_PROFILE(id) extern const struct lab_profile lab_profile_##id;
#include "lab/profiles/list.h"
#undef LAB_PROFILE

/* Is profile P used by a group of E? */
int lab_uses(const struct lab_exp *e, const struct lab_profile *p);
/* The address of node K (mod count) of group G, dotted. */
const char *lab_group_addr(const struct lab_exp *e, int g, unsigned k,
			   char *buf, size_t len);
/* A group's listening port: port=, else its profile's default (0 none). */
unsigned lab_group_port(const struct lab_group *g);
/* The user a group's processes run as. */
const char *lab_group_user(const struct lab_exp *e, const struct lab_group *g);

/* profiles/common.c: helpers the profiles share. */
/* An option KEY=V whose value is one of N names (N < 0: NAMES ends with
 * NULL): 0 with V's index in *OUT, or -1 with "KEY: expected a, b or c,
 * got 'V'" in MSG (*OUT unchanged). */
int lab_opt_choice(const char *key, const char *v, const char *const *names,
		   int n, int *out, char *msg, size_t len);
void lab_arg(struct lab_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Replace PATH by a new file with this text and mode. 0 ok. */
int lab_write_text(const char *path, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* SIZE deterministic pseudo-random bytes (depend on SEED and SIZE only). */
int lab_make_data(const char *path, const char *seed, uint64_t size);
int lab_copy_file(const char *from, const char *to, uid_t uid, gid_t gid);
/* DIR/file.bin of SIZE bytes (0 = 1 MiB) for a server to serve. */
int lab_server_file(const char *dir, uint64_t size);
/* "/bin/sh -c SCRIPT" as the command line. */
void lab_sh(struct lab_cmd *a, const char *script);
/* A .prepare for clients: a loop fetching SCHEME://SERVER:PORT/file.bin
 * with curl every interval, SCHEME the row's .data ("http"); the server is
 * node I mod count of the server= group. */
int lab_fetch_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      struct lab_cmd *a, struct pt_err *err);

#endif
