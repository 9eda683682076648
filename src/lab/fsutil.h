/*
 * fsutil.h -- how the lab (running as root) writes and removes files in
 * folders another user can reach: node work folders, the output folder.
 *
 * The rule (issue 13 item 1): never a path-based write, never follow a
 * link, never take over an existing name. Open the folder once (every
 * component O_NOFOLLOW, see lab_open_dir), then create each file with
 * openat(O_CREAT | O_EXCL | O_NOFOLLOW) and set owner and mode on the
 * descriptor (fchown/fchmod). A node folder stays root-owned (0700) while
 * root fills it; lab_dir_handover() gives it to the node's user last.
 *
 * All functions return 0 (or a descriptor) on success, -1 with errno set.
 * Profiles use these, not fopen/open/chown/chmod on paths.
 */
#ifndef P2PTRACE_LAB_FSUTIL_H
#define P2PTRACE_LAB_FSUTIL_H
#include <stddef.h>
#include <sys/types.h>

/* Create name in dirfd with data[0..len), owner uid:gid, mode. Fails with
 * EEXIST when name exists in any form (a planted symlink included). */
int lab_write_file_at(int dirfd, const char *name, const void *data,
		      size_t len, uid_t uid, gid_t gid, mode_t mode);
/* lab_write_file_at of a formatted text. */
int lab_printf_file_at(int dirfd, const char *name, uid_t uid, gid_t gid,
		       mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Copy the regular file src (opened without following a final symlink)
 * to a new name in dirfd, as lab_write_file_at. */
int lab_copy_file_at(int dirfd, const char *name, const char *src, uid_t uid,
		     gid_t gid, mode_t mode);
/* Create a file of size bytes (sparse; content: zeros) as above. */
int lab_sized_file_at(int dirfd, const char *name, unsigned long long size,
		      uid_t uid, gid_t gid, mode_t mode);
/* Make the new folder name in dirfd (EEXIST when anything has the name),
 * root-owned 0700; returns a descriptor of it (O_DIRECTORY|O_NOFOLLOW). */
int lab_mkdir_at(int dirfd, const char *name);
/* The folder at dirfd: owner uid:gid, then mode (after its files are
 * written: until then the user cannot plant anything in it). */
int lab_dir_handover(int dirfd, uid_t uid, gid_t gid, mode_t mode);
/* Open the absolute path of a folder, every component with O_NOFOLLOW (a
 * symlink anywhere fails with ELOOP/ENOTDIR). With trusted set, every
 * component must also be root-owned and not writable by group or others
 * (EPERM otherwise): nobody but root can change what the path names. */
int lab_open_dir(const char *path, int trusted);
/* mkdir -p of an absolute path under the same rules (trusted: new
 * folders root-owned with mode; existing ones checked); returns a
 * descriptor of the last folder. */
int lab_mkdirs(const char *path, mode_t mode, int trusted);
/* Remove name in dirfd and everything below it, never following a
 * symlink (each folder is opened O_NOFOLLOW and emptied by unlinkat). */
int lab_rm_tree_at(int dirfd, const char *name);

#endif
