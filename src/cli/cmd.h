/* cmd.h - the one command table every front end dispatches through
 *
 * Each row: the command's name, its handler, its arity (counting argv[0];
 * negative means "at least"), usage, a one-line summary, an example and
 * what its arguments complete to.  The executor (cli.h) checks the arity
 * and prints the usage, so handlers never do.  A handler fills the record
 * it is given (a result, a note, text to show, or an error) and never
 * prints.
 */
#ifndef HR_CMD_H
#define HR_CMD_H

#include "cli.h"

enum { HR_CMD_OK = 0, HR_CMD_ERR = 1, HR_CMD_QUIT = 2 };

/* What a command's arguments are, for completion. */
enum hr_arg_kind { HR_ARG_NONE, HR_ARG_FILE, HR_ARG_TASK, HR_ARG_ARRAY,
                   HR_ARG_COMMAND, HR_ARG_WORD };

struct hr_cmd {
    const char *name;
    int (*fn)(struct hr_cli *cli, int argc, char **argv,
              struct hr_record *rec);
    int arity;
    const char *usage;
    const char *summary;
    const char *example;
    enum hr_arg_kind args;
};

/* The table (static), ending with a zeroed entry. */
const struct hr_cmd *hr_cmd_table(void);

/* The command called name ("exit" is quit), or NULL. */
const struct hr_cmd *hr_cmd_lookup(const char *name);

/* The command nearest to a mistyped name, or NULL when none is close. */
const char *hr_cmd_nearest(const char *name);

/* ---- the handlers, by file ---- */

/* cmd_task.c: task files and runs */
int hr_cmd_reload(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_run(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_do(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_list(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_unload(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_timeout(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_isolate(struct hr_cli *, int, char **, struct hr_record *);

/* cmd_array.c: arrays */
int hr_cmd_load(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_arrays(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_use(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_checksum(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_keeps(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_forget(struct hr_cli *, int, char **, struct hr_record *);

/* cmd_view.c: looking at arrays */
int hr_cmd_show(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_stats(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_plot(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_save(struct hr_cli *, int, char **, struct hr_record *);

/* cmd_tier.c: tier 2 */
int hr_cmd_tier(struct hr_cli *, int, char **, struct hr_record *);

/* What a result line adds for a run at tier (1 or 2): "" or "optimised"
 * or "optimised, fast math" (static). */
const char *hr_cmd_tier_word(int tier, int fast);

/* A module's tier for `list` and `tier`: "optimised 12:00:01, 95 ms
 * after the reload", "tier 1, optimising", ... into buf. */
void hr_cmd_tier_describe(const struct hr_module_info *m, char *buf,
                          size_t len);

/* watch.c: watch mode */
int hr_cmd_watch(struct hr_cli *, int, char **, struct hr_record *);
int hr_cmd_unwatch(struct hr_cli *, int, char **, struct hr_record *);

#endif
