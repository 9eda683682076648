/*
 * flows.h -- `capture --flows FILE`: the flow engine on the same
 * interfaces while they are captured, one thread per interface (each with
 * its own live source), flows written as CSV rows as they end (columns:
 * docs/OUTPUTS.md). The node of each row is the interface's node, its
 * labels the capture's labels.
 */
#ifndef P2PTRACE_CAPTURE_FLOWS_H
#define P2PTRACE_CAPTURE_FLOWS_H
#include "capture/capture.h"
#include "p2ptrace/err.h"

struct cap_flows;

/* Open a live source per interface (as root, before the privilege drop). */
int cap_flows_open(const struct capture *c, struct cap_flows **out,
		   struct pt_err *err);
/* Create path and start the threads (after the privilege drop). */
int cap_flows_start(struct cap_flows *fl, const char *path, struct pt_err *err);
/* Stop the threads, end every flow (forced end), close the file. */
int cap_flows_finish(struct cap_flows *fl, struct pt_err *err);
void cap_flows_free(struct cap_flows *fl);

#endif
