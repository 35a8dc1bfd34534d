/* cmd.c - the command table, help, and finding a command by name */
#include "cmd.h"

#include <string.h>

static int cmd_help(struct hr_cli *cli, int argc, char **argv,
                    struct hr_record *rec);
static int cmd_quit(struct hr_cli *cli, int argc, char **argv,
                    struct hr_record *rec);

static const struct hr_cmd commands[] = {
    { "reload", hr_cmd_reload, 2, "reload FILE",
      "compile a task file in memory, replacing its last version",
      "reload tasks/demo.c", HR_ARG_FILE },
    { "run", hr_cmd_run, -2, "run [-n N] [FILE:]TASK [ARGS...]",
      "run a task on the default array (-n N: min/median/max of N runs)",
      "run -n 10 demo.c:some_task", HR_ARG_TASK },
    { "do", hr_cmd_do, -2, "do FILE [TASK [ARGS...]]",
      "reload FILE, then run TASK (or every task of FILE); a batch line",
      "do tasks/demo.c some_task", HR_ARG_FILE },
    { "list", hr_cmd_list, 1, "list",
      "show the loaded modules, their tasks and when they were compiled",
      "list", HR_ARG_NONE },
    { "unload", hr_cmd_unload, 2, "unload FILE",
      "forget the module compiled from a task file", "unload tasks/demo.c",
      HR_ARG_FILE },
    { "load", hr_cmd_load, -2,
      "load [NAME=]FILE[:MEMBER] [--dtype T [--shape S [--order C|F]]]\n"
      "       [--delimiter D] [--lenient]",
      "load arrays: .npy, .npz, HDF5, CSV/TSV; raw binary with --shape",
      "load prices=data/prices.npy", HR_ARG_FILE },
    { "arrays", hr_cmd_arrays, -1, "arrays [-v]",
      "show the resident arrays (* marks the default; -v: origin, columns)",
      "arrays -v", HR_ARG_NONE },
    { "use", hr_cmd_use, 2, "use NAME", "make the array NAME the default",
      "use prices", HR_ARG_ARRAY },
    { "show", hr_cmd_show, -1, "show [NAME [N]]",
      "print an array as NumPy does (N rows at each end of a long axis)",
      "show demo 5", HR_ARG_ARRAY },
    { "stats", hr_cmd_stats, -1, "stats [NAME]",
      "count, NaN and inf, min and max (where), mean, std of an array",
      "stats demo", HR_ARG_ARRAY },
    { "plot", hr_cmd_plot, -1, "plot [--hist] [NAME [BINS]] [--svg FILE]",
      "draw an array in the terminal: line, heat map or histogram",
      "plot --hist demo 50", HR_ARG_ARRAY },
    { "save", hr_cmd_save, -3, "save NAME FILE.npy | save NAME... FILE.npz",
      "write arrays to an .npy or .npz file NumPy reads (atomically)",
      "save demo /tmp/demo-copy.npy", HR_ARG_ARRAY },
    { "checksum", hr_cmd_checksum, -1, "checksum [NAME]",
      "checksum of an array's bytes (shows the data is intact)",
      "checksum demo", HR_ARG_ARRAY },
    { "keeps", hr_cmd_keeps, 1, "keeps",
      "list the blocks tasks keep across reloads (hr_keep)", "keeps",
      HR_ARG_NONE },
    { "forget", hr_cmd_forget, 2, "forget KEY",
      "free a block a task keeps (hr_keep), so that it starts over",
      "forget index", HR_ARG_WORD },
    { "timeout", hr_cmd_timeout, -1, "timeout [SEC|off]",
      "stop runs that take longer than SEC seconds (off: no limit)",
      "timeout 5", HR_ARG_WORD },
    { "isolate", hr_cmd_isolate, -1, "isolate [on|off]",
      "run tasks in a forked child, so a crash cannot touch the session",
      "isolate on", HR_ARG_WORD },
    { "watch", hr_cmd_watch, -1, "watch [FILE [TASK [ARGS...]]]",
      "rerun a file's tasks (or one task) on every save; alone: list",
      "watch tasks/demo.c some_task", HR_ARG_FILE },
    { "unwatch", hr_cmd_unwatch, -1, "unwatch [FILE]",
      "stop watching FILE (every file when none is given)",
      "unwatch tasks/demo.c", HR_ARG_FILE },
    { "tier", hr_cmd_tier, -1, "tier [auto|wait|off|fast|exact|-v]",
      "optimised code (tier 2): show, wait, off, fast math, the log",
      "tier wait", HR_ARG_WORD },
    { "help", cmd_help, -1, "help [COMMAND]",
      "list the commands, or show one's usage and an example",
      "help run", HR_ARG_COMMAND },
    { "quit", cmd_quit, 1, "quit", "leave hotrun (also Ctrl-D)", "quit",
      HR_ARG_NONE },
    { NULL, NULL, 0, NULL, NULL, NULL, HR_ARG_NONE }
};

const struct hr_cmd *hr_cmd_table(void)
{
    return commands;
}

const struct hr_cmd *hr_cmd_lookup(const char *name)
{
    const struct hr_cmd *c;

    if (strcmp(name, "exit") == 0)
        name = "quit";
    for (c = commands; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* Levenshtein distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
    int row[64];
    int la = (int)strlen(a), lb = (int)strlen(b);
    int i, j;

    if (la > 62 || lb > 62)
        return 99;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        int prev = row[0];

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);

            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *hr_cmd_nearest(const char *name)
{
    const struct hr_cmd *c;
    const char *best = NULL;
    int bestd = 3;

    for (c = commands; c->name != NULL; c++) {
        int d = distance(name, c->name);

        if (strncmp(name, c->name, strlen(name)) == 0 && strlen(name) >= 2)
            d = 1;
        if (d < bestd) {
            bestd = d;
            best = c->name;
        }
    }
    return best;
}

static int cmd_help(struct hr_cli *cli, int argc, char **argv,
                    struct hr_record *rec)
{
    const struct hr_cmd *c = NULL;

    (void)cli;
    if (argc > 2) {
        hr_record_input_error(rec, "usage: help [COMMAND]");
        return HR_CMD_ERR;
    }
    if (argc == 2) {
        c = hr_cmd_lookup(argv[1]);
        if (c == NULL) {
            const char *near = hr_cmd_nearest(argv[1]);

            if (near != NULL)
                hr_record_input_error(rec, "help: no command '%s' (did you "
                                      "mean %s?)", argv[1], near);
            else
                hr_record_input_error(rec, "help: no command '%s' (type "
                                      "'help')", argv[1]);
            return HR_CMD_ERR;
        }
        hr_text_printf(&rec->text, "usage: %s\n  %s\nexample:\n  %s\n",
                       c->usage, c->summary, c->example);
        return HR_CMD_OK;
    }
    hr_text_printf(&rec->text, "commands (help COMMAND shows its usage and "
                   "an example):\n");
    for (c = commands; c->name != NULL; c++)
        hr_text_printf(&rec->text, "  %-9s %s\n", c->name, c->summary);
    hr_text_printf(&rec->text, "  %-9s %s\n", "Enter", "on an empty line: "
                   "repeat the last reload and run");
    hr_text_printf(&rec->text, "keys: Tab completes, Up and Ctrl-R search "
                   "the history, Ctrl-C clears the line\n"
                   "task files: #include \"hotrun.h\"; a task is a "
                   "non-static function\n"
                   "  double, float, an integer type or void NAME(const "
                   "struct hr_array *a),\n"
                   "  or the same with (void)\n");
    return HR_CMD_OK;
}

static int cmd_quit(struct hr_cli *cli, int argc, char **argv,
                    struct hr_record *rec)
{
    (void)cli;
    (void)argc;
    (void)argv;
    (void)rec;
    return HR_CMD_QUIT;
}
