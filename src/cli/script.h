/* script.h - the non-interactive front ends: stdin scripts, batch lists */
#ifndef HR_SCRIPT_H
#define HR_SCRIPT_H

#include "cli.h"

/* Runs each "FILE [FUNCTION [ARGS...]]" line of the list file path as the
 * command `do FILE [FUNCTION [ARGS...]]`, FILE relative to the list's
 * folder; one failed line does not stop the others.  Errors name
 * "path:line".  The list must be a regular file: anything else is one
 * error line.  Results and failures are counted in cli (hr_cli_status()). */
void hr_script_list(struct hr_cli *cli, const char *path);

/* Runs the commands read from descriptor fd (a script on stdin), with no
 * prompt, until quit or the end of input; then keeps serving watched
 * files, if any, until a signal ends hotrun.  Errors name "<stdin>:line". */
void hr_script_stdin(struct hr_cli *cli, int fd);

#endif
