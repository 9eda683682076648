/*
 * pcapng_w.h -- a small pcapng writer for capture: one Section Header Block
 * with comments, Interface Description Blocks with name, description,
 * nanosecond resolution and comments, Enhanced Packet Blocks with a
 * direction flag.
 *
 * Whole blocks are appended to a large buffer and written with one write()
 * when it is full (or on pcapng_w_flush), in the caller or (async) in a
 * writer thread. A failed write (ENOSPC, EIO...)
 * truncates the file back to the end of its last whole block, so what is on
 * disk is always a valid pcapng; the writer then refuses more packets.
 */
#ifndef P2PTRACE_CAPTURE_PCAPNG_W_H
#define P2PTRACE_CAPTURE_PCAPNG_W_H
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "p2ptrace/err.h"

/* epb_flags direction bits (pcapng spec: bits 0-1). */
#define PCAPNG_DIR_UNKNOWN 0u
#define PCAPNG_DIR_IN 1u
#define PCAPNG_DIR_OUT 2u

struct wbuf;

struct pcapng_w {
	int fd;
	char *path; /* for messages */
	uint8_t *buf;
	size_t len, cap;
	uint64_t file_off; /* bytes on disk (all whole blocks) */
	uint64_t pkts;	   /* EPBs accepted (buffered or on disk) */
	uint64_t bytes;	   /* sum of original lengths of the EPBs accepted */
	uint32_t nif;	   /* interfaces counted below */
	uint64_t *if_pkts, *if_bytes; /* per interface id: on disk */
	int failed; /* a write failed: the file ends at file_off */
	int err_no;
	/* async mode (see pcapng_w_set_async) */
	int async;
	unsigned inflight;   /* buffers queued for the writer thread */
	uint64_t queued_off; /* bytes handed to write (or queued) */
	struct wbuf *cur, *spare;
};

/* Create (or truncate) path; bufsize 0 = 512 KiB; nif = number of
 * interface ids whose packets are counted as they reach the disk. */
int pcapng_w_open(struct pcapng_w *w, const char *path, size_t bufsize,
		  uint32_t nif, struct pt_err *err);

/* Section Header Block: comments is an array of n "key=value" strings. */
int pcapng_w_shb(struct pcapng_w *w, const char *userappl,
		 const char *const *comments, int n, struct pt_err *err);

/* Interface Description Block (if_tsresol = 9: nanoseconds). */
int pcapng_w_idb(struct pcapng_w *w, int linktype, uint32_t snaplen,
		 const char *name, const char *descr,
		 const char *const *comments, int n, struct pt_err *err);

/* Enhanced Packet Block; the packet bytes are the concatenation of iov.
 * flags: PCAPNG_DIR_*. */
int pcapng_w_epb(struct pcapng_w *w, uint32_t ifid, uint64_t ts_ns,
		 uint32_t wirelen, uint32_t flags, const struct iovec *iov,
		 int niov, struct pt_err *err);

/* Async mode: full buffers are written by a background thread (one for
 * all writers) while the caller goes on filling a spare one; at most 8
 * buffers per writer wait. Errors show up at a later call and at close.
 * Call before the first flush. */
void pcapng_w_set_async(struct pcapng_w *w, int on);

/* Bytes the file will have once flushed. */
static inline uint64_t pcapng_w_size(const struct pcapng_w *w)
{
	return w->queued_off + w->len;
}

/* Write the buffer out. On failure the file is truncated to its last whole
 * block and PT_ENOSPC / PT_EIO returned. */
int pcapng_w_flush(struct pcapng_w *w, struct pt_err *err);

/* Flush and close. Returns the flush result; the fd is closed and the
 * buffer freed either way; the counters stay readable until
 * pcapng_w_free. */
int pcapng_w_close(struct pcapng_w *w, struct pt_err *err);
void pcapng_w_free(struct pcapng_w *w);

#endif
