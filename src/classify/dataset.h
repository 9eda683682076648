/*
 * dataset.h -- labeled flows (and node windows) from traces, ready for
 * training and evaluation.
 *
 * A TRACE is a pcap/pcapng file (labels beside it in NAME.ndpi.out, from
 * libndpi with --label ndpi, or from the pcapng's own "app=..." comments
 * with --label catalog) or a lab output folder holding catalog.tsv (one
 * node per row, labels per node). Every trace file is one group: the
 * evaluation never puts flows of one group on both sides of a split.
 */
#ifndef P2PTRACE_CLASSIFY_DATASET_H
#define P2PTRACE_CLASSIFY_DATASET_H
#include <stdint.h>
#include "p2ptrace/engine.h"
#include "p2ptrace/err.h"
#include "p2ptrace/flowfeat.h"
#include "classify/labels.h"

enum lsrc {
	LS_AUTO = 0,	 /* catalog for folders, else NAME.ndpi.out */
	LS_CATALOG = 1,	 /* lab catalog / pcapng labels: per node */
	LS_NDPI = 2,	 /* libndpi 4.2 on the packets */
	LS_NDPI_OUT = 3, /* NAME.ndpi.out beside the trace */
	LS_NDPI_ANY = 4	 /* NAME.ndpi.out when beside the trace (nDPI's
			    labels of record), else libndpi */
};
const char *lsrc_name(enum lsrc s);

struct ds_opts {
	enum lsrc label;
	const char *label_key; /* catalog key for the class (default "app") */
	int all_confidence;    /* ndpi-out: also flows nDPI matched by port
				  or guessed */
	int keep_unlabeled;    /* keep rows without a label (predict) */
	int labels_optional;   /* a trace without labels is fine (predict) */
	int ports;	       /* --use-ports */
	uint64_t min_pkts;     /* flows with fewer packets are left out */
	int skip_unreadable;   /* set by ds_load: several traces given, a
				  file that is not a capture is skipped */
	const char *drop;      /* feature name prefixes set to missing
				  ("host_,fine_"): ablation */
	struct engine_cfg cfg;
};
void ds_opts_init(struct ds_opts *o);

/* What is kept of one flow beside its feature vector. */
struct ds_meta {
	struct flow_key key;
	uint8_t orig_is_a, nfirst, lsrc;
	int8_t ptp_p2p;	       /* Karagiannis heuristics said P2P */
	uint16_t sport, dport; /* originator's, responder's */
	uint16_t first_len[FIRSTN];
	uint8_t first_dir[FIRSTN];
	uint32_t first_us[FIRSTN];
	float bins[2 * PLEN_NBINS];
	struct host_feats hf;
	uint64_t first_ns;
	uint64_t pkts;
	int group; /* trace file index */
	int fine;  /* index into ds->names, -1 = no label */
	int y;	   /* class index after ds_set_classes, -1 = dropped */
};

#define WIN_NFEAT 28
struct ds_win {
	float x[WIN_NFEAT];
	int group, fine, y;
	uint64_t start_ns;
};

struct dataset {
	int nfeat, ports;
	int n, cap;
	float *x; /* n x nfeat */
	struct ds_meta *m;
	int ngroup;
	char **group; /* trace path of each group */
	char **gnode; /* node name of each group */
	int *garg;    /* index of the TRACE argument of each group */
	int cur_arg;
	int nnames;
	char **names; /* label values seen (fine classes) */
	int nwin, capwin;
	struct ds_win *win;
	struct lbl_classes cls;
	uint64_t flows_seen, flows_unlabeled, flows_lowconf, flows_small;
	int files_skipped;
};

/* Read traces into ds (zeroed first). */
int ds_load(struct dataset *ds, char **traces, int ntraces,
	    const struct ds_opts *o, struct pt_err *err);
/* Map label values to classes: list NULL = the distinct values seen
 * (sorted; for nDPI labels the default six classes). Rows whose value maps
 * to no class get y = -1. */
int ds_set_classes(struct dataset *ds, const char *list, enum lsrc src,
		   struct pt_err *err);
/* Rows with y >= 0 per class, into cnt[nclass]. */
void ds_class_counts(const struct dataset *ds, int *cnt);
void ds_free(struct dataset *ds);

/* Window features (node figures of one window) and their names. */
const char *ds_win_feat_name(int i);

#endif
