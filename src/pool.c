/* pool.c - persistent worker threads that share out a loop's chunks
 *
 * Crash safety: a loop started inside a guarded run (hr_guard_active())
 * is "guarded": each thread, the caller included, runs its share of the
 * chunks inside hr_guard_worker(), so a fault, hr_fail() or exit() in a
 * chunk ends only that thread's share; the job is then marked aborted,
 * the other threads take no more chunks (the guard also interrupts those
 * busy in task code), and once all are back the caller ends the run with
 * hr_guard_raise().  A stop of the run (Ctrl-C, timeout, cancel) is seen
 * at chunk boundaries (hr_guard_checkpoint(), where no lock is held) and
 * ends the job the same way; it never jumps out of the pool's own code,
 * so the lock is never left held and a job never half-collected.  Loops
 * outside a run (the host's own kernels) run exactly as before.
 *
 * fork(): only the forking thread survives in the child.  A pthread_atfork
 * handler resets the pool there, and the child's first parallel loop
 * starts it again with as many threads.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "guard.h"
#include "hotrun.h"

#define MAX_THREADS 256

struct job {
    void (*fn)(void *ctx, int64_t begin, int64_t end);
    void *ctx;
    int64_t n;
    int64_t chunk;
    atomic_llong next;      /* first element not yet handed out */
    atomic_int aborted;     /* a thread's share ended early: stop */
    int guarded;            /* started inside a guarded run */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;   /* new job or stop */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;   /* a worker done */
static pthread_t workers[MAX_THREADS];
static int nworkers;        /* threads besides the caller */
static int started;
static int stopping;
static unsigned long generation;    /* bumped for each job */
static int busy;            /* workers still on the current job */
static struct job *current;
static atomic_int in_loop;  /* a loop is running: nested calls go serial */
static int restart_threads; /* threads to start again in a forked child */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void run_chunks(void *arg)
{
    struct job *job = arg;

    for (;;) {
        int64_t b;
        int64_t e;

        if (atomic_load_explicit(&job->aborted, memory_order_relaxed))
            break;
        hr_guard_checkpoint();  /* a stopped run ends this share here */
        b = atomic_fetch_add(&job->next, job->chunk);
        if (b >= job->n)
            break;
        e = b + job->chunk < job->n ? b + job->chunk : job->n;
        job->fn(job->ctx, b, e);
    }
}

/* This thread's share of the job. */
static void work(struct job *job)
{
    if (!job->guarded) {
        run_chunks(job);
        return;
    }
    if (hr_guard_worker(run_chunks, job) != 0)
        atomic_store(&job->aborted, 1);
}

static void *worker_main(void *arg)
{
    unsigned long seen = (unsigned long)(uintptr_t)arg;

    hr_guard_thread_init();
    pthread_mutex_lock(&lock);
    for (;;) {
        struct job *job;

        while (!stopping && generation == seen)
            pthread_cond_wait(&wake, &lock);
        if (stopping)
            break;
        seen = generation;
        job = current;
        pthread_mutex_unlock(&lock);
        work(job);
        pthread_mutex_lock(&lock);
        if (--busy == 0)
            pthread_cond_signal(&idle);
    }
    pthread_mutex_unlock(&lock);
    hr_guard_thread_fini();
    return NULL;
}

static void before_fork(void)
{
    pthread_mutex_lock(&lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&lock);
}

static void after_fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&idle, NULL);
    if (started)
        restart_threads = nworkers + 1;
    nworkers = 0;
    started = 0;
    stopping = 0;
    busy = 0;
    current = NULL;
    atomic_store(&in_loop, 0);
}

static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

int hr_pool_start(int nthreads)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long gen;
    int i;

    if (started)
        return 0;
    pthread_once(&atfork_once, register_atfork);
    if (nthreads <= 0)
        nthreads = ncpu > 0 ? (int)ncpu : 1;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    pthread_mutex_lock(&lock);
    stopping = 0;
    gen = generation;   /* new workers wait for the next job */
    pthread_mutex_unlock(&lock);
    for (i = 0; i < nthreads - 1; i++) {
        if (pthread_create(&workers[i], NULL, worker_main,
                           (void *)(uintptr_t)gen) != 0)
            break;
    }
    nworkers = i;
    started = 1;
    restart_threads = 0;
    return 0;
}

void hr_pool_stop(void)
{
    int i;

    restart_threads = 0;
    if (!started)
        return;
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    for (i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    nworkers = 0;
    started = 0;
}

int hr_pool_nthreads(void)
{
    if (!started && restart_threads > 0)
        return restart_threads;
    return nworkers + 1;
}

void hr_pool_for(int64_t n, int64_t grain,
                 void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx)
{
    struct job job;
    int64_t nthreads;
    int expected = 0;

    hr_guard_checkpoint();
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    if (!started && restart_threads > 0 &&
        atomic_load(&in_loop) == 0)
        hr_pool_start(restart_threads);
    nthreads = nworkers + 1;
    if (nworkers == 0 || n <= grain ||
        !atomic_compare_exchange_strong(&in_loop, &expected, 1)) {
        fn(ctx, 0, n);
        hr_guard_checkpoint();
        return;
    }
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    /* a few chunks per thread balance uneven chunks without much overhead */
    job.chunk = (n + nthreads * 4 - 1) / (nthreads * 4);
    if (job.chunk < grain)
        job.chunk = grain;
    atomic_init(&job.next, 0);
    atomic_init(&job.aborted, 0);
    job.guarded = hr_guard_active();

    pthread_mutex_lock(&lock);
    current = &job;
    busy = nworkers;
    generation++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);

    work(&job);

    pthread_mutex_lock(&lock);
    while (busy > 0)
        pthread_cond_wait(&idle, &lock);
    current = NULL;
    pthread_mutex_unlock(&lock);
    atomic_store(&in_loop, 0);
    if (atomic_load(&job.aborted))
        hr_guard_raise();
    hr_guard_checkpoint();
}

void hr_parallel_for(int64_t n, void (*fn)(void *ctx, int64_t begin,
                     int64_t end), void *ctx)
{
    hr_pool_for(n, 1, fn, ctx);
}

int hr_nthreads(void)
{
    return hr_pool_nthreads();
}
