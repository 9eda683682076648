/*
 * capture.c -- the capture session (see capture.h): output files and their
 * rotation, the poll loop over every interface's ring, and the stop
 * sequence that makes "written == received" hold:
 *   1. unhook every socket (the kernel adds no more packets),
 *   2. read the final kernel counters (received = delivered to the ring),
 *   3. read the rings until every delivered packet was taken (the kernel
 *      hands over its last, partly filled block after the retire timeout),
 *   4. flush, close, rename NAME.part -> NAME.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "capture/capture.h"
#include "tool.h"

#define DRAIN_NS 1500000000ull /* longest wait for the last blocks */
#define FLUSH_NS 2000000000ull /* flush buffered packets this often */

#define ROT_GRACE_NS 400000000ull /* -G: wait for packets still in the ring */

/* Setting up a ring waits for an RCU grace period in the kernel (~15 ms):
 * do that step for many interfaces at once. */
struct opener {
	struct capture *c;
	int from, step;
	int rc;
	struct pt_err err;
};

static void *open_rings(void *arg)
{
	struct opener *k = arg;

	for (int i = k->from; i < k->c->nifs && !k->rc; i += k->step) {
		char where[300];

		snprintf(where, sizeof(where), "-i %s", k->c->ifs[i].ifname);
		k->rc = ring_open_ring(&k->c->ifs[i].ring, k->c->cfg.buf_kib,
				       where, &k->err);
	}
	return NULL;
}

int capture_open_ifaces(struct capture *c, struct pt_err *err)
{
	enum { MAXT = 32 };
	struct opener k[MAXT];
	pthread_t th[MAXT];
	int nt = c->nifs / 4, started = 0, rc = 0;

	for (int i = 0; i < c->nifs; i++) {
		struct cap_iface *f = &c->ifs[i];
		char where[300];

		snprintf(where, sizeof(where), "-i %s", f->ifname);
		rc = ring_open_socket(&f->ring, f->netns, f->iface,
				      c->cfg.snaplen, where, err);
		if (rc)
			return rc;
	}
	if (nt < 1)
		nt = 1;
	if (nt > MAXT)
		nt = MAXT;
	for (int t = 0; t < nt; t++) {
		memset(&k[t], 0, sizeof(k[t]));
		k[t].c = c;
		k[t].from = t;
		k[t].step = nt;
	}
	for (int t = 1; t < nt; t++)
		if (pthread_create(&th[t], NULL, open_rings, &k[t]) == 0)
			started = t;
		else
			break;
	/* This thread does share 0, and the shares of threads that did not
	 * start. */
	open_rings(&k[0]);
	for (int t = started + 1; t < nt; t++)
		open_rings(&k[t]);
	for (int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nt; t++)
		if (k[t].rc) {
			*err = k[t].err;
			return k[t].rc;
		}
	for (int i = 0; i < c->nifs; i++) {
		struct cap_iface *f = &c->ifs[i];
		char where[300];

		snprintf(where, sizeof(where), "-i %s", f->ifname);
		rc = ring_open_bind(&f->ring, c->cfg.filter, where, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int rotating(const struct capture *c)
{
	return c->cfg.rot_bytes || c->cfg.rot_ns;
}

static int out_open(struct capture *c, struct cap_out *o, struct pt_err *err)
{
	int rc, n;

	if (rotating(c) || o->index > 0)
		n = snprintf(o->final, sizeof(o->final), "%s/%s.%03u.pcapng",
			     c->cfg.dir, o->name, o->index);
	else
		n = snprintf(o->final, sizeof(o->final), "%s/%s.pcapng",
			     c->cfg.dir, o->name);
	if (n < 0 || (size_t)n + 6 > sizeof(o->final))
		return pt_fail(err, PT_EUSAGE, c->cfg.dir, "path too long");
	snprintf(o->part, sizeof(o->part), "%s.part", o->final);
	rc = pcapng_w_open(&o->w, o->part, 0, (uint32_t)o->nifs, err);
	if (rc)
		return rc;
	/* Disk stalls must not stop us from emptying the rings. */
	pcapng_w_set_async(&o->w, 1);
	o->is_open = 1;
	if (c->cfg.rot_ns) {
		uint64_t now = pt_now_ns();

		if (!o->end_rt)
			o->end_rt = now + c->cfg.rot_ns;
		while (o->end_rt <= now)
			o->end_rt += c->cfg.rot_ns;
	}
	rc = pcapng_w_shb(&o->w, c->cfg.userappl, (const char *const *)o->shb,
			  o->nshb, err);
	for (int i = 0; !rc && i < o->nifs; i++) {
		struct cap_iface *f = o->ifs[i];

		rc = pcapng_w_idb(&o->w, f->ring.linktype, f->ring.snaplen,
				  f->ifname, f->node,
				  (const char *const *)f->labels, f->nlabels,
				  err);
	}
	return rc;
}

static void add_file(struct cap_out *o, const char *rel)
{
	size_t a = o->files ? strlen(o->files) : 0, b = strlen(rel);
	char *n = realloc(o->files, a + b + 2);

	if (!n)
		return;
	if (a)
		n[a++] = ',';
	memcpy(n + a, rel, b + 1);
	o->files = n;
}

/* Flush, close, count, rename. An error is kept in c->werr (first one). */
static int out_close(struct capture *c, struct cap_out *o)
{
	struct pt_err e;
	int rc;

	if (!o->is_open)
		return 0;
	rc = pcapng_w_close(&o->w, &e);
	if (rc && !c->failed) {
		c->werr = e;
		c->failed = 1;
	}
	for (int i = 0; i < o->nifs; i++) {
		o->ifs[i]->written += o->w.if_pkts[i];
		o->ifs[i]->bytes += o->w.if_bytes[i];
	}
	if (o->w.file_off == 0) {
		/* Not even the header reached the disk. */
		unlink(o->part);
	} else if (rename(o->part, o->final) != 0) {
		if (!c->failed) {
			pt_fail(&c->werr, PT_EIO, o->part,
				"cannot rename to %s: %s", o->final,
				strerror(errno));
			c->failed = 1;
		}
		rc = PT_EIO;
	} else {
		const char *rel = strrchr(o->final, '/');

		add_file(o, rel ? rel + 1 : o->final);
	}
	pcapng_w_free(&o->w);
	o->is_open = 0;
	return rc;
}

static int out_rotate(struct capture *c, struct cap_out *o)
{
	struct pt_err e;
	int rc = out_close(c, o);

	if (rc)
		return rc;
	o->index++;
	rc = out_open(c, o, &e);
	if (rc && !c->failed) {
		c->werr = e;
		c->failed = 1;
	}
	return rc;
}

int capture_open_files(struct capture *c, struct pt_err *err)
{
	for (int i = 0; i < c->nouts; i++) {
		int rc = out_open(c, &c->outs[i], err);

		if (rc)
			return rc;
	}
	return 0;
}

struct cb_arg {
	struct capture *c;
	struct cap_iface *f;
};

static int on_pkt(void *arg, const struct ring_pkt *p)
{
	struct cb_arg *a = arg;
	struct cap_out *o = a->f->out;
	struct pt_err e;
	int rc;

	if (a->c->failed)
		return -1;
	/* -G: by packet time, like tcpdump; windows follow each other. */
	if (a->c->cfg.rot_ns && p->ts_ns >= o->end_rt) {
		if (out_rotate(a->c, o))
			return -1;
		while (o->end_rt <= p->ts_ns)
			o->end_rt += a->c->cfg.rot_ns;
	}
	if (a->c->cfg.rot_bytes && o->w.pkts > 0) {
		size_t cap = 0;

		for (int i = 0; i < p->niov; i++)
			cap += p->iov[i].iov_len;
		if (pcapng_w_size(&o->w) + 44 + cap > a->c->cfg.rot_bytes &&
		    out_rotate(a->c, o))
			return -1;
	}
	rc = pcapng_w_epb(&o->w, a->f->ifid, p->ts_ns, p->wirelen, p->dir,
			  p->iov, p->niov, &e);
	if (rc) {
		if (!a->c->failed) {
			a->c->werr = e;
			a->c->failed = 1;
		}
		return -1;
	}
	return 0;
}

static void read_all(struct capture *c)
{
	for (int i = 0; i < c->nifs && !c->failed; i++) {
		struct cb_arg a = { c, &c->ifs[i] };

		ring_read(&c->ifs[i].ring, on_pkt, &a);
	}
}

static void progress(struct capture *c)
{
	uint64_t w = 0, d = 0;

	if (!tool_progress_on())
		return;
	for (int i = 0; i < c->nifs; i++) {
		ring_update_stats(&c->ifs[i].ring);
		d += c->ifs[i].ring.k_drops;
	}
	for (int i = 0; i < c->nouts; i++)
		w += c->outs[i].w.pkts;
	for (int i = 0; i < c->nifs; i++)
		w += c->ifs[i].written;
	tool_progress("capture: %d interface%s, %llu packets written, "
		      "%llu dropped by the kernel",
		      c->nifs, c->nifs == 1 ? "" : "s", (unsigned long long)w,
		      (unsigned long long)d);
}

/* An interface that goes down or away sets an error on its socket (and
 * poll would report it forever): read it, which clears it, and say it
 * once. The socket still works if the interface comes back. */
static void clear_errors(struct capture *c, struct pollfd *pfd)
{
	for (int i = 0; i < c->nifs; i++) {
		struct cap_iface *f = &c->ifs[i];
		socklen_t len = sizeof(int);
		int e = 0;

		if (!(pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)))
			continue;
		if (pfd[i].revents & POLLNVAL) {
			pfd[i].fd = -1;
			continue;
		}
		getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &e, &len);
		if (e && !f->warned) {
			tool_progress_done();
			tool_msg(
				"capture: %s: %s (packets until then are kept)",
				f->ifname, strerror(e));
			f->warned = 1;
		}
	}
}

static void drain(struct capture *c, const sigset_t *waitmask,
		  struct pollfd *pfd)
{
	uint64_t deadline;

	for (int i = 0; i < c->nifs; i++)
		ring_unhook(&c->ifs[i].ring);
	/* Let packets already being copied by another CPU land. */
	pt_sleep_ms(10);
	for (int i = 0; i < c->nifs; i++)
		ring_update_stats(&c->ifs[i].ring);
	deadline = pt_mono_ns() + DRAIN_NS;
	for (;;) {
		struct timespec ts = { 0, 20000000 };
		int all = 1;

		read_all(c);
		if (c->failed)
			return;
		for (int i = 0; i < c->nifs; i++)
			if (c->ifs[i].ring.seen <
			    ring_delivered(&c->ifs[i].ring))
				all = 0;
		if (all || pt_mono_ns() > deadline)
			break;
		ppoll(pfd, (nfds_t)c->nifs, &ts, waitmask);
	}
	for (int i = 0; i < c->nifs; i++) {
		const struct ring *r = &c->ifs[i].ring;

		if (r->seen < ring_delivered(r))
			c->undrained += ring_delivered(r) - r->seen;
	}
}

int capture_run(struct capture *c, volatile sig_atomic_t *stop,
		volatile sig_atomic_t *hup, const sigset_t *waitmask)
{
	struct pollfd *pfd = calloc((size_t)c->nifs, sizeof(*pfd));
	uint64_t last_flush = pt_mono_ns();

	if (!pfd) {
		pt_fail(&c->werr, PT_ENOMEM, "capture", "out of memory");
		c->failed = 1;
	}
	for (int i = 0; pfd && i < c->nifs; i++) {
		pfd[i].fd = c->ifs[i].ring.fd;
		pfd[i].events = POLLIN | POLLERR;
	}
	while (pfd && !*stop && !c->failed) {
		struct timespec ts = { 0, 200000000 };
		uint64_t now;

		if (ppoll(pfd, (nfds_t)c->nifs, &ts, waitmask) > 0)
			clear_errors(c, pfd);
		read_all(c);
		now = pt_mono_ns();
		if (*hup) {
			*hup = 0;
			for (int i = 0; i < c->nouts && !c->failed; i++)
				out_rotate(c, &c->outs[i]);
		}
		/* -G on a quiet interface: close the window once no packet
		 * of it can still be in the ring. */
		for (int i = 0; c->cfg.rot_ns && i < c->nouts && !c->failed;
		     i++)
			if (pt_now_ns() >= c->outs[i].end_rt + ROT_GRACE_NS)
				out_rotate(c, &c->outs[i]);
		if (now - last_flush >= FLUSH_NS) {
			last_flush = now;
			for (int i = 0; i < c->nouts && !c->failed; i++) {
				struct pt_err e;

				if (c->outs[i].is_open &&
				    pcapng_w_flush(&c->outs[i].w, &e)) {
					c->werr = e;
					c->failed = 1;
				}
			}
			progress(c);
		}
	}
	if (pfd && !c->failed)
		drain(c, waitmask, pfd);
	else
		for (int i = 0; i < c->nifs; i++) {
			ring_unhook(&c->ifs[i].ring);
			ring_update_stats(&c->ifs[i].ring);
		}
	free(pfd);
	for (int i = 0; i < c->nouts; i++)
		out_close(c, &c->outs[i]);
	tool_progress_done();
	return c->failed ? (c->werr.code ? (int)c->werr.code : PT_EIO) : 0;
}

void capture_figs(const struct capture *c, const struct cap_iface *f,
		  struct cap_figs *out)
{
	const struct ring *r = &f->ring;

	(void)c;
	out->received = ring_delivered(r) - r->ufiltered;
	out->dropped_kernel = r->k_drops;
	out->dropped_iface = r->ifdrop - r->ifdrop0;
	out->written = f->written;
	out->bytes = f->bytes;
}

int capture_write_stats(const struct capture *c, const char *path,
			struct pt_err *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return pt_fail(err, PT_EIO, path, "cannot create: %s",
			       strerror(errno));
	fprintf(f, "node\tiface\treceived\tdropped_kernel\tdropped_iface\t"
		   "written\tbytes\tfiles\n");
	for (int i = 0; i < c->nifs; i++) {
		const struct cap_iface *x = &c->ifs[i];
		struct cap_figs g;

		capture_figs(c, x, &g);
		fprintf(f, "%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%s\n",
			x->node, x->ifname, (unsigned long long)g.received,
			(unsigned long long)g.dropped_kernel,
			(unsigned long long)g.dropped_iface,
			(unsigned long long)g.written,
			(unsigned long long)g.bytes,
			x->out->files ? x->out->files : "");
	}
	if (ferror(f) | (fclose(f) != 0))
		return pt_fail(err, PT_EIO, path, "write failed: %s",
			       strerror(errno));
	return 0;
}

void capture_print_stats(const struct capture *c, FILE *f)
{
	for (int i = 0; i < c->nifs; i++) {
		const struct cap_iface *x = &c->ifs[i];
		struct cap_figs g;

		capture_figs(c, x, &g);
		fprintf(f,
			"p2ptrace: capture: %s (%s): %llu received, %llu "
			"dropped by kernel, %llu dropped by interface, %llu "
			"written (%llu bytes)\n",
			x->node, x->ifname, (unsigned long long)g.received,
			(unsigned long long)g.dropped_kernel,
			(unsigned long long)g.dropped_iface,
			(unsigned long long)g.written,
			(unsigned long long)g.bytes);
	}
	if (c->undrained)
		fprintf(f,
			"p2ptrace: capture: %llu packets were still in the "
			"kernel ring at the drain deadline\n",
			(unsigned long long)c->undrained);
}

/* Closing a packet socket waits for an RCU grace period (synchronize_net
 * in the kernel), ~15-30 ms each: close many in parallel, so that their
 * waits overlap (120 interfaces: 3.5 s -> well under 1 s). */
struct closer {
	struct capture *c;
	int from, step;
};

static void *close_rings(void *arg)
{
	struct closer *k = arg;

	for (int i = k->from; i < k->c->nifs; i += k->step)
		ring_close(&k->c->ifs[i].ring);
	return NULL;
}

static void close_all_rings(struct capture *c)
{
	enum { MAXT = 32 };
	struct closer k[MAXT];
	pthread_t th[MAXT];
	int nt = c->nifs / 4, started = 0;

	if (nt > MAXT)
		nt = MAXT;
	for (int t = 0; t < nt; t++) {
		k[t].c = c;
		k[t].from = t;
		k[t].step = nt;
		if (pthread_create(&th[t], NULL, close_rings, &k[t]) != 0)
			break;
		started++;
	}
	if (started < nt) {
		/* Whatever was not handed to a thread: here, one by one. */
		for (int i = 0; i < c->nifs; i++) {
			int t = i % nt;

			if (t >= started)
				ring_close(&c->ifs[i].ring);
		}
	}
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (int i = 0; i < c->nifs; i++)
		ring_close(&c->ifs[i].ring); /* no-op when closed */
}

static void free_strv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void capture_free(struct capture *c)
{
	for (int i = 0; i < c->nouts; i++) {
		struct cap_out *o = &c->outs[i];

		if (o->is_open) {
			/* Aborted before capturing: leave nothing behind. */
			pcapng_w_close(&o->w, NULL);
			pcapng_w_free(&o->w);
			unlink(o->part);
		}
		free(o->name);
		free(o->ifs);
		free(o->files);
		free_strv(o->shb, o->nshb);
	}
	if (c->ifs)
		close_all_rings(c);
	for (int i = 0; i < c->nifs; i++) {
		struct cap_iface *f = &c->ifs[i];

		free(f->netns);
		free(f->iface);
		free(f->node);
		free(f->ifname);
		free_strv(f->labels, f->nlabels);
	}
	free(c->outs);
	free(c->ifs);
	c->outs = NULL;
	c->ifs = NULL;
}
