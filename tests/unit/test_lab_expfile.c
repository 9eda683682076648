/*
 * test_lab_expfile.c -- the experiment file parser (src/lab/expfile.c):
 * a good file expands into the expected nodes, addresses, namespaces and
 * labels; every kind of bad line is reported with its line number; units
 * of rates and sizes; the tc text of the shaper (src/lab/shape.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "p2ptrace/catalog.h"
#include "lab/lab.h"
#include "lab/profile.h"

static const char good[] =
	"# exp\n"
	"lab exp1\n"
	"subnet 198.18.0.0/16   # comment after\n"
	"duration 10m\n"
	"out /tmp/x\n"
	"\n"
	"file swarm size=20MiB piece=512KiB\n"
	"group tracker bittorrent-tracker labels app=bittorrent mode=tracker\n"
	"group seed bittorrent-seed count=2 file=swarm up=2mbit labels app=bittorrent mode=seed\n"
	"group dl-6.4 bittorrent-leech file=swarm up=6.4kbit down=1mbit labels app=bittorrent mode=download rank=6.4\n"
	"group web http-server size=1MiB\n"
	"group c http-client server=web interval=0.5 up=800bit queue=2s\n"
	"group cmd command cmd=\"ping -c 1 %{web}\" labels note=\"two words\"\n";

static void test_good(void **state)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	char a[32], v[64];

	(void)state;
	assert_int_equal(lab_exp_parse(&e, "good.lab", good, &err), 0);
	assert_string_equal(e.name, "exp1");
	assert_int_equal(e.prefix, 16);
	assert_true(e.duration_ns == 600ull * 1000000000ull);
	assert_int_equal(e.nfiles, 1);
	assert_true(e.files[0].size == 20u << 20);
	assert_true(e.files[0].piece == 512u << 10);
	assert_int_equal(e.ngroups, 6);
	assert_int_equal(e.nnodes, 7);
	assert_string_equal(e.nodes[0].name, "tracker");
	assert_string_equal(e.nodes[1].name, "seed-1");
	assert_string_equal(e.nodes[2].name, "seed-2");
	assert_string_equal(e.nodes[3].name, "dl-6.4");
	assert_string_equal(lab_addr_str(e.nodes[3].addr, a, sizeof(a)),
			    "198.18.0.4");
	assert_string_equal(e.nodes[3].netns, "p2pn-exp1-dl-6.4");
	assert_string_equal(e.nodes[3].veth, "v4");
	assert_string_equal(e.switch_ns, "p2psw-exp1");
	assert_true(e.groups[2].up_kbps > 6.39 && e.groups[2].up_kbps < 6.41);
	assert_true(e.groups[2].down_kbps == 1000);
	assert_true(e.groups[4].up_kbps > 0.79 && e.groups[4].up_kbps < 0.81);
	assert_true(e.groups[4].interval_s == 0.5);
	assert_true(e.groups[4].queue_ms == 2000);
	assert_true(e.groups[2].queue_ms == 0); /* default */
	assert_int_equal(e.groups[4].server, 3);
	assert_string_equal(e.groups[2].labels,
			    "app=bittorrent;mode=download;rank=6.4");
	assert_string_equal(label_get(e.groups[2].labels, "rank", v, sizeof(v)),
			    "6.4");
	assert_null(label_get(e.groups[2].labels, "ran", v, sizeof(v)));
	assert_ptr_equal(e.groups[5].profile, &lab_profile_command);
	assert_string_equal(e.groups[5].labels, "note=two words");
	assert_int_equal(lab_exp_rename(&e, "other"), 0);
	assert_string_equal(e.nodes[0].netns, "p2pn-other-tracker");
	assert_int_equal(lab_exp_rename(&e, "Bad Name"), -1);
	lab_exp_free(&e);
}

struct badcase {
	const char *text;
	const char *where; /* expected err.where */
	const char *msg;   /* substring of err.msg */
};

static const struct badcase bad[] = {
	{ "lab x\nfoo bar\n", "b.lab:2", "unknown directive 'foo'" },
	{ "lab x\n\n\ngroup a nosuch\n", "b.lab:4",
	  "unknown profile 'nosuch'" },
	{ "subnet 8.8.8.0/24\n", "b.lab:1", "not inside 198.18.0.0/15" },
	{ "subnet 198.18.0.1/24\n", "b.lab:1", "host bits" },
	{ "subnet 100.64.0.0/8\n", "b.lab:1", "not inside" },
	{ "subnet 198.18.0.0\n", "b.lab:1", "expected a subnet" },
	{ "group a idle up=-5\n", "b.lab:1", "up: expected a rate" },
	{ "group a idle up=5kbps\n", "b.lab:1", "up: expected a rate" },
	{ "group a idle count=1001\n", "b.lab:1", "count: expected 1..1000" },
	{ "group a idle count=x\n", "b.lab:1", "count" },
	{ "group a idle\ngroup b idle server=zz\n", "b.lab:2",
	  "no group named 'zz'" },
	{ "group a idle labels k=v k=w\n", "b.lab:1", "given twice" },
	{ "group a idle labels k=v;x=y\n", "b.lab:1", "no ';'" },
	{ "group a idle labels =v\n", "b.lab:1", "expected KEY=VALUE" },
	{ "group a idle labels k=v labels\n", "b.lab:1",
	  "'labels' given twice" },
	{ "group a idle bogus=1\n", "b.lab:1", "unknown group option 'bogus'" },
	{ "group a idle\nlab x y\n", "b.lab:2", "expected 'lab NAME'" },
	{ "snaplen 10\n", "b.lab:1", "snaplen" },
	{ "file a\n", "b.lab:1", "needs size" },
	{ "file a size=1MiB\nfile a size=2MiB\n", "b.lab:2", "defined twice" },
	{ "group a bittorrent-seed file=zz\n", "b.lab:1", "no 'file zz'" },
	{ "file f size=1\ngroup t bittorrent-tracker count=2\ngroup s bittorrent-seed file=f\n",
	  "b.lab:3", "exactly one" },
	{ "subnet 198.18.0.0/30\ngroup a idle count=3\n", "b.lab:2",
	  "do not fit" },
	{ "group a idle\ngroup a-1 idle\ngroup a idle count=2\n", "b.lab:3",
	  "defined twice" },
	{ "group a idle count=2\ngroup a-1 idle\n", "b.lab:2", "used twice" },
	{ "group c ssh-client server=s\ngroup s http-server\n", "b.lab:1",
	  "expected ssh-server" },
	{ "group a idle delay=20xs\n", "b.lab:1", "delay" },
	{ "group a idle loss=120%\n", "b.lab:1", "loss" },
	{ "group a idle queue=5ms\n", "b.lab:1", "queue: expected" },
	{ "group a idle queue=11s\n", "b.lab:1", "10 ms .. 10 s" },
	{ "group a idle queue=fast\n", "b.lab:1", "queue" },
	{ "group a idle\ngroup b idle tcp_ts=no\n", "b.lab:2",
	  "tcp_ts: expected on or off, got 'no'" },
	{ "lab x\n", "b.lab", "no 'group' line" },
	{ "group a command cmd=\"x\n", "b.lab:1", "unterminated quote" },
	{ "group a idle duration=3\n", "b.lab:1", "unknown group option" },
	{ "group very-long-group-name-over-24 idle\n", "b.lab:1",
	  "bad group name" },
	{ "subnet 100.64.0.0/24\ngroup k edonkey search=a;b\n", "b.lab:2",
	  "search: expected a keyword" },
	/* a profile's own keys belong to it alone (profile.h) */
	{ "group a idle search=x\n", "b.lab:1",
	  "unknown group option 'search'" },
	{ "group a bittorrent-leech query-rate=2kbit\n", "b.lab:1",
	  "unknown group option 'query-rate'" },
	{ "group a command\n", "b.lab:1", "needs cmd=" },
	{ "file f size=1\ngroup t bittorrent-tracker\ngroup q bittorrent-query file=f query-rate=fast\n",
	  "b.lab:3", "query-rate: expected a rate" },
	{ "group q bittorrent-query bogus=1\n", "b.lab:1",
	  "(expected count, up, down, queue, tcp_ts, delay, jitter, loss, file, server, port, interval, start, size, user, query-rate, client, utp, dht, pex, encryption, magnet, or 'labels'" },
	{ "group k edonkey\n", "b.lab:1", "needs a subnet inside 100.64.0.0/10" },
	{ "group c http-client\n", "b.lab:1", "needs server=GROUP" },
	/* rate sets, jitter (shape.c, expfile.c) */
	{ "group a idle\ngroup b idle up=4mbit..1mbit\n", "b.lab:2",
	  "a range A..B (A < B)" },
	{ "group a idle up=1mbit..\n", "b.lab:1", "up: expected a rate" },
	{ "group a idle down=1,2,3,4,5,6,7,8,9\n", "b.lab:1", "at most 8" },
	{ "group a idle down=1mbit,,fast\n", "b.lab:1", "down: expected" },
	{ "group a idle jitter=5xs\n", "b.lab:1", "jitter: expected" },
	/* the services' own options (profiles/web.c ssh.c ftp.c dns.c ntp.c
	 * edonkey.c) */
	{ "group w web-server\ngroup c web-client server=w agent=lynx\n",
	  "b.lab:2", "agent: expected curl, wget or chromium" },
	{ "group w web-server\ngroup c web-client server=w agent=wget proto=h2\n",
	  "b.lab:2", "wget speaks HTTP/1.1 only" },
	{ "group w web-server pages=0\n", "b.lab:1", "pages: expected 1..100" },
	{ "group w web-server objects=many\n", "b.lab:1", "objects: expected" },
	{ "group w web-server\ngroup c web-client server=w proto=quic\n",
	  "b.lab:2", "proto: expected h2, https or http" },
	{ "group s ssh-server\ngroup c ssh-client server=s mode=interactive\n",
	  "b.lab:2", "needs a shell on the server: add shell=on to group s" },
	{ "group s ssh-server shell=yes\n", "b.lab:1",
	  "shell: expected on or off" },
	{ "group s ssh-server shell=on\ngroup c ssh-client server=s mode=telnet\n",
	  "b.lab:2", "mode: expected scp, sftp, rsync, interactive or mix" },
	{ "group f ftp-server port20=1\n", "b.lab:1", "port20: expected on or off" },
	{ "group f ftp-server files=999\n", "b.lab:1", "files: expected 0..200" },
	{ "group f ftp-server\ngroup c ftp-client server=f agent=wget\n",
	  "b.lab:2", "agent: expected curl or lftp" },
	{ "group f ftp-server\ngroup c ftp-client server=f mode=epsv\n",
	  "b.lab:2", "mode: expected passive, active or mix" },
	{ "group d dns-server\ngroup c dns-client server=d agent=host\n",
	  "b.lab:2", "agent: expected dig, getent or mix" },
	{ "group d dns-server\ngroup c dns-client server=n\ngroup n ntp-server\n",
	  "b.lab:2", "expected dns-server" },
	{ "group n ntp-server\ngroup c ntp-client server=n poll=2\n",
	  "b.lab:2", "poll: expected 3..10" },
	{ "group n ntp-server\ngroup c ntp-client server=n mode=once\n",
	  "b.lab:2", "mode: expected daemon or query" },
	{ "group m mqtt-broker\ngroup c mqtt-client server=m qos=2\n",
	  "b.lab:2", "unknown group option 'qos'" },
	{ "subnet 100.64.0.0/24\ngroup k edonkey download=yes\n", "b.lab:2",
	  "download: expected on or off" },
	/* profile gnunet: the overlay (issue 12) */
	{ "group a gnunet count=3\ngroup b gnunet degree=4\n", "b.lab:2",
	  "degree=4 is larger than the overlay: the lab has 4 gnunet nodes" },
	{ "group a gnunet count=2 degree=0 links=a-1-a-2,a-2-zz\n", "b.lab:1",
	  "links: 'a-2-zz' is not a pair of two different gnunet nodes" },
	{ "group a gnunet count=2 degree=0\ngroup i idle\ngroup b gnunet links=b-i\n",
	  "b.lab:3", "links: 'b-i'" },
	{ "group a gnunet degree=0 links=a-a\n", "b.lab:1", "links: 'a-a'" },
	{ "group a gnunet role=leech\n", "b.lab:1",
	  "role: expected publisher, query, download or relay" },
	{ "group a gnunet degree=x\n", "b.lab:1", "degree: expected a whole" },
	{ "group a gnunet keyword=a;b\n", "b.lab:1", "keyword: expected" },
	{ "group a gnunet role=publisher files=0\n", "b.lab:1",
	  "needs files=1" },
	{ "group a idle degree=2\n", "b.lab:1",
	  "unknown group option 'degree'" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lab_exp e;
		struct pt_err err = { 0 };
		int rc = lab_exp_parse(&e, "b.lab", bad[i].text, &err);

		if (rc == 0 || strcmp(err.where, bad[i].where) ||
		    !strstr(err.msg, bad[i].msg))
			fail_msg(
				"case %zu (%s): rc %d, got '%s: %s', want '%s: ...%s...'",
				i, bad[i].text, rc, err.where, err.msg,
				bad[i].where, bad[i].msg);
		assert_int_equal(err.code, PT_EFORMAT);
		assert_null(e.nodes);
		lab_exp_free(&e);
	}
}

static void test_units(void **state)
{
	double r;
	uint64_t b;

	(void)state;
	assert_int_equal(lab_parse_rate("6.4", &r), 0);
	assert_true(r == 6.4);
	assert_int_equal(lab_parse_rate("2mbit", &r), 0);
	assert_true(r == 2000);
	assert_int_equal(lab_parse_rate("800bit", &r), 0);
	assert_true(r > 0.799 && r < 0.801);
	assert_int_equal(lab_parse_rate("1Gbit", &r), 0);
	assert_true(r == 1e6);
	assert_int_equal(lab_parse_rate("2kbps", &r),
			 -1); /* tc's kbps is bytes: refused */
	assert_int_equal(lab_parse_rate("", &r), -1);
	assert_int_equal(lab_parse_rate("nan", &r), -1);
	assert_int_equal(lab_parse_size("20MiB", &b), 0);
	assert_true(b == 20971520);
	assert_int_equal(lab_parse_size("2MB", &b), 0);
	assert_true(b == 2000000);
	assert_int_equal(lab_parse_size("1.5KiB", &b), 0);
	assert_true(b == 1536);
	assert_int_equal(lab_parse_size("1.3", &b), -1);
	assert_int_equal(lab_parse_size("-1", &b), -1);
	assert_ptr_equal(lab_profile_parse("bittorrent-query"),
			 &lab_profile_bittorrent_query);
	assert_string_equal(lab_profile_name(&lab_profile_ftp_server),
			    "ftp-server");
	assert_null(lab_profile_parse("bittorrent"));
}

/* Rows of the profile table as the parser and lab up read them: the
 * query mode's download defaults to its query rate; a command node's
 * command line with %{GROUP} replaced by the group's first address;
 * roles and default ports (docs/lab.md). */
static void test_profiles(void **state)
{
	static const char text[] =
		"file f size=1MiB\n"
		"group t bittorrent-tracker\n"
		"group q bittorrent-query file=f query-rate=3kbit\n"
		"group r bittorrent-query file=f down=1mbit\n"
		"group web http-server count=2 port=8080\n"
		"group c command cmd=\"ping -c 1 %{web} %{web-2}\"\n";
	struct lab_exp e;
	struct pt_err err = { 0 };
	struct lab_ctx ctx = { 0 };
	char *argv[8], buf[512];
	struct lab_cmd a = { argv, 0, 8, buf, 0, sizeof(buf), 0, 0 };

	(void)state;
	assert_int_equal(lab_exp_parse(&e, "p.lab", text, &err), 0);
	assert_true(e.groups[1].down_kbps == 3);
	assert_true(e.groups[2].down_kbps == 1000);
	ctx.exp = &e;
	ctx.work = "/nonexistent";
	assert_int_equal(
		lab_profile_command.prepare(&ctx, 5, "/nonexistent", &a, &err),
		0);
	assert_int_equal(a.n, 3);
	assert_string_equal(argv[0], "/bin/sh");
	assert_string_equal(argv[2], "ping -c 1 198.18.0.4 198.18.0.5");
	assert_int_equal(a.as_root, 0);
	assert_int_equal(lab_group_port(&e.groups[3]), 8080);
	assert_int_equal(lab_group_port(&e.groups[0]), 6969);
	assert_int_equal(lab_group_port(&e.groups[4]), 0);
	assert_int_equal(lab_profile_ssh_server.port, 22);
	assert_int_equal(lab_profile_http_server.role, LAB_ROLE_SERVER);
	assert_int_equal(lab_profile_http_client.role, LAB_ROLE_CLIENT);
	lab_exp_free(&e);
}

/* up=A..B: each node's rate inside the range, log-uniform, the same on
 * every parse; up=A,B,C: in order; down alone: the others unchanged. */
static void test_rates(void **state)
{
	struct lab_exp e, e2;
	struct pt_err err = { 0 };
	const char *text =
		"subnet 198.18.0.0/24\n"
		"group a idle count=40 up=256kbit..4mbit down=1mbit,2mbit,512kbit\n"
		"group b idle count=2 up=2mbit\n";
	static const double want_down[] = { 1000, 2000, 512 };
	unsigned low = 0, high = 0;

	(void)state;
	assert_int_equal(lab_exp_parse(&e, "r.lab", text, &err), 0);
	assert_int_equal(lab_exp_parse(&e2, "r.lab", text, &err), 0);
	for (unsigned i = 0; i < 40; i++) {
		double up = e.nodes[i].up_kbps;

		assert_true(up >= 256 && up <= 4000);
		assert_true(up == e2.nodes[i].up_kbps);
		/* log-uniform: half below the geometric mean (1012 kbit/s) */
		low += up < 1012;
		high += up >= 1012;
		assert_true(e.nodes[i].down_kbps == want_down[i % 3]);
	}
	assert_true(low >= 10 && high >= 10);
	assert_true(e.nodes[40].up_kbps == 2000 &&
		    e.nodes[41].up_kbps == 2000);
	assert_true(e.nodes[40].down_kbps == 0);
	lab_exp_free(&e);
	lab_exp_free(&e2);
}

/* The friends graph of profile gnunet, as `lab check` prints it: explicit
 * links exactly; degree=N gives every node at least N friends (hand-
 * checked: a ring through all, then chords), the same graph each time. */
static char *gn_plan_text(const char *text, char *buf, size_t len)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	FILE *f = fmemopen(buf, len, "w");

	assert_non_null(f);
	assert_int_equal(lab_exp_parse(&e, "g.lab", text, &err), 0);
	for (unsigned i = 0; i < e.ngroups; i++)
		lab_profile_gnunet.plan(&e, &e.groups[i], f);
	fclose(f);
	lab_exp_free(&e);
	return buf;
}

static void test_gnunet_overlay(void **state)
{
	char a[4096], b[4096];
	unsigned friends[12] = { 0 }, lines = 0;

	(void)state;
	gn_plan_text(
		"group p gnunet role=publisher degree=0 links=p-r-1,r-1-r-2\n"
		"group r gnunet count=2 degree=0\n",
		a, sizeof(a));
#define NOQ                                                                    \
	"  gnunet quota out unlimited, in unlimited (quota=none, or no up=/down= rate)\n"
	assert_string_equal(
		a,
		"gnunet p: role publisher, keyword winnylab, friends r-1\n" NOQ
		"gnunet r-1: role relay, keyword winnylab, friends p r-2\n" NOQ
		"gnunet r-2: role relay, keyword winnylab, friends r-1\n" NOQ);
#undef NOQ
	gn_plan_text("group n gnunet count=12 degree=3 seed=7\n", a, sizeof(a));
	gn_plan_text("group n gnunet count=12 degree=3 seed=7\n", b, sizeof(b));
	assert_string_equal(a, b);
	for (char *l = strtok(a, "\n"); l; l = strtok(NULL, "\n")) {
		char *fr = strstr(l, "friends");

		if (!strncmp(l, "  gnunet quota ", 15))
			continue; /* each node's quota: test_lab_gnunet_quota */
		assert_non_null(fr);
		lines++;
		for (char *p = fr + 7; (p = strchr(p, ' ')); p++)
			friends[lines - 1]++;
	}
	assert_int_equal(lines, 12);
	for (unsigned i = 0; i < 12; i++)
		assert_true(friends[i] >= 3 && friends[i] <= 11);
}

static void test_shape(void **state)
{
	char b[600];
	struct lab_shape s = { 6.4, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(lab_shape_batch(b, sizeof(b), "eth0", &s), 0);
	/* 6400 bit/s; burst at least two frames; queue at least 16 frames */
	assert_non_null(strstr(b, "tbf rate 6400bit burst 3028b limit 24224b"));
	s.kbps = 819.2;
	assert_int_equal(lab_shape_batch(b, sizeof(b), "v3", &s), 0);
	/* 10 ms burst (two frames at least); 500 ms queue */
	assert_non_null(
		strstr(b, "dev v3 parent 1:2 handle 20: tbf rate 819200bit "
			  "burst 3028b limit 51200b"));
	s.queue_ms = 2000; /* queue=2s: 2 s of 102,400 B/s */
	assert_int_equal(lab_shape_batch(b, sizeof(b), "v3", &s), 0);
	assert_non_null(
		strstr(b, "tbf rate 819200bit burst 3028b limit 204800b"));
	s.kbps = 100000;
	s.queue_ms = 0;
	assert_int_equal(lab_shape_batch(b, sizeof(b), "eth0", &s), 0);
	assert_non_null(strstr(
		b, "burst 125000b limit 4000000b")); /* 10 ms; 500 ms capped */
	s.kbps = 0;
	assert_int_equal(lab_shape_batch(b, sizeof(b), "eth0", &s), 0);
	assert_string_equal(b, "");
	s.delay_ms = 20;
	s.loss_pct = 1;
	assert_int_equal(lab_shape_batch(b, sizeof(b), "eth0", &s), 0);
	assert_non_null(strstr(b, "netem delay 20.000ms loss 1.0000%"));
	assert_non_null(
		strstr(b, "protocol arp prio 1 u32 match u32 0 0 flowid 1:1"));
	s.jitter_ms = 5; /* jitter=10ms, half on each direction */
	assert_int_equal(lab_shape_batch(b, sizeof(b), "eth0", &s), 0);
	assert_non_null(strstr(b, "netem delay 20.000ms 5.000ms loss 1.0000%"));
	s.kbps = 10;
	assert_int_equal(lab_shape_batch(b, 10, "eth0", &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_gnunet_overlay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
