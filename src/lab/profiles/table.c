/*
 * table.c -- the table of profiles built from list.h, and the look-ups
 * every reader of the table shares (by name, by use in a lab).
 */
#include <stdio.h>
#include <string.h>
#include "lab/profile.h"

const struct lab_profile *const lab_profiles[] = {
#define LAB_PROFILE(id) &lab_profile_##id,
#include "lab/profiles/list.h"
#undef LAB_PROFILE
	NULL,
};

const struct lab_profile *lab_profile_parse(const char *s)
{
	for (unsigned i = 0; lab_profiles[i]; i++)
		if (!strcmp(s, lab_profiles[i]->name))
			return lab_profiles[i];
	return NULL;
}

const char *lab_profile_name(const struct lab_profile *p)
{
	return p ? p->name : "?";
}

void lab_profile_list(char *buf, size_t len)
{
	size_t o = 0;

	if (len)
		buf[0] = 0;
	for (unsigned i = 0; lab_profiles[i] && o < len; i++) {
		int n = snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				 lab_profiles[i]->name);

		if (n < 0)
			break;
		o += (size_t)n;
	}
}

int lab_uses(const struct lab_exp *e, const struct lab_profile *p)
{
	for (unsigned i = 0; i < e->ngroups; i++)
		if (e->groups[i].profile == p)
			return 1;
	return 0;
}

const char *lab_group_addr(const struct lab_exp *e, int group, unsigned k,
			   char *buf, size_t len)
{
	const struct lab_group *g = &e->groups[group];

	return lab_addr_str(e->nodes[g->first_node + k % g->count].addr, buf,
			    len);
}

const char *lab_group_user(const struct lab_exp *e, const struct lab_group *g)
{
	return g->user[0] ? g->user : e->user;
}

unsigned lab_group_port(const struct lab_group *g)
{
	return g->port ? g->port : g->profile ? g->profile->port : 0;
}
