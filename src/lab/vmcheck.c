/*
 * vmcheck.c -- what a VM node may ask QEMU for (issue 13 items 5, 6). The
 * experiment file may come from a user who is not root, and QEMU runs as
 * root: so the file names an image whose format it states (the image is
 * never probed), whose backing files stay in the image's folder (no
 * json: names, no external data-file), a kernel/initrd from that folder or
 * /boot, and QEMU arguments from an allow-list (no -drive, -readconfig,
 * -virtfs, -plugin, -object, -chardev ...).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lab/profile.h"
#include "lab/qemu.h"

/* Options taken as they are, and options whose one value is checked. */
static const char *const flags[] = { "-enable-kvm", "-no-reboot",
				     "-no-shutdown", "-nographic", "-usb",
				     "-snapshot", "-no-hpet", NULL };
static const char *const valued[] = { "-smp",  "-cpu",	 "-machine", "-M",
				      "-accel", "-rtc",	 "-boot",    "-vga",
				      "-k",	"-name", "-uuid",    "-global",
				      "-display", "-device", NULL };
/* -device drivers that touch nothing on the host */
static const char *const devices[] = { "virtio-rng-pci", "virtio-balloon-pci",
				       "virtio-balloon", "i6300esb",
				       "usb-kbd",	 "usb-tablet",
				       "usb-mouse",	 "pvpanic",
				       "virtio-keyboard-pci", NULL };
/* in a value: anything that names a host file, socket, fd or backend */
static const char *const bad_words[] = { "file",   "path",   "dump",
					 "script", "chardev", "fd",
					 "netdev", "socket", "backend",
					 "helper", "sock",   "dtb",
					 "bios",   "rom",    "mem-path",
					 NULL };

static int in(const char *const *list, const char *s, size_t n)
{
	for (unsigned i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !strncmp(list[i], s, n))
			return 1;
	return 0;
}

static int value_ok(const char *opt, const char *v, char *msg, size_t len)
{
	for (const char *c = v; *c; c++)
		if (!(*c == '.' || *c == '_' || *c == ',' || *c == '=' ||
		      *c == ':' || *c == '+' || *c == '-' ||
		      (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z'))) {
			snprintf(msg, len,
				 "qemu-args: %s '%s': only letters, digits and "
				 "._,=:+- are allowed in values",
				 opt, v);
			return -1;
		}
	for (unsigned i = 0; bad_words[i]; i++)
		if (strstr(v, bad_words[i])) {
			snprintf(msg, len,
				 "qemu-args: %s '%s': '%s' may name a host "
				 "resource: refused",
				 opt, v, bad_words[i]);
			return -1;
		}
	if (!strcmp(opt, "-device") &&
	    !in(devices, v, strcspn(v, ","))) {
		snprintf(msg, len,
			 "qemu-args: -device '%.*s' is not allowed (allowed: "
			 "virtio-rng-pci, virtio-balloon(-pci), i6300esb, "
			 "usb-kbd, usb-tablet, usb-mouse, pvpanic, "
			 "virtio-keyboard-pci)",
			 (int)strcspn(v, ","), v);
		return -1;
	}
	if (!strcmp(opt, "-display") && strcmp(v, "none")) {
		snprintf(msg, len, "qemu-args: -display: only 'none'");
		return -1;
	}
	return 0;
}

int lab_vm_args_check(const char *args, char *msg, size_t len)
{
	char tmp[1024], *save = NULL, *w;

	if (strlen(args) >= sizeof(tmp)) {
		snprintf(msg, len, "qemu-args: too long");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s", args);
	for (w = strtok_r(tmp, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		const char *o = w[0] == '-' && w[1] == '-' ? w + 1 : w;
		char *v;

		if (in(flags, o, strlen(o)))
			continue;
		if (!in(valued, o, strlen(o))) {
			snprintf(msg, len,
				 "qemu-args: '%s' is not allowed (allowed: "
				 "-smp -cpu -machine -M -accel -rtc -boot -vga "
				 "-k -name -uuid -global -display none -device "
				 "(a few drivers) -enable-kvm -no-reboot "
				 "-no-shutdown -nographic -usb -snapshot "
				 "-no-hpet)",
				 w);
			return -1;
		}
		v = strtok_r(NULL, " \t", &save);
		if (!v) {
			snprintf(msg, len, "qemu-args: '%s' needs a value", w);
			return -1;
		}
		if (value_ok(o, v, msg, len))
			return -1;
	}
	return 0;
}

int lab_vm_path_ok(const char *key, const char *p, char *msg, size_t len)
{
	if (p[0] != '/' || strstr(p, "/../") || strstr(p, "/./") ||
	    (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")) ||
	    !strncmp(p, "json:", 5)) {
		snprintf(msg, len,
			 "%s: expected an absolute path without '..', got '%s'",
			 key, p);
		return -1;
	}
	return 0;
}

/* dir of the real path of file into out (with a final '/') */
static int real_dir(const char *file, char *out, size_t len)
{
	char r[PATH_MAX], *s;

	if (!realpath(file, r))
		return -1;
	s = strrchr(r, '/');
	if (!s)
		return -1;
	s[1] = 0;
	return snprintf(out, len, "%s", r) >= (int)len ? -1 : 0;
}

/* real path of p starts with dir */
static int under(const char *p, const char *dir)
{
	char r[PATH_MAX];

	return realpath(p, r) && !strncmp(r, dir, strlen(dir));
}

int lab_vm_boot_file_ok(const char *key, const char *path, const char *image,
			const char *where, struct pt_err *err)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (real_dir(image, dir, sizeof(dir)))
		return pt_fail(err, PT_EUSAGE, where, "image %s: %s", image,
			       strerror(errno));
	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return pt_fail(err, PT_EUSAGE, where,
			       "%s %s: not a regular file", key, path);
	if (!under(path, dir) && !under(path, "/boot/"))
		return pt_fail(err, PT_EUSAGE, where,
			       "%s %s: must be in the image's folder %s or in "
			       "/boot (QEMU runs as root)",
			       key, path, dir);
	return 0;
}

/* The JSON string value of "key" in text (no escapes allowed: a name with
 * a backslash is refused as odd); 0 absent, 1 found, -1 odd. */
static int json_str(const char *text, const char *key, char *out, size_t len)
{
	char k[64];
	const char *p, *e;

	snprintf(k, sizeof(k), "\"%s\": \"", key);
	p = strstr(text, k);
	if (!p)
		return 0;
	p += strlen(k);
	e = strchr(p, '"');
	if (!e || memchr(p, '\\', (size_t)(e - p)) || (size_t)(e - p) >= len)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = 0;
	return 1;
}

int lab_vm_image_check(const char *image, const char *format,
		       const char *where, struct pt_err *err)
{
	char dir[PATH_MAX], cur[PATH_MAX], fmt[32], out[16384];
	char back[PATH_MAX], bfmt[32];

	if (real_dir(image, dir, sizeof(dir)) ||
	    !realpath(image, cur))
		return pt_fail(err, PT_EUSAGE, where, "image %s: %s", image,
			       strerror(errno));
	snprintf(fmt, sizeof(fmt), "%s", format);
	for (int depth = 0;; depth++) {
		char *argv[] = { "qemu-img", "info",   "-f", fmt,
				 "--output=json", cur, NULL };
		int r;

		if (depth > 8)
			return pt_fail(err, PT_EFORMAT, where,
				       "image %s: backing chain deeper than 8",
				       image);
		if (lab_run(argv, out, sizeof(out)))
			return pt_fail(err, PT_EFORMAT, where,
				       "image %s: qemu-img info -f %s failed "
				       "(is format=%s right?)",
				       cur, fmt, fmt);
		if (strstr(out, "\"data-file\""))
			return pt_fail(err, PT_EFORMAT, where,
				       "image %s: an external data-file is "
				       "refused",
				       cur);
		r = json_str(out, "full-backing-filename", back, sizeof(back));
		if (r == 0)
			r = json_str(out, "backing-filename", back,
				     sizeof(back));
		if (r == 0)
			return 0;
		if (r < 0 || !strncmp(back, "json:", 5) ||
		    strstr(back, "://") || !under(back, dir))
			return pt_fail(err, PT_EFORMAT, where,
				       "image %s: backing file '%.200s' is not "
				       "a file in the image's folder %s",
				       cur, r < 0 ? "json: or an escaped name" : back,
				       dir);
		if (json_str(out, "backing-filename-format", bfmt,
			     sizeof(bfmt)) != 1)
			return pt_fail(err, PT_EFORMAT, where,
				       "image %s: its backing file %s has no "
				       "recorded format (never probed): "
				       "qemu-img rebase -F FORMAT",
				       cur, back);
		if (!realpath(back, cur))
			return pt_fail(err, PT_EUSAGE, where, "%s: %s", back,
				       strerror(errno));
		snprintf(fmt, sizeof(fmt), "%s", bfmt);
	}
}
