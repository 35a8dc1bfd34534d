/* guard_int.h - what the guard*.c files share
 *
 * Private to the guard*.c files: frames, the guarded region, the signal
 * setup.  Nothing here is for other modules.
 */
#ifndef HR_GUARD_INT_H
#define HR_GUARD_INT_H

#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "guard.h"
#include "run.h"

/* What a frame guards. */
enum {
    FRAME_TASK,         /* hr_guard_call(): the task on the run's thread */
    FRAME_WORKER,       /* hr_guard_worker(): a share of a parallel loop */
    FRAME_HOST,         /* hr_guard_host(): a host function, faults only */
    FRAME_DEEP          /* hr_guard_deep_call(): the compiler's thread */
};

/* How a frame was left (sigsetjmp's value). */
enum {
    LAND_NONE,
    LAND_FAULT,         /* a signal on this thread */
    LAND_NESTED,        /* a signal inside the fault handler */
    LAND_STOP,          /* the run is stopping */
    LAND_CALL,          /* hr_guard_fail(), exit(), assert */
    LAND_RAISE          /* an event from another thread */
};

struct frame {
    sigjmp_buf env;
    struct frame *prev;
    int kind;                           /* FRAME_* */
    volatile sig_atomic_t armed;        /* a jump to env is allowed */
    volatile sig_atomic_t in_handler;   /* a fault is being recorded */
    struct hr_run_event rep;
};

/* The guarded region in progress (a run, a host call): one at a time.
 * Its struct hr_run is the current run (hr_run_current()). */
struct region {
    atomic_int busy;                    /* a region is being set up or runs */
    atomic_int active;                  /* its handlers are installed */
};

extern struct region hr_guard_g;
extern _Thread_local struct frame *hr_guard_top;
extern int hr_guard_sig_async;          /* SIGRTMIN + 4 */
extern _Thread_local uintptr_t hr_guard_stack_lo;  /* 0: not known */

/* The fault signals and the handlers they had before hold(). */
#define HR_GUARD_NFAULT 6
extern const int hr_guard_fault_sigs[HR_GUARD_NFAULT];
extern struct sigaction hr_guard_saved_fault[HR_GUARD_NFAULT];

/* The handlers (guard.c). */
void hr_guard_on_fault(int sig, siginfo_t *si, void *ucv);
void hr_guard_on_async(int sig, siginfo_t *si, void *ucv);

/* Process-wide setup (once), then this thread's (alternate signal stack,
 * stack bounds). */
void hr_guard_setup_thread(void);

/* The calling thread's id (cached; reset in a forked child). */
pid_t hr_guard_tid(void);

/* Installs the fault handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
 * SIGTRAP) unless they are already: counted, release() puts the previous
 * ones back after the last hold(). */
void hr_guard_handlers_hold(void);
void hr_guard_handlers_release(void);

/* SIGINT to the stop handler for a run, and back. */
void hr_guard_sigint_take(void);
void hr_guard_sigint_give_back(void);

/* The run thread's timer: a timeout of s seconds then ticks, or off (0).
 * hr_guard_timer_setup() makes it for this thread; -1 on failure. */
int hr_guard_timer_setup(void);
void hr_guard_timer_arm(double s);

void hr_guard_frame_init(struct frame *f, int kind);

/* Completes a report after a jump, on the thread where it happened. */
void hr_guard_finish(struct hr_run_event *r, int land);

/* Makes r the run's first event unless another came first. */
void hr_guard_publish(struct hr_run *run, const struct hr_run_event *r);

/* Ticks every 10 ms from now on (the run's thread stops the others). */
void hr_guard_arm_ticks(void);

/* Seconds on CLOCK_MONOTONIC since t0. */
double hr_guard_since(const struct timespec *t0);

/* 0: pc is not in a shared library; 1: it is. */
int hr_guard_in_library(uintptr_t pc);

/* Ctrl-Cs seen at the prompt so far (hr_guard_idle_sigint()). */
int hr_guard_idle_count(void);

/* ---- the compiler's thread (guard_deep.c), called by the handlers ---- */

/* A fault on the deep thread inside its frame f: returns when the handler
 * should return (the stack was extended), else the caller jumps or passes
 * the signal on (*pass set). */
int hr_guard_deep_fault(struct frame *f, int sig, siginfo_t *si,
                        uintptr_t pc, int *pass);

/* Nonzero when the deep thread's call was asked to stop and may be jumped
 * out of now (pc outside shared libraries). */
int hr_guard_deep_kick_due(uintptr_t pc);

#endif
