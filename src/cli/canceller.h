/* canceller.h - stop a run when the file it runs is saved again
 *
 * In watch mode a save starts a reload and a run; a save during a long
 * run should not wait for it.  While a run goes on, a canceller thread
 * watches the files of the watched modules (their own inotify instance,
 * not the prompt's) and, when one of them settles with other content than
 * was compiled, asks the engine to stop the run (hr_session_cancel()):
 * the run ends as cancelled and the watch reloads and reruns as usual.
 */
#ifndef HR_CANCELLER_H
#define HR_CANCELLER_H

#include <stdint.h>

struct hr_canceller;

/* Starts watching the n files at paths (canonical), whose content hashes
 * as compiled are hashes (copied).  Returns the canceller (owned: stop it
 * with hr_canceller_stop()) or NULL when it cannot (no inotify, no
 * memory): runs are then not cancelled, nothing else changes. */
struct hr_canceller *hr_canceller_start(const char *const *paths,
                                        const uint64_t *hashes, int n);

/* Stops the thread and frees c; returns nonzero when it cancelled the
 * run.  Accepts NULL. */
int hr_canceller_stop(struct hr_canceller *c);

#endif
