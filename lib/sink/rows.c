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

void row_u64(struct rowout *ro, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	field(ro, name, b, 1);
}

void row_i64(struct rowout *ro, const char *name, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRId64, v);
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
