/* cmd_capture.c -- placeholder until the capture area lands (replaced by its owner). */
#include <stdio.h>
#include "tool.h"

int cmd_capture(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_msg("capture: not built yet");
	return 2;
}
