/* live_stub.c -- placeholder until lib/source/live.c lands (the capture
 * area replaces this file). */
#include "source_int.h"

int source_open_live(const char *iface, int snaplen, struct source **out,
		     struct pt_err *err)
{
	(void)snaplen;
	(void)out;
	return pt_fail(err, PT_EUSAGE, iface, "live capture not built yet");
}
