/*
 * test_lab_fsutil.c -- root's file writing in reachable folders
 * (src/lab/fsutil.c, issue 13 items 1-3) against symlink plants in a
 * scratch folder: a planted `key -> victim` is never written through or
 * chowned, a symlinked folder on the way is refused, trusted paths must be
 * root-owned and not group/other-writable, rm_tree never leaves its tree.
 * The owner checks need root (skipped otherwise, printed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lab/fsutil.h"

static char scratch[64];
static int sfd = -1;

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/p2pt-fsutil.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	sfd = open(scratch, O_RDONLY | O_DIRECTORY);
	return sfd < 0 ? -1 : 0;
}

static void victim(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, 0600);
}

static void same_victim(const char *name, const char *text)
{
	char p[128], b[64] = { 0 };
	struct stat sb;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(b, sizeof(b), f) ? b : NULL);
	fclose(f);
	assert_string_equal(b, text);
	assert_int_equal(lstat(p, &sb), 0);
	assert_int_equal(sb.st_uid, getuid());
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_write(void **state)
{
	struct stat sb;
	char b[32] = { 0 };
	int fd;

	(void)state;
	assert_int_equal(lab_write_file_at(sfd, "a.conf", "x=1\n", 4, 65534,
					   65534, 0640),
			 0);
	assert_int_equal(fstatat(sfd, "a.conf", &sb, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(sb.st_size, 4);
	assert_int_equal(sb.st_mode & 07777, 0640);
	if (getuid() == 0)
		assert_int_equal(sb.st_uid, 65534);
	else
		print_message("SKIP owner check: not root\n");
	fd = openat(sfd, "a.conf", O_RDONLY);
	assert_int_equal(read(fd, b, sizeof(b)), 4);
	close(fd);
	assert_string_equal(b, "x=1\n");
	/* an existing name is never taken over */
	assert_int_equal(lab_write_file_at(sfd, "a.conf", "y", 1, 0, 0, 0600),
			 -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(lab_printf_file_at(sfd, "b.txt", 0, 0, 0644, "%d-%s",
					    7, "z"),
			 0);
	assert_int_equal(fstatat(sfd, "b.txt", &sb, 0), 0);
	assert_int_equal(sb.st_size, 3);
	assert_int_equal(lab_sized_file_at(sfd, "data", 1 << 20, 0, 0, 0644),
			 0);
	assert_int_equal(fstatat(sfd, "data", &sb, 0), 0);
	assert_int_equal(sb.st_size, 1 << 20);
	assert_int_equal(lab_write_file_at(sfd, "../x", "y", 1, 0, 0, 0600),
			 -1);
	assert_int_equal(errno, EINVAL);
}

static void test_symlink_plant(void **state)
{
	char tgt[128];

	(void)state;
	victim("shadow", "secret\n");
	snprintf(tgt, sizeof(tgt), "%s/shadow", scratch);
	assert_int_equal(symlinkat(tgt, sfd, "key"), 0);
	assert_int_equal(lab_write_file_at(sfd, "key", "pwned", 5, 65534,
					   65534, 0666),
			 -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(lab_copy_file_at(sfd, "key", "/etc/hostname", 65534,
					  65534, 0666),
			 -1);
	assert_int_equal(lab_sized_file_at(sfd, "key", 0, 65534, 65534, 0666),
			 -1);
	same_victim("shadow", "secret\n");
	/* a dangling link is refused too (O_EXCL) and nothing is created */
	assert_int_equal(symlinkat("/nonexistent-p2pt", sfd, "dang"), 0);
	assert_int_equal(lab_write_file_at(sfd, "dang", "x", 1, 0, 0, 0600),
			 -1);
	assert_int_equal(access("/nonexistent-p2pt", F_OK), -1);
	/* copy FROM a symlink: refused (the source must be the file itself) */
	assert_int_equal(lab_copy_file_at(sfd, "c", tgt, 0, 0, 0600), 0);
	assert_int_equal(
		lab_copy_file_at(sfd, "c2", "/proc/self/fd/0", 0, 0, 0600), -1);
	/* a planted folder link: mkdir_at refuses the name */
	assert_int_equal(symlinkat("/etc", sfd, "node1"), 0);
	assert_int_equal(lab_mkdir_at(sfd, "node1"), -1);
	assert_int_equal(errno, EEXIST);
}

static void test_open_dir(void **state)
{
	char p[160];
	int fd;

	(void)state;
	/* a symlink component anywhere */
	assert_int_equal(mkdirat(sfd, "real", 0755), 0);
	assert_int_equal(symlinkat("real", sfd, "link"), 0);
	snprintf(p, sizeof(p), "%s/link", scratch);
	assert_int_equal(lab_open_dir(p, 0), -1);
	snprintf(p, sizeof(p), "%s/real", scratch);
	fd = lab_open_dir(p, 0);
	assert_true(fd >= 0);
	close(fd);
	/* trusted: /tmp is world-writable (sticky), so nothing under it */
	assert_int_equal(lab_open_dir(p, 1), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(lab_mkdirs(p, 0755, 1), -1);
	fd = lab_open_dir("/usr/share", 1);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lab_open_dir("/usr/../etc", 1), -1);
	assert_int_equal(lab_open_dir("relative", 0), -1);
	if (getuid() == 0) { /* a trusted place: /run is root's, 0755 */
		char r[64];
		int rfd;
		snprintf(r, sizeof(r), "/run/p2pt-fsutil-%d/a/b", (int)getpid());
		fd = lab_mkdirs(r, 0755, 1);
		assert_true(fd >= 0);
		close(fd);
		rfd = open("/run", O_RDONLY | O_DIRECTORY);
		snprintf(r, sizeof(r), "p2pt-fsutil-%d", (int)getpid());
		/* a folder made writable by others is no longer trusted */
		snprintf(p, sizeof(p), "/run/%s/a", r);
		chmod(p, 0777);
		snprintf(p, sizeof(p), "/run/%s/a/b", r);
		assert_int_equal(lab_open_dir(p, 1), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(lab_rm_tree_at(rfd, r), 0);
		close(rfd);
	} else {
		print_message("SKIP trusted mkdirs: not root\n");
	}
}

static void test_rm_tree(void **state)
{
	char p[160];
	int t, u;

	(void)state;
	victim("keep", "keep me\n");
	t = lab_mkdir_at(sfd, "tree");
	assert_true(t >= 0);
	u = lab_mkdir_at(t, "sub");
	assert_true(u >= 0);
	assert_int_equal(lab_write_file_at(u, "f", "1", 1, 0, 0, 0600), 0);
	/* links to the outside: to a file, to the scratch folder itself */
	snprintf(p, sizeof(p), "%s/keep", scratch);
	assert_int_equal(symlinkat(p, u, "tofile"), 0);
	assert_int_equal(symlinkat(scratch, t, "toscratch"), 0);
	close(u);
	close(t);
	assert_int_equal(lab_rm_tree_at(sfd, "tree"), 0);
	assert_int_equal(faccessat(sfd, "tree", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	same_victim("keep", "keep me\n");
	assert_int_equal(faccessat(sfd, "real", F_OK, 0), 0);
	/* removing a symlink removes the link only */
	assert_int_equal(lab_rm_tree_at(sfd, "link"), 0);
	assert_int_equal(faccessat(sfd, "real", F_OK, 0), 0);
	assert_int_equal(lab_rm_tree_at(sfd, "absent"), 0);
}

static void test_cleanup(void **state)
{
	int root;
	const char *base = strrchr(scratch, '/') + 1;

	(void)state;
	root = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(lab_rm_tree_at(root, base), 0);
	close(root);
	assert_int_equal(access(scratch, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_symlink_plant),
		cmocka_unit_test(test_open_dir),
		cmocka_unit_test(test_rm_tree),
		cmocka_unit_test(test_cleanup),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
