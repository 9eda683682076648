/*
 * err.h -- how p2ptrace reports a failure that stops an operation.
 *
 * The function that finds the problem fills one struct pt_err, saying what
 * and where (a file name and byte offset, an option, "exp.lab:12"); callers
 * pass it up unchanged; only the tool prints it, once, as
 * "p2ptrace: WHERE: WHAT". A malformed packet is not an error: decode counts
 * it (see decode.h).
 */
#ifndef P2PTRACE_ERR_H
#define P2PTRACE_ERR_H

enum pt_code {
	PT_OK = 0,
	PT_EIO = -1,	 /* read/write failed (errno kept in msg) */
	PT_EFORMAT = -2, /* input is not what it claims to be */
	PT_ENOMEM = -3,
	PT_EUSAGE = -4, /* bad option or argument */
	PT_ELIMIT = -5, /* a named bound was hit */
	PT_ETRUNC = -6, /* input ends inside a record: data before it is good */
	PT_ENOSPC = -7, /* disk full */
};

struct pt_err {
	enum pt_code code;
	char where[256]; /* "trace.pcapng", "--max-flows", "exp1.lab:12" */
	char msg[256]; /* "at byte 1234: block length 7 is not a multiple of 4"
			*/
};

/* Fill *err and return code, so the failing line reads
 * "return pt_fail(err, PT_EFORMAT, path, "...", ...);". err may be NULL. */
int pt_fail(struct pt_err *err, enum pt_code code, const char *where,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "WHERE: WHAT" into buf (for printing). */
const char *pt_err_str(const struct pt_err *err, char *buf, unsigned len);

#endif
