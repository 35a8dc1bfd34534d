/* pool.h - persistent worker threads for hr_parallel_for and the kernels
 *
 * One process-wide pool: one thread per online core, the calling thread
 * included, created once and reused, so a parallel loop costs no thread
 * creation.  The pool owns its threads; nothing is handed to callers.
 */
#ifndef HR_POOL_H
#define HR_POOL_H

#include <stdint.h>

/* Starts the pool with nthreads threads in all (0: one per online core).
 * Idempotent.  Returns 0 or HR_ENOMEM. */
int hr_pool_start(int nthreads);

/* Joins the worker threads; accepts being called when not started. */
void hr_pool_stop(void);

/* Threads a parallel loop uses (1 before hr_pool_start()). */
int hr_pool_nthreads(void);

/* Calls fn(ctx, begin, end) over [0, n) split into chunks of at least grain
 * elements, on all threads, and returns when every chunk is done.  Safe to
 * call from a chunk (the nested loop then runs serially). */
void hr_pool_for(int64_t n, int64_t grain,
                 void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx);

#endif
