/* pool.c - persistent worker threads that share out a loop's chunks */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"

#define MAX_THREADS 256

struct job {
    void (*fn)(void *ctx, int64_t begin, int64_t end);
    void *ctx;
    int64_t n;
    int64_t chunk;
    atomic_llong next;      /* first element not yet handed out */
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

static void run_chunks(struct job *job)
{
    for (;;) {
        int64_t b = atomic_fetch_add(&job->next, job->chunk);
        int64_t e;

        if (b >= job->n)
            break;
        e = b + job->chunk < job->n ? b + job->chunk : job->n;
        job->fn(job->ctx, b, e);
    }
}

static void *worker_main(void *arg)
{
    unsigned long seen = 0;

    (void)arg;
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
        run_chunks(job);
        pthread_mutex_lock(&lock);
        if (--busy == 0)
            pthread_cond_signal(&idle);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int hr_pool_start(int nthreads)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int i;

    if (started)
        return 0;
    if (nthreads <= 0)
        nthreads = ncpu > 0 ? (int)ncpu : 1;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    stopping = 0;
    for (i = 0; i < nthreads - 1; i++) {
        if (pthread_create(&workers[i], NULL, worker_main, NULL) != 0)
            break;
    }
    nworkers = i;
    started = 1;
    return 0;
}

void hr_pool_stop(void)
{
    int i;

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
    return nworkers + 1;
}

void hr_pool_for(int64_t n, int64_t grain,
                 void (*fn)(void *ctx, int64_t begin, int64_t end), void *ctx)
{
    struct job job;
    int64_t nthreads = nworkers + 1;
    int expected = 0;

    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    if (nworkers == 0 || n <= grain ||
        !atomic_compare_exchange_strong(&in_loop, &expected, 1)) {
        fn(ctx, 0, n);
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

    pthread_mutex_lock(&lock);
    current = &job;
    busy = nworkers;
    generation++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);

    run_chunks(&job);

    pthread_mutex_lock(&lock);
    while (busy > 0)
        pthread_cond_wait(&idle, &lock);
    current = NULL;
    pthread_mutex_unlock(&lock);
    atomic_store(&in_loop, 0);
}
