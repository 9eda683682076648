/*
 * tool.c -- shared helpers of the tool's commands (see tool.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "p2ptrace/clock.h"
#include "tool.h"

void tool_perr(const struct pt_err *err)
{
	if (err->where[0])
		fprintf(stderr, "p2ptrace: %s: %s\n", err->where, err->msg);
	else
		fprintf(stderr, "p2ptrace: %s\n", err->msg);
}

void tool_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("p2ptrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int tool_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int tool_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int tool_parse_seconds_ns(const char *s, uint64_t *out_ns)
{
	double v;

	if (tool_parse_double(s, &v) || v < 0 || v > 1e9)
		return -1;
	*out_ns = (uint64_t)llround(v * 1e9);
	return 0;
}

const char *tool_self_exe(void)
{
	static char path[4096];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return "p2ptrace";
	path[n] = 0;
	return path;
}

static int progress_state = -1; /* -1 unknown, 0 off, 1 on */
static int progress_drawn;
static uint64_t progress_last; /* pt_mono_ns() of the last draw */

int tool_progress_on(void)
{
	if (progress_state < 0)
		progress_state = isatty(2) && !getenv("P2PTRACE_NO_PROGRESS");
	return progress_state;
}

void tool_progress(const char *fmt, ...)
{
	uint64_t now;
	va_list ap;

	if (!tool_progress_on())
		return;
	now = pt_mono_ns();
	if (progress_drawn && now - progress_last < 200000000ull)
		return;
	progress_last = now;
	progress_drawn = 1;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void tool_progress_done(void)
{
	if (progress_drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	progress_drawn = 0;
}

/* A word that can only be an option: "-x...", "--x..." (a lone "-" or a
 * negative number may be part of a BPF expression). */
static int option_like(const char *w)
{
	return w[0] == '-' &&
	       (w[1] == '-' ? w[2] != 0 : isalpha((unsigned char)w[1]));
}

int tool_filter(const char *cmd, char **words, int n, char **out)
{
	size_t len = 1;
	char *f;

	*out = NULL;
	for (int i = 0; i < n; i++) {
		if (option_like(words[i])) {
			tool_msg(
				"%s: '%s' after the inputs: options go before the inputs (the words after them are the filter)",
				cmd, words[i]);
			return 2;
		}
		len += strlen(words[i]) + 1;
	}
	if (!n)
		return 0;
	f = malloc(len);
	if (!f) {
		tool_msg("%s: out of memory", cmd);
		return 1;
	}
	f[0] = 0;
	for (int i = 0, o = 0; i < n; i++)
		o += snprintf(f + o, len - (size_t)o, "%s%s", i ? " " : "",
			      words[i]);
	*out = f;
	return 0;
}
