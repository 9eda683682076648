/*
 * ring.c -- AF_PACKET TPACKET_V3 capture of one interface (see ring.h).
 *
 * Order of setup matters: socket with protocol 0 (receives nothing), ring,
 * filter, then bind to ETH_P_ALL on the interface. Link types: Ethernet and
 * loopback are read raw (LINKTYPE_ETHERNET, VLAN tags the NIC stripped are
 * put back), interfaces without a link header (tun, wireguard) as
 * LINKTYPE_RAW, anything else cooked (LINKTYPE_LINUX_SLL, header built from
 * the sockaddr_ll the kernel stores beside each packet; its filter then runs
 * here, since kernel BPF sees no SLL header).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "p2ptrace/netns.h"
#include "capture/pcapng_w.h"
#include "capture/ring.h"

#define LT_ETHERNET 1
#define LT_RAW 101
#define LT_LINUX_SLL 113
#define MAX_SNAP 262144u
#define RETIRE_MS 100

/* Interface drops (as libpcap counts them: rx_missed + rx_fifo), read by
 * netlink in the interface's own namespace. */
static int if_drops(int nlfd, int ifindex, uint64_t *out)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	union {
		uint8_t b[16384];
		struct nlmsghdr align;
	} rsp;
	struct nlmsghdr *nh;
	ssize_t n;

	if (nlfd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	if (send(nlfd, &req, req.nh.nlmsg_len, 0) < 0)
		return -1;
	n = recv(nlfd, rsp.b, sizeof(rsp.b), 0);
	if (n <= 0)
		return -1;
	for (nh = &rsp.align; NLMSG_OK(nh, (unsigned)n);
	     nh = NLMSG_NEXT(nh, n)) {
		struct ifinfomsg *ifi;
		struct rtattr *rta;
		int len;

		if (nh->nlmsg_type != RTM_NEWLINK)
			continue;
		ifi = NLMSG_DATA(nh);
		len = (int)IFLA_PAYLOAD(nh);
		for (rta = IFLA_RTA(ifi); RTA_OK(rta, len);
		     rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type == IFLA_STATS64 &&
			    RTA_PAYLOAD(rta) >=
				    sizeof(struct rtnl_link_stats64)) {
				struct rtnl_link_stats64 st;

				memcpy(&st, RTA_DATA(rta), sizeof(st));
				*out = st.rx_missed_errors + st.rx_fifo_errors;
				return 0;
			}
		}
	}
	return -1;
}

/* Attach the program; on loopback, behind a prefix that rejects the
 * outgoing copy of every packet (each is seen leaving and arriving; as
 * libpcap, keep one), so that they are not even counted:
 *   ld pkttype; jeq OUTGOING ? next : skip; ja reject; PROGRAM; reject: ret 0
 */
static int attach(struct ring *r, const struct sock_filter *insns, unsigned len,
		  const char *where, struct pt_err *err)
{
	struct sock_filter *all = NULL;
	struct sock_fprog fp;
	int rc = 0;

	if (r->loopback) {
		all = calloc((size_t)len + 4, sizeof(*all));
		if (!all)
			return pt_fail(err, PT_ENOMEM, where, "out of memory");
		all[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      (uint32_t)SKF_AD_OFF +
							      SKF_AD_PKTTYPE);
		all[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      PACKET_OUTGOING, 0, 1);
		all[2] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, len);
		memcpy(all + 3, insns, len * sizeof(*all));
		all[3 + len] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		insns = all;
		len += 4;
	}
	fp.len = (unsigned short)len;
	fp.filter = (struct sock_filter *)insns;
	if (len > BPF_MAXINSNS ||
	    setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)))
		rc = pt_fail(err, PT_EIO, where, "cannot attach the filter: %s",
			     len > BPF_MAXINSNS ? "too long" : strerror(errno));
	free(all);
	return rc;
}

static int setup_filter(struct ring *r, const char *filter, const char *where,
			struct pt_err *err)
{
	int dlt = r->sll		  ? DLT_LINUX_SLL
		  : r->linktype == LT_RAW ? DLT_RAW
					  : DLT_EN10MB;
	struct bpf_program *prog = calloc(1, sizeof(*prog));
	pcap_t *p = pcap_open_dead(dlt, (int)r->snaplen);
	int rc = 0;

	if (!prog || !p) {
		free(prog);
		if (p)
			pcap_close(p);
		return pt_fail(err, PT_ENOMEM, where, "out of memory");
	}
	if (pcap_compile(p, prog, filter ? filter : "", 1,
			 PCAP_NETMASK_UNKNOWN) != 0) {
		rc = pt_fail(err, PT_EUSAGE, "filter", "'%s': %s",
			     filter ? filter : "", pcap_geterr(p));
		pcap_close(p);
		free(prog);
		return rc;
	}
	pcap_close(p);
	if ((!filter || !*filter) && r->snaplen >= MAX_SNAP && !r->loopback) {
		/* Accept-all at full length: no program to run per packet. */
		pcap_freecode(prog);
		free(prog);
		return 0;
	}
	if (r->sll) {
		/* Kernel BPF sees no SLL header: filter here. */
		if (filter && *filter) {
			r->uprog = prog;
			r->scratch = malloc(r->snaplen + 16);
			if (!r->scratch)
				return pt_fail(err, PT_ENOMEM, where,
					       "out of memory");
			return 0;
		}
		pcap_freecode(prog);
		free(prog);
		return 0;
	}
	rc = attach(r, (const struct sock_filter *)prog->bf_insns, prog->bf_len,
		    where, err);
	pcap_freecode(prog);
	free(prog);
	return rc;
}

static int setup_ring(struct ring *r, unsigned buf_kib, const char *where,
		      struct pt_err *err)
{
	struct tpacket_req3 req;
	int v = TPACKET_V3;
	size_t total = (size_t)buf_kib * 1024u;
	unsigned bs = 128u * 1024u;

	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0)
		return pt_fail(err, PT_EIO, where, "TPACKET_V3: %s",
			       strerror(errno));
	while (bs > 32u * 1024u && total / bs < 8)
		bs /= 2;
	r->block_size = bs;
	r->nblocks = (unsigned)(total / bs);
	if (r->nblocks < 4)
		r->nblocks = 4;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = bs;
	req.tp_block_nr = r->nblocks;
	req.tp_frame_size = 2048;
	req.tp_frame_nr = (bs / 2048) * r->nblocks;
	req.tp_retire_blk_tov = RETIRE_MS;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) !=
	    0)
		return pt_fail(err, PT_EIO, where,
			       "cannot set up a %u x %u KiB ring: %s",
			       r->nblocks, bs / 1024, strerror(errno));
	r->map_len = (size_t)bs * r->nblocks;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return pt_fail(err, PT_ENOMEM, where, "cannot map the ring: %s",
			       strerror(errno));
	}
	return 0;
}

/* Everything that must happen inside the interface's namespace. */
static int open_in_ns(struct ring *r, const char *iface, const char *where,
		      struct pt_err *err)
{
	struct ifreq ifr;
	int type;

	r->ifindex = (int)if_nametoindex(iface);
	if (!r->ifindex)
		return pt_fail(err, PT_EUSAGE, where, "no such interface '%s'",
			       iface);
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return pt_fail(err, PT_EIO, where, "packet socket: %s%s",
			       strerror(errno),
			       errno == EPERM ? " (capture needs root)" : "");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(r->fd, SIOCGIFHWADDR, &ifr) != 0)
		return pt_fail(err, PT_EUSAGE, where, "'%s': %s", iface,
			       strerror(errno));
	type = ifr.ifr_hwaddr.sa_family;
	if (type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK) {
		r->linktype = LT_ETHERNET;
		r->loopback = type == ARPHRD_LOOPBACK;
	} else {
		close(r->fd);
		r->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->fd < 0)
			return pt_fail(err, PT_EIO, where, "packet socket: %s",
				       strerror(errno));
		if (type == ARPHRD_NONE) {
			r->linktype = LT_RAW;
		} else {
			r->linktype = LT_LINUX_SLL;
			r->sll = 1;
		}
	}
	r->nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	return 0;
}

int ring_open_socket(struct ring *r, const char *netns, const char *iface,
		     uint32_t snaplen, const char *where, struct pt_err *err)
{
	int home = -1, rc = 0;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->nlfd = -1;
	r->snaplen = snaplen && snaplen < MAX_SNAP ? snaplen : MAX_SNAP;
	if (netns && (rc = pt_netns_enter(netns, &home, where, err)))
		return rc;
	rc = open_in_ns(r, iface, where, err);
	pt_netns_leave(home);
	if (rc)
		ring_close(r);
	return rc;
}

int ring_open_ring(struct ring *r, unsigned buf_kib, const char *where,
		   struct pt_err *err)
{
	return setup_ring(r, buf_kib, where, err);
}

int ring_open_bind(struct ring *r, const char *filter, const char *where,
		   struct pt_err *err)
{
	struct sockaddr_ll sll;
	int rc = setup_filter(r, filter, where, err);

	if (rc)
		return rc;
	if (if_drops(r->nlfd, r->ifindex, &r->ifdrop0) == 0)
		r->ifdrop = r->ifdrop0;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return pt_fail(err, PT_EIO, where, "bind: %s", strerror(errno));
	r->hooked = 1;
	return 0;
}

int ring_open(struct ring *r, const char *netns, const char *iface,
	      uint32_t snaplen, unsigned buf_kib, const char *filter,
	      const char *where, struct pt_err *err)
{
	int rc = ring_open_socket(r, netns, iface, snaplen, where, err);

	if (rc)
		return rc;
	rc = ring_open_ring(r, buf_kib, where, err);
	if (!rc)
		rc = ring_open_bind(r, filter, where, err);
	if (rc)
		ring_close(r);
	return rc;
}

static void fill_pkt(struct ring *r, const struct tpacket3_hdr *h,
		     struct ring_pkt *p)
{
	const uint8_t *data = (const uint8_t *)h + h->tp_mac;
	const struct sockaddr_ll *sa =
		(const void *)((const uint8_t *)h +
			       TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
	uint32_t cap = h->tp_snaplen, left;

	p->ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
	p->wirelen = h->tp_len;
	p->dir = sa->sll_pkttype == PACKET_OUTGOING ? PCAPNG_DIR_OUT
						    : PCAPNG_DIR_IN;
	p->niov = 0;
	left = r->snaplen;
	if (r->sll) {
		uint16_t v;

		v = htons(sa->sll_pkttype);
		memcpy(r->sllhdr, &v, 2);
		v = htons(sa->sll_hatype);
		memcpy(r->sllhdr + 2, &v, 2);
		v = htons(sa->sll_halen);
		memcpy(r->sllhdr + 4, &v, 2);
		memset(r->sllhdr + 6, 0, 8);
		memcpy(r->sllhdr + 6, sa->sll_addr,
		       sa->sll_halen < 8 ? sa->sll_halen : 8);
		memcpy(r->sllhdr + 14, &sa->sll_protocol, 2);
		p->iov[p->niov].iov_base = r->sllhdr;
		p->iov[p->niov++].iov_len = left < 16 ? left : 16;
		left = left < 16 ? 0 : left - 16;
		p->wirelen += 16;
	} else if (r->linktype == LT_ETHERNET && cap >= 12 &&
		   (h->tp_status & TP_STATUS_VLAN_VALID)) {
		uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
					? h->hv1.tp_vlan_tpid
					: ETH_P_8021Q;
		uint16_t v = htons(tpid);

		memcpy(r->vlan, &v, 2);
		v = htons((uint16_t)h->hv1.tp_vlan_tci);
		memcpy(r->vlan + 2, &v, 2);
		p->iov[p->niov].iov_base = (void *)data;
		p->iov[p->niov++].iov_len = left < 12 ? left : 12;
		left = left < 12 ? 0 : left - 12;
		p->iov[p->niov].iov_base = r->vlan;
		p->iov[p->niov++].iov_len = left < 4 ? left : 4;
		left = left < 4 ? 0 : left - 4;
		data += 12;
		cap -= 12;
		p->wirelen += 4;
	}
	p->iov[p->niov].iov_base = (void *)data;
	p->iov[p->niov++].iov_len = cap < left ? cap : left;
}

/* The userland filter (cooked interfaces only). 1 = keep. */
static int ufilter(struct ring *r, const struct ring_pkt *p)
{
	struct pcap_pkthdr ph;
	uint32_t o = 0;

	for (int i = 0; i < p->niov; i++) {
		memcpy(r->scratch + o, p->iov[i].iov_base, p->iov[i].iov_len);
		o += (uint32_t)p->iov[i].iov_len;
	}
	memset(&ph, 0, sizeof(ph));
	ph.caplen = o;
	ph.len = p->wirelen;
	return pcap_offline_filter(r->uprog, &ph, r->scratch) != 0;
}

int ring_read(struct ring *r, ring_fn fn, void *arg)
{
	for (;;) {
		struct tpacket_block_desc *bd =
			(void *)(r->map + (size_t)r->cur * r->block_size);
		const uint8_t *h;
		uint32_t n;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			return 0;
		n = bd->hdr.bh1.num_pkts;
		h = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
		for (uint32_t i = 0; i < n; i++) {
			const struct tpacket3_hdr *th = (const void *)h;
			struct ring_pkt p;
			int rc;

			fill_pkt(r, th, &p);
			r->seen++;
			if (r->uprog && !ufilter(r, &p)) {
				r->ufiltered++;
			} else {
				rc = fn(arg, &p);
				if (rc)
					return rc;
			}
			h += th->tp_next_offset;
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		r->cur = (r->cur + 1) % r->nblocks;
	}
}

void ring_unhook(struct ring *r)
{
	/* bind() with protocol 0 keeps the old protocol, so the way to stop
	 * the kernel is a filter that rejects everything: rejected packets
	 * are not counted, so the counters read after this are final. */
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = { .len = 1, .filter = &none };

	if (!r->hooked)
		return;
	if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) ==
	    0)
		r->hooked = 0;
}

void ring_update_stats(struct ring *r)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);
	uint64_t d;

	if (r->fd >= 0 &&
	    getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
		/* The kernel resets on read; tp_packets includes drops. */
		r->k_packets += st.tp_packets;
		r->k_drops += st.tp_drops;
	}
	if (if_drops(r->nlfd, r->ifindex, &d) == 0)
		r->ifdrop = d;
}

void ring_close(struct ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->nlfd >= 0)
		close(r->nlfd);
	if (r->uprog) {
		pcap_freecode(r->uprog);
		free(r->uprog);
	}
	free(r->scratch);
	r->map = NULL;
	r->fd = -1;
	r->nlfd = -1;
	r->uprog = NULL;
	r->scratch = NULL;
}
