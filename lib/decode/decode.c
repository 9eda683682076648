/*
 * decode.c -- from link-layer bytes to struct pkt_view (see decode.h).
 *
 * One ladder: link header -> (VLAN tags, PPPoE, MPLS) -> IPv4 / IPv6 (+
 * extension headers) -> TCP / UDP / ICMP / ICMPv6. Every read is checked
 * against caplen first (tcpdump's rule). Lengths that are counted come
 * from the headers, not from caplen: a short snaplen keeps a prefix only.
 * Tunnels (GRE, IP-in-IP, UDP encapsulations) are not entered: the flow is
 * the outer one.
 */
#include <string.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/pkt.h"

static const char *const status_names[] = {
#define X(id, name) name,
	DECODE_STATUS_LIST(X)
#undef X
};

const char *decode_status_name(enum decode_status s)
{
	return (unsigned)s < DECODE_NSTATUS ? status_names[s] : "?";
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Transport header at l4 with avail bytes captured and l4len bytes by the
 * IP header. TCP (RFC 9293 3.1): ports, flags at byte 13, data offset.
 * UDP (RFC 768): ports, length. ICMP/ICMPv6: type and code as dport.
 */
static enum decode_status decode_l4(const uint8_t *l4, uint32_t avail,
				    uint32_t l4len, struct pkt_view *v)
{
	switch (v->proto) {
	case 6:
		if (avail < 14)
			return DECODE_L4_SHORT;
		v->sport = be16(l4);
		v->dport = be16(l4 + 2);
		v->tcp_flags = l4[13];
		{
			uint32_t off = (uint32_t)(l4[12] >> 4) * 4u;
			v->payload_len = l4len > off ? l4len - off : 0;
		}
		return DECODE_OK;
	case 17:
	case 136: /* UDP-Lite: same ports */
		if (avail < 4)
			return DECODE_L4_SHORT;
		v->sport = be16(l4);
		v->dport = be16(l4 + 2);
		v->payload_len = l4len > 8 ? l4len - 8 : 0;
		return DECODE_OK;
	case 132: /* SCTP: ports first */
		if (avail < 4)
			return DECODE_L4_SHORT;
		v->sport = be16(l4);
		v->dport = be16(l4 + 2);
		v->payload_len = l4len > 12 ? l4len - 12 : 0;
		return DECODE_OK;
	case 1:
	case 58:
		if (avail < 2)
			return DECODE_L4_SHORT;
		v->sport = 0;
		v->dport = (uint16_t)(l4[0] << 8 | l4[1]);
		v->payload_len = l4len > 8 ? l4len - 8 : 0;
		return DECODE_OK;
	default:
		v->payload_len = l4len;
		return DECODE_OK;
	}
}

/* IPv4, RFC 791 3.1. Options skipped by IHL. An AH header (RFC 4302) is
 * skipped so the flow has the ports beneath it. */
static enum decode_status decode_ip4(const uint8_t *ip, uint32_t avail,
				     struct pkt_view *v)
{
	uint32_t ihl, off, l4len;
	uint16_t fragw;

	if (avail < 20)
		return DECODE_IP4_SHORT;
	ihl = (ip[0] & 0x0fu) * 4u;
	if (ihl < 20)
		return DECODE_IP4_HLEN;
	if (avail < ihl)
		return DECODE_IP4_SHORT;
	v->ipver = 4;
	v->ip_len = be16(ip + 2);
	if (v->ip_len == 0 && avail >= ihl) /* TSO capture: length unset */
		v->ip_len = avail;
	if (v->ip_len < ihl)
		return DECODE_IP4_TOTLEN;
	v->proto = ip[9];
	memcpy(v->src, ip + 12, 4);
	memcpy(v->dst, ip + 16, 4);
	fragw = be16(ip + 6);
	v->frag_id = be16(ip + 4);
	if (fragw & 0x1fff)
		v->frag = FRAG_LATER;
	else if (fragw & 0x2000)
		v->frag = FRAG_FIRST;
	off = ihl;
	l4len = v->ip_len - ihl;
	if (v->frag == FRAG_LATER) {
		v->payload_len = l4len;
		return DECODE_OK;
	}
	if (v->proto == 51 && avail >= off + 8) { /* AH */
		uint32_t ahlen = ((uint32_t)ip[off + 1] + 2u) * 4u;
		if (ahlen <= l4len && avail >= off + ahlen) {
			v->proto = ip[off];
			off += ahlen;
			l4len -= ahlen;
		}
	}
	return decode_l4(ip + off, avail - off, l4len, v);
}

/* IPv6, RFC 8200: fixed header, then extension headers (hop-by-hop 0,
 * routing 43, fragment 44, destination options 60, AH 51, mobility 135),
 * at most DECODE_IP6_EXT_MAX of them. */
static enum decode_status decode_ip6(const uint8_t *ip, uint32_t avail,
				     struct pkt_view *v)
{
	uint32_t off = 40, plen, end;
	uint8_t nh;
	int n;

	if (avail < 40)
		return DECODE_IP6_SHORT;
	v->ipver = 6;
	plen = be16(ip + 4);
	if (plen == 0 && avail > 40) /* jumbogram or TSO: use what we have */
		plen = avail - 40;
	v->ip_len = plen + 40;
	memcpy(v->src, ip + 8, 16);
	memcpy(v->dst, ip + 24, 16);
	nh = ip[6];
	end = v->ip_len;
	for (n = 0;; n++) {
		uint32_t hl;

		if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51 &&
		    nh != 135)
			break;
		if (n == DECODE_IP6_EXT_MAX)
			return DECODE_IP6_EXT;
		if (avail < off + 8)
			return DECODE_IP6_SHORT;
		if (nh == 44) {
			uint16_t fo = be16(ip + off + 2);
			v->frag_id = be32(ip + off + 4);
			if (fo & 0xfff8) {
				v->frag = FRAG_LATER;
				v->proto = ip[off];
				v->payload_len =
					end > off + 8 ? end - off - 8 : 0;
				return DECODE_OK;
			}
			if (fo & 1)
				v->frag = FRAG_FIRST;
			hl = 8;
		} else if (nh == 51) {
			hl = ((uint32_t)ip[off + 1] + 2u) * 4u;
		} else {
			hl = ((uint32_t)ip[off + 1] + 1u) * 8u;
		}
		nh = ip[off];
		off += hl;
		if (off > end)
			return DECODE_IP6_EXT;
	}
	v->proto = nh;
	if (off > avail)
		return DECODE_IP6_SHORT;
	return decode_l4(ip + off, avail - off, end - off, v);
}

static enum decode_status decode_ip(const uint8_t *ip, uint32_t avail,
				    struct pkt_view *v)
{
	if (avail < 1)
		return DECODE_IP4_SHORT;
	switch (ip[0] >> 4) {
	case 4:
		return decode_ip4(ip, avail, v);
	case 6:
		return decode_ip6(ip, avail, v);
	default:
		return DECODE_IP_VERSION;
	}
}

/* An ethertype at data[off]; handles VLAN, PPPoE session and MPLS. */
static enum decode_status decode_ethertype(const uint8_t *data, uint32_t caplen,
					   uint32_t off, uint16_t type,
					   struct pkt_view *v)
{
	int tags = 0;

	for (;;) {
		if (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (++tags > DECODE_VLAN_MAX)
				return DECODE_VLAN_TOO_DEEP;
			if (caplen < off + 4)
				return DECODE_LINK_SHORT;
			if (tags == 1)
				v->vlan = be16(data + off) & 0x0fff;
			type = be16(data + off + 2);
			off += 4;
			continue;
		}
		if (type == 0x8864) { /* PPPoE session, RFC 2516 */
			uint16_t ppp;
			if (caplen < off + 8)
				return DECODE_LINK_SHORT;
			ppp = be16(data + off + 6);
			off += 8;
			if (ppp == 0x0021)
				type = 0x0800;
			else if (ppp == 0x0057)
				type = 0x86dd;
			else
				return DECODE_NOT_IP;
			continue;
		}
		if (type == 0x8847 || type == 0x8848) { /* MPLS label stack */
			int n = 0;
			for (;;) {
				if (caplen < off + 4 || ++n > 8)
					return DECODE_LINK_SHORT;
				off += 4;
				if (data[off - 2] & 1)
					break;
			}
			v->l3_off = (uint16_t)off;
			return decode_ip(data + off, caplen - off, v);
		}
		break;
	}
	if (type != 0x0800 && type != 0x86dd)
		return DECODE_NOT_IP;
	if (off > 0xffff)
		return DECODE_LINK_SHORT;
	v->l3_off = (uint16_t)off;
	if (type == 0x0800) {
		if (caplen > off && data[off] >> 4 != 4)
			return DECODE_IP_VERSION;
		return decode_ip4(data + off, caplen - off, v);
	}
	if (caplen > off && data[off] >> 4 != 6)
		return DECODE_IP_VERSION;
	return decode_ip6(data + off, caplen - off, v);
}

/* BSD loopback address family (NULL: host order of the capturing host,
 * either; LOOP: network order). */
static enum decode_status decode_af(const uint8_t *data, uint32_t caplen,
				    uint32_t fam, struct pkt_view *v)
{
	v->l3_off = 4;
	if (fam == 2)
		return decode_ip4(data + 4, caplen - 4, v);
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return decode_ip6(data + 4, caplen - 4, v);
	return DECODE_NOT_IP;
}

int decode_link_supported(int linktype)
{
	switch (linktype) {
	case LT_ETHERNET:
	case LT_LINUX_SLL:
	case LT_LINUX_SLL2:
	case LT_RAW:
	case 12:
	case 14:
	case LT_IPV4:
	case LT_IPV6:
	case LT_NULL:
	case LT_LOOP:
	case 9:
	case 50:
	case 104:
		return 1;
	default:
		return 0;
	}
}

enum decode_status decode_packet(int linktype, const uint8_t *data,
				 uint32_t caplen, struct pkt_view *v)
{
	memset(v, 0, sizeof(*v));
	switch (linktype) {
	case LT_ETHERNET:
		if (caplen < 14)
			return DECODE_LINK_SHORT;
		return decode_ethertype(data, caplen, 14, be16(data + 12), v);
	case LT_LINUX_SLL:
		if (caplen < 16)
			return DECODE_LINK_SHORT;
		return decode_ethertype(data, caplen, 16, be16(data + 14), v);
	case LT_LINUX_SLL2:
		if (caplen < 20)
			return DECODE_LINK_SHORT;
		return decode_ethertype(data, caplen, 20, be16(data), v);
	case LT_RAW:
	case 12: /* DLT_RAW as some writers store it */
	case 14:
	case LT_IPV4:
	case LT_IPV6:
		return decode_ip(data, caplen, v);
	case LT_NULL: {
		uint32_t fam;
		if (caplen < 4)
			return DECODE_LINK_SHORT;
		memcpy(&fam, data, 4);
		if (fam > 0xffff)
			fam = __builtin_bswap32(fam);
		return decode_af(data, caplen, fam, v);
	}
	case LT_LOOP:
		if (caplen < 4)
			return DECODE_LINK_SHORT;
		return decode_af(data, caplen, be32(data), v);
	case 9:	   /* PPP, RFC 1661: optional ff 03, then the protocol */
	case 50: { /* PPP in HDLC-like framing */
		uint32_t off = 0;
		uint16_t proto;
		if (caplen >= 2 && data[0] == 0xff && data[1] == 0x03)
			off = 2;
		if (caplen < off + 2)
			return DECODE_LINK_SHORT;
		proto = be16(data + off);
		off += 2;
		v->l3_off = (uint16_t)off;
		if (proto == 0x0021)
			return decode_ip4(data + off, caplen - off, v);
		if (proto == 0x0057)
			return decode_ip6(data + off, caplen - off, v);
		return DECODE_NOT_IP;
	}
	case 104: /* Cisco HDLC: address, control, ethertype */
		if (caplen < 4)
			return DECODE_LINK_SHORT;
		return decode_ethertype(data, caplen, 4, be16(data + 2), v);
	default:
		return DECODE_LINK_UNSUPPORTED;
	}
}
