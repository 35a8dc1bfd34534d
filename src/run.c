/* run.c - the run in progress: begin, end, stop flag, first event */
#include "run.h"

#include <pthread.h>
#include <string.h>

#include "taskmem.h"

static _Atomic(struct hr_run *) current;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A forked child (--isolate) starts its own run: the parent's is not its
 * business. */
static void forget_in_child(void)
{
    atomic_store(&current, NULL);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, forget_in_child);
}

int hr_run_begin(struct hr_run *r)
{
    struct hr_run *none = NULL;

    pthread_once(&once, register_atfork);
    atomic_store(&r->first_rc, 0);
    atomic_store(&r->stop, 0);
    memset(&r->first, 0, offsetof(struct hr_run_event, msg));
    r->first.msg[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    if (!atomic_compare_exchange_strong(&current, &none, r))
        return HR_EINVAL;
    r->mem_gen = hr_taskmem_run_begin();
    return 0;
}

int hr_run_end(struct hr_run *r, int rc)
{
    int damaged = 0;

    if (rc == 0)
        hr_taskmem_run_end();
    else
        damaged = hr_taskmem_run_abort() != 0;
    atomic_compare_exchange_strong(&current, &r, NULL);
    return damaged;
}

struct hr_run *hr_run_current(void)
{
    return atomic_load_explicit(&current, memory_order_acquire);
}

int hr_run_stopping(void)
{
    struct hr_run *r = atomic_load_explicit(&current,
                                            memory_order_relaxed);

    return r != NULL && atomic_load_explicit(&r->stop, memory_order_relaxed);
}

int hr_run_claim(struct hr_run *r, int rc)
{
    int none = 0;
    int won = atomic_compare_exchange_strong(&r->first_rc, &none, rc);

    if (none != HR_RUN_RETURNED)
        atomic_store(&r->stop, 1);
    return won;
}

int hr_run_close(struct hr_run *r)
{
    int none = 0;

    if (atomic_compare_exchange_strong(&r->first_rc, &none,
                                       HR_RUN_RETURNED))
        return 0;
    return none;
}

double hr_run_elapsed(const struct hr_run *r)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - r->start.tv_sec) +
           (double)(t.tv_nsec - r->start.tv_nsec) / 1e9;
}
