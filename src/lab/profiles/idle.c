/*
 * idle.c -- profile idle: a node with no process, which only answers ARP
 * and ping (a target, or a silent host in a trace set).
 */
#include "lab/profile.h"

const struct lab_profile lab_profile_idle = {
	.name = "idle",
};
