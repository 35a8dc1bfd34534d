/* gccrun.c - the bench's native peer: gcc -shared + dlopen, timed in C
 *
 * Not part of the build or the tests.  bench/bench.py builds it into its
 * temporary folder:
 *
 *   gcc -std=gnu11 -D_GNU_SOURCE -O3 -march=native -Isrc -Iinclude \
 *       bench/gccrun.c -o gccrun -rdynamic \
 *       -Wl,--whole-archive build/libhotrun.a -Wl,--no-whole-archive \
 *       -ltcc /usr/lib/x86_64-linux-gnu/tcc/libtcc1.a -lreadline \
 *       -ldw -lelf -lpthread -ldl -lm
 *
 * The whole archive and -rdynamic put every hr_* function of hotrun.h in
 * the executable's dynamic symbol table, so that a task file built by
 * `gcc -shared -fPIC` finds them when dlopened, as libtcc code finds them
 * in hotrun.  Arrays are loaded with hotrun's own hr_array_load() and
 * hr_parallel_for() runs on hotrun's pool: the only difference from hotrun
 * is the compiler.
 *
 * It reads commands from stdin, one a line, fields separated by tabs (paths
 * may hold spaces), and answers each with one line on stdout: "ok ..." or
 * "error MESSAGE".  Times are in milliseconds.
 *
 *   load PATH MODE [T]    load the array (MODE auto, copy or mmap; T
 *                         copying threads, 0 or none: hotrun's choice),
 *                         dropping the previous one: "ok MS HOW"
 *   open SO               dlopen a task library (closing the previous one)
 *   time N TASK...        run the TASKs round-robin, N times each; one line
 *                         per task: "ok TASK RESULT MS MS ..."
 *   bound N THREADS       read every byte of the array on THREADS threads
 *                         (XOR of all 64-bit words, vectorised, 1 MiB
 *                         chunks shared out in turn): the memory-bandwidth
 *                         bound of a read-only pass; "ok MS MS ..."
 *   compile N SO SYM ARG...
 *                         N times: run the command ARG... (a gcc line that
 *                         writes SO), dlopen SO, dlsym SYM, as a reload
 *                         would (the previous handle is closed first);
 *                         "ok GCC_MS+DLOPEN_MS ..."
 *   quit
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "array.h"
#include "hotrun.h"
#include "pool.h"

#define MAX_FIELDS 256
#define MAX_THREADS 64
#define BOUND_CHUNK ((int64_t)1 << 17)     /* words: 1 MiB */

extern char **environ;

typedef double (*task_fn)(const struct hr_array *a);

static struct hr_resident *array;   /* the loaded array, or NULL */
static void *lib;                   /* the task library, or NULL */

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- load, open, time ---- */

static void cmd_load(int argc, char **argv)
{
    struct hr_load_opts opts = { 0 };
    struct hr_err err = { { 0 } };
    struct hr_resident *r = NULL;
    double t0;

    if (argc != 3 && argc != 4) {
        printf("error usage: load PATH auto|copy|mmap [THREADS]\n");
        return;
    }
    opts.mode = strcmp(argv[2], "mmap") == 0 ? HR_LOAD_MMAP :
                strcmp(argv[2], "auto") == 0 ? HR_LOAD_AUTO : HR_LOAD_COPY;
    opts.threads = argc == 4 ? atoi(argv[3]) : 0;
    hr_array_free(array);
    array = NULL;
    t0 = now_ms();
    if (hr_array_load(argv[1], "bench", &opts, &r, &err) != 0) {
        printf("error %s\n", err.msg);
        return;
    }
    printf("ok %.4f %s\n", now_ms() - t0, r->how);
    array = r;
}

static void cmd_open(int argc, char **argv)
{
    if (argc != 2) {
        printf("error usage: open SO\n");
        return;
    }
    if (lib != NULL)
        dlclose(lib);
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
        printf("error %s\n", dlerror());
    else
        printf("ok\n");
}

static void cmd_time(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    int ntasks = argc - 2;
    task_fn fns[MAX_FIELDS];
    double results[MAX_FIELDS];
    double *ms = NULL;
    int i, k;

    if (n < 1 || ntasks < 1 || array == NULL || lib == NULL) {
        printf("error usage: time N TASK... (after load and open)\n");
        return;
    }
    for (k = 0; k < ntasks; k++) {
        fns[k] = (task_fn)dlsym(lib, argv[2 + k]);
        if (fns[k] == NULL) {
            printf("error no task '%s' in the library\n", argv[2 + k]);
            return;
        }
    }
    ms = calloc((size_t)n * (size_t)ntasks, sizeof *ms);
    if (ms == NULL) {
        printf("error no memory\n");
        return;
    }
    for (i = 0; i < n; i++) {
        for (k = 0; k < ntasks; k++) {
            double t0 = now_ms();

            results[k] = fns[k](&array->view);
            ms[k * n + i] = now_ms() - t0;
        }
    }
    for (k = 0; k < ntasks; k++) {
        printf("ok %s %.17g", argv[2 + k], results[k]);
        for (i = 0; i < n; i++)
            printf(" %.4f", ms[k * n + i]);
        printf("\n");
    }
    free(ms);
}

/* ---- the bandwidth bound: persistent threads, one slice each ---- */

struct bound_pool {
    int nthreads;               /* 0: not started */
    pthread_t tid[MAX_THREADS];
    pthread_barrier_t start, done;
    int stop;
    const uint64_t *w;
    int64_t nw;
    atomic_llong next;          /* first chunk not yet taken */
    uint64_t out[MAX_THREADS * 8];  /* a cache line apart */
};

static struct bound_pool bp;

static uint64_t xor_words(const uint64_t *w, int64_t n)
{
    uint64_t x = 0;
    int64_t i;

    for (i = 0; i < n; i++)
        x ^= w[i];
    return x;
}

/* thread t's share: 1 MiB chunks taken in turn, so that a thread slowed
 * by a neighbour on a shared machine leaves its share to the others */
static void bound_slice(int t)
{
    int64_t nchunks = (bp.nw + BOUND_CHUNK - 1) / BOUND_CHUNK;
    uint64_t x = 0;

    for (;;) {
        int64_t c = atomic_fetch_add(&bp.next, 1);
        int64_t b = c * BOUND_CHUNK;

        if (c >= nchunks)
            break;
        x ^= xor_words(bp.w + b, b + BOUND_CHUNK < bp.nw ? BOUND_CHUNK
                                                          : bp.nw - b);
    }
    bp.out[t * 8] = x;
}

static void *bound_worker(void *arg)
{
    int t = (int)(intptr_t)arg;

    for (;;) {
        pthread_barrier_wait(&bp.start);
        if (bp.stop)
            break;
        bound_slice(t);
        pthread_barrier_wait(&bp.done);
    }
    return NULL;
}

static void bound_stop(void)
{
    int t;

    if (bp.nthreads == 0)
        return;
    bp.stop = 1;
    pthread_barrier_wait(&bp.start);
    for (t = 1; t < bp.nthreads; t++)
        pthread_join(bp.tid[t], NULL);
    pthread_barrier_destroy(&bp.start);
    pthread_barrier_destroy(&bp.done);
    bp.nthreads = 0;
    bp.stop = 0;
}

static int bound_start(int nthreads)
{
    int t;

    if (bp.nthreads == nthreads)
        return 0;
    bound_stop();
    pthread_barrier_init(&bp.start, NULL, (unsigned)nthreads);
    pthread_barrier_init(&bp.done, NULL, (unsigned)nthreads);
    bp.nthreads = nthreads;
    for (t = 1; t < nthreads; t++) {
        if (pthread_create(&bp.tid[t], NULL, bound_worker,
                           (void *)(intptr_t)t) != 0)
            return -1;
    }
    return 0;
}

static void cmd_bound(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    int nthreads = argc > 2 ? atoi(argv[2]) : 0;
    uint64_t check = 0;
    int i, t;

    if (argc != 3 || n < 1 || nthreads < 1 || nthreads > MAX_THREADS ||
        array == NULL) {
        printf("error usage: bound N THREADS (after load)\n");
        return;
    }
    if (bound_start(nthreads) != 0) {
        printf("error cannot start %d threads\n", nthreads);
        return;
    }
    bp.w = array->view.data;
    bp.nw = array->view.nbytes / 8;
    printf("ok");
    for (i = 0; i < n; i++) {
        double t0;

        atomic_store(&bp.next, 0);
        t0 = now_ms();
        if (nthreads > 1)
            pthread_barrier_wait(&bp.start);
        bound_slice(0);
        if (nthreads > 1)
            pthread_barrier_wait(&bp.done);
        printf(" %.4f", now_ms() - t0);
        for (t = 0; t < nthreads; t++)
            check ^= bp.out[t * 8];
    }
    printf("\n");
    if (check == 1)     /* keeps the reads; never true in practice */
        fprintf(stderr, "gccrun: xor %llu\n", (unsigned long long)check);
}

/* ---- compile + dlopen, as a reload ---- */

static void cmd_compile(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    double *ms = NULL;
    void *h = NULL;
    int i;

    if (argc < 5 || n < 1) {
        printf("error usage: compile N SO SYM ARG...\n");
        return;
    }
    ms = calloc((size_t)n * 2, sizeof *ms);
    if (ms == NULL) {
        printf("error no memory\n");
        return;
    }
    for (i = 0; i < n; i++) {
        double t0 = now_ms(), t1;
        pid_t pid;
        int status = 0;
        int rc;

        if (h != NULL)
            dlclose(h);
        h = NULL;
        rc = posix_spawnp(&pid, argv[4], NULL, NULL, argv + 4, environ);
        if (rc != 0) {
            printf("error cannot run %s: %s\n", argv[4], strerror(rc));
            goto out;
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            continue;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("error %s failed (status %d)\n", argv[4], status);
            goto out;
        }
        t1 = now_ms();
        h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
        if (h == NULL || dlsym(h, argv[3]) == NULL) {
            printf("error %s\n", dlerror());
            goto out;
        }
        ms[2 * i] = t1 - t0;
        ms[2 * i + 1] = now_ms() - t1;
    }
    printf("ok");
    for (i = 0; i < n; i++)
        printf(" %.4f+%.4f", ms[2 * i], ms[2 * i + 1]);
    printf("\n");
out:
    if (h != NULL)
        dlclose(h);
    free(ms);
}

/* ---- the command loop ---- */

static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;

    line[strcspn(line, "\r\n")] = '\0';
    while (argc < MAX_FIELDS - 1) {
        argv[argc++] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    argv[argc] = NULL;
    return argc;
}

int main(void)
{
    char line[65536];
    char *argv[MAX_FIELDS];

    hr_pool_start(0);
    while (fgets(line, sizeof line, stdin) != NULL) {
        int argc = split(line, argv);

        if (argv[0][0] == '\0')
            continue;
        if (strcmp(argv[0], "quit") == 0)
            break;
        if (strcmp(argv[0], "load") == 0)
            cmd_load(argc, argv);
        else if (strcmp(argv[0], "open") == 0)
            cmd_open(argc, argv);
        else if (strcmp(argv[0], "time") == 0)
            cmd_time(argc, argv);
        else if (strcmp(argv[0], "bound") == 0)
            cmd_bound(argc, argv);
        else if (strcmp(argv[0], "compile") == 0)
            cmd_compile(argc, argv);
        else
            printf("error unknown command '%s'\n", argv[0]);
        fflush(stdout);
    }
    bound_stop();
    if (lib != NULL)
        dlclose(lib);
    hr_array_free(array);
    hr_pool_stop();
    return 0;
}
