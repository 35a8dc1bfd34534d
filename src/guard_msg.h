/* guard_msg.h - the one-line messages of guarded runs that did not return
 *
 * Private to guard*.c, which fill in the event.  Pure formatting: the
 * event and the options are borrowed for the call, nothing is allocated,
 * and the text goes into the caller's struct hr_err.  Called after the
 * run, never in a signal handler: the callbacks may take locks.
 */
#ifndef HR_GUARD_MSG_H
#define HR_GUARD_MSG_H

#include <stdint.h>

#include "err.h"
#include "guard.h"
#include "run.h"

/* Sets err to the message for r, the end of the run of task:
 * "segfault in sum at sum+0x1c (tasks/a.c:12): read of address 0x0",
 * "timeout: sum ran past 2 s"...  full: name the code and the array with
 * o->locate and o->array_at; 0 after a fault while reporting, which makes
 * no callbacks.  timeout_s is the run's limit, elapsed its seconds so far. */
void hr_guard_msg_describe(const struct hr_run_event *r, const char *task,
                           const struct hr_guard_opts *o, int full,
                           double timeout_s, double elapsed,
                           struct hr_err *err);

/* Sets err to the message of a host call (hr_guard_host()) that faulted:
 * "checksum a: bus error reading address 0x7f.. (past the end of a mapped
 * file: did it shrink?)". */
void hr_guard_msg_host(const struct hr_run_event *r, const char *what,
                       struct hr_err *err);

/* Adds "; note" to the one-line message; err may be NULL. */
void hr_guard_msg_note(struct hr_err *err, const char *note);

#endif
