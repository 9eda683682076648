/*
 * mqtt.c -- profiles mqtt-broker and mqtt-client: MQTT, the publish/
 * subscribe protocol of sensors and home automation, as a third kind of
 * background ("other") traffic beside DNS and NTP: long-lived TCP
 * connections with small messages and keep-alive pings, plus short
 * connections that publish one message.
 *
 * mqtt-broker: mosquitto on the node's address, port 1883 (port=),
 * anonymous, no persistence; started as root, it drops to the lab's user
 * (`user`). mqtt-client: one subscriber connection to lab/# (keep-alive 30 s,
 * so it sees every node's messages), one publisher connection that sends a
 * JSON reading every interval (0.25x-1.75x), and 1 time in 5 a separate
 * short connection publishing a status message with QoS 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lab/profile.h"

static int broker_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_node *nd = &e->nodes[i];
	const struct lab_group *g = &e->groups[nd->group];
	char path[800], addr[32];

	a->as_root = 1;
	snprintf(path, sizeof(path), "%s/mosquitto.conf", dir);
	if (lab_write_text(
		    path, 0644,
		    "# written by p2ptrace lab for node %s\n"
		    "listener %u %s\nallow_anonymous true\npersistence false\n"
		    "log_dest stderr\nuser %s\nmax_keepalive 120\n",
		    nd->name, lab_group_port(g),
		    lab_addr_str(nd->addr, addr, sizeof(addr)),
		    lab_group_user(e, g)))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "mosquitto");
	lab_arg(a, "-c");
	lab_arg(a, "%s", path);
	return 0;
}

static int client_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
			  struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const char *me = e->nodes[i].name;
	char path[800], sa[32];

	lab_group_addr(e, g->server, i - g->first_node, sa, sizeof(sa));
	snprintf(path, sizeof(path), "%s/client.sh", dir);
	if (lab_write_text(
		    path, 0644,
		    "# mqtt-client: a subscriber, a publisher of readings, now and then a one-shot status\n"
		    "rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }\n"
		    "think() { sleep $(awk -v r=$(rnd) -v i=%g 'BEGIN{printf \"%%.2f\", i*(0.25+1.5*r/65535)}'); }\n"
		    "H=\"-h %s -p %u -i %s\"\n"
		    "mosquitto_sub $H-sub -k 30 -t 'lab/#' >/dev/null &\n"
		    "trap 'kill $! 2>/dev/null; exit 0' TERM INT\n"
		    "while :; do\n"
		    "  r=$(rnd); echo \"{\\\"node\\\":\\\"%s\\\",\\\"t\\\":$(( r %% 150 + 150 ))e-1,\\\"rh\\\":$(( r %% 60 + 20 )),\\\"ts\\\":$(date +%%s)}\"\n"
		    "  [ $(( r %% 5 )) = 0 ] && mosquitto_pub $H-st -q 1 -t lab/status/%s -m online >&2\n"
		    "  think\n"
		    "done | mosquitto_pub $H-pub -k 60 -q 0 -t lab/sensor/%s -l\n",
		    g->interval_s > 0 ? g->interval_s : 10, sa,
		    lab_group_port(&e->groups[g->server]), me, me, me, me))
		return pt_fail(err, PT_EIO, path, "cannot write");
	lab_arg(a, "/bin/sh");
	lab_arg(a, "%s", path);
	return 0;
}

const struct lab_profile lab_profile_mqtt_broker = {
	.name = "mqtt-broker",
	.role = LAB_ROLE_SERVER,
	.port = 1883,
	.prepare = broker_prepare,
};

const struct lab_profile lab_profile_mqtt_client = {
	.name = "mqtt-client",
	.role = LAB_ROLE_CLIENT,
	.server = "mqtt-broker",
	.prepare = client_prepare,
};
