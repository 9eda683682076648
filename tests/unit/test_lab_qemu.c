/*
 * test_lab_qemu.c -- VM nodes in the experiment file (src/lab/qemu_conf.c via
 * src/lab/expfile.c): a qemu group's settings land in its lab_vm_conf
 * (memory units, defaults), VM and namespace groups mix, and bad VM
 * settings are reported with their line number; under ASan this also
 * checks that the settings are freed on success and on every error path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lab/lab.h"
#include "lab/profile.h"
#include "lab/qemu.h"

static const char good[] =
	"lab vms\n"
	"subnet 198.18.0.0/24\n"
	"group web http-server size=1MiB\n"
	"group win qemu count=3 image=/img/w2k.qcow2 format=qcow2 memory=256M cpus=2 "
	"nic=e1000 accel=tcg shutdown=30 qemu-args=\"-rtc base=localtime\" up=6.4kbit "
	"labels app=winny mode=download\n"
	"group lin qemu image=/img/l.raw format=raw memory=1G kernel=/k initrd=/i append=\"quiet x=1\" dhcp=on\n";

static void test_good(void **state)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	const struct lab_vm_conf *w, *l;

	(void)state;
	assert_int_equal(lab_exp_parse(&e, "vm.lab", good, &err), 0);
	assert_int_equal(e.ngroups, 3);
	assert_int_equal(e.nnodes, 5);
	assert_null(e.groups[0].opts);
	assert_ptr_equal(e.groups[1].profile, &lab_profile_qemu);
	assert_string_equal(lab_profile_name(e.groups[1].profile), "qemu");
	w = e.groups[1].opts;
	l = e.groups[2].opts;
	assert_non_null(w);
	assert_non_null(l);
	assert_string_equal(w->image, "/img/w2k.qcow2");
	assert_string_equal(w->format, "qcow2");
	assert_true(w->memory == 256ull << 20);
	assert_int_equal(w->cpus, 2);
	assert_string_equal(w->nic, "e1000");
	assert_int_equal(w->accel, LAB_VM_TCG);
	assert_string_equal(w->args, "-rtc base=localtime");
	assert_true(e.groups[1].up_kbps > 6.39 && e.groups[1].up_kbps < 6.41);
	assert_string_equal(e.groups[1].labels, "app=winny;mode=download");
	assert_string_equal(e.nodes[1].name, "win-1");
	assert_string_equal(e.nodes[3].netns, "p2pn-vms-win-3");
	assert_true(l->memory == 1ull << 30);
	assert_int_equal(l->cpus, 0); /* = 1 */
	assert_int_equal(l->accel, LAB_VM_AUTO);
	assert_string_equal(l->kernel, "/k");
	assert_string_equal(l->append, "quiet x=1");
	assert_int_equal(l->dhcp, 1);
	assert_int_equal(w->dhcp, 0);
	lab_exp_free(&e);
	assert_null(e.groups[1].opts);
}

struct bad {
	const char *line;
	const char *msg;
};

static void test_bad(void **state)
{
	static const struct bad cases[] = {
		{ "group v qemu image=/x", "profile qemu needs memory=SIZE" },
		{ "group v qemu memory=128M", "profile qemu needs image=PATH" },
		{ "group v qemu image=/x memory=12",
		  "memory: expected a size" },
		{ "group v qemu image=/x memory=16M",
		  "memory: expected a size" },
		{ "group v qemu image=/x memory=128M cpus=0",
		  "cpus: expected 1..64" },
		{ "group v qemu image=/x memory=128M nic=vmxnet3",
		  "nic: expected" },
		{ "group v qemu image=/x memory=128M accel=xen",
		  "accel: expected auto, kvm or tcg" },
		{ "group v qemu image=/x memory=128M qemu-args=\"-nic user\"",
		  "qemu-args: '-nic' is set by the lab" },
		{ "group v qemu image=/x memory=128M qemu-args=\"-device e1000,netdev=u\"",
		  "a second NIC" },
		{ "group v qemu image=/x memory=128M initrd=/i",
		  "initrd= needs kernel=" },
		{ "group v qemu image=/x memory=128M colour=red",
		  "unknown option 'colour' for profile qemu" },
		{ "group v idle memory=128M", "unknown group option 'memory'" },
		{ "group v qemu image=/x memory=128M dhcp=maybe",
		  "dhcp: expected on or off" },
	};
	char text[600];

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lab_exp e;
		struct pt_err err = { 0 };

		snprintf(text, sizeof(text),
			 "lab b\ngroup ok qemu image=/y format=raw memory=64M\n%s\n",
			 cases[i].line);
		assert_int_not_equal(lab_exp_parse(&e, "bad.lab", text, &err),
				     0);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %u: '%s' does not contain '%s'", i,
				 err.msg, cases[i].msg);
		assert_string_equal(err.where, "bad.lab:3");
		assert_null(e.nodes);
		assert_null(e.groups[0].opts); /* freed on the error path */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
