/* guard_msg.h - the one-line messages of guarded runs that did not return
 *
 * Private to guard.c, which fills in the report.  Pure formatting: the
 * report and the options are borrowed for the call, nothing is allocated,
 * and the text goes into the caller's struct hr_err.
 */
#ifndef HR_GUARD_MSG_H
#define HR_GUARD_MSG_H

#include <stdint.h>

#include "err.h"
#include "guard.h"

/* The kind of memory access that faulted. */
enum {
    HR_ACCESS_UNKNOWN, HR_ACCESS_READ, HR_ACCESS_WRITE, HR_ACCESS_EXEC
};

/* What ended a run: filled in by guard.c's handlers and frames. */
struct hr_guard_report {
    int rc;                 /* HR_ECRASH, HR_EFAIL, HR_EEXIT... */
    int sig;
    int code;               /* si_code */
    int access;             /* ACCESS_* */
    uintptr_t addr;         /* si_addr */
    uintptr_t pc;
    uintptr_t sp;
    int overflow;           /* stack overflow */
    int nested;             /* faulted again while reporting */
    int worker;             /* on a thread other than the caller's */
    int status;             /* exit() status */
    char msg[HR_ERR_MAX];   /* hr_fail() or assert text */
};

/* Sets err to the message for r, the end of the run of task:
 * "segfault in sum at sum+0x1c (tasks/a.c:12): read of address 0x0",
 * "timeout: sum ran past 2 s"...  full: name the code and the array with
 * o->locate and o->array_at; 0 after a fault while reporting, which makes
 * no callbacks.  timeout_s is the run's limit, elapsed its seconds so far. */
void hr_guard_msg_describe(const struct hr_guard_report *r, const char *task,
                           const struct hr_guard_opts *o, int full,
                           double timeout_s, double elapsed,
                           struct hr_err *err);

/* Adds "; note" to the one-line message; err may be NULL. */
void hr_guard_msg_note(struct hr_err *err, const char *note);

#endif
