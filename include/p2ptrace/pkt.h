/*
 * pkt.h -- one captured packet as a source hands it out.
 *
 * The bytes belong to the source and stay valid until the next call to
 * source_next() or source_close(): copy what you need to keep.
 */
#ifndef P2PTRACE_PKT_H
#define P2PTRACE_PKT_H
#include <stdint.h>

/* LINKTYPE_ values (tcpdump.org/linktypes.html) that decode understands. */
enum {
	LT_NULL = 0, /* BSD loopback, host-order 4-byte family */
	LT_ETHERNET = 1,
	LT_RAW = 101,  /* raw IPv4 or IPv6 */
	LT_LOOP = 108, /* OpenBSD loopback, network-order family */
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
};

struct pkt {
	const uint8_t *data; /* borrowed: see above */
	uint32_t caplen;     /* bytes in data */
	uint32_t wirelen;    /* bytes on the wire (frame length) */
	uint64_t ts_ns;	     /* capture time, ns since the epoch */
	int linktype;	     /* LINKTYPE_ of this packet's interface */
	uint32_t iface;	     /* interface index within its file (pcapng) */
};

#endif
