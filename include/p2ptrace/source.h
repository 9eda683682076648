/*
 * source.h -- where packets come from: pcap and pcapng files (read here,
 * natively, so that every error names its byte offset and one pcapng may
 * mix link types), and live interfaces (libpcap).
 *
 * A source hands out one packet at a time, in file order. Bad input is
 * reported with the file name and byte offset. A file that ends inside a
 * record yields every whole packet before it, then PT_ETRUNC.
 */
#ifndef P2PTRACE_SOURCE_H
#define P2PTRACE_SOURCE_H
#include <stdint.h>
#include <stdio.h>
#include "p2ptrace/err.h"
#include "p2ptrace/pkt.h"

/* Records longer than this are refused as corrupt (libpcap's bound too). */
#define SOURCE_MAX_RECORD (256u * 1024u)

struct source;

/* Open a capture file (pcap: us or ns, either byte order; pcapng). path "-"
 * reads standard input. Returns 0 and a new source (free with
 * source_close), or a negative PT_E code with *err filled. */
int source_open_file(const char *path, struct source **out, struct pt_err *err);

/* The same over bytes in memory (not copied: they must outlive the source).
 * name is used in messages only. */
int source_open_mem(const uint8_t *data, size_t len, const char *name,
		    struct source **out, struct pt_err *err);

/* Open a live interface with libpcap ("IFACE" or "NETNS:IFACE").
 * snaplen 0 = whole packets. */
int source_open_live(const char *iface, int snaplen, struct source **out,
		     struct pt_err *err);

/* 1: *pkt filled; 0: end of input; < 0: error with *err filled (for
 * PT_ETRUNC the packets before were good). For a live source 0 is also
 * returned on a read timeout when source_stop() was called. */
int source_next(struct source *s, struct pkt *pkt, struct pt_err *err);

/* Set a BPF filter (tcpdump syntax, compiled with libpcap per link type).
 * Packets it rejects are skipped by source_next and counted. */
int source_set_filter(struct source *s, const char *expr, struct pt_err *err);

/* Ask a live source to return 0 at its next timeout (signal-safe). */
void source_stop(struct source *s);
/* 1 for a live interface (its next packet may be long in coming). */
int source_is_live(const struct source *s);

const char *source_name(const struct source *s);
/* The link type of a pcap file (its header's), or -1 when packets carry
 * their own (pcapng: per interface; live). */
int source_linktype(const struct source *s);
/* Bytes consumed so far and the total (0 when unknown), for progress. */
uint64_t source_offset(const struct source *s);
uint64_t source_size(const struct source *s);
/* Packets rejected by the filter. */
uint64_t source_filtered(const struct source *s);
/* pcapng: labels found in the section/interface comments ("key=value"),
 * as one "k=v;k=v" string, or "" (borrowed). */
const char *source_labels(const struct source *s);

void source_close(struct source *s);

#endif
