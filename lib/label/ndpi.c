/*
 * ndpi.c -- labels from libndpi 4.2 for `classify --label ndpi`. The only
 * file that includes libndpi's headers (they define generic names: keep
 * them out of the rest of the code). See include/p2ptrace/ndpi.h.
 *
 * Flows are bidirectional 5-tuples over the whole file (as ndpiReader
 * with no idle split); each flow gets at most MAX_DPI_PKTS packets of
 * DPI, then nDPI's give-up guess when nothing was found.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <ndpi_api.h>
#include "p2ptrace/decode.h"
#include "p2ptrace/ndpi.h"
#include "p2ptrace/source.h"

#define MAX_DPI_PKTS 32

struct nflow {
	struct ptndpi_flow key;
	struct ndpi_flow_struct *st;
	uint32_t pkts;
	uint8_t done;
	ndpi_protocol proto;
	uint64_t hash;
};

struct ntab {
	struct nflow *f;
	uint32_t mask, n;
};

static uint64_t key_hash(const struct ptndpi_flow *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	/* proto, ipver, ports and addresses: the bytes before name */
	for (size_t i = 0; i < offsetof(struct ptndpi_flow, name); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static int ntab_grow(struct ntab *t)
{
	uint32_t nc = t->mask ? (t->mask + 1) * 2 : 1024;
	struct nflow *nf = calloc(nc, sizeof(*nf));

	if (!nf)
		return -1;
	for (uint32_t i = 0; t->mask && i <= t->mask; i++) {
		if (!t->f[i].hash)
			continue;
		uint32_t j = (uint32_t)t->f[i].hash & (nc - 1);
		while (nf[j].hash)
			j = (j + 1) & (nc - 1);
		nf[j] = t->f[i];
	}
	free(t->f);
	t->f = nf;
	t->mask = nc - 1;
	return 0;
}

static struct nflow *ntab_get(struct ntab *t, const struct ptndpi_flow *k)
{
	uint64_t h = key_hash(k);
	uint32_t j;

	if ((t->n + 1) * 2 > (t->mask ? t->mask + 1 : 0) && ntab_grow(t))
		return NULL;
	j = (uint32_t)h & t->mask;
	while (t->f[j].hash) {
		if (t->f[j].hash == h &&
		    !memcmp(&t->f[j].key, k,
			    offsetof(struct ptndpi_flow, name)))
			return &t->f[j];
		j = (j + 1) & t->mask;
	}
	memset(&t->f[j], 0, sizeof(t->f[j]));
	t->f[j].key = *k;
	t->f[j].hash = h;
	t->n++;
	return &t->f[j];
}

int ptndpi_available(void)
{
	return 1;
}

int ptndpi_label_file(const char *path, ptndpi_flow_fn *fn, void *arg,
		      struct pt_err *err)
{
	struct ndpi_detection_module_struct *nd;
	NDPI_PROTOCOL_BITMASK all;
	struct source *src = NULL;
	struct ntab t = { 0 };
	struct pkt p;
	struct pkt_view v;
	int rc, r;
	size_t fsz = ndpi_detection_get_sizeof_ndpi_flow_struct();

	if ((rc = source_open_file(path, &src, err)))
		return rc;
	nd = ndpi_init_detection_module(ndpi_no_prefs);
	if (!nd) {
		source_close(src);
		return pt_fail(err, PT_ENOMEM, path, "libndpi did not start");
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(nd, &all);
	ndpi_finalize_initialization(nd);
	rc = 0;
	while ((r = source_next(src, &p, err)) > 0) {
		struct ptndpi_flow k;
		struct nflow *f;
		int swap;
		uint32_t l3len;

		if (decode_frame(p.linktype, p.data, p.caplen, p.wirelen, &v) !=
			    DECODE_OK ||
		    (v.proto != 6 && v.proto != 17) || v.frag == FRAG_LATER)
			continue;
		memset(&k, 0, sizeof(k));
		swap = memcmp(v.src, v.dst, 16) > 0 ||
		       (!memcmp(v.src, v.dst, 16) && v.sport > v.dport);
		k.proto = v.proto;
		k.ipver = v.ipver;
		memcpy(k.addr[0], swap ? v.dst : v.src, 16);
		memcpy(k.addr[1], swap ? v.src : v.dst, 16);
		k.port[0] = swap ? v.dport : v.sport;
		k.port[1] = swap ? v.sport : v.dport;
		f = ntab_get(&t, &k);
		if (!f) {
			rc = pt_fail(err, PT_ENOMEM, path, "out of memory");
			break;
		}
		if (!f->st) {
			f->st = ndpi_flow_malloc(fsz);
			if (!f->st) {
				rc = pt_fail(err, PT_ENOMEM, path,
					     "out of memory");
				break;
			}
			memset(f->st, 0, fsz);
		}
		if (f->done || f->pkts >= MAX_DPI_PKTS)
			continue;
		f->pkts++;
		l3len = p.caplen - v.l3_off;
		if (v.ip_len && v.ip_len < l3len)
			l3len = v.ip_len;
		if (l3len > 65535)
			l3len = 65535;
		f->proto = ndpi_detection_process_packet(
			nd, f->st, p.data + v.l3_off, (unsigned short)l3len,
			p.ts_ns / 1000000u);
		if (f->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
		    !ndpi_extra_dissection_possible(nd, f->st))
			f->done = 1;
	}
	if (r < 0 && err->code != PT_ETRUNC)
		rc = r;
	for (uint32_t i = 0; t.mask && i <= t.mask; i++) {
		struct nflow *f = &t.f[i];
		char buf[64];
		uint8_t guessed = 0;

		if (!f->hash)
			continue;
		if (!rc && f->st) {
			if (f->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
				f->proto = ndpi_detection_giveup(nd, f->st, 1,
								 &guessed);
			ndpi_protocol2name(nd, f->proto, buf, sizeof(buf));
			snprintf(f->key.name, sizeof(f->key.name), "%s", buf);
			f->key.dpi =
				!guessed &&
				(f->st->confidence == NDPI_CONFIDENCE_DPI ||
				 f->st->confidence ==
					 NDPI_CONFIDENCE_DPI_CACHE);
			fn(arg, &f->key);
		}
		if (f->st)
			ndpi_free_flow(f->st);
	}
	free(t.f);
	ndpi_exit_detection_module(nd);
	source_close(src);
	return rc;
}
