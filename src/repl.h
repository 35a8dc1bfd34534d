/* repl.h - the interactive prompt (GNU readline) */
#ifndef HR_REPL_H
#define HR_REPL_H

#include "ctx.h"

/* Runs the prompt on the terminal until quit or Ctrl-D.  Returns 0, or 1
 * when the last command failed. */
int hr_repl_run(struct hr_ctx *ctx, const char *banner);

/* Path of the history file: $HOTRUN_HISTORY, else
 * $XDG_STATE_HOME/hotrun/history, else ~/.local/state/hotrun/history.
 * Owned by the caller (free()); NULL when no home is known. */
char *hr_repl_history_path(void);

#endif
