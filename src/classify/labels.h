/*
 * labels.h -- per-flow labels for classify: nDPI protocol names -> our
 * classes, the reader of nDPI result files (NAME.ndpi.out), and the join of
 * labeled 5-tuples to our flows (either direction).
 *
 * Fine classes: bittorrent, gnutella, edonkey, p2p-other, web, ssh, ftp,
 * other. The default class list merges ssh and ftp into other.
 */
#ifndef P2PTRACE_CLASSIFY_LABELS_H
#define P2PTRACE_CLASSIFY_LABELS_H
#include <stdint.h>
#include "p2ptrace/err.h"
#include "p2ptrace/flow.h"
#include "p2ptrace/u64map.h"

#define LBL_DEFAULT_CLASSES "bittorrent,gnutella,edonkey,p2p-other,web,other"
#define LBL_MAXNAME 64

/* Fine class of an nDPI "Master.App" name (e.g. "TLS.BitTorrent"), or NULL
 * for Unknown (no label). trace: the file's base name (classic Skype counts
 * as p2p-other only in skype*.pcap files). */
const char *lbl_class_of_ndpi(const char *proto, const char *trace);

/* One labeled 5-tuple. */
struct lbl_entry {
	uint8_t proto, ipver;
	uint16_t port[2];
	uint8_t addr[2][16];
	char name[LBL_MAXNAME]; /* nDPI's "Master.App" */
	int dpi;		/* confidence was DPI (not port, not guess) */
};

struct lbl_set {
	struct lbl_entry *e;
	int n, cap;
	struct u64map idx; /* canonical 5-tuple -> index + 1 */
};

void lbl_set_free(struct lbl_set *s);
/* Add one entry (duplicates of a 5-tuple keep the first). */
int lbl_set_add(struct lbl_set *s, const struct lbl_entry *e,
		struct pt_err *err);
/* Read an ndpiReader -v 2 result file. Lines that are not flows are
 * skipped; a file with no flow line at all is an error. */
int lbl_read_ndpi_out(const char *path, struct lbl_set *s, struct pt_err *err);
/* Parse one flow line; 1 parsed, 0 not a flow line. */
int lbl_parse_ndpi_line(const char *line, struct lbl_entry *e);
/* The entry for a flow (either direction; for protocols without ports the
 * ports are ignored), or NULL. */
const struct lbl_entry *lbl_find(const struct lbl_set *s, const struct flow *f);

/* Class list: "a,b,c" -> names; the index of a class, or -1. */
struct lbl_classes {
	int n;
	char name[16][24];
};
int lbl_classes_parse(const char *list, struct lbl_classes *c,
		      struct pt_err *err);
int lbl_classes_find(const struct lbl_classes *c, const char *name);
/* Class index for a fine class: itself when listed, else "other" when
 * listed, else -1 (row dropped). */
int lbl_classes_map(const struct lbl_classes *c, const char *fine);

#endif
