/*
 * capture.h -- one capture session: many interfaces (each an AF_PACKET
 * ring), each written into its own labeled pcapng (or all into one), with
 * rotation by size/time/SIGHUP, a poll loop, a drain at stop that writes
 * every packet the kernel delivered, and the per-interface counters.
 */
#ifndef P2PTRACE_CAPTURE_CAPTURE_H
#define P2PTRACE_CAPTURE_CAPTURE_H
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "capture/pcapng_w.h"
#include "capture/ring.h"
#include "p2ptrace/err.h"

struct cap_out;

struct cap_iface {
	char *netns; /* NULL: our own namespace */
	char *iface;
	char *node;
	char *ifname;  /* "NETNS:IFACE" or "IFACE" (if_name) */
	char **labels; /* "key=value" for the IDB (and SHB per node) */
	int nlabels;
	struct ring ring;
	struct cap_out *out;
	uint32_t ifid;		 /* interface id within its file */
	uint64_t written, bytes; /* on disk, closed files */
	int warned;		 /* said that the interface went away */
};

struct cap_out {
	char *name; /* file base name (node or --one-file) */
	char **shb; /* SHB comments */
	int nshb;
	struct cap_iface **ifs;
	int nifs;
	struct pcapng_w w;
	int is_open;
	unsigned index;
	uint64_t end_rt; /* -G: this file takes packets before this time
			    (CLOCK_REALTIME ns, the clock of packet
			    timestamps) */
	char final[4096], part[4096 + 8];
	char *files; /* comma-separated, relative to dir */
};

struct cap_cfg {
	const char *dir;
	uint32_t snaplen;   /* 0 = 262144 */
	uint64_t rot_bytes; /* -C: 0 = none */
	uint64_t rot_ns;    /* -G: 0 = none */
	unsigned buf_kib;   /* -B */
	const char *filter;
	const char *userappl;
};

struct capture {
	struct cap_cfg cfg;
	struct cap_iface *ifs;
	int nifs;
	struct cap_out *outs;
	int nouts;
	struct pt_err werr; /* the first write error */
	int failed;
	uint64_t undrained; /* packets left in rings at the drain deadline */
};

/* Open every interface's ring (needs root). Fills PT_EUSAGE errors for
 * missing interfaces/namespaces and bad filters. */
int capture_open_ifaces(struct capture *c, struct pt_err *err);

/* Open the first output file of every output (after the privilege drop). */
int capture_open_files(struct capture *c, struct pt_err *err);

/* Run until *stop; *hup asks for a rotation now. Returns 0, or a negative
 * code when writing failed (c->werr says why). Always drains and closes:
 * afterwards every file is complete and renamed. */
int capture_run(struct capture *c, volatile sig_atomic_t *stop,
		volatile sig_atomic_t *hup, const sigset_t *waitmask);

/* Per-interface figures after capture_run. */
struct cap_figs {
	uint64_t received, dropped_kernel, dropped_iface, written, bytes;
};
void capture_figs(const struct capture *c, const struct cap_iface *f,
		  struct cap_figs *out);

/* Stats TSV (see docs/capture.md). */
int capture_write_stats(const struct capture *c, const char *path,
			struct pt_err *err);
void capture_print_stats(const struct capture *c, FILE *f);

void capture_free(struct capture *c);

#endif
