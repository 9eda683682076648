/*
 * command.c -- profile command: any shell command line (cmd="..."), with
 * %{GROUP} or %{NODE} replaced by that node's address (a group's first
 * node), so a command can reach another node without knowing the plan.
 */
#include <stdio.h>
#include <string.h>
#include "lab/profile.h"

struct command_opts {
	char cmd[512];
};

static int cmd_option(struct lab_group *g, const char *k, const char *v,
		      char *msg, size_t len)
{
	struct command_opts *o = g->opts;

	if (strcmp(k, "cmd"))
		return 1;
	if (strlen(v) >= sizeof(o->cmd)) {
		snprintf(msg, len, "cmd: longer than %zu characters",
			 sizeof(o->cmd) - 1);
		return -1;
	}
	snprintf(o->cmd, sizeof(o->cmd), "%s", v);
	return 0;
}

static int cmd_check(struct lab_exp *e, struct lab_group *g, char *msg,
		     size_t len)
{
	const struct command_opts *o = g->opts;

	(void)e;
	if (o->cmd[0])
		return 0;
	snprintf(msg, len, "profile command needs cmd=\"COMMAND LINE\"");
	return -1;
}

/* The address of %{NAME}: a group (its first node) or a node. */
static int name_addr(const struct lab_exp *e, const char *name, char *ab,
		     size_t len)
{
	for (unsigned i = 0; i < e->ngroups; i++)
		if (!strcmp(e->groups[i].name, name)) {
			lab_group_addr(e, (int)i, 0, ab, len);
			return 0;
		}
	for (unsigned i = 0; i < e->nnodes; i++)
		if (!strcmp(e->nodes[i].name, name)) {
			lab_addr_str(e->nodes[i].addr, ab, len);
			return 0;
		}
	return -1;
}

static int expand_cmd(const struct lab_exp *e, const char *in, char *out,
		      size_t len)
{
	size_t o = 0;

	while (*in) {
		if (in[0] == '%' && in[1] == '{') {
			const char *end = strchr(in, '}');
			char name[LAB_NODE_MAX], ab[32];

			if (!end || end - in - 2 >= (long)sizeof(name))
				return -1;
			snprintf(name, sizeof(name), "%.*s",
				 (int)(end - in - 2), in + 2);
			if (name_addr(e, name, ab, sizeof(ab)) ||
			    o + strlen(ab) >= len)
				return -1;
			memcpy(out + o, ab, strlen(ab));
			o += strlen(ab);
			in = end + 1;
			continue;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = *in++;
	}
	out[o] = 0;
	return 0;
}

static int cmd_prepare(struct lab_ctx *ctx, unsigned i, const char *dir,
		       struct lab_cmd *a, struct pt_err *err)
{
	const struct lab_exp *e = ctx->exp;
	const struct lab_group *g = &e->groups[e->nodes[i].group];
	const struct command_opts *o = g->opts;
	char cmd[1400];

	(void)dir;
	if (expand_cmd(e, o->cmd, cmd, sizeof(cmd)))
		return pt_fail(err, PT_EUSAGE, e->path,
			       "group %s: cmd: unknown %%{NAME} or too long",
			       g->name);
	lab_sh(a, cmd);
	return 0;
}

/* lab check shows the exact command line each node will run */
static void cmd_plan(const struct lab_exp *e, const struct lab_group *g,
		     FILE *f)
{
	const struct command_opts *o = g->opts;
	char cmd[1400];

	if (expand_cmd(e, o->cmd, cmd, sizeof(cmd)))
		snprintf(cmd, sizeof(cmd), "%s", o->cmd);
	fprintf(f, "command group %s: cmd=/bin/sh -c \"%s\"\n", g->name, cmd);
}

const struct lab_profile lab_profile_command = {
	.name = "command",
	.options = "cmd",
	.opts_size = sizeof(struct command_opts),
	.option = cmd_option,
	.check = cmd_check,
	.plan = cmd_plan,
	.prepare = cmd_prepare,
};
