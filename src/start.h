/* start.h - bring a session up from the command line options */
#ifndef HR_START_H
#define HR_START_H

#include "ctx.h"
#include "opts.h"

/* Opens the session opts describes: loads the arrays (the demo array with
 * --demo), reloads -t files, adds --watch entries and runs -c commands.
 * On success *out is owned by the caller (hr_ctx_close()) and *banner
 * (owned, free()) is the one-line start-up summary.  Returns 0, or 2 when
 * the session could not start (the error was printed). */
int hr_start(const struct hr_opts *opts, struct hr_ctx **out,
             char **banner);

#endif
