/*
 * privdrop.h -- give up root after the capture sockets are open (-Z USER),
 * as tcpdump does: supplementary groups, gid, uid, and a check that root
 * cannot be regained.
 */
#ifndef P2PTRACE_CAPTURE_PRIVDROP_H
#define P2PTRACE_CAPTURE_PRIVDROP_H
#include <sys/types.h>
#include "p2ptrace/err.h"

/* Look the user up (name or numeric uid). PT_EUSAGE when unknown. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid,
		    struct pt_err *err);

/* Become uid/gid for good. */
int privdrop_to(const char *user, uid_t uid, gid_t gid, struct pt_err *err);

#endif
