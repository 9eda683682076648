/*
 * file.c -- pcap and pcapng capture files, read natively.
 *
 * Why not libpcap: it refuses a pcapng whose interfaces have different link
 * types, and its errors carry no byte offset. The file is mapped (or, for a
 * pipe, read whole) and packets are handed out as pointers into it.
 *
 * pcap: 24-byte global header; magic a1b2c3d4 (us) or a1b23c4d (ns) in
 * either byte order; 16-byte record headers.
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, length, body, length.
 * Section Header (0x0A0D0D0A, byte-order magic 1A2B3C4D), Interface
 * Description (1, with if_tsresol and if_tsoffset), Enhanced Packet (6),
 * Simple Packet (3, interface 0), obsolete Packet (2). Every other block
 * and option is skipped. Comments of the form key=value in the section and
 * interface blocks become the source's labels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source_int.h"

#define PCAPNG_MAX_BLOCK (SOURCE_MAX_RECORD + 65536u)

struct iface {
	int linktype;
	uint64_t units; /* timestamp units per second */
	int pow2;	/* units = 2^shift */
	unsigned shift;
	int64_t offset_s; /* if_tsoffset */
};

/* Pages behind the read position are given back every this many bytes,
 * so a large mapped file does not stay resident. */
#define DROP_BEHIND (8u << 20)

struct file {
	const uint8_t *base;
	size_t len, pos;
	size_t dropped; /* bytes at the start already given back */
	int mapped;	/* 1: munmap, 0: free (owned), -1: borrowed */
	int swap;	/* file byte order differs from ours */
	int ng;		/* pcapng */
	/* pcap */
	int linktype;
	int nano;
	/* pcapng */
	struct iface *ifs;
	unsigned nifs, cap_ifs;
	uint64_t npkts;
};

/* Called after each record: packets before pos are no longer borrowed
 * (a source's packet is valid until its next call only). */
static inline void drop_behind(struct file *f, size_t keep_from)
{
	size_t upto;

	if (f->mapped != 1 || keep_from - f->dropped < 2 * (size_t)DROP_BEHIND)
		return;
	upto = (keep_from - DROP_BEHIND) & ~(size_t)4095;
	if (upto > f->dropped) {
		madvise((void *)(uintptr_t)(f->base + f->dropped),
			upto - f->dropped, MADV_DONTNEED);
		f->dropped = upto;
	}
}

static uint16_t rd16(const struct file *f, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return f->swap ? __builtin_bswap16(v) : v;
}

static uint32_t rd32(const struct file *f, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return f->swap ? __builtin_bswap32(v) : v;
}

static int trunc_warn(struct source *s, struct file *f, size_t at,
		      const char *what, uint64_t want, uint64_t have,
		      struct pt_err *err)
{
	s->offset = f->len;
	return pt_fail(err, PT_ETRUNC, s->name,
		       "at byte %zu: truncated %s: needs %llu bytes, only %llu "
		       "left (file cut short?); the %llu packets before it "
		       "were read",
		       at, what, (unsigned long long)want,
		       (unsigned long long)have, (unsigned long long)f->npkts);
}

/* ---- pcap ------------------------------------------------------------ */

static int pcap_next_rec(struct source *s, struct pkt *pkt, struct pt_err *err)
{
	struct file *f = s->impl;
	const uint8_t *h;
	uint32_t caplen, wirelen, sec, frac;
	size_t left = f->len - f->pos;

	if (left == 0)
		return 0;
	if (left < 16)
		return trunc_warn(s, f, f->pos, "record header", 16, left, err);
	h = f->base + f->pos;
	sec = rd32(f, h);
	frac = rd32(f, h + 4);
	caplen = rd32(f, h + 8);
	wirelen = rd32(f, h + 12);
	if (caplen > SOURCE_MAX_RECORD)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: record length %u is above the "
			       "limit of %u bytes (corrupt file?)",
			       f->pos, caplen, SOURCE_MAX_RECORD);
	if (caplen > left - 16)
		return trunc_warn(s, f, f->pos, "record", 16ull + caplen, left,
				  err);
	drop_behind(f, f->pos);
	pkt->data = h + 16;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen; /* even below caplen: tshark's frame.len */
	pkt->ts_ns = (uint64_t)sec * 1000000000ull +
		     (f->nano ? frac : (uint64_t)frac * 1000ull);
	pkt->linktype = f->linktype;
	pkt->iface = 0;
	f->pos += 16 + (size_t)caplen;
	s->offset = f->pos;
	f->npkts++;
	return 1;
}

/* ---- pcapng ---------------------------------------------------------- */

static void add_label(struct source *s, const uint8_t *v, unsigned n)
{
	size_t have = strlen(s->labels);
	const uint8_t *eq = memchr(v, '=', n);

	if (!eq || eq == v || have + n + 2 >= sizeof(s->labels))
		return;
	for (unsigned i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] == ';' || v[i] == '\t')
			return;
	if (have)
		s->labels[have++] = ';';
	memcpy(s->labels + have, v, n);
	s->labels[have + n] = 0;
}

/* Walk options [p, end). Stops at opt_endofopt; an option that runs past
 * its block is an error (tshark refuses such a file too). */
static int walk_options(struct source *s, struct file *f, const uint8_t *p,
			const uint8_t *end, struct iface *ifc,
			struct pt_err *err)
{
	while (end - p >= 4) {
		uint16_t code = rd16(f, p), len = rd16(f, p + 2);
		const uint8_t *v = p + 4;
		size_t padded = ((size_t)len + 3u) & ~(size_t)3u;

		if (code == 0)
			return 0;
		if ((size_t)(end - v) < len)
			return pt_fail(
				err, PT_EFORMAT, s->name,
				"at byte %zu: option %u of %u bytes runs "
				"past the end of its block",
				(size_t)(p - f->base), code, len);
		if (code == 1)
			add_label(s, v, len);
		if (ifc && code == 9 && len >= 1) {
			ifc->pow2 = (v[0] & 0x80) != 0;
			ifc->shift = v[0] & 0x7f;
		}
		if (ifc && code == 14 && len == 8) {
			uint64_t o;
			memcpy(&o, v, 8);
			if (f->swap)
				o = __builtin_bswap64(o);
			ifc->offset_s = (int64_t)o;
		}
		if ((size_t)(end - v) < padded)
			return 0;
		p = v + padded;
	}
	return 0;
}

static uint64_t ts_to_ns(const struct iface *ifc, uint64_t ts)
{
	uint64_t ns;

	if (ifc->pow2) {
		unsigned sh = ifc->shift > 63 ? 63 : ifc->shift;
		uint64_t mask = sh ? ((1ull << sh) - 1) : 0;
		ns = (ts >> sh) * 1000000000ull;
		if (sh <= 33)
			ns += ((ts & mask) * 1000000000ull) >> sh;
		else
			ns += (uint64_t)((double)(ts & mask) * 1e9 /
					 (double)(1ull << sh));
	} else if (ifc->shift <= 9) {
		static const uint64_t p10[10] = {
			1,	10,	 100,	   1000,      10000,
			100000, 1000000, 10000000, 100000000, 1000000000
		};
		ns = ts * p10[9 - ifc->shift];
	} else {
		uint64_t d = 1;
		for (unsigned i = 9; i < ifc->shift && i < 29; i++)
			d *= 10;
		ns = ts / d;
	}
	/* if_tsoffset in seconds, applied modulo 2^64 (no signed overflow) */
	return ns + (uint64_t)ifc->offset_s * 1000000000ull;
}

static int shb_start(struct source *s, struct file *f, size_t at,
		     struct pt_err *err)
{
	const uint8_t *b = f->base + at;
	uint32_t bom;

	if (f->len - at < 28)
		return trunc_warn(s, f, at, "section header block", 28,
				  f->len - at, err);
	memcpy(&bom, b + 8, 4);
	if (bom == 0x1A2B3C4D)
		f->swap = 0;
	else if (bom == 0x4D3C2B1A)
		f->swap = 1;
	else
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: section header has a bad "
			       "byte-order magic 0x%08x",
			       at + 8, bom);
	f->nifs = 0; /* a new section starts a new interface list */
	return 0;
}

static int ng_packet(struct source *s, struct file *f, uint32_t type,
		     const uint8_t *b, uint32_t blen, size_t at,
		     struct pkt *pkt, struct pt_err *err)
{
	uint32_t ifid, caplen, wirelen, hdr;
	uint64_t ts = 0;
	const struct iface *ifc;

	if (type == 3) { /* simple packet: interface 0, no timestamp */
		if (blen < 16)
			goto short_block;
		ifid = 0;
		wirelen = rd32(f, b + 8);
		caplen = blen - 16;
		if (caplen > wirelen)
			caplen = wirelen;
		hdr = 12;
	} else if (type == 6) {
		if (blen < 32)
			goto short_block;
		ifid = rd32(f, b + 8);
		ts = ((uint64_t)rd32(f, b + 12) << 32) | rd32(f, b + 16);
		caplen = rd32(f, b + 20);
		wirelen = rd32(f, b + 24);
		hdr = 28;
	} else { /* 2: obsolete packet block */
		if (blen < 32)
			goto short_block;
		ifid = rd16(f, b + 8);
		ts = ((uint64_t)rd32(f, b + 12) << 32) | rd32(f, b + 16);
		caplen = rd32(f, b + 20);
		wirelen = rd32(f, b + 24);
		hdr = 28;
	}
	if (caplen > SOURCE_MAX_RECORD)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: packet length %u is above the "
			       "limit of %u bytes (corrupt file?)",
			       at, caplen, SOURCE_MAX_RECORD);
	if ((uint64_t)hdr + caplen + 4 > blen)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: packet of %u bytes does not fit "
			       "in its block of %u bytes",
			       at, caplen, blen);
	if (ifid >= f->nifs)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: packet names interface %u, but "
			       "only %u interfaces were described",
			       at, ifid, f->nifs);
	ifc = &f->ifs[ifid];
	pkt->data = b + hdr;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen; /* even below caplen: tshark's frame.len */
	pkt->ts_ns = type == 3 ? 0 : ts_to_ns(ifc, ts);
	pkt->linktype = ifc->linktype;
	pkt->iface = ifid;
	f->npkts++;
	return 1;
short_block:
	return pt_fail(err, PT_EFORMAT, s->name,
		       "at byte %zu: block type %u of %u bytes is too short",
		       at, type, blen);
}

static int ng_idb(struct source *s, struct file *f, const uint8_t *b,
		  uint32_t blen, size_t at, struct pt_err *err)
{
	struct iface *ifc;

	if (blen < 20)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte %zu: interface description block of "
			       "%u bytes is too short",
			       at, blen);
	if (f->nifs == f->cap_ifs) {
		unsigned n = f->cap_ifs ? f->cap_ifs * 2 : 4;
		struct iface *p;
		if (n > 65536)
			return pt_fail(err, PT_ELIMIT, s->name,
				       "at byte %zu: more than 65536 "
				       "interfaces",
				       at);
		p = realloc(f->ifs, n * sizeof(*p));
		if (!p)
			return pt_fail(err, PT_ENOMEM, s->name,
				       "out of memory");
		f->ifs = p;
		f->cap_ifs = n;
	}
	ifc = &f->ifs[f->nifs++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = rd16(f, b + 8);
	ifc->shift = 6; /* default: microseconds */
	return walk_options(s, f, b + 16, b + blen - 4, ifc, err);
}

static int pcapng_next_rec(struct source *s, struct pkt *pkt,
			   struct pt_err *err)
{
	struct file *f = s->impl;

	for (;;) {
		size_t at = f->pos, left = f->len - f->pos;
		const uint8_t *b = f->base + at;
		uint32_t type, blen;
		int rc;

		if (left == 0)
			return 0;
		if (left < 12)
			return trunc_warn(s, f, at, "block header", 12, left,
					  err);
		memcpy(&type, b, 4);
		if (type == 0x0A0D0D0A) {
			rc = shb_start(s, f, at, err);
			if (rc)
				return rc;
		} else {
			type = rd32(f, b);
		}
		blen = rd32(f, b + 4);
		if (blen < 12 || blen % 4)
			return pt_fail(err, PT_EFORMAT, s->name,
				       "at byte %zu: block length %u is not a "
				       "multiple of 4 of at least 12",
				       at + 4, blen);
		if (blen > PCAPNG_MAX_BLOCK)
			return pt_fail(err, PT_EFORMAT, s->name,
				       "at byte %zu: block length %u is above "
				       "the limit of %u bytes (corrupt file?)",
				       at + 4, blen, PCAPNG_MAX_BLOCK);
		if (blen > left)
			return trunc_warn(s, f, at, "block", blen, left, err);
		if (rd32(f, b + blen - 4) != blen)
			return pt_fail(err, PT_EFORMAT, s->name,
				       "at byte %zu: block's trailing length "
				       "%u differs from its leading length %u",
				       at + blen - 4, rd32(f, b + blen - 4),
				       blen);
		drop_behind(f, at);
		f->pos += blen;
		s->offset = f->pos;
		switch (type) {
		case 0x0A0D0D0A:
			rc = walk_options(s, f, b + 24, b + blen - 4, NULL,
					  err);
			if (rc)
				return rc;
			break;
		case 1:
			rc = ng_idb(s, f, b, blen, at, err);
			if (rc)
				return rc;
			break;
		case 2:
		case 3:
		case 6:
			return ng_packet(s, f, type, b, blen, at, pkt, err);
		default:
			break; /* unknown block: skipped */
		}
	}
}

/* ---- opening --------------------------------------------------------- */

static void file_close(struct source *s)
{
	struct file *f = s->impl;

	if (!f)
		return;
	if (f->mapped == 1)
		munmap((void *)(uintptr_t)f->base, f->len);
	else if (f->mapped == 0)
		free((void *)(uintptr_t)f->base);
	free(f->ifs);
	free(f);
}

static const struct source_ops pcap_ops = { pcap_next_rec, file_close, NULL };
static const struct source_ops pcapng_ops = { pcapng_next_rec, file_close,
					      NULL };

static int open_bytes(struct source *s, struct file *f, struct pt_err *err)
{
	uint32_t magic;

	s->size = f->len;
	if (f->len == 0)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte 0: file is empty");
	if (f->len < 4)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte 0: file of %zu bytes is too short for "
			       "a capture file",
			       f->len);
	memcpy(&magic, f->base, 4);
	if (magic == 0x0A0D0D0A) {
		f->ng = 1;
		s->linktype = -1;
		s->ops = &pcapng_ops;
		if (f->len < 12)
			return pt_fail(err, PT_EFORMAT, s->name,
				       "at byte 0: pcapng file of %zu bytes "
				       "is too short",
				       f->len);
		return shb_start(s, f, 0, err) == PT_ETRUNC ? PT_EFORMAT : 0;
	}
	switch (magic) {
	case 0xa1b2c3d4:
		f->swap = 0;
		f->nano = 0;
		break;
	case 0xd4c3b2a1:
		f->swap = 1;
		f->nano = 0;
		break;
	case 0xa1b23c4d:
		f->swap = 0;
		f->nano = 1;
		break;
	case 0x4d3cb2a1:
		f->swap = 1;
		f->nano = 1;
		break;
	default:
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte 0: not a pcap or pcapng file (magic "
			       "0x%08x)",
			       magic);
	}
	if (f->len < 24)
		return pt_fail(err, PT_EFORMAT, s->name,
			       "at byte 0: pcap header needs 24 bytes, the "
			       "file has %zu",
			       f->len);
	/* libpcap keeps the low 16 bits: the ones above carry the FCS length
	 * flag and length (LT_FCS_LENGTH_PRESENT) and reserved bits. */
	f->linktype = (int)(rd32(f, f->base + 20) & 0x0000ffff);
	s->linktype = f->linktype;
	f->pos = 24;
	s->offset = 24;
	s->ops = &pcap_ops;
	return 0;
}

static int finish_open(struct source *s, struct file *f, struct source **out,
		       struct pt_err *err)
{
	int rc;

	s->impl = f;
	rc = open_bytes(s, f, err);
	if (rc) {
		if (err && rc == PT_ETRUNC)
			err->code = PT_EFORMAT;
		source_close(s);
		return rc == PT_ETRUNC ? PT_EFORMAT : rc;
	}
	*out = s;
	return 0;
}

int source_open_mem(const uint8_t *data, size_t len, const char *name,
		    struct source **out, struct pt_err *err)
{
	struct source *s = source_alloc(&pcap_ops, name);
	struct file *f = calloc(1, sizeof(*f));

	if (!s || !f) {
		free(s);
		free(f);
		return pt_fail(err, PT_ENOMEM, name, "out of memory");
	}
	f->base = data;
	f->len = len;
	f->mapped = -1;
	return finish_open(s, f, out, err);
}

static int slurp(int fd, struct file *f, const char *name, struct pt_err *err)
{
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return pt_fail(err, PT_ENOMEM, name, "out of memory");
	for (;;) {
		ssize_t r;
		if (n == cap) {
			uint8_t *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return pt_fail(err, PT_ENOMEM, name,
					       "out of memory");
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return pt_fail(err, PT_EIO, name, "read: %s",
				       strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	f->base = buf;
	f->len = n;
	f->mapped = 0;
	return 0;
}

int source_open_file(const char *path, struct source **out, struct pt_err *err)
{
	struct source *s;
	struct file *f;
	struct stat st;
	int fd, rc = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return pt_fail(err, PT_EIO, path, "cannot open: %s",
			       strerror(errno));
	s = source_alloc(&pcap_ops, path);
	f = calloc(1, sizeof(*f));
	if (!s || !f) {
		free(s);
		free(f);
		if (fd)
			close(fd);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = pt_fail(err, PT_EFORMAT, path, "is a directory");
	} else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		   st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			       fd, 0);
		if (m == MAP_FAILED) {
			rc = pt_fail(err, PT_EIO, path, "mmap: %s",
				     strerror(errno));
		} else {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			f->base = m;
			f->len = (size_t)st.st_size;
			f->mapped = 1;
		}
	} else {
		rc = slurp(fd, f, path, err);
	}
	if (fd)
		close(fd);
	if (rc) {
		free(f);
		free(s);
		return rc;
	}
	return finish_open(s, f, out, err);
}
