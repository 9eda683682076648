/*
 * lab.h -- the lab: an experiment file turned into a plan of nodes, and the
 * pieces that build it (network namespaces, links, shaping, processes, the
 * undo log), built by up.c and taken down by down.c; what runs on a node
 * is its profile's (profile.h). cmd_lab.c is the command line; docs/lab.md
 * describes the file format.
 *
 * Who allocates frees: lab_exp_parse() fills a caller-owned struct lab_exp
 * whose node array it allocates; lab_exp_free() releases it.
 */
#ifndef P2PTRACE_LAB_H
#define P2PTRACE_LAB_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "p2ptrace/err.h"

#define LAB_MAX_NODES 1000 /* a Linux bridge takes 1024 ports */
#define LAB_MAX_GROUPS 256
#define LAB_MAX_FILES 16
#define LAB_NAME_MAX 16 /* lab name: [a-z0-9-], used in netns names */
#define LAB_NODE_MAX 32 /* node name: [A-Za-z0-9._-] */
#define LAB_STATE_DIR "/run/p2ptrace"
/* Root-only (root-owned, 0755, checked with O_NOFOLLOW at each level):
 * not /var/tmp, where anyone could plant the name first (issue 13 item 2) */
#define LAB_WORK_DIR "/var/lib/p2ptrace/work"

struct lab_profile; /* profile.h */

struct lab_file {
	char name[LAB_NODE_MAX];
	uint64_t size;	/* bytes */
	uint64_t piece; /* torrent piece length, bytes (power of two) */
	int is_public;	/* private=no: DHT, PEX and magnet links may be used */
	int line;
};

struct lab_group {
	char name[LAB_NODE_MAX];
	const struct lab_profile *profile;
	unsigned count;
	double up_kbps, down_kbps; /* 0 = not shaped; a set: its first */
	struct lab_rates {	   /* up=A..B (range) or up=A,B,C (list) */
		double v[8];
		unsigned n; /* 0 = one rate (up_kbps) */
		int range;  /* v[0]..v[1], log-uniform per node */
	} up_set, down_set;
	double delay_ms, loss_pct; /* 0 = none (needs netem) */
	double jitter_ms;	   /* netem delay variation; 0 = none */
	double queue_ms;	   /* shaper queue; 0 = 500 ms */
	int tcp_ts_off;		   /* tcp_ts=off: no TCP timestamps */
	int file;		   /* index in files[] (the first), -1 none */
	uint32_t files;		   /* file=A,B: bit k = files[k] */
	int server;		   /* index in groups[], -1 none */
	unsigned port;		   /* 0 = profile default */
	double interval_s;	   /* clients: pause between fetches */
	double start_s;		   /* start this long after the lab is up */
	uint64_t size;		   /* servers: size of the file served */
	char user[32];		   /* "" = the lab's user */
	char labels[512];	   /* "k=v;k=v" */
	int line;
	unsigned first_node; /* index in nodes[] */
	void *opts;	     /* the profile's own options (profile.h) */
};

struct lab_node {
	char name[LAB_NODE_MAX];
	unsigned group; /* index in groups[] */
	unsigned index; /* 1-based, also the host number and veth "vN" */
	uint32_t addr;	/* host byte order */
	char netns[64]; /* "p2pn-LAB-NODE" */
	char veth[16];	/* switch side: "vN" */
	double up_kbps, down_kbps; /* this node's rates (from its group's) */
};

struct lab_exp {
	char path[256];
	char name[LAB_NAME_MAX + 1];
	uint32_t net; /* host byte order */
	unsigned prefix;
	uint64_t duration_ns;
	char out[512];
	unsigned snaplen;
	char user[32];
	unsigned nfiles, ngroups, nnodes;
	struct lab_file files[LAB_MAX_FILES];
	struct lab_group groups[LAB_MAX_GROUPS];
	struct lab_node *nodes;
	char switch_ns[64]; /* "p2psw-LAB" */
};

/* expfile.c */
int lab_exp_parse(struct lab_exp *exp, const char *where, const char *text,
		  struct pt_err *err);
int lab_exp_load(struct lab_exp *exp, const char *path, struct pt_err *err);
/* Rename the lab (netns names follow); 0 ok, -1 bad name. */
int lab_exp_rename(struct lab_exp *exp, const char *name);
void lab_exp_free(struct lab_exp *exp);
/* profiles/table.c: the row named S (NULL: none); a row's name ("?" for
 * NULL); "a, b, c" of every name into buf. */
const struct lab_profile *lab_profile_parse(const char *s);
const char *lab_profile_name(const struct lab_profile *p);
void lab_profile_list(char *buf, size_t len);
/* values.c: "a.b.c.d" of a host-order address into buf. */
const char *lab_addr_str(uint32_t addr, char *buf, size_t len);
/* Rate in kbit/s: "6.4", "6.4kbit", "2mbit", "800bit". 0 ok, -1 bad. */
int lab_parse_rate(const char *s, double *kbps);
/* Size in bytes: "20MiB", "64KiB", "1000", "2MB". 0 ok, -1 bad. */
int lab_parse_size(const char *s, uint64_t *bytes);
/* A name of at most MAX characters: lab names [a-z0-9-] (lab 1), node,
 * file and user names [A-Za-z0-9._-] not starting with '-' or '.'. */
int lab_valid_name(const char *s, size_t max, int lab);
/* A number >= 0 followed by one of the units (NULL-terminated, compared
 * without case; "" = no unit), times that unit's mult. 0 ok, -1 bad. */
int lab_parse_unit(const char *s, double *out, const char *const *units,
		   const double *mult);
/* Seconds: "90", "90s", "5m", "2h". 0 ok, -1 bad. */
int lab_parse_seconds(const char *s, double *sec);
/* "198.18.0.0/24" (prefix 8..30) into a host-order network and prefix. */
int lab_parse_cidr(const char *s, uint32_t *net, unsigned *prefix);
/* 1 when net/prefix is a network address inside the only ranges a lab may
 * use (RFC 2544's 198.18.0.0/15, RFC 6598's 100.64.0.0/10), else 0. */
int lab_subnet_allowed(uint32_t net, unsigned prefix);
/* "2mbit", "256kbit..4mbit" (range) or "1mbit,2mbit,512kbit" (list), each
 * rate 0.1 kbit/s .. 10 Gbit/s, at most 8. 0 ok, -1 bad. */
int lab_parse_rates(const char *v, struct lab_rates *set);

/* state.c: the undo log /run/p2ptrace/LAB.state (append-only lines). */
struct lab_state {
	char name[LAB_NAME_MAX + 1];
	char out[512];
	char work[512];
	char cgroup[160]; /* "cgroup DIR": the lab's cgroup v2, "" none */
	unsigned nnetns, nprocs, nprofiles;
	char (*netns)[64];
	char (*profiles)[32]; /* "profile NAME": the profiles the lab uses */
	struct lab_proc {
		pid_t pid;
		unsigned long long start; /* /proc/PID/stat starttime */
		char node[LAB_NODE_MAX];
		int capture;
	} * procs;
	unsigned nvms;
	struct lab_vmrec { /* "qemu NODE GRACE DIR" */
		char node[LAB_NODE_MAX];
		unsigned grace;
		char dir[512];
	} * vms;
};
#define LAB_STATE_LINE 1024	      /* longest line + 1 */
#define LAB_STATE_MAX_LINES 200000    /* a 1000-node lab writes < 10000 */
#define LAB_STATE_MAX_BYTES (16 << 20) /* refused above */
/* 1 when name is a lab name: 1-16 characters [a-z0-9-], not "-..." */
int lab_name_valid(const char *name);
/* 1 when name is a node name: [A-Za-z0-9._-], not starting '.' or '-' */
int lab_node_valid(const char *name);
int lab_state_path(const char *name, char *buf, size_t len);
/* Create the log (fails if it exists: the lab is up). */
int lab_state_create(const char *name, FILE **f, struct pt_err *err);
/* Append one line and flush it to the kernel before returning. */
int lab_state_add(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* cgroup.c: the lab's cgroup v2 p2ptrace-NAME (issue 13 item 3). */
/* Its path in the cgroup v2 hierarchy; -1 when there is none. */
int lab_cgroup_path(const char *name, char *buf, size_t len);
/* Make it (with cgroup.kill, else -1) and have lab_spawn's children join
 * it. */
int lab_cgroup_create(const char *dir);
/* In a child before exec: join the cgroup of lab_cgroup_create. */
void lab_cgroup_join_self(void);
/* Kill every member (cgroup.kill), wait for them, remove the cgroup;
 * returns how many there were. */
unsigned lab_cgroup_kill(const char *dir);
/* Read and check the log of lab name (refused whole on any bad line). */
int lab_state_read(const char *name, struct lab_state *st, struct pt_err *err);
/* The checks of lab_state_read on text[0..len) (where names it). */
int lab_state_parse(const char *name, const char *where, const char *text,
		    size_t len, struct lab_state *st, struct pt_err *err);
void lab_state_free(struct lab_state *st);
/* Names of the labs with a state file; returns the count (<= max). */
unsigned lab_state_list(char (*names)[LAB_NAME_MAX + 1], unsigned max);

/* netns.c */
/* Run "ip -batch -" (or "tc -n NS -batch -" when tool is "tc") fed with
 * the text; 0 when it exits 0. */
int lab_batch(const char *tool, const char *netns, const char *text,
	      struct pt_err *err);
/* lab_batch in many namespaces at once (at most maxpar children at a time;
 * empty texts are skipped); the first failure is reported. */
int lab_batch_many(const char *tool, const char *const *netns,
		   const char *const *texts, unsigned n, unsigned maxpar,
		   struct pt_err *err);
/* Enter the named namespace (0 ok); lab_ns_home() returns to the initial
 * one. */
int lab_ns_enter(const char *netns);
int lab_ns_home(void);
/* Inside the current netns: */
int lab_ns_sysctl(const char *path, const char *value);
int lab_ns_offloads_off(const char *ifname);
int lab_ns_link_up(const char *ifname, const char *master);
int lab_ns_addr_add(const char *ifname, uint32_t addr, unsigned prefix);
/* Sum of rx+tx bytes and packets of IFNAME in the current netns. */
int lab_ns_dev_bytes(const char *ifname, uint64_t *rx, uint64_t *tx);
int lab_ns_exists(const char *netns);
/* Is a TCP socket listening on PORT (udp: a UDP socket bound to it) in
 * the current netns? */
int lab_ns_listening(unsigned port, int udp);
/* Remove PT_NETNS_DIR/NAME (detach the mount, unlink). 0 ok or absent. */
int lab_ns_delete(const char *netns);
/* Inode of a named netns (0 when absent). */
unsigned long lab_ns_inode(const char *netns);
/* PIDs whose network namespace is one of inodes[]; returns count. */
unsigned lab_ns_pids(const unsigned long *inodes, unsigned n, pid_t *pids,
		     unsigned max);

/* proc.c */
struct lab_spawn {
	const char *netns; /* NULL = stay in the initial netns */
	const char *cwd;
	const char *out_path, *err_path; /* NULL = /dev/null */
	uid_t uid;
	gid_t gid;
	int drop; /* setgid/setuid to uid/gid */
	char *const *argv;
	char *const *envp; /* NULL = a minimal environment */
	FILE *state;	   /* the PID is logged here before exec */
	const char *node;
	int capture;
};
/* fork; the child enters the netns, becomes a session leader and execs.
 * The PID is written to the state log before the child may exec; if we die
 * before, the child exits. */
int lab_spawn(const struct lab_spawn *sp, pid_t *pid, struct pt_err *err);
unsigned long long lab_proc_start(pid_t pid);
/* Is PID alive with this start time? */
int lab_proc_alive(pid_t pid, unsigned long long start);
/* Run a helper (qemu-img, mktorrent, ssh-keygen) to completion, stdin
 * /dev/null; its stdout and stderr (the first len-1 bytes) into out.
 * Returns its exit status, -1 when it could not run. */
int lab_run(char *const *argv, char *out, size_t len);
/* SIGTERM to the process group then SIGKILL after grace_ms; waits. */
void lab_proc_stop(const pid_t *pids, const unsigned long long *starts,
		   unsigned n, unsigned grace_ms);

/* links.c: namespaces (logged in ST first), links, addresses; then the
 * shapers of every node's link. */
int lab_net_setup(const struct lab_exp *e, FILE *st, struct pt_err *err);
int lab_net_shaping(const struct lab_exp *e, struct pt_err *err);

/* shape.c: tc commands for one direction of one node. */
struct lab_shape {
	double kbps;	 /* 0 = not shaped */
	double queue_ms; /* 0 = LAB_QUEUE_MS */
	double delay_ms, loss_pct;
	double jitter_ms;
};
#define LAB_QUEUE_MS 500
/* Does this kernel lack the netem qdisc? 1 with the reason in why (e.g.
 * "CONFIG_NET_SCH_NETEM is not set"), 0 when it has it or cannot tell. */
int lab_netem_missing(char *why, size_t len);
/* A node's rate from its group's set (k: the node's place in the group). */
double lab_rate_of(const struct lab_rates *set, double one, const char *node,
		   unsigned k, int up);
int lab_shape_batch(char *buf, size_t len, const char *dev,
		    const struct lab_shape *s);

/* up.c: build the lab of a loaded experiment (lab up). */
struct lab_up_opts {
	int no_capture;
};
/* The node processes lab up started (for the progress display). */
struct lab_running {
	pid_t *pids;
	unsigned long long *starts;
	unsigned n;
};
/* Needs root. 0 up (outabs: the output dir, absolute, PATH_MAX bytes);
 * else 2 (nothing created: bad users, lab exists...) or 1 (failed and
 * taken down again); the message is printed. Frees nothing of E. */
int lab_up(const struct lab_exp *e, const struct lab_up_opts *o,
	   struct lab_running *r, char *outabs);
void lab_running_free(struct lab_running *r);
/* P2PTRACE_LAB_TIMING=1: "lab timing: WHAT" lines, time since *t. */
void lab_phase(const char *what, uint64_t *t);

/* down.c: take a lab down from its undo log (lab down). */
struct lab_down_opts {
	int keep_work;	   /* leave LAB_WORK_DIR/LAB */
	int quiet;	   /* no "not up", no summary line */
	int summary;	   /* print the per-node table of the catalog */
	int capture_first; /* stop capture before the nodes (lab run) */
};
int lab_down(const char *name, const struct lab_down_opts *o);

/* catalog.c: OUT/catalog.tsv (columns: docs/lab.md). */
struct lab_ctx;
struct lab_down_ctx;
/* One row per node, start_ns = START + the group's start= delay. */
int lab_catalog_write(const struct lab_ctx *ctx, uint64_t start);
/* Fill stop_ns and capture's counts; with print, the per-node table. */
void lab_catalog_finish(const struct lab_down_ctx *d, uint64_t stop, int print);
/* The rewrite of lab_catalog_finish on open files: rows of in, counts of
 * stats (capture's TSV, may be NULL), into o (also the fuzz target's
 * entry). Lines longer than the longest written are dropped whole. */
int lab_catalog_rewrite(const struct lab_down_ctx *d, FILE *in, FILE *stats,
			FILE *o, uint64_t stop, int print);

#endif
