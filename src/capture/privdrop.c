/*
 * privdrop.c -- dropping root for good (see privdrop.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "capture/privdrop.h"

int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid,
		    struct pt_err *err)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	errno = 0;
	pw = getpwnam(user);
	if (!pw && *user >= '0' && *user <= '9') {
		v = strtoul(user, &end, 10);
		if (!*end)
			pw = getpwuid((uid_t)v);
	}
	if (!pw)
		return pt_fail(err, PT_EUSAGE, "-Z", "no such user '%s'", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int privdrop_to(const char *user, uid_t uid, gid_t gid, struct pt_err *err)
{
	struct passwd *pw = getpwuid(uid);

	if (pw ? initgroups(pw->pw_name, gid) != 0 : setgroups(1, &gid) != 0)
		return pt_fail(err, PT_EIO, "-Z", "setgroups for '%s': %s",
			       user, strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		return pt_fail(err, PT_EIO, "-Z", "setgid %u: %s",
			       (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		return pt_fail(err, PT_EIO, "-Z", "setuid %u: %s",
			       (unsigned)uid, strerror(errno));
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		return pt_fail(err, PT_EIO, "-Z",
			       "could regain root after dropping to '%s'",
			       user);
	/* No core dumps of a process that held root's sockets. */
	prctl(PR_SET_DUMPABLE, 0);
	return 0;
}
