/* repl.h - the interactive prompt (GNU readline) */
#ifndef HR_REPL_H
#define HR_REPL_H

#include "cli.h"

/* Runs the prompt on the terminal until quit or Ctrl-D; banner (may be
 * NULL) is printed first.  Commands are counted in cli like any other
 * front end's (hr_cli_status()). */
void hr_repl_run(struct hr_cli *cli, const char *banner);

/* Path of the history file: $HOTRUN_HISTORY, else
 * $XDG_STATE_HOME/hotrun/history, else ~/.local/state/hotrun/history.
 * Owned by the caller (free()); NULL when no home is known. */
char *hr_repl_history_path(void);

#endif
