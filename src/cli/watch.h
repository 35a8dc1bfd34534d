/* watch.h - rerun task files when they are saved (inotify, or polling)
 *
 * The watch list lives in cli->watch (owned by the program's state; freed
 * with hr_watch_free()).  Front ends poll hr_watch_fd() alongside their
 * input and call hr_watch_service() when it is readable or
 * hr_watch_timeout_ms() has passed; the service reloads and reruns what
 * changed through the executor, uncounted (HR_EXEC_QUIET).  The `watch`
 * and `unwatch` commands are in the command table (cmd.h).
 */
#ifndef HR_WATCH_H
#define HR_WATCH_H

#include "cli.h"

/* Descriptor to poll for input, or -1 when nothing is watched. */
int hr_watch_fd(const struct hr_cli *cli);

/* Milliseconds until hr_watch_service() is due anyway (settling a save,
 * polling fallback), or -1 for no deadline. */
int hr_watch_timeout_ms(const struct hr_cli *cli);

/* Handles pending events: reloads and reruns saved files.  Returns the
 * number of reloads it made. */
int hr_watch_service(struct hr_cli *cli);

/* Reads what the watched folders reported and settles it without
 * printing.  Returns how many files hr_watch_service() would now act on
 * (reruns and notices); 0 means it would print nothing, so a prompt need
 * not clear the typed line. */
int hr_watch_pending(struct hr_cli *cli);

/* A canceller (canceller.h) for the run about to start: it stops the run
 * when a watched file is saved with new content.  NULL when nothing is
 * watched (or watching is by polling); stop it after the run. */
struct hr_canceller *hr_watch_canceller(const struct hr_cli *cli);

/* Nonzero while anything is watched. */
int hr_watch_active(const struct hr_cli *cli);

void hr_watch_free(struct hr_watch *w);

#endif
