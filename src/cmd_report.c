/* cmd_report.c -- placeholder until the report area lands (replaced by its owner). */
#include <stdio.h>
#include "tool.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_msg("report: not built yet");
	return 2;
}
