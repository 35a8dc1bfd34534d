/* start.h - bring a session up from the command line options */
#ifndef HR_START_H
#define HR_START_H

#include "cli.h"
#include "opts.h"

/* Loads the arrays, reloads -t files, sets up watches and runs -c
 * commands of opts in cli, in that order (--demo first).  *quit is set
 * when a -c command said quit.  *banner (may be NULL) gets the start-up
 * line for the prompt (owned; NULL on no memory).  Returns 0, or 2 when
 * an array could not be loaded (the error was reported). */
int hr_start(struct hr_cli *cli, const struct hr_opts *opts, int *quit,
             char **banner);

/* --watch SPEC: "FILE[:TASK] [ARGS...]" (FILE:TASK unless the whole
 * first word names a file) becomes the command `watch FILE [TASK
 * [ARGS...]]`.  Returns HR_CMD_OK or HR_CMD_ERR (reported). */
int hr_start_watch(struct hr_cli *cli, const char *spec);

/* --demo-path: makes the demo array (once) and prints its path on stdout.
 * Returns 0, or 2 (the error was reported). */
int hr_start_demo_path(struct hr_cli *cli);

#endif
