/* cmd.h - the command table every front end dispatches through
 *
 * One table holds each command's name, handler, arity (counting argv[0];
 * negative means "at least"), usage, one-line summary, an example and what
 * its arguments complete to.  The prompt, scripts on stdin, -c and watch
 * all go through hr_cmd_exec().  Handlers print results on stdout and
 * errors on stderr; nothing else in hotrun prints.
 */
#ifndef HR_CMD_H
#define HR_CMD_H

#include "ctx.h"

enum { HR_CMD_OK = 0, HR_CMD_ERR = 1, HR_CMD_QUIT = 2 };

/* What a command's arguments are, for completion. */
enum hr_arg_kind { HR_ARG_NONE, HR_ARG_FILE, HR_ARG_TASK, HR_ARG_ARRAY,
                   HR_ARG_COMMAND, HR_ARG_WORD };

struct hr_cmd {
    const char *name;
    int (*fn)(struct hr_ctx *ctx, int argc, char **argv);
    int arity;
    const char *usage;
    const char *summary;
    const char *example;
    enum hr_arg_kind args;
};

/* The table (static), ending with a zeroed entry. */
const struct hr_cmd *hr_cmd_table(void);

/* The command called name, or NULL. */
const struct hr_cmd *hr_cmd_lookup(const char *name);

/* Splits line into words (quotes '...' and "...", backslash escapes) and
 * runs it.  A blank line or a '#' comment does nothing.  Returns HR_CMD_OK,
 * HR_CMD_ERR (counted in ctx->failures) or HR_CMD_QUIT. */
int hr_cmd_exec(struct hr_ctx *ctx, const char *line);

/* Runs argv (argc >= 1) as a command. */
int hr_cmd_execv(struct hr_ctx *ctx, int argc, char **argv);

/* Splits line into *argv (owned: free with hr_cmd_free_words()).  Returns
 * the word count, or -1 (unclosed quote: err set) or HR_ENOMEM. */
int hr_cmd_split(const char *line, char ***argv, struct hr_err *err);
void hr_cmd_free_words(int argc, char **argv);

/* Replaces stdout and stderr (the streams task code prints through too)
 * by streams that pass everything on to descriptors 1 and 2 and note
 * whether the last character printed left a line open.  Idempotent;
 * hr_cmd_fresh_line() calls it. */
void hr_cmd_track_output(void);

/* Ends a line that task output left open, so that what is printed next
 * starts at the left margin; flushes stdout.  hr_cmd_execv(), results and
 * errors call it; front ends that print their own lines should too. */
void hr_cmd_fresh_line(void);

/* Prints an error line on stderr (red on a colour terminal). */
void hr_cmd_error(const struct hr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a quiet (dim on a colour terminal) line on stdout, on a fresh
 * line: what a command did, as opposed to a result. */
void hr_cmd_note(const struct hr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats a result value as Python's repr() would (shortest round trip). */
void hr_cmd_format_value(double v, char *buf, size_t len);

/* Formats milliseconds with a sensible unit: "412 us", "87.3 ms", "2.31 s". */
void hr_cmd_format_ms(double ms, char *buf, size_t len);

/* Formats a byte count: "96 B", "12.3 kB", "200 MB", "1.6 GB". */
void hr_cmd_format_bytes(double bytes, char *buf, size_t len);

/* The command nearest to a mistyped name, or NULL when none is close. */
const char *hr_cmd_nearest(const char *name);

#endif
