/*
 * ipfix.c -- flows as an IPFIX file (RFC 7011) written with libfixbuf.
 * Biflows per RFC 5103 (reverse counters), flowEndReason per RFC 5102.
 * Two templates: 256 for IPv4 flows, 257 for IPv6. octetDeltaCount counts
 * IP bytes (as YAF does); layer2OctetDeltaCount counts frame bytes.
 */
#include <string.h>
#include <fixbuf/public.h>
#include "p2ptrace/sink.h"

#define TID4 256
#define TID6 257

struct rec_common {
	uint64_t start_ms, end_ms;
	uint64_t pkts, octets, l2octets;
	uint64_t rpkts, roctets, rl2octets;
	uint16_t sport, dport, vlan;
	uint8_t proto, reason;
};

struct rec4 {
	struct rec_common c;
	uint32_t src, dst;
};

struct rec6 {
	struct rec_common c;
	uint8_t src[16], dst[16];
};

struct ipfix_out {
	fbInfoModel_t *model;
	fBuf_t *buf;
	char path[256];
	int cur; /* template in use */
};

/* clang-format off */
#define COMMON_SPEC \
	{ "flowStartMilliseconds", 8, 0 }, \
	{ "flowEndMilliseconds", 8, 0 }, \
	{ "packetDeltaCount", 8, 0 }, \
	{ "octetDeltaCount", 8, 0 }, \
	{ "layer2OctetDeltaCount", 8, 0 }, \
	{ "reversePacketDeltaCount", 8, 0 }, \
	{ "reverseOctetDeltaCount", 8, 0 }, \
	{ "reverseLayer2OctetDeltaCount", 8, 0 }, \
	{ "sourceTransportPort", 2, 0 }, \
	{ "destinationTransportPort", 2, 0 }, \
	{ "vlanId", 2, 0 }, \
	{ "protocolIdentifier", 1, 0 }, \
	{ "flowEndReason", 1, 0 }

static fbInfoElementSpec_t spec4[] = {
	COMMON_SPEC,
	{ "sourceIPv4Address", 4, 0 },
	{ "destinationIPv4Address", 4, 0 },
	FB_IESPEC_NULL
};
static fbInfoElementSpec_t spec6[] = {
	COMMON_SPEC,
	{ "sourceIPv6Address", 16, 0 },
	{ "destinationIPv6Address", 16, 0 },
	FB_IESPEC_NULL
};
/* clang-format on */

_Static_assert(sizeof(struct rec4) == 80, "rec4 matches spec4, no padding");
_Static_assert(sizeof(struct rec6) == 104, "rec6 matches spec6");

static int fail(struct pt_err *err, const char *path, GError *ge)
{
	pt_fail(err, PT_EIO, path, "IPFIX: %s", ge ? ge->message : "error");
	if (ge)
		g_clear_error(&ge);
	return PT_EIO;
}

static int add_tmpl(fbSession_t *s, fbInfoModel_t *m, fbInfoElementSpec_t *sp,
		    uint16_t tid, GError **ge)
{
	for (int internal = 1; internal >= 0; internal--) {
		fbTemplate_t *t = fbTemplateAlloc(m);
		if (!fbTemplateAppendSpecArray(t, sp, UINT32_MAX, ge)) {
			fbTemplateFreeUnused(t);
			return -1;
		}
		if (!fbSessionAddTemplate(s, internal, tid, t, ge))
			return -1;
	}
	return 0;
}

int ipfix_open(const char *path, struct ipfix_out **out, struct pt_err *err)
{
	struct ipfix_out *io = calloc(1, sizeof(*io));
	fbSession_t *sess;
	fbExporter_t *exp;
	GError *ge = NULL;
	FILE *probe;

	if (!io)
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	probe = fopen(path, "w"); /* a clear message for a bad path */
	if (!probe) {
		free(io);
		return pt_fail(err, PT_EIO, path, "cannot write");
	}
	fclose(probe);
	snprintf(io->path, sizeof(io->path), "%s", path);
	io->model = fbInfoModelAlloc();
	sess = fbSessionAlloc(io->model);
	if (add_tmpl(sess, io->model, spec4, TID4, &ge) ||
	    add_tmpl(sess, io->model, spec6, TID6, &ge)) {
		fbSessionFree(sess);
		fbInfoModelFree(io->model);
		free(io);
		return fail(err, path, ge);
	}
	exp = fbExporterAllocFile(path);
	io->buf = fBufAllocForExport(sess, exp);
	if (!fbSessionExportTemplates(sess, &ge)) {
		ipfix_close(io, NULL);
		return fail(err, path, ge);
	}
	*out = io;
	return 0;
}

int ipfix_flow(struct ipfix_out *io, const struct flow *f, enum flow_end why,
	       struct pt_err *err)
{
	struct rec6 r6;
	struct rec4 r4;
	struct rec_common *c;
	GError *ge = NULL;
	int tid = f->key.ipver == 6 ? TID6 : TID4;

	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	c = tid == TID6 ? &r6.c : &r4.c;
	c->start_ms = flow_first_ns(f) / 1000000;
	c->end_ms = flow_last_ns(f) / 1000000;
	c->pkts = f->dir[0].pkts;
	c->octets = f->dir[0].ip_bytes;
	c->l2octets = f->dir[0].bytes;
	c->rpkts = f->dir[1].pkts;
	c->roctets = f->dir[1].ip_bytes;
	c->rl2octets = f->dir[1].bytes;
	c->sport = flow_sport(f);
	c->dport = flow_dport(f);
	c->vlan = f->key.vlan;
	c->proto = f->key.proto;
	c->reason = (uint8_t)why;
	if (tid == TID6) {
		memcpy(r6.src, flow_src(f), 16);
		memcpy(r6.dst, flow_dst(f), 16);
	} else {
		const uint8_t *s = flow_src(f), *d = flow_dst(f);
		r4.src = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
			 (uint32_t)s[2] << 8 | s[3];
		r4.dst = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
			 (uint32_t)d[2] << 8 | d[3];
	}
	if (io->cur != tid) {
		if (!fBufSetInternalTemplate(io->buf, (uint16_t)tid, &ge) ||
		    !fBufSetExportTemplate(io->buf, (uint16_t)tid, &ge))
			return fail(err, io->path, ge);
		io->cur = tid;
	}
	if (!fBufAppend(io->buf, tid == TID6 ? (uint8_t *)&r6 : (uint8_t *)&r4,
			tid == TID6 ? sizeof(r6) : sizeof(r4), &ge))
		return fail(err, io->path, ge);
	return 0;
}

int ipfix_close(struct ipfix_out *io, struct pt_err *err)
{
	GError *ge = NULL;
	int rc = 0;

	if (!io)
		return 0;
	if (io->buf) {
		if (!fBufEmit(io->buf, &ge))
			rc = fail(err, io->path, ge);
		fBufFree(io->buf);
	}
	fbInfoModelFree(io->model);
	free(io);
	return rc;
}
