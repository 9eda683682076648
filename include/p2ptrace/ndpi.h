/*
 * ndpi.h -- labels from libndpi (Debian's 4.2) for the flows of a
 * trace: `classify --label ndpi`. lib/label/ndpi.c is the only file that
 * includes libndpi's headers; names here use the ptndpi_ prefix because
 * libndpi exports many generic names.
 *
 * Caveat (research/data.md): libndpi 4.2 disagrees with the corpus's
 * .ndpi.out files on most P2P traces; it is a labeler for new traces.
 */
#ifndef P2PTRACE_NDPI_H
#define P2PTRACE_NDPI_H
#include <stdint.h>
#include "p2ptrace/err.h"

struct ptndpi_flow {
	uint8_t proto, ipver;
	uint16_t port[2];
	uint8_t addr[2][16];
	char name[64]; /* "Master.App" as ndpiReader prints it, "Unknown" */
	int dpi;       /* found by DPI (not guessed from ports) */
};

typedef void ptndpi_flow_fn(void *arg, const struct ptndpi_flow *f);

/* Run nDPI over every TCP/UDP flow of the file (bidirectional 5-tuples,
 * no timeouts, at most max_pkts packets per flow examined) and call fn
 * once per flow. Returns 0 or a negative PT_E code. */
int ptndpi_label_file(const char *path, ptndpi_flow_fn *fn, void *arg,
		      struct pt_err *err);

/* 1 when libndpi is built in (always, in this build). */
int ptndpi_available(void);

#endif
