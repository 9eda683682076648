/*
 * decode.h -- link-layer bytes to a struct pkt_view of the fields a flow
 * needs. Knows nothing of flows. Never allocates; every read is bounds
 * checked against caplen. A packet it cannot use gets a named status, which
 * the engine counts: a malformed packet is data, not an error.
 *
 * Link types: Ethernet (802.1Q / 802.1ad tags, at most DECODE_VLAN_MAX;
 * PPPoE, MPLS, MACsec without encryption), Linux SLL and SLL2, raw IP, raw
 * IPv4/IPv6 (228/229: the other version is refused), BSD NULL/LOOP, PPP
 * (9, 50; with MPLS), Cisco HDLC (104), Frame Relay (107), IEEE 802.11 data
 * frames with LLC/SNAP (105; radiotap 127; PPI 192 around 802.11 or
 * Ethernet). Network: IPv4 (options,
 * fragments), IPv6 (extension headers, fragments). Transport: TCP, UDP,
 * ICMP, ICMPv6 (type/code as ports, as YAF and nfdump do: sport = 0,
 * dport = type << 8 | code); any other protocol: addresses + number.
 */
#ifndef P2PTRACE_DECODE_H
#define P2PTRACE_DECODE_H
#include <stdint.h>

#define DECODE_VLAN_MAX 2
#define DECODE_IP6_EXT_MAX 8

/* clang-format off */
#define DECODE_STATUS_LIST(X) \
	X(DECODE_OK, "ok") \
	X(DECODE_LINK_UNSUPPORTED, "link type not supported") \
	X(DECODE_LINK_SHORT, "link header truncated") \
	X(DECODE_VLAN_TOO_DEEP, "more than 2 VLAN tags") \
	X(DECODE_NOT_IP, "not IP (ARP, LLDP, ...)") \
	X(DECODE_IP4_SHORT, "IPv4 header truncated") \
	X(DECODE_IP4_HLEN, "IPv4 header length < 20") \
	X(DECODE_IP4_TOTLEN, "IPv4 total length < header length") \
	X(DECODE_IP6_SHORT, "IPv6 header truncated") \
	X(DECODE_IP6_EXT, "IPv6 extension header bad or too deep") \
	X(DECODE_IP_VERSION, "IP version is not 4 or 6") \
	X(DECODE_L4_SHORT, "TCP/UDP/ICMP header truncated") \
	X(DECODE_IP_LINK_VERSION, "IP version not the link type's (228/229)") \
	X(DECODE_IP6_LEN, "IPv6 payload length 0, no jumbo, not BIG TCP") \
	X(DECODE_ENCRYPTED, "encrypted (802.11 protected, MACsec)")
/* clang-format on */

enum decode_status {
#define X(id, name) id,
	DECODE_STATUS_LIST(X)
#undef X
		DECODE_NSTATUS
};

const char *decode_status_name(enum decode_status s);
/* 1 when decode_packet knows this link type. */
int decode_link_supported(int linktype);

/* TCP flag bits as in the header's 13th byte. */
enum {
	TCPF_FIN = 0x01,
	TCPF_SYN = 0x02,
	TCPF_RST = 0x04,
	TCPF_PSH = 0x08,
	TCPF_ACK = 0x10,
	TCPF_URG = 0x20,
	TCPF_ECE = 0x40,
	TCPF_CWR = 0x80,
};

/* Fragment state of an IP packet. */
enum {
	FRAG_NONE = 0,	/* not a fragment */
	FRAG_FIRST = 1, /* offset 0, more fragments: has the L4 header */
	FRAG_LATER = 2, /* offset > 0: no L4 header; ports unknown */
};

struct pkt_view {
	uint8_t ipver;	   /* 4 or 6 */
	uint8_t proto;	   /* IP protocol number (after IPv6 extensions) */
	uint8_t tcp_flags; /* TCPF_* (0 when not TCP) */
	uint8_t frag;	   /* FRAG_* */
	uint16_t vlan;	   /* outermost VLAN id, 0 when untagged */
	uint16_t sport;	   /* host order; 0 when none */
	uint16_t dport;
	uint16_t l3_off;      /* offset of the IP header in the frame */
	uint32_t ip_len;      /* IP total length from the header (not caplen) */
	uint32_t frag_id;     /* IPv4 id or IPv6 fragment identification */
	uint32_t payload_len; /* L4 payload bytes by the headers' lengths */
	uint8_t src[16];      /* IPv4: first 4 bytes, rest zero */
	uint8_t dst[16];
};

/* Decode one frame of caplen captured bytes and wirelen bytes on the wire
 * (the wire length matters only for IPv6 with payload length 0: BIG TCP).
 * Returns DECODE_OK with *v filled, or the reason. */
enum decode_status decode_frame(int linktype, const uint8_t *data,
				uint32_t caplen, uint32_t wirelen,
				struct pkt_view *v);
/* decode_frame with the wire length taken as caplen. */
enum decode_status decode_packet(int linktype, const uint8_t *data,
				 uint32_t caplen, struct pkt_view *v);

#endif
