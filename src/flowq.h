/*
 * flowq.h -- ended flows handed from the packet loop to an output thread.
 *
 * `analyze` writes a row per ended flow (and, with --model, classifies
 * it). That work moves off the packet loop: the engine's flow event
 * copies the flow into a bounded ring, and one output thread takes the
 * flows in order and calls the handler. Rows come out in the same order
 * as without the queue. The packet loop waits only when the ring is full.
 *
 * One producer at a time (callers serialize pushes, as analyze does with
 * its event lock); one consumer, the queue's own thread.
 */
#ifndef P2PTRACE_FLOWQ_H
#define P2PTRACE_FLOWQ_H
#include "p2ptrace/engine.h"
#include "p2ptrace/flow.h"

struct flowq;
typedef void (*flowq_fn)(void *arg, const struct node_info *n,
			 const struct flow *f, enum flow_end why);

/* Start the output thread; cap flows in the ring. Returns 0, or -1 (out
 * of memory, no thread). */
int flowq_start(struct flowq **q, unsigned cap, flowq_fn fn, void *arg);
/* Copy flow f (and its fine bins) into the ring; waits while it is full.
 * n must stay valid until flowq_drain returns. */
void flowq_push(struct flowq *q, const struct node_info *n,
		const struct flow *f, enum flow_end why);
/* Wait until every pushed flow has been handled. */
void flowq_drain(struct flowq *q);
/* Drain, end the thread, free. q may be NULL. */
void flowq_stop(struct flowq *q);

#endif
