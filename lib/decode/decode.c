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
				     uint32_t wire, struct pkt_view *v)
{
	uint32_t ihl, off, l4len;
	uint16_t fragw;

	(void)wire;

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

/* The Jumbo Payload option (RFC 2675: type 0xc2, 4 bytes, > 65,535) in
 * the hop-by-hop header at h (captured: avail bytes); 0 when absent. */
static uint32_t jumbo_len(const uint8_t *h, uint32_t avail)
{
	uint32_t len, o = 2;

	if (avail < 8)
		return 0;
	len = ((uint32_t)h[1] + 1u) * 8u;
	if (len > avail)
		len = avail;
	while (o < len) {
		if (h[o] == 0) { /* Pad1 */
			o++;
			continue;
		}
		if (o + 2 > len || o + 2u + h[o + 1] > len)
			return 0;
		if (h[o] == 0xc2 && h[o + 1] == 4) {
			uint32_t j = be32(h + o + 2);
			return j > 0xffff && j <= 0xffffffffu - 40 ? j : 0;
		}
		o += 2u + h[o + 1];
	}
	return 0;
}

/* IPv6, RFC 8200: fixed header, then extension headers (hop-by-hop 0,
 * routing 43, fragment 44, destination options 60, AH 51, mobility 135),
 * at most DECODE_IP6_EXT_MAX of them. Payload length 0: a jumbogram's
 * length comes from its Jumbo Payload option; without one, only TCP or
 * UDP whose payload on the wire is over 65,535 bytes is taken (Linux BIG
 * TCP, as tcpdump does), with the wire length; anything else is refused. */
static enum decode_status decode_ip6(const uint8_t *ip, uint32_t avail,
				     uint32_t wire, struct pkt_view *v)
{
	uint32_t off = 40, plen, end;
	uint8_t nh;
	int n, big = 0;

	if (avail < 40)
		return DECODE_IP6_SHORT;
	v->ipver = 6;
	plen = be16(ip + 4);
	nh = ip[6];
	if (plen == 0) {
		plen = nh == 0 ? jumbo_len(ip + 40, avail - 40) : 0;
		if (plen == 0) {
			if (wire < 40 || wire - 40 <= 0xffff)
				return DECODE_IP6_LEN;
			plen = wire - 40;
			big = 1;
		}
	}
	v->ip_len = plen + 40;
	memcpy(v->src, ip + 8, 16);
	memcpy(v->dst, ip + 24, 16);
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
				if (big)
					return DECODE_IP6_LEN;
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
	if (big && nh != 6 && nh != 17)
		return DECODE_IP6_LEN;
	if (off > avail)
		return DECODE_IP6_SHORT;
	return decode_l4(ip + off, avail - off, end - off, v);
}

/* IPv4 or IPv6 by the version nibble (raw IP, MPLS payload). want is 4
 * or 6 when the link type names the version (228/229), else 0. */
static enum decode_status decode_ip(const uint8_t *ip, uint32_t avail,
				    uint32_t wire, int want, struct pkt_view *v)
{
	int ver;

	if (avail < 1)
		return DECODE_IP4_SHORT;
	ver = ip[0] >> 4;
	if (want && ver != want && (ver == 4 || ver == 6))
		return DECODE_IP_LINK_VERSION;
	switch (ver) {
	case 4:
		return decode_ip4(ip, avail, wire, v);
	case 6:
		return decode_ip6(ip, avail, wire, v);
	default:
		return DECODE_IP_VERSION;
	}
}

/* A frame's bytes as the ladder walks them. */
struct frm {
	const uint8_t *d;
	uint32_t cap, wire;
};

static inline uint32_t wire_from(const struct frm *f, uint32_t off)
{
	return f->wire > off ? f->wire - off : 0;
}

/* IP at f->d[off]: want 4, 6 or 0 (by the version nibble). */
static enum decode_status ip_at(const struct frm *f, uint32_t off, int want,
				struct pkt_view *v)
{
	if (off > 0xffff || off > f->cap)
		return DECODE_LINK_SHORT;
	v->l3_off = (uint16_t)off;
	if (want && f->cap > off && f->d[off] >> 4 != want)
		return DECODE_IP_VERSION;
	if (want == 4)
		return decode_ip4(f->d + off, f->cap - off, wire_from(f, off), v);
	if (want == 6)
		return decode_ip6(f->d + off, f->cap - off, wire_from(f, off), v);
	return decode_ip(f->d + off, f->cap - off, wire_from(f, off), 0, v);
}

/* PPP protocol numbers (RFC 1661 + IANA) as the ethertype that carries
 * the same thing; 0 for anything else (LCP, IPCP, ...). */
static uint16_t ppp_to_ethertype(uint16_t proto)
{
	switch (proto) {
	case 0x0021:
		return 0x0800;
	case 0x0057:
		return 0x86dd;
	case 0x0281: /* MPLS unicast, RFC 3032 */
		return 0x8847;
	case 0x0283: /* MPLS multicast */
		return 0x8848;
	default:
		return 0;
	}
}

/* MACsec SecTAG (IEEE 802.1AE 9.3) after its ethertype at f->d[*off]:
 * TCI/AN, short length, packet number, SCI when TCI.SC (0x20). E or C
 * (0x08, 0x04) set: the data is encrypted or changed. Else the user data
 * starts with an ethertype, returned in *type. */
static enum decode_status macsec(const struct frm *f, uint32_t *off,
				 uint16_t *type)
{
	uint32_t o = *off, tl;

	if (f->cap < o + 6)
		return DECODE_LINK_SHORT;
	if (f->d[o] & 0x0c)
		return DECODE_ENCRYPTED;
	tl = (f->d[o] & 0x20) ? 14 : 6;
	if (f->cap < o + tl + 2)
		return DECODE_LINK_SHORT;
	*type = be16(f->d + o + tl);
	*off = o + tl + 2;
	return DECODE_OK;
}

/* An ethertype at data[off]; handles VLAN, PPPoE session, MACsec and
 * MPLS. */
static enum decode_status decode_ethertype(const struct frm *f, uint32_t off,
					   uint16_t type, struct pkt_view *v)
{
	int tags = 0, sec = 0;

	for (;;) {
		if (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (++tags > DECODE_VLAN_MAX)
				return DECODE_VLAN_TOO_DEEP;
			if (f->cap < off + 4)
				return DECODE_LINK_SHORT;
			if (tags == 1)
				v->vlan = be16(f->d + off) & 0x0fff;
			type = be16(f->d + off + 2);
			off += 4;
			continue;
		}
		if (type == 0x88e5 && !sec++) { /* MACsec, at most once */
			enum decode_status st = macsec(f, &off, &type);
			if (st != DECODE_OK)
				return st;
			continue;
		}
		if (type == 0x8864) { /* PPPoE session, RFC 2516 */
			if (f->cap < off + 8)
				return DECODE_LINK_SHORT;
			type = ppp_to_ethertype(be16(f->d + off + 6));
			off += 8;
			if (!type)
				return DECODE_NOT_IP;
			continue;
		}
		if (type == 0x8847 || type == 0x8848) { /* MPLS label stack */
			int n = 0;
			for (;;) {
				if (f->cap < off + 4 || ++n > 8)
					return DECODE_LINK_SHORT;
				off += 4;
				if (f->d[off - 2] & 1)
					break;
			}
			return ip_at(f, off, 0, v);
		}
		break;
	}
	if (type == 0x0800)
		return ip_at(f, off, 4, v);
	if (type == 0x86dd)
		return ip_at(f, off, 6, v);
	return DECODE_NOT_IP;
}

/* BSD loopback address family (NULL: host order of the capturing host,
 * either; LOOP: network order). */
static enum decode_status decode_af(const struct frm *f, uint32_t fam,
				    struct pkt_view *v)
{
	if (fam == 2)
		return ip_at(f, 4, 4, v);
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return ip_at(f, 4, 6, v);
	return DECODE_NOT_IP;
}

/* PPP, RFC 1661: optional address/control ff 03, then the protocol. */
static enum decode_status decode_ppp(const struct frm *f, struct pkt_view *v)
{
	uint32_t off = 0;
	uint16_t type;

	if (f->cap >= 2 && f->d[0] == 0xff && f->d[1] == 0x03)
		off = 2;
	if (f->cap < off + 2)
		return DECODE_LINK_SHORT;
	type = ppp_to_ethertype(be16(f->d + off));
	if (!type)
		return DECODE_NOT_IP;
	return decode_ethertype(f, off + 2, type, v);
}

/* Frame Relay (LINKTYPE_FRELAY 107): a Q.922 address of 2-4 bytes (EA bit
 * ends it), then either RFC 2427 (UI control 0x03, optional pad 0x00, an
 * NLPID: 0xcc IPv4, 0x8e IPv6, 0x80 SNAP with OUI 0 and an ethertype) or
 * Cisco's encapsulation (an ethertype right after the address). */
static enum decode_status decode_fr(const struct frm *f, struct pkt_view *v)
{
	uint32_t off = 0;

	while (off < 4 && off < f->cap && !(f->d[off] & 1))
		off++;
	if (off >= f->cap)
		return DECODE_LINK_SHORT;
	if (off == 0 || off == 4)
		return DECODE_NOT_IP; /* not a Q.922 address */
	off++;
	if (f->cap < off + 2)
		return DECODE_LINK_SHORT;
	if (f->d[off] != 0x03)
		return decode_ethertype(f, off + 2, be16(f->d + off), v);
	off++;
	if (f->d[off] == 0x00)
		off++;
	if (f->cap < off + 1)
		return DECODE_LINK_SHORT;
	switch (f->d[off]) {
	case 0xcc:
		return ip_at(f, off + 1, 4, v);
	case 0x8e:
		return ip_at(f, off + 1, 6, v);
	case 0x80:
		if (f->cap < off + 6)
			return DECODE_LINK_SHORT;
		if (f->d[off + 1] || f->d[off + 2] || f->d[off + 3])
			return DECODE_NOT_IP;
		return decode_ethertype(f, off + 6, be16(f->d + off + 4), v);
	default:
		return DECODE_NOT_IP;
	}
}

/* IEEE 802.11 (802.11-2020 9.2.3, 9.3.2) from f->d[off]: data frames only
 * (type 2; subtypes with the "no data" bit 0x40 of the first byte carry
 * nothing); the header is 24 bytes, + 6 for a fourth address (ToDS and
 * FromDS), + 2 QoS control (subtype bit 0x80), + 4 HT control (QoS and
 * the Order flag); pad4 (radiotap's data-pad flag) rounds it up to 4. A
 * protected frame is encrypted. The body is LLC/SNAP (RFC 1042: aa aa 03,
 * OUI 0 or 00 00 f8) with an ethertype; an A-MSDU's first subframe (DA,
 * SA, length, then LLC/SNAP) is taken. */
static enum decode_status decode_wlan(const struct frm *f, uint32_t off,
				      int pad4, struct pkt_view *v)
{
	const uint8_t *h = f->d + off;
	uint32_t hl = 24;
	uint8_t fc0, fl;
	int amsdu = 0;

	if (f->cap < off + 2)
		return DECODE_LINK_SHORT;
	fc0 = h[0];
	fl = h[1];
	if ((fc0 & 0x03) != 0 || ((fc0 >> 2) & 3) != 2 || (fc0 & 0x40))
		return DECODE_NOT_IP;
	if ((fl & 3) == 3)
		hl += 6;
	if (fc0 & 0x80) {
		if (f->cap < off + hl + 2)
			return DECODE_LINK_SHORT;
		amsdu = h[hl] & 0x80;
		hl += 2;
		if (fl & 0x80)
			hl += 4;
	}
	if (fl & 0x40)
		return DECODE_ENCRYPTED;
	if (pad4)
		hl = (hl + 3) & ~3u;
	off += hl;
	if (amsdu)
		off += 14;
	if (f->cap < off + 8)
		return DECODE_LINK_SHORT;
	h = f->d + off;
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] != 0 ||
	    h[4] != 0 || (h[5] != 0 && h[5] != 0xf8))
		return DECODE_NOT_IP;
	return decode_ethertype(f, off + 8, be16(h + 6), v);
}

/* Radiotap (radiotap.org): version 0, length (LE) at 2, present bitmaps
 * from 4 (bit 31 chains another). Only the Flags field (bit 1, after
 * TSFT: 8 bytes aligned to 8) matters: 0x20 = 802.11 header padded to 4. */
static enum decode_status decode_radiotap(const struct frm *f,
					  struct pkt_view *v)
{
	uint32_t len, p = 4, present;
	int pad4 = 0;

	if (f->cap < 8)
		return DECODE_LINK_SHORT;
	len = (uint32_t)f->d[2] | (uint32_t)f->d[3] << 8;
	if (f->d[0] != 0 || len < 8 || len > f->cap)
		return DECODE_LINK_SHORT;
	present = (uint32_t)f->d[4] | (uint32_t)f->d[5] << 8 |
		  (uint32_t)f->d[6] << 16 | (uint32_t)f->d[7] << 24;
	while (p + 4 <= len && (f->d[p + 3] & 0x80))
		p += 4;
	p += 4;
	if (present & 1)
		p = ((p + 7) & ~7u) + 8;
	if ((present & 2) && p < len)
		pad4 = (f->d[p] & 0x20) != 0;
	return decode_wlan(f, len, pad4, v);
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
	case 105:
	case 107:
	case 127:
	case 192:
		return 1;
	default:
		return 0;
	}
}

static enum decode_status decode_link(int linktype, const struct frm *f,
				      int depth, struct pkt_view *v);

/* PPI (Per-Packet Information, CACE spec 1.0.10): version, flags, header
 * length (LE) and the DLT of what follows (LE): 802.11 or Ethernet (any
 * other type we know is taken too, but not PPI in PPI). */
static enum decode_status decode_ppi(const struct frm *f, int depth,
				     struct pkt_view *v)
{
	uint32_t hl, dlt;
	struct frm in;
	enum decode_status st;

	if (f->cap < 8)
		return DECODE_LINK_SHORT;
	hl = (uint32_t)f->d[2] | (uint32_t)f->d[3] << 8;
	dlt = (uint32_t)f->d[4] | (uint32_t)f->d[5] << 8 |
	      (uint32_t)f->d[6] << 16 | (uint32_t)f->d[7] << 24;
	if (f->d[0] != 0 || hl < 8 || hl > f->cap)
		return DECODE_LINK_SHORT;
	if (depth > 0 || dlt > 0xffff || dlt == 192)
		return DECODE_LINK_UNSUPPORTED;
	in.d = f->d + hl;
	in.cap = f->cap - hl;
	in.wire = wire_from(f, hl);
	st = decode_link((int)dlt, &in, depth + 1, v);
	if (st == DECODE_OK) {
		if (v->l3_off + hl > 0xffff)
			return DECODE_LINK_SHORT;
		v->l3_off = (uint16_t)(v->l3_off + hl);
	}
	return st;
}

static enum decode_status decode_link(int linktype, const struct frm *f,
				      int depth, struct pkt_view *v)
{
	switch (linktype) {
	case LT_ETHERNET:
		if (f->cap < 14)
			return DECODE_LINK_SHORT;
		return decode_ethertype(f, 14, be16(f->d + 12), v);
	case LT_LINUX_SLL:
		if (f->cap < 16)
			return DECODE_LINK_SHORT;
		return decode_ethertype(f, 16, be16(f->d + 14), v);
	case LT_LINUX_SLL2:
		if (f->cap < 20)
			return DECODE_LINK_SHORT;
		return decode_ethertype(f, 20, be16(f->d), v);
	case LT_RAW:
	case 12: /* DLT_RAW as some writers store it */
	case 14:
		return decode_ip(f->d, f->cap, f->wire, 0, v);
	case LT_IPV4:
		return decode_ip(f->d, f->cap, f->wire, 4, v);
	case LT_IPV6:
		return decode_ip(f->d, f->cap, f->wire, 6, v);
	case LT_NULL: {
		uint32_t fam;
		if (f->cap < 4)
			return DECODE_LINK_SHORT;
		memcpy(&fam, f->d, 4);
		if (fam > 0xffff)
			fam = __builtin_bswap32(fam);
		return decode_af(f, fam, v);
	}
	case LT_LOOP:
		if (f->cap < 4)
			return DECODE_LINK_SHORT;
		return decode_af(f, be32(f->d), v);
	case 9:	 /* PPP */
	case 50: /* PPP in HDLC-like framing */
		return decode_ppp(f, v);
	case 104: /* Cisco HDLC: address, control, ethertype */
		if (f->cap < 4)
			return DECODE_LINK_SHORT;
		return decode_ethertype(f, 4, be16(f->d + 2), v);
	case 105:
		return decode_wlan(f, 0, 0, v);
	case 107:
		return decode_fr(f, v);
	case 127:
		return decode_radiotap(f, v);
	case 192:
		return decode_ppi(f, depth, v);
	default:
		return DECODE_LINK_UNSUPPORTED;
	}
}

enum decode_status decode_frame(int linktype, const uint8_t *data,
				uint32_t caplen, uint32_t wirelen,
				struct pkt_view *v)
{
	struct frm f = { data, caplen, wirelen };

	memset(v, 0, sizeof(*v));
	return decode_link(linktype, &f, 0, v);
}

enum decode_status decode_packet(int linktype, const uint8_t *data,
				 uint32_t caplen, struct pkt_view *v)
{
	return decode_frame(linktype, data, caplen, caplen, v);
}
