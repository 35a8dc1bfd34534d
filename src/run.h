/* run.h - the run in progress: its inputs, its state, what ended it
 *
 * A run is one call of a task function under the guard.  One struct
 * hr_run describes it: what the task may ask the host for (its arguments,
 * the resident arrays by name, a progress callback), what the host keeps
 * for it (the task allocator's generation, the stop flag, the clock) and
 * what ended it (the first event).  At most one run is current in a
 * process: hr_guard_call() makes its struct current for the length of the
 * call, and every host entry point that task code calls (api.c, taskmem.c,
 * pool.c, the kernels, the C library bindings) finds it through
 * hr_run_current().
 *
 * Commit or roll back: hr_run_end(r, rc) keeps what the run made when it
 * succeeded (rc == 0) and drops it when it failed or was stopped.  Today
 * that is the task allocator's blocks.  Per-run state added later (arrays
 * a task creates, resident only when the run succeeds; the arrays the run
 * read; which arguments it used) gets a field in the "state" part below
 * and one line each in hr_run_begin() and hr_run_end().
 *
 * Ownership: the struct is the caller's.  Its "in" fields, and what they
 * point to, are borrowed from hr_guard_call() until it returns.  The
 * "state" fields belong to run.c and guard.c during the run; the caller
 * may read them after it (first_rc and first say what ended it).
 *
 * Threads and signals: hr_run_current(), hr_run_stopping(),
 * hr_run_claim() and hr_run_elapsed() take no lock and are
 * async-signal-safe: any thread and any signal handler may call them.
 */
#ifndef HR_RUN_H
#define HR_RUN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"
#include "hotrun.h"

struct hr_resident;
struct hr_runout;

/* The kind of memory access that faulted. */
enum {
    HR_ACCESS_UNKNOWN, HR_ACCESS_READ, HR_ACCESS_WRITE, HR_ACCESS_EXEC
};

/* first_rc of a run whose task returned before any event: closed. */
#define HR_RUN_RETURNED 1

/* What ended a run, as recorded where it happened: raw numbers only (the
 * code and the array at an address are named after the run is over). */
struct hr_run_event {
    int rc;                 /* HR_ECRASH, HR_EFAIL, HR_EEXIT, HR_ETIMEOUT.. */
    int sig;                /* a fault's signal */
    int code;               /* its si_code */
    int access;             /* HR_ACCESS_* */
    uintptr_t addr;         /* si_addr */
    uintptr_t pc;           /* where it happened */
    uintptr_t sp;
    int overflow;           /* a stack overflow */
    int nested;             /* a fault inside the fault handler */
    int worker;             /* on a thread other than the run's */
    int status;             /* exit() status */
    char msg[HR_ERR_MAX];   /* hr_fail() or assert text */
};

struct hr_run {
    /* ---- in: set by the caller, borrowed for the run ---- */
    const char *task;           /* its name, for messages; NULL: "task" */
    int argc;                   /* the task's arguments (not its name) */
    char **argv;
    /* A resident array by name, or NULL. */
    const struct hr_array *(*lookup)(void *ud, const char *name);
    /* The resident behind a view the task holds (hr_col_index()), or
     * NULL; may be NULL. */
    const struct hr_resident *(*resident)(void *ud,
                                          const struct hr_array *view);
    /* Progress of a long task; may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    /* A block kept across runs (hr_keep()), or NULL with why set. */
    void *(*keep)(void *ud, const char *key, size_t nbytes, char *why,
                  size_t wlen);
    void *ud;
    /* What the run makes and reads (runout.h); may be NULL. */
    struct hr_runout *out;

    /* ---- state: run.c's and guard.c's during the run ---- */
    atomic_int first_rc;        /* 0, the first event's code, or
                                   HR_RUN_RETURNED */
    atomic_int stop;            /* nonzero: the run must end (a stop was
                                   asked for or an event came) */
    struct hr_run_event first;  /* details of the first event */
    uint64_t mem_gen;           /* the task allocator's generation */
    struct timespec start;      /* CLOCK_MONOTONIC at hr_run_begin() */
    pid_t tid;                  /* the thread that started the run */
    double timeout_s;           /* its time limit; 0: none */
    int isolated;               /* the task runs in a forked child: this
                                   process only waits for it */
    /* per-run resources that commit or roll back with the run go here */
};

/* Makes r the current run: clears its state, starts its clock and opens
 * its resources (a new task allocator generation).  Returns 0, or
 * HR_EINVAL when another run is current. */
int hr_run_begin(struct hr_run *r);

/* Ends r, the current run: keeps what it made when rc == 0, frees it
 * otherwise.  No task code of r may run any more.  Returns nonzero when
 * that cleanup found the task's memory damaged (some of it leaked). */
int hr_run_end(struct hr_run *r, int rc);

/* The current run, or NULL between runs. */
struct hr_run *hr_run_current(void);

/* Nonzero when the current run must stop at the next safe point. */
int hr_run_stopping(void);

/* Claims r's first event for rc (a negative HR_E* code) unless an event
 * came first or the task returned; marks the run stopping either way.
 * Returns 1 when rc was first.  The caller fills in r->first after a
 * successful claim of anything but a stop. */
int hr_run_claim(struct hr_run *r, int rc);

/* The task returned: closes r to later events.  Returns 0 when no event
 * came first, else the first event's code. */
int hr_run_close(struct hr_run *r);

/* Seconds since hr_run_begin(r). */
double hr_run_elapsed(const struct hr_run *r);

#endif
