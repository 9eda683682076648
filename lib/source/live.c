/*
 * live.c -- live interfaces as a source (source_open_live), for analysing
 * packets as they arrive (`p2ptrace analyze -i IFACE`).
 *
 * libpcap does the work here (TPACKET_V3 ring, nanosecond timestamps, 100 ms
 * block timeout so that a quiet interface still hands packets over). An
 * interface in another network namespace ("NETNS:IFACE") is opened by
 * entering it (netns.h) with setns() just for pcap_activate(); the
 * socket keeps working from our own namespace afterwards. The BPF filter of
 * source.c is applied per packet like for files.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "p2ptrace/netns.h"
#include "source_int.h"

#define LIVE_SNAP 262144
#define LIVE_TIMEOUT_MS 100
#define LIVE_BUFFER (4 * 1024 * 1024)

struct live {
	pcap_t *p;
	int linktype;
	volatile sig_atomic_t stop;
};

static int live_next(struct source *s, struct pkt *pkt, struct pt_err *err)
{
	struct live *l = s->impl;

	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc;

		if (l->stop)
			return 0;
		rc = pcap_next_ex(l->p, &h, &data);
		if (rc == 1) {
			pkt->data = data;
			pkt->caplen = h->caplen;
			pkt->wirelen = h->len;
			pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
				     (uint64_t)h->ts.tv_usec;
			pkt->linktype = l->linktype;
			pkt->iface = 0;
			s->offset += h->caplen;
			return 1;
		}
		if (rc == 0)
			continue; /* timeout: look at the stop flag */
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		return pt_fail(err, PT_EIO, s->name, "capture failed: %s",
			       pcap_geterr(l->p));
	}
}

static void live_stop(struct source *s)
{
	struct live *l = s->impl;

	if (!l)
		return;
	l->stop = 1;
	if (l->p)
		pcap_breakloop(l->p);
}

static void live_close(struct source *s)
{
	struct live *l = s->impl;

	if (!l)
		return;
	if (l->p)
		pcap_close(l->p);
	free(l);
	s->impl = NULL;
}

static const struct source_ops live_ops = {
	.next = live_next,
	.close = live_close,
	.stop = live_stop,
};

/* Create and activate the handle (in the current namespace). */
static int activate(const char *spec, const char *dev, int snaplen,
		    pcap_t **out, struct pt_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int rc;

	ebuf[0] = 0;
	p = pcap_create(dev, ebuf);
	if (!p)
		return pt_fail(err, PT_EUSAGE, spec, "%s", ebuf);
	pcap_set_snaplen(p, snaplen > 0 ? snaplen : LIVE_SNAP);
	pcap_set_promisc(p, 0);
	pcap_set_timeout(p, LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(p, LIVE_BUFFER);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(p);
	if (rc < 0) {
		enum pt_code code = PT_EIO;
		const char *what = pcap_geterr(p);

		if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
			code = PT_EUSAGE;
			what = "no such interface";
		} else if (rc == PCAP_ERROR_PERM_DENIED) {
			code = PT_EUSAGE;
		}
		pt_fail(err, code, spec, "cannot capture: %s", what);
		pcap_close(p);
		return code;
	}
	if (pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO) {
		pcap_close(p);
		return pt_fail(err, PT_EIO, spec,
			       "no nanosecond timestamps on this interface");
	}
	*out = p;
	return 0;
}

/* Run activate() inside network namespace ns. */
static int activate_in(const char *spec, const char *ns, const char *dev,
		       int snaplen, pcap_t **out, struct pt_err *err)
{
	int home, rc = pt_netns_enter(ns, &home, spec, err);

	if (rc)
		return rc;
	rc = activate(spec, dev, snaplen, out, err);
	pt_netns_leave(home);
	return rc;
}

int source_open_live(const char *iface, int snaplen, struct source **out,
		     struct pt_err *err)
{
	const char *colon = strchr(iface, ':');
	struct source *s;
	struct live *l;
	int rc, dlt;

	*out = NULL;
	if (!*iface || (colon && (colon == iface || !colon[1])))
		return pt_fail(err, PT_EUSAGE, iface,
			       "bad interface (want IFACE or NETNS:IFACE)");
	s = source_alloc(&live_ops, iface);
	l = calloc(1, sizeof(*l));
	if (!s || !l) {
		free(s);
		free(l);
		return pt_fail(err, PT_ENOMEM, iface, "out of memory");
	}
	s->impl = l;
	if (colon) {
		char ns[256];

		snprintf(ns, sizeof(ns), "%.*s", (int)(colon - iface), iface);
		rc = activate_in(iface, ns, colon + 1, snaplen, &l->p, err);
	} else {
		rc = activate(iface, iface, snaplen, &l->p, err);
	}
	if (rc) {
		source_close(s);
		return rc;
	}
	dlt = pcap_datalink(l->p);
	/* DLT_ and LINKTYPE_ agree except for raw IP. */
	l->linktype = dlt == DLT_RAW ? LT_RAW : dlt;
	s->linktype = l->linktype;
	*out = s;
	return 0;
}
