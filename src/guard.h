/* guard.h - run a task function and survive whatever it does
 *
 * hr_guard_call() runs one task in-process, with signal handlers installed
 * only around the call, or in a forked child that shares the resident
 * arrays copy-free (isolated mode).  Faults, hr_fail(), exit(), Ctrl-C,
 * timeouts and cancels all come back as an error code and a message; the
 * host process and the resident arrays survive.  Only guard*.c touch
 * signals.
 *
 * The stop protocol.  A fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
 * SIGTRAP) ends the run at once: the handler jumps out.  A stop (Ctrl-C,
 * the timeout, hr_guard_cancel()) never jumps out of host code, libtcc or
 * the C library: it sets the run's stop flag (struct hr_run), and the
 * handler jumps only when the interrupted thread is in task code (an
 * address in coderange.h's registry).  Everywhere else the run ends at the
 * next safe point: a host entry point that task code calls checks the
 * flag with hr_guard_checkpoint() where it holds no lock (pool chunks,
 * hr_progress, the task allocator, kernel blocks, the C library bindings
 * for output and blocking calls, after the call returned).  During a run
 * the stop signal does not restart system calls, so a task blocked in
 * sleep() or read() gets EINTR at once.  Whatever the task does after a
 * stop, the run is reported as stopped, never with a result.
 *
 * After the run, outside any signal handler or jump frame, the guard names
 * the code and the array of a fault through the opts callbacks (which may
 * compile, allocate and take locks).
 */
#ifndef HR_GUARD_H
#define HR_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hotrun.h"
#include "run.h"

typedef double (*hr_task_fn)(const struct hr_array *a);

struct hr_guard_opts {
    double timeout_s;       /* 0: no limit */
    int isolate;            /* run in a forked child */
    /* Describes code address pc into buf ("sum+0x1c (tasks/a.c:12)"), or
     * leaves buf empty when pc is not in task code.  Called after the run,
     * on the calling thread, outside any handler or jump frame.  May be
     * NULL. */
    void (*locate)(void *ud, uintptr_t pc, char *buf, size_t len);
    /* Names the resident array that holds addr, or returns NULL.  Called
     * like locate.  May be NULL. */
    const char *(*array_at)(void *ud, uintptr_t addr);
    void *ud;
};

/* Calls fn(a) as run r (r may be NULL: a run named "task" without
 * arguments); r is current (hr_run_current()) for the length of the call.
 * Returns 0 and sets *result when fn returned before anything ended the
 * run.  Otherwise returns HR_ECRASH, HR_EFAIL, HR_ETIMEOUT, HR_EINTR,
 * HR_ECANCEL, HR_EEXIT, HR_ENOMEM, HR_EIO or HR_EINVAL (a run is already
 * in progress) with a one-line message in err, e.g.
 *   "segfault in sum at sum+0x1c (tasks/a.c:12): read of address 0x0",
 * and r->first holds the raw event. */
int hr_guard_call(struct hr_run *r, hr_task_fn fn, const struct hr_array *a,
                  const struct hr_guard_opts *opts, double *result,
                  struct hr_err *err);

/* Asks the run in progress to stop: it ends with HR_ECANCEL ("cancelled:
 * sum stopped after 1.2 s") as soon as its task is in its own code or at
 * its next safe point.  For the host (watch mode's "the file changed
 * again"); callable from any thread and from a signal handler.  Returns 1
 * when a run was asked to stop, 0 when none was in progress or it was
 * already ending. */
int hr_guard_cancel(void);

/* A safe point: ends the current run here when it must stop and the
 * calling thread runs its task (in hr_guard_call() or a pool worker's
 * share); otherwise returns at once (two loads).  Host code that task code
 * calls puts it where it holds no lock and has nothing half done; errno is
 * kept. */
void hr_guard_checkpoint(void);

/* Calls fn(arg) so that a SIGSEGV or SIGBUS inside it (a read of a mapped
 * file that shrank) ends fn instead of the process; fn's parallel loops
 * (hr_pool_for) are guarded the same way on every thread.  Returns 0 when
 * fn returned, HR_ECRASH with err e.g. "checksum a: bus error reading
 * address 0x7f.. (the file behind a mapped array shrank?)", or HR_EINVAL
 * during a run.  fn must not take locks or allocate: it may be left at any
 * instruction.  what names the operation in the message (borrowed). */
int hr_guard_host(const char *what, void (*fn)(void *arg), void *arg,
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
 * hr_guard_idle_sigint_take() reads it.  Returns the descriptor or -1.  A
 * Ctrl-C during hr_guard_deep_call() also stops that call. */
int hr_guard_idle_sigint(void);
/* The descriptor hr_guard_idle_sigint() made, or -1 when it was not
 * asked for (no prompt: Ctrl-C ends hotrun as usual). */
int hr_guard_idle_sigint_peek(void);
int hr_guard_idle_sigint_take(void);

/* Nonzero while a guarded run or host call is in progress. */
int hr_guard_active(void);

/* ---- for the thread pool (pool.c) ---- */

/* Prepares the calling thread to run task code (alternate signal stack,
 * stack bounds, SIGINT blocked: Ctrl-C is the main thread's business).
 * Pool workers call it when they start and hr_guard_thread_fini() before
 * they end. */
void hr_guard_thread_init(void);
void hr_guard_thread_fini(void);

/* Calls fn(arg) on this thread under the current run's guard: a fault,
 * hr_fail() or exit() in it, or a stop of the run, ends fn early.  The
 * first such event of the run is kept for hr_guard_raise().  Returns 0
 * when fn returned, nonzero when it was ended.  Outside a guarded run it
 * only calls fn. */
int hr_guard_worker(void (*fn)(void *arg), void *arg);

/* Ends the caller's guarded run with the event kept by hr_guard_worker()
 * (as if it had happened on this thread); returns when there is none or
 * the caller is not in a guarded run.  Call it where no lock is held. */
void hr_guard_raise(void);

/* ---- the compiler's thread (guard_deep.c) ---- */

/* Usable stack of the deep thread, committed only as it is used. */
#define HR_GUARD_DEEP_STACK ((size_t)64 << 20)

/* Calls fn(arg) on a dedicated thread (made at the first call) whose stack
 * is HR_GUARD_DEEP_STACK bytes, and waits for it.  fn is ended early, and
 * recover(arg) then runs on that thread to put right what fn left half
 * done, when:
 *  - it faults or runs out of stack in code outside shared libraries (code
 *    that holds no lock of the C library; an overflow inside a library is
 *    let through onto a reserve and caught at the next point outside);
 *    returns HR_ECRASH, err "stack overflow" or "segfault at 0x..";
 *  - it was asked to stop (timeout_s passed, 0: never; Ctrl-C at the
 *    prompt; hr_guard_deep_cancel()) and has not returned a second later;
 *    only outside shared libraries, like a fault.
 * A stop request first turns hr_guard_deep_stopping() nonzero for fn's own
 * safe points.  Returns 0 (fn returned, no stop asked), HR_ETIMEOUT,
 * HR_EINTR or HR_ECANCEL (a stop was asked: fn returned or was ended),
 * HR_ECRASH, HR_ENOMEM (no thread) or HR_EIO (the thread is unusable: an
 * earlier recover() failed or a call never ended), with err set. */
int hr_guard_deep_call(void (*fn)(void *arg), void (*recover)(void *arg),
                       void *arg, double timeout_s, struct hr_err *err);

/* On the deep thread: the stop asked for the current call (HR_ETIMEOUT,
 * HR_EINTR, HR_ECANCEL) or 0. */
int hr_guard_deep_stopping(void);

/* Asks the current deep call to stop (HR_ECANCEL); any thread. */
void hr_guard_deep_cancel(void);

#endif
