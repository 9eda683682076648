/*
 * flowq.c -- a single-producer single-consumer ring of ended flows, and
 * the output thread that empties it (see flowq.h).
 *
 * head counts flows pushed, tail flows handled; both only grow. The
 * producer fills slot head % cap and then publishes head; the consumer
 * handles slot tail % cap and then publishes tail. A side that finds
 * nothing to do sleeps on a condition variable after saying so in a flag;
 * the other side wakes it only when the flag is set, so the common path
 * takes no lock. The flag and the counters are sequentially consistent,
 * so a sleeper cannot miss the wake-up (each side re-checks after setting
 * its flag, under the mutex).
 *
 * Wake-ups are batched (one per BATCH flows, not one per flow: a futex
 * call costs more than a row); an idle consumer also looks every
 * IDLE_MS, so on a quiet live interface a row waits at most that long.
 * A full ring makes the producer wait until half of it is free.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "flowq.h"

#define IDLE_MS 100

struct item {
	const struct node_info *n;
	enum flow_end why;
	struct flow f;
	uint32_t fine[FINE_NBINS];
};

struct flowq {
	struct item *it;
	unsigned cap, batch;
	atomic_uint_fast64_t head, tail;
	atomic_int cwait, pwait, stop;
	pthread_mutex_t mu;
	pthread_cond_t more, less;
	pthread_t th;
	flowq_fn fn;
	void *arg;
};

static void wake(struct flowq *q, pthread_cond_t *c)
{
	pthread_mutex_lock(&q->mu);
	pthread_cond_broadcast(c);
	pthread_mutex_unlock(&q->mu);
}

static void *run(void *arg)
{
	struct flowq *q = arg;
	uint64_t t = atomic_load(&q->tail);

	for (;;) {
		uint64_t h = atomic_load(&q->head);
		if (t == h) {
			if (atomic_load(&q->stop))
				break;
			struct timespec ts;
			pthread_mutex_lock(&q->mu);
			atomic_store(&q->cwait, 1);
			if (atomic_load(&q->head) == t &&
			    !atomic_load(&q->stop)) {
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += IDLE_MS * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&q->more, &q->mu, &ts);
			}
			atomic_store(&q->cwait, 0);
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		for (; t != h; t++) {
			const struct item *i = &q->it[t % q->cap];
			q->fn(q->arg, i->n, &i->f, i->why);
			atomic_store(&q->tail, t + 1);
			/* a waiting producer: wake it once per batch, and
			 * when all is done (drain) */
			if ((t + 1 == h || (t + 1) % q->batch == 0) &&
			    atomic_load(&q->pwait))
				wake(q, &q->less);
		}
	}
	return NULL;
}

int flowq_start(struct flowq **out, unsigned cap, flowq_fn fn, void *arg)
{
	struct flowq *q = calloc(1, sizeof(*q));

	*out = NULL;
	if (!q || !cap || !(q->it = calloc(cap, sizeof(*q->it)))) {
		free(q);
		return -1;
	}
	q->cap = cap;
	q->batch = cap / 8 ? cap / 8 : 1;
	q->fn = fn;
	q->arg = arg;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->cwait, 0);
	atomic_init(&q->pwait, 0);
	atomic_init(&q->stop, 0);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->less, NULL);
	if (pthread_create(&q->th, NULL, run, q)) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->more);
		pthread_cond_destroy(&q->less);
		free(q->it);
		free(q);
		return -1;
	}
	*out = q;
	return 0;
}

/* Wait until at most `left` of the h flows pushed are not handled yet. */
static void wait_tail(struct flowq *q, uint64_t h, uint64_t left)
{
	if (h - atomic_load(&q->tail) <= left)
		return;
	if (atomic_load(&q->cwait)) /* asleep before a batch was full */
		wake(q, &q->more);
	pthread_mutex_lock(&q->mu);
	atomic_store(&q->pwait, 1);
	while (h - atomic_load(&q->tail) > left)
		pthread_cond_wait(&q->less, &q->mu);
	atomic_store(&q->pwait, 0);
	pthread_mutex_unlock(&q->mu);
}

void flowq_push(struct flowq *q, const struct node_info *n,
		const struct flow *f, enum flow_end why)
{
	uint64_t h = atomic_load(&q->head);
	struct item *i;

	if (h - atomic_load(&q->tail) >= q->cap)
		wait_tail(q, h, q->cap / 2);
	i = &q->it[h % q->cap];
	i->n = n;
	i->why = why;
	i->f = *f;
	if (f->fine) {
		memcpy(i->fine, f->fine, sizeof(i->fine));
		i->f.fine = i->fine;
	}
	atomic_store(&q->head, h + 1);
	if (atomic_load(&q->cwait) && h + 1 - atomic_load(&q->tail) >= q->batch)
		wake(q, &q->more);
}

void flowq_drain(struct flowq *q)
{
	if (q)
		wait_tail(q, atomic_load(&q->head), 0);
}

void flowq_stop(struct flowq *q)
{
	if (!q)
		return;
	flowq_drain(q);
	atomic_store(&q->stop, 1);
	wake(q, &q->more);
	pthread_join(q->th, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->less);
	free(q->it);
	free(q);
}
