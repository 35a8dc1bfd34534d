/* taskmem.h - the allocator that task code's malloc() and friends bind to
 *
 * Task allocations are counted against a limit, so that a task that
 * allocates until malloc fails gets NULL long before the machine runs out,
 * and the allocations of a run that crashed are freed after it.  Blocks are
 * owned by the task that allocated them (it frees them with free()).
 */
#ifndef HR_TASKMEM_H
#define HR_TASKMEM_H

#include <stddef.h>
#include <stdint.h>

void *hr_task_malloc(size_t n);
void *hr_task_calloc(size_t n, size_t size);
void *hr_task_realloc(void *p, size_t n);
void hr_task_free(void *p);
char *hr_task_strdup(const char *s);

/* Total bytes tasks may hold at once (0: half of physical memory). */
void hr_taskmem_set_limit(size_t bytes);
size_t hr_taskmem_limit(void);

/* Bytes currently held by task allocations. */
size_t hr_taskmem_in_use(void);

/* Run boundaries, called by run.c: allocations made since
 * hr_taskmem_run_begin() (which returns the run's generation) are freed by
 * hr_taskmem_run_abort() (the run failed or was stopped) or kept by
 * hr_taskmem_run_end() (it succeeded).  A block kept from an earlier run
 * is never freed by a later run's abort, even when that run realloc()ed
 * it: the task keeps it.  _abort() returns how many blocks it left alone
 * because the task overwrote their headers (leaked).  Called only while no
 * task code runs: they release the allocator's lock if a task died
 * holding it.  The allocating functions are safe points of a run
 * (hr_guard_checkpoint()). */
uint64_t hr_taskmem_run_begin(void);
void hr_taskmem_run_end(void);
size_t hr_taskmem_run_abort(void);

#endif
