/*
 * pcapng_w.c -- the pcapng writer of capture (see pcapng_w.h).
 *
 * Blocks are built in host byte order (the SHB's byte-order magic says
 * which), directly into the output buffer: no per-packet allocation.
 * Because the buffer only ever holds whole blocks, a short write can be
 * undone exactly: walk the buffer's blocks up to the bytes that reached the
 * disk and ftruncate() the file to the last whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture/pcapng_w.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define SHB_OS 3
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2

struct wbuf {
	struct wbuf *next;
	struct pcapng_w *w;
	uint8_t *data;
	size_t len, cap;
};

#define PAD4(x) (((x) + 3u) & ~(size_t)3u)
#define MAX_OPT 65535u

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void free_all(struct pcapng_w *w)
{
	if (w->cur && w->cur->data == w->buf)
		w->buf = NULL; /* freed below with its wrapper */
	while (w->spare) {
		struct wbuf *b = w->spare;

		w->spare = b->next;
		if (b == w->cur)
			w->cur = NULL;
		free(b->data);
		free(b);
	}
	if (w->cur) {
		free(w->cur->data);
		free(w->cur);
		w->cur = NULL;
	}
	free(w->path);
	free(w->buf);
	free(w->if_pkts);
	free(w->if_bytes);
	w->path = NULL;
	w->buf = NULL;
	w->if_pkts = NULL;
	w->if_bytes = NULL;
}

static int failed_err(struct pcapng_w *w, struct pt_err *err);

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int pcapng_w_open(struct pcapng_w *w, const char *path, size_t bufsize,
		  uint32_t nif, struct pt_err *err)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->cap = bufsize ? bufsize : 512u * 1024u;
	w->nif = nif;
	w->path = strdup(path);
	w->buf = malloc(w->cap);
	w->if_pkts = calloc(nif + 1, sizeof(uint64_t));
	w->if_bytes = calloc(nif + 1, sizeof(uint64_t));
	if (!w->path || !w->buf || !w->if_pkts || !w->if_bytes) {
		free_all(w);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	/* root writes here, maybe in a folder others can write: a stale
	 * file goes first, then only a new file, never through a link */
	if (unlink(path) && errno != ENOENT) {
		int e = errno;

		free_all(w);
		return pt_fail(err, PT_EIO, path, "cannot replace: %s",
			       strerror(e));
	}
	w->fd = open(path,
		     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     0644);
	if (w->fd < 0) {
		int e = errno;

		free_all(w);
		return pt_fail(err, e == ENOSPC ? PT_ENOSPC : PT_EIO, path,
			       "cannot create: %s", strerror(e));
	}
	return 0;
}

/* Make room for n more bytes (flushing); 0 or an error. */
static int room(struct pcapng_w *w, size_t n, struct pt_err *err)
{
	int rc;

	if (__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE))
		return failed_err(w, err);
	if (w->len + n <= w->cap)
		return 0;
	rc = pcapng_w_flush(w, err);
	if (rc)
		return rc;
	if (n > w->cap) {
		uint8_t *nb = realloc(w->buf, n);

		if (!nb)
			return pt_fail(err, PT_ENOMEM, w->path,
				       "out of memory");
		w->buf = nb;
		w->cap = n;
		if (w->cur) {
			w->cur->data = nb;
			w->cur->cap = n;
		}
	}
	return 0;
}

static size_t opt_len(size_t vlen)
{
	return 4 + PAD4(vlen);
}

/* Append one option at p; returns bytes used. */
static size_t put_opt(uint8_t *p, uint16_t code, const void *val, size_t vlen)
{
	size_t pl = PAD4(vlen);

	put16(p, code);
	put16(p + 2, (uint16_t)vlen);
	if (vlen)
		memcpy(p + 4, val, vlen);
	memset(p + 4 + vlen, 0, pl - vlen);
	return 4 + pl;
}

static size_t clip(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > MAX_OPT - 4 ? MAX_OPT - 4 : n;
}

static size_t comments_len(const char *const *c, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += opt_len(clip(c[i]));
	return t;
}

static size_t put_comments(uint8_t *p, const char *const *c, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += put_opt(p + t, OPT_COMMENT, c[i], clip(c[i]));
	return t;
}

int pcapng_w_shb(struct pcapng_w *w, const char *userappl,
		 const char *const *comments, int n, struct pt_err *err)
{
	size_t ua = clip(userappl);
	size_t tot =
		24 + comments_len(comments, n) + (ua ? opt_len(ua) : 0) + 4 + 4;
	uint8_t *p;
	size_t o;
	int rc = room(w, tot, err);

	if (rc)
		return rc;
	p = w->buf + w->len;
	put32(p, BT_SHB);
	put32(p + 4, (uint32_t)tot);
	put32(p + 8, 0x1A2B3C4Du);
	put16(p + 12, 1);
	put16(p + 14, 0);
	memset(p + 16, 0xff, 8); /* section length: unknown */
	o = 24;
	o += put_comments(p + o, comments, n);
	if (ua)
		o += put_opt(p + o, SHB_USERAPPL, userappl, ua);
	o += put_opt(p + o, OPT_ENDOFOPT, NULL, 0);
	put32(p + o, (uint32_t)tot);
	w->len += tot;
	return 0;
}

int pcapng_w_idb(struct pcapng_w *w, int linktype, uint32_t snaplen,
		 const char *name, const char *descr,
		 const char *const *comments, int n, struct pt_err *err)
{
	size_t nl = clip(name), dl = clip(descr);
	uint8_t res = 9;
	size_t tot = 16 + (nl ? opt_len(nl) : 0) + (dl ? opt_len(dl) : 0) +
		     opt_len(1) + comments_len(comments, n) + 4 + 4;
	uint8_t *p;
	size_t o;
	int rc = room(w, tot, err);

	if (rc)
		return rc;
	p = w->buf + w->len;
	put32(p, BT_IDB);
	put32(p + 4, (uint32_t)tot);
	put16(p + 8, (uint16_t)linktype);
	put16(p + 10, 0);
	put32(p + 12, snaplen);
	o = 16;
	if (nl)
		o += put_opt(p + o, IF_NAME, name, nl);
	if (dl)
		o += put_opt(p + o, IF_DESCRIPTION, descr, dl);
	o += put_opt(p + o, IF_TSRESOL, &res, 1);
	o += put_comments(p + o, comments, n);
	o += put_opt(p + o, OPT_ENDOFOPT, NULL, 0);
	put32(p + o, (uint32_t)tot);
	w->len += tot;
	return 0;
}

int pcapng_w_epb(struct pcapng_w *w, uint32_t ifid, uint64_t ts_ns,
		 uint32_t wirelen, uint32_t flags, const struct iovec *iov,
		 int niov, struct pt_err *err)
{
	size_t cap = 0, tot, o;
	uint8_t *p;
	int rc;

	for (int i = 0; i < niov; i++)
		cap += iov[i].iov_len;
	tot = 28 + PAD4(cap) + (flags ? 12 : 0) + 4;
	rc = room(w, tot, err);
	if (rc)
		return rc;
	p = w->buf + w->len;
	put32(p, BT_EPB);
	put32(p + 4, (uint32_t)tot);
	put32(p + 8, ifid);
	put32(p + 12, (uint32_t)(ts_ns >> 32));
	put32(p + 16, (uint32_t)ts_ns);
	put32(p + 20, (uint32_t)cap);
	put32(p + 24, wirelen < cap ? (uint32_t)cap : wirelen);
	o = 28;
	for (int i = 0; i < niov; i++) {
		memcpy(p + o, iov[i].iov_base, iov[i].iov_len);
		o += iov[i].iov_len;
	}
	while (o & 3)
		p[o++] = 0;
	if (flags) {
		o += put_opt(p + o, EPB_FLAGS, &flags, 4);
		o += put_opt(p + o, OPT_ENDOFOPT, NULL, 0);
	}
	put32(p + o, (uint32_t)tot);
	w->len += tot;
	w->pkts++;
	w->bytes += wirelen < cap ? cap : wirelen;
	return 0;
}

/* Count the EPBs of buf[0..len) that end at or below limit as being on
 * disk; returns the end of the last whole block at or below limit. */
static size_t commit_blocks(struct pcapng_w *w, const uint8_t *buf, size_t len,
			    size_t limit)
{
	size_t o = 0;

	while (o + 12 <= len) {
		uint32_t bl = get32(buf + o + 4);

		if (bl < 12 || o + bl > limit)
			break;
		if (get32(buf + o) == BT_EPB) {
			uint32_t id = get32(buf + o + 8);

			if (id > w->nif)
				id = w->nif;
			w->if_pkts[id]++;
			w->if_bytes[id] += get32(buf + o + 24);
		}
		o += bl;
	}
	return o;
}

static void recount(struct pcapng_w *w)
{
	w->pkts = 0;
	w->bytes = 0;
	for (uint32_t i = 0; i <= w->nif; i++) {
		w->pkts += w->if_pkts[i];
		w->bytes += w->if_bytes[i];
	}
}

/* Write buf[0..len) at the end of the file. On failure: count what
 * reached the disk, cut the file back to its last whole block, mark the
 * writer failed. Runs in the caller (sync) or the writer thread (async). */
static void write_out(struct pcapng_w *w, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = write(w->fd, buf + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : ENOSPC;
			size_t keep = commit_blocks(w, buf, len, done);

			w->file_off += keep;
			/* Drop the partial block that reached the disk. */
			if (keep != done &&
			    ftruncate(w->fd, (off_t)w->file_off) != 0)
				e = errno;
			w->err_no = e;
			__atomic_store_n(&w->failed, 1, __ATOMIC_RELEASE);
			return;
		}
		done += (size_t)r;
	}
	commit_blocks(w, buf, len, len);
	w->file_off += len;
}

static int failed_err(struct pcapng_w *w, struct pt_err *err)
{
	int e = w->err_no;

	return pt_fail(err, e == ENOSPC ? PT_ENOSPC : PT_EIO, w->path,
		       "write failed: %s", strerror(e));
}

/*
 * The writer thread (async mode). A full buffer is queued and replaced by
 * a spare one, so the capture loop never waits for the disk unless a
 * writer already has WQ_MAX buffers queued. All files share one thread and
 * one FIFO; a writer's fd and counters are only touched by the thread
 * while it has buffers queued (close waits for them).
 */
#define WQ_MAX 8

static pthread_mutex_t wq_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t wq_done = PTHREAD_COND_INITIALIZER;
static struct wbuf *wq_head, *wq_tail;
static int wq_started;

static void *wq_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct wbuf *b;

		pthread_mutex_lock(&wq_mu);
		while (!wq_head)
			pthread_cond_wait(&wq_work, &wq_mu);
		b = wq_head;
		wq_head = b->next;
		if (!wq_head)
			wq_tail = NULL;
		pthread_mutex_unlock(&wq_mu);
		if (!__atomic_load_n(&b->w->failed, __ATOMIC_ACQUIRE))
			write_out(b->w, b->data, b->len);
		pthread_mutex_lock(&wq_mu);
		b->w->inflight--;
		b->len = 0;
		b->next = b->w->spare;
		b->w->spare = b;
		pthread_cond_broadcast(&wq_done);
		pthread_mutex_unlock(&wq_mu);
	}
	return NULL;
}

static int wq_start(void)
{
	pthread_t th;
	sigset_t all, old;
	int rc;

	if (wq_started)
		return 0;
	/* The thread takes no signals: the capture loop handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&th, NULL, wq_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -1;
	pthread_detach(th);
	wq_started = 1;
	return 0;
}

void pcapng_w_set_async(struct pcapng_w *w, int on)
{
	w->async = on;
}

/* Wait until the writer thread has written every queued buffer of w. */
static void wq_wait(struct pcapng_w *w)
{
	pthread_mutex_lock(&wq_mu);
	while (w->inflight)
		pthread_cond_wait(&wq_done, &wq_mu);
	pthread_mutex_unlock(&wq_mu);
}

static int flush_async(struct pcapng_w *w, struct pt_err *err)
{
	struct wbuf *b = NULL, *spare;

	if (wq_start())
		return pt_fail(err, PT_ENOMEM, w->path,
			       "cannot start the writer thread");
	pthread_mutex_lock(&wq_mu);
	while (w->inflight >= WQ_MAX)
		pthread_cond_wait(&wq_done, &wq_mu);
	spare = w->spare;
	if (spare)
		w->spare = spare->next;
	pthread_mutex_unlock(&wq_mu);
	if (!spare) {
		spare = calloc(1, sizeof(*spare));
		if (spare)
			spare->data = malloc(w->cap);
		if (!spare || !spare->data) {
			free(spare);
			return pt_fail(err, PT_ENOMEM, w->path,
				       "out of memory");
		}
		spare->cap = w->cap;
	}
	b = w->cur;
	if (!b) {
		/* The first buffer came from pcapng_w_open: wrap it. */
		b = calloc(1, sizeof(*b));
		if (!b) {
			free(spare->data);
			free(spare);
			return pt_fail(err, PT_ENOMEM, w->path,
				       "out of memory");
		}
	}
	b->w = w;
	b->data = w->buf;
	b->cap = w->cap;
	b->len = w->len;
	b->next = NULL;
	pthread_mutex_lock(&wq_mu);
	w->inflight++;
	if (wq_tail)
		wq_tail->next = b;
	else
		wq_head = b;
	wq_tail = b;
	pthread_cond_signal(&wq_work);
	pthread_mutex_unlock(&wq_mu);
	w->queued_off += w->len;
	w->cur = spare;
	w->buf = spare->data;
	w->cap = spare->cap;
	w->len = 0;
	return 0;
}

int pcapng_w_flush(struct pcapng_w *w, struct pt_err *err)
{
	if (__atomic_load_n(&w->failed, __ATOMIC_ACQUIRE))
		return failed_err(w, err);
	if (!w->len)
		return 0;
	if (w->async)
		return flush_async(w, err);
	write_out(w, w->buf, w->len);
	w->len = 0;
	w->queued_off = w->file_off;
	if (w->failed)
		return failed_err(w, err);
	return 0;
}

int pcapng_w_close(struct pcapng_w *w, struct pt_err *err)
{
	int rc = 0;

	if (w->fd >= 0) {
		rc = pcapng_w_flush(w, err);
		wq_wait(w);
		if (w->failed) {
			rc = failed_err(w, err);
			recount(w);
		}
		if (close(w->fd) != 0 && !rc) {
			int e = errno;

			rc = pt_fail(err, e == ENOSPC ? PT_ENOSPC : PT_EIO,
				     w->path, "close failed: %s", strerror(e));
		}
	}
	w->fd = -1;
	return rc;
}

void pcapng_w_free(struct pcapng_w *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free_all(w);
}
