/*
 * values.c -- the values of an experiment file (docs/lab.md) and of the
 * profiles' options: rates, sizes, durations, names, addresses and the
 * subnets a lab may use. Pure functions: 0 ok, -1 not such a value (the
 * caller names the line).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lab/lab.h"

const char *lab_addr_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
	return buf;
}

/* Number followed by a unit from the table; unit "" is the default. */
int lab_parse_unit(const char *s, double *out, const char *const *units,
		   const double *mult)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	for (int i = 0; units[i]; i++)
		if (!strcasecmp(end, units[i])) {
			*out = v * mult[i];
			return 0;
		}
	return -1;
}

int lab_parse_rate(const char *s, double *kbps)
{
	static const char *const u[] = {
		"", "kbit", "bit", "mbit", "gbit", NULL
	};
	static const double m[] = { 1, 1, 0.001, 1000, 1000000 };

	return lab_parse_unit(s, kbps, u, m);
}

int lab_parse_size(const char *s, uint64_t *bytes)
{
	static const char *const u[] = { "",   "B",  "KiB", "MiB", "GiB",
					 "kB", "MB", "GB",  NULL };
	static const double m[] = { 1,	 1,   1024.0, 1048576.0, 1073741824.0,
				    1e3, 1e6, 1e9 };
	double v;

	if (lab_parse_unit(s, &v, u, m) || v > 1e12 || v != floor(v))
		return -1;
	*bytes = (uint64_t)v;
	return 0;
}

int lab_parse_seconds(const char *s, double *sec)
{
	static const char *const u[] = { "", "s", "m", "h", NULL };
	static const double m[] = { 1, 1, 60, 3600 };

	return lab_parse_unit(s, sec, u, m);
}

int lab_valid_name(const char *s, size_t max, int lab)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (lab ? !(islower(ch) || isdigit(ch) || ch == '-')
			: !(isalnum(ch) || ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return s[0] != '-' && s[0] != '.';
}

int lab_parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	unsigned a, b, c, d, p;
	char tail;

	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &p, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p < 8 || p > 30)
		return -1;
	*net = a << 24 | b << 16 | c << 8 | d;
	*prefix = p;
	return 0;
}

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* The only ranges a lab may use: RFC 2544 benchmarking and RFC 6598. */
int lab_subnet_allowed(uint32_t net, unsigned prefix)
{
	uint32_t bench = 198u << 24 | 18u << 16, cgn = 100u << 24 | 64u << 16;

	if (net & ~mask_of(prefix))
		return 0;
	if (prefix >= 15 && (net & mask_of(15)) == bench)
		return 1;
	return prefix >= 10 && (net & mask_of(10)) == cgn;
}

/* "2mbit", "256kbit..4mbit" (range) or "1mbit,2mbit,512kbit" (list). */
int lab_parse_rates(const char *v, struct lab_rates *set)
{
	char buf[256], *p, *save = NULL;
	const char *dots = strstr(v, "..");

	memset(set, 0, sizeof(*set));
	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	if (dots) {
		buf[dots - v] = 0;
		if (lab_parse_rate(buf, &set->v[0]) ||
		    lab_parse_rate(buf + (dots - v) + 2, &set->v[1]) ||
		    set->v[0] < 0.1 || set->v[1] > 10e6 ||
		    set->v[0] >= set->v[1])
			return -1;
		set->n = 2;
		set->range = 1;
		return 0;
	}
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (set->n == 8 || lab_parse_rate(p, &set->v[set->n]) ||
		    set->v[set->n] < 0.1 || set->v[set->n] > 10e6)
			return -1;
		set->n++;
	}
	return set->n ? 0 : -1;
}
