/*
 * tool.h -- what the p2ptrace tool's commands share: the subcommand entry
 * points, error printing, option parsing helpers and the progress line.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error or unusable input.
 */
#ifndef P2PTRACE_TOOL_H
#define P2PTRACE_TOOL_H
#include <stdint.h>
#include "p2ptrace/err.h"

#define P2PTRACE_VERSION "0.1.0"

int cmd_analyze(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_classify(int argc, char **argv);

/* Print "p2ptrace: WHERE: WHAT" on stderr. */
void tool_perr(const struct pt_err *err);
/* Print "p2ptrace: " + message on stderr. */
void tool_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict number parsing: the whole string must be the number. 0 ok, -1 bad. */
int tool_parse_u64(const char *s, uint64_t *out);
int tool_parse_double(const char *s, double *out);
/* Seconds as a decimal ("64", "0.5") to ns. */
int tool_parse_seconds_ns(const char *s, uint64_t *out_ns);

/* Command-line convention (docs/ARCHITECTURE.md): options may come before
 * or after the inputs, except where a BPF filter follows the inputs
 * (analyze, capture): there the words after the inputs are the filter, and
 * one that looks like an option (-x, --xx) is refused with a message that
 * options go before the inputs. tool_filter() joins WORDS into *out
 * (malloc'd; NULL when n is 0). 0 ok, else the exit code (message
 * printed). */
int tool_filter(const char *cmd, char **words, int n, char **out);

/* Absolute path of the running p2ptrace binary (for child processes). */
const char *tool_self_exe(void);

/* Progress line on stderr when it is a terminal: tool_progress() redraws
 * at most 5 times a second; tool_progress_done() clears it. */
int tool_progress_on(void);
void tool_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tool_progress_done(void);

#endif
