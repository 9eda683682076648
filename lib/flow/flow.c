/*
 * flow.c -- names and text forms for flows (see flow.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include "p2ptrace/flow.h"

const char *const plen_bin_names[PLEN_NBINS] = {
	"0_19",	   "20_39",    "40_79",	    "80_159",	 "160_319",
	"320_639", "640_1279", "1280_2559", "2560_5119", "5120_up",
};

const char *flow_end_name(enum flow_end why)
{
	switch (why) {
	case FLOW_END_IDLE:
		return "idle";
	case FLOW_END_ACTIVE:
		return "active";
	case FLOW_END_EOF:
		return "eof";
	case FLOW_END_FORCED:
		return "forced";
	case FLOW_END_LACK:
		return "lack";
	}
	return "?";
}

const char *flow_addr_str(const uint8_t *addr, int ipver, char *buf)
{
	if (ipver != 6) { /* dotted quad without printf: rows need it fast */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned v = addr[i];
			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = 0;
		return buf;
	}
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, buf, 46))
		snprintf(buf, 46, "?");
	return buf;
}
