/*
 * labels.c -- nDPI names -> classes, the .ndpi.out reader and the 5-tuple
 * join. The class rules are in docs/classify.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include "classify/labels.h"

static int has_part(const char *proto, const char *name)
{
	size_t n = strlen(name);
	const char *p = proto;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == n && !strncasecmp(p, name, n))
			return 1;
		if (!dot)
			break;
		p = dot + 1;
	}
	return 0;
}

static int master_is(const char *proto, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(proto, name, n) &&
	       (proto[n] == 0 || proto[n] == '.');
}

const char *lbl_class_of_ndpi(const char *proto, const char *trace)
{
	static const char *const p2p_other[] = { "PPStream",
						 "ETHEREUM",
						 "Syncthing",
						 "Bitcoin",
						 "Monero",
						 "PPLive",
						 "Thunder",
						 "Kazaa",
						 "FastTrack",
						 "DirectConnect",
						 "Soulseek",
						 "iMESH",
						 "Filetopia",
						 "OpenFT",
						 "AppleJuice",
						 "Aimini",
						 "Pando",
						 "Xunlei",
						 "WinMX",
						 "Ares",
						 "Freenet",
						 "QQLive",
						 "SopCast",
						 "TVUplayer",
						 "MoneroMining",
						 "Stealthnet",
						 "Direct_Download_Link",
						 "Tvants",
						 "PPTV",
						 "I23V5",
						 NULL };
	static const char *const web[] = {
		"HTTP", "HTTP2", "HTTP_Proxy",	  "HTTP_Connect", "TLS",
		"QUIC", "SPDY",	 "HTTP_Download", "DoH_DoT",	  NULL
	};
	const char *b = trace ? strrchr(trace, '/') : NULL;

	b = b ? b + 1 : trace;
	if (!proto[0] || master_is(proto, "Unknown"))
		return NULL;
	if (has_part(proto, "BitTorrent"))
		return "bittorrent";
	if (has_part(proto, "Gnutella"))
		return "gnutella";
	if (has_part(proto, "eDonkey"))
		return "edonkey";
	for (int i = 0; p2p_other[i]; i++)
		if (has_part(proto, p2p_other[i]))
			return "p2p-other";
	if (b && !strncasecmp(b, "skype", 5) &&
	    (has_part(proto, "Skype_Teams") ||
	     has_part(proto, "Skype_TeamsCall") || has_part(proto, "Skype")))
		return "p2p-other";
	if (master_is(proto, "SSH"))
		return "ssh";
	if (master_is(proto, "FTP_CONTROL") || master_is(proto, "FTP_DATA") ||
	    master_is(proto, "FTPS") || master_is(proto, "FTP"))
		return "ftp";
	for (int i = 0; web[i]; i++)
		if (master_is(proto, web[i]))
			return "web";
	return "other";
}

/* ---- the 5-tuple index ----------------------------------------------------
 */

struct tuple {
	uint8_t a[16], b[16];
	uint16_t ap, bp;
	uint8_t proto, pad[3];
};

static uint64_t tuple_key(uint8_t proto, const uint8_t *x, uint16_t xp,
			  const uint8_t *y, uint16_t yp)
{
	struct tuple t;
	int swap = memcmp(x, y, 16) > 0 || (!memcmp(x, y, 16) && xp > yp);

	memset(&t, 0, sizeof(t));
	if (proto != 6 && proto != 17 && proto != 132)
		xp = yp = 0;
	memcpy(t.a, swap ? y : x, 16);
	memcpy(t.b, swap ? x : y, 16);
	t.ap = swap ? yp : xp;
	t.bp = swap ? xp : yp;
	t.proto = proto;
	return u64_fp(&t, sizeof(t), 77);
}

void lbl_set_free(struct lbl_set *s)
{
	free(s->e);
	u64map_free(&s->idx);
	memset(s, 0, sizeof(*s));
}

int lbl_set_add(struct lbl_set *s, const struct lbl_entry *e,
		struct pt_err *err)
{
	uint64_t *v;
	int nw;

	if (s->n == s->cap) {
		int nc = s->cap ? s->cap * 2 : 256;
		struct lbl_entry *ne = realloc(s->e, (size_t)nc * sizeof(*ne));
		if (!ne)
			return pt_fail(err, PT_ENOMEM, "labels",
				       "out of memory");
		s->e = ne;
		s->cap = nc;
	}
	v = u64map_slot(&s->idx,
			tuple_key(e->proto, e->addr[0], e->port[0], e->addr[1],
				  e->port[1]),
			&nw);
	if (!v)
		return pt_fail(err, PT_ENOMEM, "labels", "out of memory");
	if (!nw)
		return 0;
	s->e[s->n] = *e;
	*v = (uint64_t)++s->n;
	return 0;
}

const struct lbl_entry *lbl_find(const struct lbl_set *s, const struct flow *f)
{
	uint64_t *v = u64map_find(&s->idx, tuple_key(f->key.proto, f->key.a,
						     f->key.aport, f->key.b,
						     f->key.bport));
	return v ? &s->e[*v - 1] : NULL;
}

/* ---- .ndpi.out lines -------------------------------------------------------
 */

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{ "TCP", 6 },  { "UDP", 17 },	{ "ICMP", 1 },	{ "ICMPV6", 58 },
	{ "IGMP", 2 }, { "SCTP", 132 }, { "GRE", 47 },	{ "ESP", 50 },
	{ "AH", 51 },  { "VRRP", 112 }, { "PGM", 113 }, { "OSPF", 89 },
	{ NULL, 0 },
};

/* "1.2.3.4:80" or "[::1]:80" -> addr/port; returns the end or NULL. */
static const char *parse_ep(const char *p, uint8_t *addr, uint16_t *port,
			    uint8_t *ipver)
{
	char buf[64];
	const char *end;
	size_t n;
	unsigned long v;
	char *e;

	memset(addr, 0, 16);
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end || end[1] != ':' ||
		    (n = (size_t)(end - p - 1)) >= sizeof(buf))
			return NULL;
		memcpy(buf, p + 1, n);
		buf[n] = 0;
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return NULL;
		*ipver = 6;
		p = end + 2;
	} else {
		/* the last ':' before the next space */
		end = p;
		for (const char *q = p; *q && *q != ' '; q++)
			if (*q == ':')
				end = q;
		n = (size_t)(end - p);
		if (n == 0 || n >= sizeof(buf))
			return NULL;
		memcpy(buf, p, n);
		buf[n] = 0;
		if (inet_pton(AF_INET, buf, addr) == 1)
			*ipver = 4;
		else if (inet_pton(AF_INET6, buf, addr) == 1)
			*ipver = 6;
		else
			return NULL;
		p = end + 1;
	}
	if (!isdigit((unsigned char)*p))
		return NULL;
	errno = 0;
	v = strtoul(p, &e, 10);
	if (errno || v > 65535)
		return NULL;
	*port = (uint16_t)v;
	return e;
}

int lbl_parse_ndpi_line(const char *line, struct lbl_entry *e)
{
	const char *p = line, *q;
	char pname[16];
	size_t n;
	int i;
	uint8_t v0 = 0, v1 = 0;

	memset(e, 0, sizeof(*e));
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '\t')
		return 0;
	p++;
	q = strchr(p, ' ');
	if (!q || (n = (size_t)(q - p)) >= sizeof(pname))
		return 0;
	memcpy(pname, p, n);
	pname[n] = 0;
	for (i = 0; protos[i].name; i++)
		if (!strcmp(pname, protos[i].name))
			break;
	if (protos[i].name)
		e->proto = protos[i].num;
	else {
		char *end;
		long v = strtol(pname, &end, 10);
		if (*end || v < 0 || v > 255)
			return 0;
		e->proto = (uint8_t)v;
	}
	p = parse_ep(q + 1, e->addr[0], &e->port[0], &v0);
	if (!p)
		return 0;
	if (!strncmp(p, " <-> ", 5))
		p += 5;
	else if (!strncmp(p, " -> ", 4))
		p += 4;
	else
		return 0;
	p = parse_ep(p, e->addr[1], &e->port[1], &v1);
	if (!p || v0 != v1)
		return 0;
	e->ipver = v0;
	q = strstr(p, "[proto: ");
	if (!q)
		return 0;
	q += 8;
	/* "7.126/HTTP.Google]" or "GTP:7/HTTP]" */
	{
		const char *sl = strchr(q, '/'), *rb = strchr(q, ']');
		if (!sl || !rb || sl > rb)
			return 0;
		n = (size_t)(rb - sl - 1);
		if (n >= sizeof(e->name))
			n = sizeof(e->name) - 1;
		memcpy(e->name, sl + 1, n);
		e->name[n] = 0;
	}
	q = strstr(p, "[Confidence: ");
	e->dpi = q && !strncmp(q + 13, "DPI", 3);
	return 1;
}

int lbl_read_ndpi_out(const char *path, struct lbl_set *s, struct pt_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int nflows = 0, rc = 0;
	struct lbl_entry e;

	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		if (!lbl_parse_ndpi_line(line, &e))
			continue;
		nflows++;
		rc = lbl_set_add(s, &e, err);
		if (rc)
			break;
	}
	free(line);
	fclose(f);
	if (!rc && !nflows)
		rc = pt_fail(err, PT_EFORMAT, path,
			     "no flow lines: not an nDPI result file "
			     "(ndpiReader -v 2 output)");
	return rc;
}

/* ---- class lists -----------------------------------------------------------
 */

int lbl_classes_parse(const char *list, struct lbl_classes *c,
		      struct pt_err *err)
{
	const char *p = list;

	memset(c, 0, sizeof(*c));
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(c->name[0]))
			return pt_fail(err, PT_EUSAGE, "--classes",
				       "bad class name in '%s'", list);
		if (c->n == (int)(sizeof(c->name) / sizeof(c->name[0])))
			return pt_fail(
				err, PT_EUSAGE, "--classes",
				"more than %d classes",
				(int)(sizeof(c->name) / sizeof(c->name[0])));
		memcpy(c->name[c->n], p, n);
		c->name[c->n][n] = 0;
		for (int i = 0; i < c->n; i++)
			if (!strcmp(c->name[i], c->name[c->n]))
				return pt_fail(err, PT_EUSAGE, "--classes",
					       "class '%s' twice", c->name[i]);
		c->n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (c->n < 2)
		return pt_fail(err, PT_EUSAGE, "--classes",
			       "need at least 2 classes, got '%s'", list);
	return 0;
}

int lbl_classes_find(const struct lbl_classes *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	return -1;
}

int lbl_classes_map(const struct lbl_classes *c, const char *fine)
{
	int i = lbl_classes_find(c, fine);

	return i >= 0 ? i : lbl_classes_find(c, "other");
}
