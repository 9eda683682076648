/*
 * fsutil.c -- root's safe file writing in folders other users can reach
 * (see fsutil.h for the rule): *at() calls on descriptors of checked
 * folders, O_NOFOLLOW | O_EXCL on every create, owner and mode set on the
 * descriptor, trees removed without following links.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/fsutil.h"

/* A plain name: no '/', not "", "." or "..". */
static int plain(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

static int create_at(int dirfd, const char *name)
{
	if (!plain(name)) {
		errno = EINVAL;
		return -1;
	}
	return openat(dirfd, name,
		      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);
}

/* Owner and mode on the descriptor, then close; on failure the file is
 * removed again. */
static int finish(int dirfd, const char *name, int fd, uid_t uid, gid_t gid,
		  mode_t mode, int ok)
{
	int e;

	if (ok && (fchown(fd, uid, gid) || fchmod(fd, mode)))
		ok = 0;
	e = errno;
	if (close(fd))
		ok = 0, e = errno;
	if (!ok) {
		unlinkat(dirfd, name, 0);
		errno = e ? e : EIO;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int lab_write_file_at(int dirfd, const char *name, const void *data,
		      size_t len, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = create_at(dirfd, name);

	if (fd < 0)
		return -1;
	return finish(dirfd, name, fd, uid, gid, mode,
		      write_all(fd, data, len) == 0);
}

int lab_printf_file_at(int dirfd, const char *name, uid_t uid, gid_t gid,
		       mode_t mode, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = lab_write_file_at(dirfd, name, text, (size_t)n, uid, gid, mode);
	free(text);
	return rc;
}

int lab_copy_file_at(int dirfd, const char *name, const char *src, uid_t uid,
		     gid_t gid, mode_t mode)
{
	char buf[65536];
	struct stat sb;
	int in, fd, ok = 1;
	ssize_t r;

	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (in < 0)
		return -1;
	if (fstat(in, &sb) || !S_ISREG(sb.st_mode)) {
		close(in);
		errno = EINVAL;
		return -1;
	}
	fd = create_at(dirfd, name);
	if (fd < 0) {
		int e = errno;
		close(in);
		errno = e;
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || write_all(fd, buf, (size_t)r)) {
			ok = 0;
			break;
		}
	}
	close(in);
	return finish(dirfd, name, fd, uid, gid, mode, ok);
}

int lab_sized_file_at(int dirfd, const char *name, unsigned long long size,
		      uid_t uid, gid_t gid, mode_t mode)
{
	int fd = create_at(dirfd, name);

	if (fd < 0)
		return -1;
	return finish(dirfd, name, fd, uid, gid, mode,
		      ftruncate(fd, (off_t)size) == 0);
}

int lab_mkdir_at(int dirfd, const char *name)
{
	int fd;

	if (!plain(name)) {
		errno = EINVAL;
		return -1;
	}
	if (mkdirat(dirfd, name, 0700))
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* mkdirat made it with our (root's) owner; 0700 whatever the umask */
	if (fchown(fd, 0, 0) || fchmod(fd, 0700)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int lab_dir_handover(int dirfd, uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(dirfd, uid, gid) || fchmod(dirfd, mode))
		return -1;
	return 0;
}

/* The folder fd is root-owned, a folder, not writable by group/others. */
static int trusted_dir(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -1;
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Walk path from "/" component by component; with create, make missing
 * folders (root-owned, mode). Returns the last folder's descriptor. */
static int walk(const char *path, int trusted, int create, mode_t mode)
{
	char comp[256];
	const char *p = path;
	int fd;

	if (!path || path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		size_t n;
		int nfd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n >= sizeof(comp) || (n == 2 && !strncmp(p, "..", 2)) ||
		    (n == 1 && *p == '.')) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		if (trusted && trusted_dir(fd)) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		nfd = openat(fd, comp,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0700) && errno != EEXIST) {
				int e = errno;
				close(fd);
				errno = e;
				return -1;
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0 && (fchown(nfd, 0, 0) || fchmod(nfd, mode))) {
				close(nfd);
				nfd = -1;
			}
		}
		close(fd);
		if (nfd < 0)
			return -1;
		fd = nfd;
	}
	if (trusted && trusted_dir(fd)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int lab_open_dir(const char *path, int trusted)
{
	return walk(path, trusted, 0, 0);
}

int lab_mkdirs(const char *path, mode_t mode, int trusted)
{
	return walk(path, trusted, 1, mode);
}

/* Empty the folder fd (which is then closed), depth at most 64. */
static int empty_dir(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!unlinkat(fd, de->d_name, 0))
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = -1;
			continue;
		}
		sub = openat(fd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || depth >= 64) {
			if (sub >= 0)
				close(sub);
			rc = -1;
			continue;
		}
		if (empty_dir(sub, depth + 1) ||
		    unlinkat(fd, de->d_name, AT_REMOVEDIR))
			rc = -1;
	}
	closedir(d);
	return rc;
}

int lab_rm_tree_at(int dirfd, const char *name)
{
	int fd;

	if (!plain(name)) {
		errno = EINVAL;
		return -1;
	}
	if (!unlinkat(dirfd, name, 0))
		return 0;
	if (errno == ENOENT)
		return 0;
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (empty_dir(fd, 0))
		return -1;
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}
