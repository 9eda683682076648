/*
 * btclients.h -- the options every BitTorrent peer profile shares
 * (bittorrent-seed, -leech, -query): which client runs (client=), uTP, DHT
 * inside the lab, PEX, protocol encryption and magnet links, and the
 * clients besides aria2 (btclients.c). bittorrent.c keeps aria2 and the
 * tracker; docs/lab.md describes every setting.
 */
#ifndef P2PTRACE_LAB_BTCLIENTS_H
#define P2PTRACE_LAB_BTCLIENTS_H
#include "lab/profile.h"

enum bt_client {
	BT_ARIA2 = 0,
	BT_TRANSMISSION,
	BT_QBITTORRENT,
	BT_DELUGE,
	BT_RTORRENT,
	BT_NCLIENTS
};

/* A switch not given keeps the client's own default (discovery: off). */
enum { BT_DEFAULT = 0, BT_OFF, BT_ON };
enum { BT_ENC_DEFAULT = 0, BT_ENC_OFF, BT_ENC_PREFERRED, BT_ENC_REQUIRED };

struct bt_opts {
	int client;		   /* enum bt_client */
	int utp, dht, pex, magnet; /* BT_DEFAULT, BT_OFF, BT_ON */
	int enc;		   /* BT_ENC_* */
	double query_kbps;	   /* bittorrent-query: its download rate */
};

/* The keys bt_option takes, for the "unknown option" message. */
#define BT_OPTION_KEYS "client, utp, dht, pex, encryption, magnet"

extern const char *const bt_client_names[BT_NCLIENTS];

/* One KEY=VALUE of a peer group: 0 taken, 1 not one of ours, -1 bad value
 * (msg says why). */
int bt_option(struct bt_opts *o, const char *k, const char *v, char *msg,
	      size_t len);
/* After the whole file: the settings suit the client, the role and the
 * group's files (DHT, PEX and magnet links need files with private=no). */
int bt_check(const struct lab_exp *e, const struct lab_group *g, char *msg,
	     size_t len);
/* Is group G one of the BitTorrent peer profiles (its opts a bt_opts)? */
int bt_is_peer(const struct lab_group *g);
/* The lab's tracker announce URL (empty without a tracker). */
void bt_announce_url(const struct lab_exp *e, char *buf, size_t len);
/* lab check: one line of the group's client and settings (and the DHT
 * bootstrap nodes of its first node). */
void bt_plan(const struct lab_exp *e, const struct lab_group *g, FILE *f);
/* aria2's arguments for the settings a group gives (none for defaults, so
 * the command line of a group without them is what it always was). */
void bt_aria2_args(const struct lab_ctx *ctx, unsigned i, const char *dir,
		   struct lab_cmd *a);
/* The group's torrents for aria2: files or magnet links. */
int bt_aria2_torrents(const struct lab_ctx *ctx, unsigned i, struct lab_cmd *a,
		      struct pt_err *err);
/* File F as the argument a client takes: its .torrent, or (MAGNET) its
 * magnet link with the lab's tracker. 0 ok. */
int bt_torrent_ref(const struct lab_ctx *ctx, unsigned f, int magnet, char *buf,
		   size_t len);
/* Up to MAX lab nodes with DHT on that node I bootstraps from. */
unsigned bt_dht_nodes(const struct lab_exp *e, unsigned i, uint32_t *addrs,
		      unsigned max);
/* The indexes of group G's files (file=A,B); returns the count. */
unsigned bt_group_files(const struct lab_exp *e, const struct lab_group *g,
			unsigned *idx);
/* Node I runs a client other than aria2: its config files in DIR and its
 * command line; SEED: it starts with the data of the group's files. */
int bt_client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		      int seed, struct lab_cmd *a, struct pt_err *err);

#endif
