/*
 * flows.c -- flows beside the capture (see flows.h). Each interface gets a
 * second, libpcap-based live source (lib/source/live.c) and an engine_run
 * in its own thread; the flow rows of all threads go to one CSV file under
 * a mutex. Stopping is source_stop() on every source: each engine then sees
 * the end of its input and ends its flows ("forced").
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "capture/flows.h"
#include "p2ptrace/engine.h"
#include "p2ptrace/sink.h"

struct fl_job {
	struct cap_flows *fl;
	struct source *src;
	struct node_info node;
	char *labels;
	pthread_t th;
	int started;
	int rc;
	struct pt_err err;
};

struct cap_flows {
	struct engine_cfg cfg;
	struct rowout *ro;
	pthread_mutex_t mu;
	struct fl_job *jobs;
	int njobs;
	uint64_t rows;
};

static void ev_flow(void *arg, const struct node_info *n, const struct flow *f,
		    enum flow_end why)
{
	struct cap_flows *fl = arg;

	pthread_mutex_lock(&fl->mu);
	sink_flow_row(fl->ro, n, f, why, 0);
	fl->rows++;
	pthread_mutex_unlock(&fl->mu);
}

static void *job_main(void *arg)
{
	struct fl_job *j = arg;
	struct engine_events ev;
	struct engine_stats st;

	memset(&ev, 0, sizeof(ev));
	ev.arg = j->fl;
	ev.flow = ev_flow;
	j->rc = engine_run(&j->fl->cfg, &j->node, &j->src, 1, &ev, &st,
			   &j->err);
	return NULL;
}

static char *join_labels(const struct cap_iface *f)
{
	size_t n = 1;
	char *s;

	for (int i = 0; i < f->nlabels; i++)
		n += strlen(f->labels[i]) + 1;
	s = calloc(1, n);
	if (!s)
		return NULL;
	for (int i = 0, o = 0; i < f->nlabels; i++)
		o += snprintf(s + o, n - (size_t)o, "%s%s", i ? ";" : "",
			      f->labels[i]);
	return s;
}

int cap_flows_open(const struct capture *c, struct cap_flows **out,
		   struct pt_err *err)
{
	struct cap_flows *fl = calloc(1, sizeof(*fl));
	int rc;

	*out = NULL;
	if (!fl)
		return pt_fail(err, PT_ENOMEM, "--flows", "out of memory");
	pthread_mutex_init(&fl->mu, NULL);
	engine_cfg_init(&fl->cfg);
	fl->cfg.window_ns = 0;
	fl->jobs = calloc((size_t)c->nifs, sizeof(*fl->jobs));
	if (!fl->jobs) {
		cap_flows_free(fl);
		return pt_fail(err, PT_ENOMEM, "--flows", "out of memory");
	}
	fl->njobs = c->nifs;
	for (int i = 0; i < c->nifs; i++) {
		struct fl_job *j = &fl->jobs[i];
		const struct cap_iface *f = &c->ifs[i];

		j->fl = fl;
		j->labels = join_labels(f);
		if (!j->labels) {
			cap_flows_free(fl);
			return pt_fail(err, PT_ENOMEM, "--flows",
				       "out of memory");
		}
		j->node.name = f->node;
		j->node.labels = j->labels;
		j->node.trace = f->ifname;
		rc = source_open_live(f->ifname, (int)c->cfg.snaplen, &j->src,
				      err);
		if (!rc && c->cfg.filter)
			rc = source_set_filter(j->src, c->cfg.filter, err);
		if (rc) {
			cap_flows_free(fl);
			return rc;
		}
	}
	*out = fl;
	return 0;
}

int cap_flows_start(struct cap_flows *fl, const char *path, struct pt_err *err)
{
	int rc = rowout_open(path, 0, &fl->ro, err);

	if (rc)
		return rc;
	for (int i = 0; i < fl->njobs; i++) {
		struct fl_job *j = &fl->jobs[i];

		if (pthread_create(&j->th, NULL, job_main, j) != 0)
			return pt_fail(err, PT_ENOMEM, "--flows",
				       "cannot start a thread");
		j->started = 1;
	}
	return 0;
}

int cap_flows_finish(struct cap_flows *fl, struct pt_err *err)
{
	int rc = 0;

	for (int i = 0; i < fl->njobs; i++)
		source_stop(fl->jobs[i].src);
	for (int i = 0; i < fl->njobs; i++) {
		struct fl_job *j = &fl->jobs[i];

		if (!j->started)
			continue;
		pthread_join(j->th, NULL);
		j->started = 0;
		if (j->rc && !rc) {
			*err = j->err;
			rc = j->rc;
		}
	}
	if (fl->ro) {
		int r = rowout_close(fl->ro, rc ? NULL : err);

		fl->ro = NULL;
		if (r && !rc)
			rc = r;
	}
	return rc;
}

void cap_flows_free(struct cap_flows *fl)
{
	if (!fl)
		return;
	for (int i = 0; i < fl->njobs; i++) {
		struct fl_job *j = &fl->jobs[i];

		if (j->started) {
			source_stop(j->src);
			pthread_join(j->th, NULL);
		}
		source_close(j->src);
		free(j->labels);
	}
	if (fl->ro)
		rowout_close(fl->ro, NULL);
	pthread_mutex_destroy(&fl->mu);
	free(fl->jobs);
	free(fl);
}
