/* cmd_classify.c -- placeholder until the classify area lands (replaced by its owner). */
#include <stdio.h>
#include "tool.h"

int cmd_classify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_msg("classify: not built yet");
	return 2;
}
