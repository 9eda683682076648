/*
 * err.c -- filling and formatting struct pt_err (see err.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "p2ptrace/err.h"

int pt_fail(struct pt_err *err, enum pt_code code, const char *where,
	    const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *pt_err_str(const struct pt_err *err, char *buf, unsigned len)
{
	if (err->where[0])
		snprintf(buf, len, "%s: %s", err->where, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}
