/*
 * baselines.h -- the two classifiers a learned model must beat, both
 * without training:
 *  - port: well-known and known-P2P port numbers (responder's port first);
 *  - ptp: Karagiannis, Broido, Faloutsos, claffy (IMC 2004) transport-layer
 *    heuristics: known P2P ports, then address pairs using both TCP and
 *    UDP, then {address, port} endpoints whose distinct peer addresses
 *    roughly equal their distinct peer ports; a P2P flow with no known
 *    port is "p2p-other".
 * Both answer a fine class name (labels.h); the caller maps it.
 * (The third baseline, a model on the paper's size bins, is trained like
 * the real one: see eval.c.)
 */
#ifndef P2PTRACE_CLASSIFY_BASELINES_H
#define P2PTRACE_CLASSIFY_BASELINES_H
#include <stdint.h>
#include "p2ptrace/flowfeat.h"

/* Fine class by port, or NULL when no port is known ("other"). */
const char *base_port_known(uint8_t proto, uint16_t sport, uint16_t dport);
const char *base_port(uint8_t proto, uint16_t sport, uint16_t dport);
const char *base_ptp(uint8_t proto, uint16_t sport, uint16_t dport,
		     const struct host_feats *hf);

#endif
