/*
 * test_lab_btopts.c -- the BitTorrent peers' settings in the experiment
 * file (src/lab/profiles/btopts.c): client=, utp=, dht=, pex=,
 * encryption=, magnet=, file=A,B and `file ... private=no` land where the
 * clients read them; every bad value or combination is an error naming its
 * line; aria2's command line for a group without settings gets nothing
 * added (existing labs run as before).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lab/lab.h"
#include "lab/profile.h"
#include "lab/profiles/btclients.h"

#define HEAD                                                                   \
	"file pub size=1MiB private=no\n"                                      \
	"file priv size=1MiB piece=64KiB\n"                                    \
	"file pub2 size=2MiB private=no\n"                                     \
	"group tracker bittorrent-tracker\n"

static const char good[] = HEAD
	"group s bittorrent-seed file=pub,priv client=transmission utp=on dht=on pex=on encryption=preferred\n"
	"group l bittorrent-leech file=pub,pub2 client=qbittorrent magnet=on encryption=required count=2\n"
	"group d bittorrent-leech file=pub client=deluge utp=off encryption=off\n"
	"group r bittorrent-leech file=pub2 client=rtorrent dht=on\n"
	"group a bittorrent-leech file=priv\n"
	"group q bittorrent-query file=priv client=aria2 query-rate=4kbit\n";

static const struct bt_opts *opts(const struct lab_exp *e, unsigned g)
{
	return e->groups[g].opts;
}

static void test_good(void **state)
{
	struct lab_exp e;
	struct pt_err err = { 0 };
	uint32_t boot[8];

	(void)state;
	if (lab_exp_parse(&e, "g.lab", good, &err))
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(e.nfiles, 3);
	assert_int_equal(e.files[0].is_public, 1);
	assert_int_equal(e.files[1].is_public, 0); /* private by default */
	assert_int_equal(e.groups[1].files, 0x3);
	assert_int_equal(e.groups[1].file, 0);
	assert_int_equal(e.groups[2].files, 0x5);
	assert_int_equal(e.groups[4].files, 0x4);
	assert_int_equal(e.groups[4].file, 2);
	assert_int_equal(opts(&e, 1)->client, BT_TRANSMISSION);
	assert_int_equal(opts(&e, 1)->utp, BT_ON);
	assert_int_equal(opts(&e, 1)->dht, BT_ON);
	assert_int_equal(opts(&e, 1)->pex, BT_ON);
	assert_int_equal(opts(&e, 1)->enc, BT_ENC_PREFERRED);
	assert_int_equal(opts(&e, 2)->client, BT_QBITTORRENT);
	assert_int_equal(opts(&e, 2)->magnet, BT_ON);
	assert_int_equal(opts(&e, 2)->enc, BT_ENC_REQUIRED);
	assert_int_equal(opts(&e, 2)->dht, BT_DEFAULT);
	assert_int_equal(opts(&e, 3)->client, BT_DELUGE);
	assert_int_equal(opts(&e, 3)->utp, BT_OFF);
	assert_int_equal(opts(&e, 3)->enc, BT_ENC_OFF);
	assert_int_equal(opts(&e, 4)->client, BT_RTORRENT);
	assert_int_equal(opts(&e, 5)->client, BT_ARIA2);
	assert_int_equal(opts(&e, 5)->enc, BT_ENC_DEFAULT);
	assert_true(opts(&e, 6)->query_kbps == 4);
	assert_true(e.groups[6].down_kbps == 4);
	/* DHT nodes: the other nodes with dht=on, the next ones first;
	 * hosts: tracker .1, s .2, l-1 .3, l-2 .4, d .5, r .6 (dht=on: s, r) */
	assert_int_equal(bt_dht_nodes(&e, 1, boot, 8), 1);
	assert_int_equal(boot[0], e.net + 6);
	assert_int_equal(bt_dht_nodes(&e, 5, boot, 8), 1);
	assert_int_equal(boot[0], e.net + 2);
	lab_exp_free(&e);
}

/* A group without settings: aria2 gets no argument beyond what it always
 * had; with settings, the ones that say so. */
static void test_aria2_args(void **state)
{
	static const char text[] = HEAD
		"group a bittorrent-leech file=priv\n"
		"group b bittorrent-leech file=pub dht=on pex=on encryption=required\n"
		"group c bittorrent-seed file=pub dht=on\n";
	struct lab_exp e;
	struct pt_err err = { 0 };
	struct lab_ctx ctx = { 0 };
	char *argv[32], buf[2048];
	struct lab_cmd a = { argv, 0, 32, buf, 0, sizeof(buf), 0, 0 };

	(void)state;
	if (lab_exp_parse(&e, "g.lab", text, &err))
		fail_msg("%s: %s", err.where, err.msg);
	ctx.exp = &e;
	ctx.work = "/w";
	argv[0] = NULL;
	bt_aria2_args(&ctx, 1, "/w/a", &a);
	assert_int_equal(a.n, 0);
	bt_aria2_args(&ctx, 2, "/w/b", &a);
	assert_int_equal(a.n, 7);
	assert_string_equal(argv[0], "--enable-dht=true");
	assert_string_equal(argv[1], "--dht-listen-port=6881");
	assert_string_equal(argv[2], "--dht-file-path=/w/b/dht.dat");
	assert_string_equal(argv[3], "--dht-entry-point=198.18.0.4:6881");
	assert_string_equal(argv[4], "--enable-peer-exchange=true");
	assert_string_equal(argv[5], "--bt-require-crypto=true");
	assert_string_equal(argv[6], "--bt-min-crypto-level=arc4");
	lab_exp_free(&e);
}

static const struct {
	const char *text, *where, *msg;
} bad[] = {
	{ HEAD "group a bittorrent-leech file=pub client=utorrent\n", "b.lab:5",
	  "client: expected aria2, transmission, qbittorrent, deluge or rtorrent, got 'utorrent'" },
	{ HEAD "group a bittorrent-leech file=pub utp=yes\n", "b.lab:5",
	  "utp: expected on or off, got 'yes'" },
	{ HEAD "group a bittorrent-seed file=pub dht=1\n", "b.lab:5",
	  "dht: expected on or off" },
	{ HEAD "group a bittorrent-leech file=pub pex=\n", "b.lab:5",
	  "pex: expected on or off" },
	{ HEAD "group a bittorrent-leech file=pub magnet=maybe\n", "b.lab:5",
	  "magnet: expected on or off" },
	{ HEAD "group a bittorrent-leech file=pub encryption=forced\n",
	  "b.lab:5",
	  "encryption: expected off, preferred or required, got 'forced'" },
	{ HEAD "group a bittorrent-leech file=pub utp=on\n", "b.lab:5",
	  "client aria2: utp=on: this client has no uTP" },
	{ HEAD "group a bittorrent-leech file=pub client=rtorrent utp=on\n",
	  "b.lab:5", "client rtorrent: utp=on" },
	{ HEAD "group a bittorrent-leech file=pub encryption=off\n", "b.lab:5",
	  "aria2 always tries an encrypted handshake first" },
	{ HEAD "group a bittorrent-seed file=pub client=deluge magnet=on\n",
	  "b.lab:5", "only a leecher starts from a magnet link" },
	{ HEAD "group a bittorrent-query file=pub client=transmission\n",
	  "b.lab:5", "the query mode runs aria2 only" },
	{ HEAD
	  "group a bittorrent-leech file=priv client=transmission dht=on\n",
	  "b.lab:5", "dht=on needs a public torrent: file priv is private" },
	{ HEAD "group a bittorrent-leech file=priv pex=on\n", "b.lab:5",
	  "pex=on needs a public torrent" },
	{ HEAD "group a bittorrent-leech file=pub,priv magnet=on\n", "b.lab:5",
	  "magnet=on needs a public torrent: file priv" },
	{ HEAD "group a bittorrent-leech file=pub,zz\n", "b.lab:5",
	  "file: no 'file zz' line above" },
	{ HEAD "group a bittorrent-leech file=pub,pub\n", "b.lab:5",
	  "file: pub given twice" },
	{ HEAD "group a bittorrent-leech file=,\n", "b.lab:5",
	  "file: expected NAME or NAME,NAME" },
	{ "file f size=1MiB private=maybe\n", "b.lab:1",
	  "private: expected yes or no, got 'maybe'" },
	{ HEAD "group a http-server client=deluge\n", "b.lab:5",
	  "unknown group option 'client'" },
	{ HEAD "group a bittorrent-leech file=pub bogus=1\n", "b.lab:5",
	  "client, utp, dht, pex, encryption, magnet" },
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
		lab_exp_free(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_aria2_args),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
