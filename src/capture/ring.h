/*
 * ring.h -- one capture interface: an AF_PACKET socket with a TPACKET_V3
 * memory-mapped ring, opened in any network namespace (setns just for the
 * socket), with the BPF filter run in the kernel.
 *
 * Why not libpcap: we need exact accounting. The socket is bound to the
 * interface only after the filter and ring are in place (nothing arrives
 * unfiltered), and at stop it is unhooked (a reject-all filter) before the
 * final counters are read, so "delivered" (packets the kernel put in the
 * ring) is final and every one of them can be drained and written.
 */
#ifndef P2PTRACE_CAPTURE_RING_H
#define P2PTRACE_CAPTURE_RING_H
#include <stdint.h>
#include <sys/uio.h>
#include "p2ptrace/err.h"

struct ring_pkt {
	uint64_t ts_ns;
	uint32_t wirelen; /* original frame length */
	uint32_t dir;	  /* PCAPNG_DIR_* */
	struct iovec iov[3];
	int niov; /* bytes = concatenation, already cut to snaplen */
};

struct ring {
	int fd;
	int nlfd; /* NETLINK_ROUTE socket in the interface's netns */
	uint8_t *map;
	size_t map_len;
	unsigned block_size, nblocks, cur;
	int ifindex;
	int linktype; /* LINKTYPE_ written to the IDB */
	int sll;      /* build a LINUX_SLL header from sockaddr_ll */
	int loopback; /* keep only the incoming copy of each packet */
	uint32_t snaplen;
	void *uprog;	  /* struct bpf_program * run in userland (SLL) */
	uint8_t *scratch; /* SLL header + packet, for the userland filter */
	uint8_t vlan[4];
	uint8_t sllhdr[16];
	/* Counters. */
	uint64_t k_packets, k_drops; /* kernel: accumulated, as reported */
	uint64_t seen;		     /* packets taken from the ring */
	uint64_t ufiltered;	     /* rejected by the userland filter */
	uint64_t ifdrop0, ifdrop;    /* interface drops: start, last read */
	int hooked;
};

/* A closed ring (safe to ring_close). */
static inline void ring_init(struct ring *r)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->nlfd = -1;
}

/* Open iface (in netns when netns is not NULL) with a ring of buf_kib KiB.
 * snaplen 0 = 262144. filter may be NULL. where names the -i option in
 * messages. PT_EUSAGE for a missing interface/namespace or a bad filter. */
int ring_open(struct ring *r, const char *netns, const char *iface,
	      uint32_t snaplen, unsigned buf_kib, const char *filter,
	      const char *where, struct pt_err *err);

/* ring_open in three steps, so that a caller can run the middle one (the
 * slow one: the kernel waits for an RCU grace period) for many interfaces
 * at once, in threads. On error the caller ring_close()s. */
int ring_open_socket(struct ring *r, const char *netns, const char *iface,
		     uint32_t snaplen, const char *where, struct pt_err *err);
int ring_open_ring(struct ring *r, unsigned buf_kib, const char *where,
		   struct pt_err *err);
int ring_open_bind(struct ring *r, const char *filter, const char *where,
		   struct pt_err *err);

/* Call fn for every packet of every block the kernel has handed over.
 * fn returns 0 to go on, non-zero to stop (that value is returned; the
 * current block is then not handed back). Returns 0 when the ring is empty. */
typedef int (*ring_fn)(void *arg, const struct ring_pkt *p);
int ring_read(struct ring *r, ring_fn fn, void *arg);

/* Stop the kernel from adding packets (reject-all filter). */
void ring_unhook(struct ring *r);

/* Read and accumulate the kernel and interface counters. */
void ring_update_stats(struct ring *r);

/* Packets the kernel put into the ring so far (after the last
 * ring_update_stats). */
static inline uint64_t ring_delivered(const struct ring *r)
{
	return r->k_packets - r->k_drops;
}

void ring_close(struct ring *r);

#endif
