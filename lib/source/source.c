/*
 * source.c -- what every source shares: allocation, the BPF filter (one
 * program per link type, compiled with libpcap, applied with
 * pcap_offline_filter) and dispatch to the implementation.
 */
#include <stdlib.h>
#include <string.h>
#include "source_int.h"

struct source *source_alloc(const struct source_ops *ops, const char *name)
{
	struct source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = ops;
	s->linktype = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

int source_set_filter(struct source *s, const char *expr, struct pt_err *err)
{
	pcap_t *p;
	struct bpf_program prog;
	int rc;

	free(s->filter);
	s->filter = NULL;
	if (!expr || !*expr)
		return 0;
	/* Compile once for Ethernet now, so a syntax error is reported
	 * before any packet is read. */
	p = pcap_open_dead(DLT_EN10MB, 262144);
	if (!p)
		return pt_fail(err, PT_ENOMEM, "filter", "out of memory");
	rc = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0) {
		pt_fail(err, PT_EUSAGE, "filter", "'%s': %s", expr,
			pcap_geterr(p));
		pcap_close(p);
		return PT_EUSAGE;
	}
	pcap_freecode(&prog);
	pcap_close(p);
	s->filter = strdup(expr);
	if (!s->filter)
		return pt_fail(err, PT_ENOMEM, "filter", "out of memory");
	return 0;
}

/* The program for this link type; compiled on first use. NULL when the
 * filter cannot apply to it (then the packet is rejected). */
static const struct bpf_program *prog_for(struct source *s, int linktype)
{
	pcap_t *p;
	int i;

	for (i = 0; i < s->nbpf; i++)
		if (s->bpf[i].linktype == linktype)
			return s->bpf[i].ok ? &s->bpf[i].prog : NULL;
	if (s->nbpf == (int)(sizeof(s->bpf) / sizeof(s->bpf[0])))
		return NULL;
	i = s->nbpf++;
	s->bpf[i].linktype = linktype;
	s->bpf[i].ok = 0;
	/* LINKTYPE_RAW (101) is DLT_RAW (12 on Linux); the rest match. */
	p = pcap_open_dead(linktype == 101 ? DLT_RAW : linktype, 262144);
	if (!p)
		return NULL;
	if (pcap_compile(p, &s->bpf[i].prog, s->filter, 1,
			 PCAP_NETMASK_UNKNOWN) == 0)
		s->bpf[i].ok = 1;
	pcap_close(p);
	return s->bpf[i].ok ? &s->bpf[i].prog : NULL;
}

int source_next(struct source *s, struct pkt *pkt, struct pt_err *err)
{
	for (;;) {
		int rc = s->ops->next(s, pkt, err);
		const struct bpf_program *prog;
		struct pcap_pkthdr h;

		if (rc != 1 || !s->filter)
			return rc;
		const uint8_t *d = pkt->data;
		int lt = pkt->linktype;

		memset(&h, 0, sizeof(h));
		h.caplen = pkt->caplen;
		h.len = pkt->wirelen;
		/* BSD loopback: libpcap compiles for a dead handle with this
		 * host's AF_INET6 only (files from BSD use 24, 28 or 30), so
		 * the filter sees the IP packet after the 4-byte family. */
		if ((lt == 0 || lt == 108) && h.caplen >= 4) {
			d += 4;
			h.caplen -= 4;
			h.len -= 4;
			lt = 101;
		}
		prog = prog_for(s, lt);
		if (prog && pcap_offline_filter(prog, &h, d))
			return 1;
		s->filtered++;
	}
}

void source_stop(struct source *s)
{
	if (s && s->ops->stop)
		s->ops->stop(s);
}

int source_is_live(const struct source *s)
{
	return s->ops->stop != NULL;
}

int source_linktype(const struct source *s)
{
	return s->linktype;
}

const char *source_name(const struct source *s)
{
	return s->name;
}

uint64_t source_offset(const struct source *s)
{
	return s->offset;
}

uint64_t source_size(const struct source *s)
{
	return s->size;
}

uint64_t source_filtered(const struct source *s)
{
	return s->filtered;
}

const char *source_labels(const struct source *s)
{
	return s->labels;
}

void source_close(struct source *s)
{
	int i;

	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	for (i = 0; i < s->nbpf; i++)
		if (s->bpf[i].ok)
			pcap_freecode(&s->bpf[i].prog);
	free(s->filter);
	free(s);
}
