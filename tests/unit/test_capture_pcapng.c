/*
 * test_capture_pcapng.c -- the capture's pcapng writer, checked by reading
 * its files back with Wireshark's tools (capinfos, tshark): labels in the
 * section and interface blocks, packet count, lengths, nanosecond times,
 * interface ids, and that a write failing half-way (here: RLIMIT_FSIZE,
 * which makes write() stop short like a full disk) leaves a valid file with
 * exactly the packets the writer says reached the disk. Both with write()
 * in the caller and in the writer thread (async mode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture/pcapng_w.h"

static char tmpdir[64];

static int have_tools(void)
{
	return system("command -v tshark >/dev/null 2>&1 && "
		      "command -v capinfos >/dev/null 2>&1") == 0;
}

/* Run cmd, return its stdout (static buffer). */
static const char *run(const char *cmd)
{
	static char out[1 << 16];
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/p2pt-pcapngw.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fake Ethernet/IPv4/UDP frame of len bytes (len >= 42), seq in it. */
static void frame(uint8_t *b, size_t len, unsigned seq)
{
	memset(b, 0, len);
	memset(b, 0x02, 12);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)((len - 14) >> 8);
	b[17] = (uint8_t)(len - 14);
	b[22] = 64;
	b[23] = 17;
	b[26] = 198, b[27] = 18, b[28] = 0, b[29] = 1;
	b[30] = 198, b[31] = 18, b[32] = 0, b[33] = 2;
	b[34] = 0x30, b[35] = 0x39;
	b[36] = 0x23, b[37] = 0x28; /* port 9000 */
	b[38] = (uint8_t)((len - 34) >> 8);
	b[39] = (uint8_t)(len - 34);
	memcpy(b + 42, &seq, sizeof(seq));
}

static int async_mode;

static void write_file(const char *path, size_t bufsize, unsigned npk,
		       struct pcapng_w *w)
{
	static uint8_t b[70000];
	const char *shb[] = { "app=bittorrent", "rank=819.2", "node=n07" };
	const char *idb0[] = { "node=n07" };
	const char *idb1[] = { "node=n08", "mode=seed" };
	struct pt_err err;

	assert_int_equal(pcapng_w_open(w, path, bufsize, 2, &err), 0);
	pcapng_w_set_async(w, async_mode);
	assert_int_equal(pcapng_w_shb(w, "p2ptrace 0.1.0", shb, 3, &err), 0);
	assert_int_equal(
		pcapng_w_idb(w, 1, 262144, "lab:v7", "n07", idb0, 1, &err), 0);
	assert_int_equal(pcapng_w_idb(w, 1, 96, "lab:v8", "n08", idb1, 2, &err),
			 0);
	for (unsigned i = 0; i < npk; i++) {
		/* lengths 42..1514 and a few jumbo (GRO-sized) frames */
		size_t len = i % 97 == 5 ? 65000 : 42 + (i * 37) % 1473;
		struct iovec iov[2];

		frame(b, len, i);
		/* split in two pieces, like a re-inserted VLAN tag */
		iov[0].iov_base = b;
		iov[0].iov_len = 12;
		iov[1].iov_base = b + 12;
		iov[1].iov_len = len - 12;
		if (pcapng_w_epb(w, i & 1, 1700000000123456789ull + i * 1001ull,
				 (uint32_t)len + (i % 3 == 0 ? 100 : 0),
				 i & 1 ? PCAPNG_DIR_OUT : PCAPNG_DIR_IN, iov, 2,
				 &err) != 0)
			break;
	}
}

static void test_roundtrip(void **state)
{
	char path[128], cmd[512];
	struct pcapng_w w;
	struct pt_err err;
	const char *out;
	unsigned long long a, b;

	(void)state;
	if (!have_tools())
		skip();
	snprintf(path, sizeof(path), "%s/rt.pcapng", tmpdir);
	/* 8 KiB buffer: many flushes, and the 65000-byte frames grow it */
	write_file(path, 8192, 500, &w);
	assert_int_equal(pcapng_w_close(&w, &err), 0);
	assert_int_equal(w.pkts, 500);
	assert_int_equal(w.if_pkts[0] + w.if_pkts[1], 500);
	assert_int_equal(w.if_pkts[0], 250);
	pcapng_w_free(&w);

	snprintf(cmd, sizeof(cmd), "capinfos -c '%s' 2>&1", path);
	out = run(cmd);
	assert_non_null(strstr(out, "Number of packets:   500"));
	snprintf(cmd, sizeof(cmd), "capinfos '%s' 2>&1", path);
	out = run(cmd);
	assert_non_null(strstr(out, "Capture comment:     app=bittorrent"));
	assert_non_null(strstr(out, "Capture comment:     rank=819.2"));
	assert_non_null(strstr(out, "Capture comment:     node=n07"));
	assert_non_null(strstr(out, "Capture application: p2ptrace 0.1.0"));
	assert_non_null(strstr(out, "Name = lab:v8"));
	assert_non_null(strstr(out, "Description = n08"));
	assert_non_null(strstr(out, "nanoseconds (9)"));

	/* Per packet: lengths, interface, ns time, direction, payload seq. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -T fields -e frame.number -e frame.len "
		 "-e frame.cap_len -e frame.interface_id -e frame.time_epoch "
		 "-e frame.packet_flags_direction 2>/dev/null",
		 path);
	out = run(cmd);
	for (unsigned i = 0; i < 500; i++) {
		unsigned num, len, cap, ifid, dir;
		unsigned long long sec, nsec;
		size_t want = i % 97 == 5 ? 65000 : 42 + (i * 37) % 1473;
		uint64_t ts = 1700000000123456789ull + i * 1001ull;

		assert_int_equal(sscanf(out, "%u\t%u\t%u\t%u\t%llu.%llu\t%x",
					&num, &len, &cap, &ifid, &sec, &nsec,
					&dir),
				 7);
		assert_int_equal(num, i + 1);
		assert_int_equal(cap, want);
		assert_int_equal(len, want + (i % 3 == 0 ? 100 : 0));
		assert_int_equal(ifid, i & 1);
		assert_int_equal(sec * 1000000000ull + nsec, ts);
		assert_int_equal(dir, i & 1 ? 2 : 1);
		out = strchr(out, '\n');
		assert_non_null(out);
		out++;
	}
	/* The bytes themselves: the UDP port survived the iovec split. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -Y 'udp.dstport == 9000' 2>/dev/null | wc -l",
		 path);
	a = strtoull(run(cmd), NULL, 10);
	assert_int_equal(a, 500);
	b = 0;
	(void)b;
}

/* A write that stops short must leave a valid file of whole blocks. */
static void test_short_write(void **state)
{
	char path[128], cmd[512];
	struct pcapng_w w;
	struct pt_err err;
	struct rlimit old, lim;
	struct stat st;
	const char *out;
	char want[64];
	int rc;

	(void)state;
	if (!have_tools())
		skip();
	snprintf(path, sizeof(path), "%s/short.pcapng", tmpdir);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 300001; /* not on a block boundary */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	write_file(path, 65536, 2000, &w);
	rc = pcapng_w_close(&w, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_not_equal(rc, 0);
	assert_true(w.failed);
	assert_true(w.pkts > 10 && w.pkts < 2000);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, w.file_off);
	assert_true(st.st_size <= 300001);
	snprintf(cmd, sizeof(cmd), "capinfos -c -M '%s' 2>&1", path);
	out = run(cmd);
	snprintf(want, sizeof(want), "Number of packets:   %llu",
		 (unsigned long long)w.pkts);
	assert_non_null(strstr(out, want));
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' >/dev/null 2>&1 && echo OK",
		 path);
	assert_string_equal(run(cmd), "OK\n");
	pcapng_w_free(&w);
}

/* The same through the writer thread. */
static void test_roundtrip_async(void **state)
{
	async_mode = 1;
	test_roundtrip(state);
	async_mode = 0;
}

static void test_short_write_async(void **state)
{
	async_mode = 1;
	test_short_write(state);
	async_mode = 0;
}

static void test_open_error(void **state)
{
	struct pcapng_w w;
	struct pt_err err;

	(void)state;
	assert_int_equal(
		pcapng_w_open(&w, "/nonexistent-dir/x.pcapng", 0, 1, &err),
		PT_EIO);
	assert_string_equal(err.where, "/nonexistent-dir/x.pcapng");
	assert_non_null(strstr(err.msg, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_short_write),
		cmocka_unit_test(test_roundtrip_async),
		cmocka_unit_test(test_short_write_async),
		cmocka_unit_test(test_open_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
