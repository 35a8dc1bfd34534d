/* guard.h - run a task function and survive whatever it does
 *
 * hr_guard_call() runs one task with signal handlers installed only around
 * the call (in-process mode), or in a forked child that shares the resident
 * arrays copy-free (isolated mode).  Faults, hr_fail(), exit(), Ctrl-C and
 * timeouts all come back as an error code and a message; the host process
 * and the resident arrays survive.  Only guard.c touches signals.
 */
#ifndef HR_GUARD_H
#define HR_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "err.h"

typedef double (*hr_task_fn)(const struct hr_array *a);

struct hr_guard_opts {
    double timeout_s;       /* 0: no limit */
    int isolate;            /* run in a forked child */
    /* Describes code address pc into buf ("sum+0x1c at tasks/a.c:12"), or
     * leaves buf empty when pc is not in task code.  May be NULL. */
    void (*locate)(void *ud, uintptr_t pc, char *buf, size_t len);
    /* Names the resident array that holds addr, or returns NULL. */
    const char *(*array_at)(void *ud, uintptr_t addr);
    void *ud;
};

/* Calls fn(a) for the task named task.  Returns 0 and sets *result, or
 * HR_ECRASH, HR_EFAIL, HR_ETIMEOUT, HR_EINTR, HR_EEXIT or HR_ENOMEM with a
 * one-line message in err, e.g.
 *   "segfault in sum at sum+0x1c (tasks/a.c:12): read of address 0x0". */
int hr_guard_call(hr_task_fn fn, const struct hr_array *a, const char *task,
                  const struct hr_guard_opts *opts, double *result,
                  struct hr_err *err);

/* Ends the current guarded run with HR_EFAIL and msg (hr_fail()).  Outside
 * a guarded run it only returns. */
void hr_guard_fail(const char *msg);

/* Task bindings of exit() and _exit(): end the run with HR_EEXIT. */
void hr_guard_exit(int status);

/* Task binding of __assert_fail() (hotrun.h's and glibc's assert): ends
 * the run with HR_EFAIL, "assertion failed in f: expr (file:line)". */
void hr_guard_assert_fail(const char *expr, const char *file,
                          unsigned int line, const char *func);

/* Between runs, at the prompt: SIGINT (Ctrl-C) no longer ends hotrun; each
 * one makes the returned descriptor readable (a self-pipe) for poll(), and
 * hr_guard_idle_sigint_take() reads it.  Returns the descriptor or -1. */
int hr_guard_idle_sigint(void);
int hr_guard_idle_sigint_take(void);

/* Nonzero while a guarded run is in progress (on any thread). */
int hr_guard_active(void);

/* ---- for the thread pool (pool.c) and the task allocator (taskmem.c) ---- */

/* Prepares the calling thread to run task code (alternate signal stack,
 * stack bounds, SIGINT blocked: Ctrl-C is the main thread's business).
 * Pool workers call it when they start and hr_guard_thread_fini() before
 * they end. */
void hr_guard_thread_init(void);
void hr_guard_thread_fini(void);

/* Calls fn(arg) on this thread under the current run's guard: a fault,
 * hr_fail() or exit() in it, or a stop of the run (Ctrl-C, timeout, a
 * fault on another thread), ends fn early.  The first such event of the
 * run is kept for hr_guard_raise().  Returns 0 when fn returned, nonzero
 * when it was ended.  Outside a guarded run it only calls fn. */
int hr_guard_worker(void (*fn)(void *arg), void *arg);

/* Ends the caller's guarded run with the event kept by hr_guard_worker()
 * (as if it had happened on this thread); returns when there is none or
 * the caller is not in a guarded run. */
void hr_guard_raise(void);

/* Brackets a short section of host code that task code calls and that
 * must not be left half done (a lock held): a Ctrl-C or timeout that
 * arrives inside waits until the matching hr_guard_leave(), which may then
 * end the run.  Faults still end it at once.  Nests; cheap. */
void hr_guard_enter(void);
void hr_guard_leave(void);

#endif
