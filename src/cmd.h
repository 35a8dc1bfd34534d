/* cmd.h - the command table every front end dispatches through
 *
 * One table holds each command's name, handler, arity (counting argv[0];
 * negative means "at least"), usage, one-line summary, an example and what
 * its arguments complete to.  The prompt, scripts on stdin, -c and watch
 * all go through hr_cmd_exec().  Handlers print results on stdout and
 * errors on stderr through out.h (included here), the printing half of
 * this layer; nothing else in hotrun prints.
 */
#ifndef HR_CMD_H
#define HR_CMD_H

#include "ctx.h"
#include "out.h"

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

/* Splits line into words (words.h) and runs it.  A blank line or a '#'
 * comment does nothing.  Returns HR_CMD_OK,
 * HR_CMD_ERR (counted in ctx->failures) or HR_CMD_QUIT. */
int hr_cmd_exec(struct hr_ctx *ctx, const char *line);

/* Runs argv (argc >= 1) as a command. */
int hr_cmd_execv(struct hr_ctx *ctx, int argc, char **argv);

/* The command nearest to a mistyped name, or NULL when none is close. */
const char *hr_cmd_nearest(const char *name);

#endif
