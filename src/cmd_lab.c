/* cmd_lab.c -- placeholder until the lab area lands (replaced by its owner). */
#include <stdio.h>
#include "tool.h"

int cmd_lab(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_msg("lab: not built yet");
	return 2;
}
