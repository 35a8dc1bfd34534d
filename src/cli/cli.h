/* cli.h - the hotrun program's state and its one executor
 *
 * The program is a client of the engine (libhotrun.h).  Its front ends -
 * the prompt, stdin scripts, batch lists, -t/-c options and watch mode -
 * share one struct hr_cli: the session (owned), how records are shown,
 * what an empty line repeats, the failure counts that make the exit
 * status, the watch list and the progress bar.  Every command from every
 * front end goes through hr_exec_argv() (or hr_exec_line()), which looks
 * it up in the one command table (cmd.h), runs its handler on a record
 * (record.h) and gives the record to the reporter (report.h).
 */
#ifndef HR_CLI_H
#define HR_CLI_H

#include <stddef.h>

#include "libhotrun.h"
#include "record.h"

struct hr_watch;
struct hr_progress;
struct hr_remote;

struct hr_cli {
    struct hr_session *s;           /* owned */
    int json;                       /* records as JSON lines on stdout */
    int quiet;                      /* no start-up banner */
    int color;                      /* colour on the terminal */
    int interactive;                /* a person at a terminal */
    int failures;                   /* failed commands: exit status 1 */
    int input_errors;               /* usage/input errors: exit status 2 */
    int emitted;                    /* records of the command at hand */
    char *last_reload;              /* owned: what Enter reloads */
    char *last_run;                 /* owned: the run Enter repeats */
    struct hr_watch *watch;         /* owned, or NULL */
    struct hr_progress *bar;        /* owned: progress on stderr */
    /* hotrun --ranks N: the MPI job that runs the commands (remote.h);
     * owned, or NULL for the local session */
    struct hr_remote *remote;
    /* An MPI rank: records go here instead of the reporter (rank.c) */
    void (*sink)(void *ud, const struct hr_record *r);
    void *sink_ud;
};

/* Opens the program's state and its session.  *out is owned (free with
 * hr_cli_close()).  Returns 0 or HR_ENOMEM. */
int hr_cli_open(int json, int color, int interactive, struct hr_cli **out);
void hr_cli_close(struct hr_cli *cli);

/* Flags of the executor. */
enum {
    HR_EXEC_QUIET = 1               /* watch mode: the result is shown but
                                       not counted, and what Enter repeats
                                       stays as it was */
};

/* Runs the command argv (argc >= 1) from where (may be NULL).  Returns
 * HR_CMD_OK, HR_CMD_ERR or HR_CMD_QUIT. */
int hr_exec_argv(struct hr_cli *cli, int argc, char **argv,
                 const struct hr_where *where, int flags);

/* Splits the len bytes of line into words (words.h) and runs them.  A
 * blank or comment line does nothing; a line that cannot be split (an
 * unclosed quote, a NUL byte) is a failed command with its own record. */
int hr_exec_line(struct hr_cli *cli, const char *line, size_t len,
                 const struct hr_where *where, int flags);

/* Splits the len bytes of line into *argv (owned: free with
 * hr_words_free()) and returns the word count (0: blank or comment), or
 * emits a failed record for a line that cannot be split and returns -1. */
int hr_exec_split(struct hr_cli *cli, const char *line, size_t len,
                  const struct hr_where *where, int flags, char ***argv);

/* Reports r now and counts it (a command that makes several records,
 * such as a batch line running every task of a file); r is then made
 * fresh for the next one. */
void hr_exec_emit(struct hr_cli *cli, struct hr_record *r);

/* The exit status of everything run so far: 2 when a command was unknown
 * or malformed or its input unusable, 1 when one failed, else 0. */
int hr_cli_status(const struct hr_cli *cli);

#endif
