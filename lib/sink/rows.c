/*
 * rows.c -- one writer for CSV and JSON lines. The first row of a file
 * fixes the columns: its names become the CSV header. Values are kept in a
 * line buffer and written whole, so a row is never half written by us.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "p2ptrace/sink.h"

#define LINE_MAX_BYTES (64 * 1024)

struct rowout {
	FILE *fp;
	int json, is_stdout;
	int header_done, ncol;
	char path[256];
	char *line, *head;
	size_t len, hlen;
	int overflow;
};

int rowout_open(const char *path, int json, struct rowout **out,
		struct pt_err *err)
{
	struct rowout *ro = calloc(1, sizeof(*ro));

	if (!ro)
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	ro->line = malloc(LINE_MAX_BYTES);
	ro->head = malloc(LINE_MAX_BYTES);
	if (!ro->line || !ro->head) {
		free(ro->line);
		free(ro->head);
		free(ro);
		return pt_fail(err, PT_ENOMEM, path, "out of memory");
	}
	snprintf(ro->path, sizeof(ro->path), "%s", path);
	ro->json = json;
	if (!strcmp(path, "-")) {
		ro->fp = stdout;
		ro->is_stdout = 1;
	} else {
		ro->fp = fopen(path, "w");
	}
	if (!ro->fp) {
		int e = errno;
		free(ro->line);
		free(ro->head);
		free(ro);
		return pt_fail(err, PT_EIO, path, "cannot write: %s",
			       strerror(e));
	}
	if (!ro->is_stdout)
		setvbuf(ro->fp, NULL, _IOFBF, 1 << 20);
	*out = ro;
	return 0;
}

const char *rowout_path(const struct rowout *ro)
{
	return ro->path;
}

static void put(char *buf, size_t *len, int *ovf, const char *s, size_t n)
{
	if (*len + n + 2 >= LINE_MAX_BYTES) {
		*ovf = 1;
		return;
	}
	memcpy(buf + *len, s, n);
	*len += n;
}

void row_begin(struct rowout *ro)
{
	ro->len = 0;
	ro->ncol = 0;
	if (ro->json)
		put(ro->line, &ro->len, &ro->overflow, "{", 1);
}

/* raw: v is already a JSON number (or CSV-safe). */
static void field(struct rowout *ro, const char *name, const char *v, int raw)
{
	/* fast path: a CSV number once the header is known */
	if (raw && !ro->json && ro->header_done) {
		size_t n = strlen(v);
		if (ro->len + n + 3 < LINE_MAX_BYTES) {
			if (ro->ncol++)
				ro->line[ro->len++] = ',';
			memcpy(ro->line + ro->len, v, n);
			ro->len += n;
			return;
		}
	}
	if (ro->ncol++) {
		put(ro->line, &ro->len, &ro->overflow, ",", 1);
		if (!ro->header_done)
			put(ro->head, &ro->hlen, &ro->overflow, ",", 1);
	}
	if (!ro->header_done)
		put(ro->head, &ro->hlen, &ro->overflow, name, strlen(name));
	if (ro->json) {
		put(ro->line, &ro->len, &ro->overflow, "\"", 1);
		put(ro->line, &ro->len, &ro->overflow, name, strlen(name));
		put(ro->line, &ro->len, &ro->overflow, "\":", 2);
	}
	if (raw) {
		put(ro->line, &ro->len, &ro->overflow, v, strlen(v));
		return;
	}
	if (ro->json) {
		put(ro->line, &ro->len, &ro->overflow, "\"", 1);
		for (const char *p = v; *p; p++) {
			char esc[8];
			unsigned char c = (unsigned char)*p;
			if (c == '"' || c == '\\') {
				esc[0] = '\\';
				esc[1] = (char)c;
				put(ro->line, &ro->len, &ro->overflow, esc, 2);
			} else if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(ro->line, &ro->len, &ro->overflow, esc, 6);
			} else {
				put(ro->line, &ro->len, &ro->overflow, p, 1);
			}
		}
		put(ro->line, &ro->len, &ro->overflow, "\"", 1);
		return;
	}
	if (strpbrk(v, ",\"\n\r")) {
		put(ro->line, &ro->len, &ro->overflow, "\"", 1);
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				put(ro->line, &ro->len, &ro->overflow, "\"", 1);
			put(ro->line, &ro->len, &ro->overflow, p, 1);
		}
		put(ro->line, &ro->len, &ro->overflow, "\"", 1);
	} else {
		put(ro->line, &ro->len, &ro->overflow, v, strlen(v));
	}
}

void row_str(struct rowout *ro, const char *name, const char *v)
{
	field(ro, name, v ? v : "", 0);
}

/* Digits of v, written backwards from end; returns the first char. */
static char *u64_str(uint64_t v, char *end)
{
	*end = 0;
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* The CSV fast path: once the header is written, numbers go straight into
 * the line buffer (no temporary, no strlen): flow rows are ~90 columns and
 * a busy trace has many flows. */
static inline char *fast_slot(struct rowout *ro)
{
	char *p;

	if (ro->json || !ro->header_done || ro->len + 48 >= LINE_MAX_BYTES)
		return NULL;
	p = ro->line + ro->len;
	if (ro->ncol++)
		*p++ = ',';
	return p;
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* Decimal digits of v at p, two at a time; returns the end. */
static inline char *put_digits(char *p, uint64_t v)
{
	char tmp[20], *t = tmp + 20;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		*--t = digit_pairs[i + 1];
		*--t = digit_pairs[i];
	}
	if (v >= 10) {
		*--t = digit_pairs[v * 2 + 1];
		*--t = digit_pairs[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	memcpy(p, t, (size_t)(tmp + 20 - t));
	return p + (tmp + 20 - t);
}

void row_u64(struct rowout *ro, const char *name, uint64_t v)
{
	char b[24], *p = fast_slot(ro);

	if (p) {
		ro->len = (size_t)(put_digits(p, v) - ro->line);
		return;
	}
	field(ro, name, u64_str(v, b + sizeof(b) - 1), 1);
}

void row_i64(struct rowout *ro, const char *name, int64_t v)
{
	char b[24], *p = fast_slot(ro);
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (p) {
		if (v < 0)
			*p++ = '-';
		ro->len = (size_t)(put_digits(p, m) - ro->line);
		return;
	}
	p = u64_str(m, b + sizeof(b) - 1);
	if (v < 0)
		*--p = '-';
	field(ro, name, p, 1);
}

/* "12.5" for 12.5 with decimals 3: at most `decimals` digits after the
 * point, trailing zeros dropped, no exponent. Writes at most 40 chars. */
static char *fixed_str(char *p, double v, int decimals)
{
	static const uint64_t scale[10] = { 1,	       10,	 100,
					    1000,      10000,	 100000,
					    1000000,   10000000, 100000000,
					    1000000000 };
	uint64_t x, ip, fp;
	int d = decimals;

	if (v == 0) { /* most of a one-way flow's statistics */
		*p = '0';
		return p + 1;
	}
	x = (uint64_t)(fabs(v) * (double)scale[decimals] + 0.5);
	ip = x / scale[decimals];
	fp = x % scale[decimals];
	while (d > 0 && fp % 10 == 0) {
		fp /= 10;
		d--;
	}
	if (v < 0 && x)
		*p++ = '-';
	p = put_digits(p, ip);
	if (d > 0) {
		char *q = p + d;
		*p = '.';
		for (char *r = q; r > p; r--) {
			*r = (char)('0' + fp % 10);
			fp /= 10;
		}
		p = q + 1;
	}
	return p;
}

void row_fixed(struct rowout *ro, const char *name, double v, int decimals)
{
	char b[48], *p;

	if (!isfinite(v) || fabs(v) >= 1e9 || decimals < 0 || decimals > 9) {
		row_f64(ro, name, v);
		return;
	}
	p = fast_slot(ro);
	if (p) {
		ro->len = (size_t)(fixed_str(p, v, decimals) - ro->line);
		return;
	}
	*fixed_str(b, v, decimals) = 0;
	field(ro, name, b, 1);
}

void row_f64(struct rowout *ro, const char *name, double v)
{
	char b[40];

	if (!isfinite(v))
		v = 0;
	snprintf(b, sizeof(b), "%.6g", v);
	field(ro, name, b, 1);
}

void row_end(struct rowout *ro)
{
	if (ro->json)
		put(ro->line, &ro->len, &ro->overflow, "}", 1);
	ro->line[ro->len++] = '\n';
	if (!ro->header_done) {
		ro->header_done = 1;
		if (!ro->json) {
			ro->head[ro->hlen++] = '\n';
			fwrite(ro->head, 1, ro->hlen, ro->fp);
		}
	}
	fwrite(ro->line, 1, ro->len, ro->fp);
	if (ro->is_stdout)
		fflush(ro->fp);
}

int rowout_close(struct rowout *ro, struct pt_err *err)
{
	int rc = 0;

	if (!ro)
		return 0;
	if (fflush(ro->fp) != 0 || ferror(ro->fp))
		rc = pt_fail(err, errno == ENOSPC ? PT_ENOSPC : PT_EIO,
			     ro->path, "write failed: %s", strerror(errno));
	if (!ro->is_stdout && fclose(ro->fp) != 0 && !rc)
		rc = pt_fail(err, errno == ENOSPC ? PT_ENOSPC : PT_EIO,
			     ro->path, "write failed: %s", strerror(errno));
	if (ro->overflow && !rc)
		rc = pt_fail(err, PT_ELIMIT, ro->path,
			     "a row was longer than %d bytes and was cut",
			     LINE_MAX_BYTES);
	free(ro->line);
	free(ro->head);
	free(ro);
	return rc;
}
