/*
 * source_int.h -- what the source implementations share (lib/source only).
 *
 * struct source is a small vtable: file.c implements pcap/pcapng files,
 * live.c live interfaces. source.c holds the common parts (filter,
 * dispatch).
 */
#ifndef P2PTRACE_SOURCE_INT_H
#define P2PTRACE_SOURCE_INT_H
#include <pcap/pcap.h>
#include "p2ptrace/source.h"

struct source_ops {
	int (*next)(struct source *s, struct pkt *pkt, struct pt_err *err);
	void (*close)(struct source *s);
	void (*stop)(struct source *s);
};

#define SOURCE_MAX_IFACES 64

struct source {
	const struct source_ops *ops;
	char name[256];
	char labels[1024];
	uint64_t offset, size;
	uint64_t filtered;
	int linktype; /* one for the whole source, or -1 */
	/* BPF filter: one compiled program per link type seen. */
	char *filter;
	struct {
		int linktype;
		int ok;
		struct bpf_program prog;
	} bpf[8];
	int nbpf;
	void *impl; /* the implementation's state */
};

/* Allocate a source with ops and name (calloc'd; free with source_close). */
struct source *source_alloc(const struct source_ops *ops, const char *name);

#endif
