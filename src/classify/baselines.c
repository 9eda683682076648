/*
 * baselines.c -- port and Karagiannis (PTP) baselines (see baselines.h).
 * Port lists: IANA registrations and the P2P ports listed by Karagiannis
 * et al. 2004 and Sen & Wang 2004; none was tuned on our data.
 */
#include <stdlib.h>
#include "classify/baselines.h"

struct prange {
	uint16_t lo, hi;
	const char *cls;
};

static const struct prange ports[] = {
	{ 6881, 6889, "bittorrent" },
	{ 6969, 6969, "bittorrent" },
	{ 6346, 6347, "gnutella" },
	{ 4661, 4662, "edonkey" },
	{ 4665, 4665, "edonkey" },
	{ 4672, 4672, "edonkey" },
	{ 1214, 1214, "p2p-other" },   /* Kazaa / FastTrack */
	{ 411, 412, "p2p-other" },     /* Direct Connect */
	{ 6699, 6699, "p2p-other" },   /* WinMX */
	{ 6257, 6257, "p2p-other" },   /* WinMX */
	{ 30303, 30303, "p2p-other" }, /* Ethereum */
	{ 8333, 8333, "p2p-other" },   /* Bitcoin */
	{ 22000, 22000, "p2p-other" }, /* Syncthing */
	{ 21027, 21027, "p2p-other" },
	{ 80, 80, "web" },
	{ 443, 443, "web" },
	{ 8080, 8080, "web" },
	{ 8000, 8000, "web" },
	{ 8008, 8008, "web" },
	{ 8443, 8443, "web" },
	{ 3128, 3128, "web" },
	{ 8888, 8888, "web" },
	{ 22, 22, "ssh" },
	{ 20, 21, "ftp" },
	{ 0, 0, NULL },
};

static const char *lookup(uint16_t p)
{
	for (int i = 0; ports[i].cls; i++)
		if (p >= ports[i].lo && p <= ports[i].hi)
			return ports[i].cls;
	return NULL;
}

const char *base_port_known(uint8_t proto, uint16_t sport, uint16_t dport)
{
	const char *c;

	if (proto != 6 && proto != 17)
		return NULL;
	c = lookup(dport);
	return c ? c : lookup(sport);
}

const char *base_port(uint8_t proto, uint16_t sport, uint16_t dport)
{
	const char *c = base_port_known(proto, sport, dport);

	return c ? c : "other";
}

static int is_p2p(const char *c)
{
	return c && (c[0] == 'b' || c[0] == 'g' || c[0] == 'e' || c[0] == 'p');
}

/* Ports whose services legitimately use TCP and UDP between two hosts, or
 * one port per peer (Karagiannis et al.'s exclusions). */
static int excluded(uint16_t p)
{
	static const uint16_t ex[] = { 53,  123, 135, 137,  138,  139,
				       445, 500, 554, 7070, 1900, 5353,
				       25,  110, 143, 993,  995,  0 };
	for (int i = 0; ex[i]; i++)
		if (p == ex[i])
			return 1;
	return 0;
}

const char *base_ptp(uint8_t proto, uint16_t sport, uint16_t dport,
		     const struct host_feats *hf)
{
	const char *c = base_port_known(proto, sport, dport);

	if (is_p2p(c))
		return c;
	if (proto == 6 || proto == 17) {
		int ex = excluded(sport) || excluded(dport);
		if (!ex && hf->pair_tcp_udp > 0.5f)
			return "p2p-other";
		if (!ex && hf->resp_peer_ips >= 3 &&
		    abs((int)hf->resp_peer_ips - (int)hf->resp_peer_ports) <= 1)
			return "p2p-other";
	}
	return c ? c : "other";
}
