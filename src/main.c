/*
 * main.c -- the subcommand table and nothing else.
 */
#include <stdio.h>
#include <string.h>
#include "tool.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} cmds[] = {
	{ "analyze", cmd_analyze,
	  "flows and per-node figures from traces or interfaces" },
	{ "capture", cmd_capture,
	  "capture interfaces into labeled pcapng files" },
	{ "lab", cmd_lab,
	  "build, run and tear down a closed lab of P2P nodes" },
	{ "report", cmd_report, "the paper's figures as an HTML report" },
	{ "classify", cmd_classify,
	  "train, evaluate and apply flow classifiers" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: p2ptrace COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f, "\n'p2ptrace COMMAND --help' for a command's options; "
		   "man page: docs/p2ptrace.1\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("p2ptrace %s\n", P2PTRACE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "p2ptrace: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
