/* test_guard.c - the crash guard survives every way a task can fail */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "coderange.h"
#include "guard.h"
#include "pool.h"
#include "progress.h"
#include "run.h"
#include "tasklibc.h"
#include "taskmem.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* The deliberate faults below must reach the CPU, not a sanitizer.  Task
 * functions live in a section of their own, registered as task code the
 * way jit.c registers a module's code: a stop may jump out of them. */
#define TASK __attribute__((noinline, no_sanitize("address", "undefined"), \
                            section("hr_test_tasks")))

extern char __start_hr_test_tasks[];
extern char __stop_hr_test_tasks[];

#define ARRAY_N (128 * 1024)

struct fix {
    double *data;           /* the "resident array": PROT_READ */
    size_t len;
    uint64_t sum;
    struct hr_array a;
    int locate_mode;        /* 0 name it, 1 leave empty */
};

static struct fix *cur;     /* for tasks that need more than the array */
static void *bus_map;       /* a mapping whose file was truncated */
static uintptr_t wild_addr; /* an address that is never mapped */

/* ---- helpers ---- */

static uint64_t checksum(const struct fix *fx)
{
    const uint64_t *w = (const uint64_t *)fx->data;
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < fx->len / 8; i++)
        h = (h ^ w[i]) * 1099511628211ull;
    return h;
}

static const char *fake_array_at(void *ud, uintptr_t addr)
{
    struct fix *fx = ud;
    uintptr_t lo = (uintptr_t)fx->data;

    return addr >= lo && addr < lo + fx->len ? "demo" : NULL;
}

static int locate_calls;
static int locate_in_run;   /* a locate call saw a run or a guard active */

static void fake_locate(void *ud, uintptr_t pc, char *buf, size_t len)
{
    struct fix *fx = ud;

    locate_calls++;
    if (hr_run_current() != NULL || hr_guard_active())
        locate_in_run++;
    if (fx->locate_mode == 1)
        return;
    snprintf(buf, len, "task+0x%lx (t.c:7)", (unsigned long)(pc & 0xff));
}

static struct hr_guard_opts opts_of(struct fix *fx, int isolate,
                                    double timeout_s)
{
    struct hr_guard_opts o;

    memset(&o, 0, sizeof o);
    o.timeout_s = timeout_s;
    o.isolate = isolate;
    o.locate = fake_locate;
    o.array_at = fake_array_at;
    o.ud = fx;
    return o;
}

static int call(struct fix *fx, hr_task_fn fn, int isolate, double timeout_s,
                double *res, struct hr_err *err)
{
    struct hr_guard_opts o = opts_of(fx, isolate, timeout_s);
    struct hr_run r;

    memset(&r, 0, sizeof r);
    r.task = "f";
    err->msg[0] = '\0';
    return hr_guard_call(&r, fn, &fx->a, &o, res, err);
}

TASK static double t_ok(const struct hr_array *a)
{
    return a->size > 0 ? 42.0 : 0.0;
}

/* After any failure: the next run works and the array is intact. */
static void check_alive(struct fix *fx, int isolate)
{
    struct hr_err err;
    double r = 0;

    assert_int_equal(call(fx, t_ok, isolate, 0, &r, &err), 0);
    assert_true(r == 42.0);
    assert_true(checksum(fx) == fx->sum);
}

static void expect(struct fix *fx, hr_task_fn fn, int isolate,
                   double timeout_s, int want_rc, const char *want)
{
    struct hr_err err;
    double r = 0;
    int rc = call(fx, fn, isolate, timeout_s, &r, &err);

    if (getenv("HR_TEST_VERBOSE") != NULL)
        print_message("%s: %s\n", isolate ? "isolated" : "in-process",
                      err.msg);
    if (rc != want_rc || strstr(err.msg, want) == NULL)
        fail_msg("rc %d (want %d), message \"%s\" (want \"%s\")", rc,
                 want_rc, err.msg, want);
    assert_null(strchr(err.msg, '\n'));
    check_alive(fx, isolate);
}

/* Sends SIGINT to a thread after a delay, like a Ctrl-C, and again every
 * 50 ms until stopped (a loaded machine may not have started the run by
 * then: outside a run the test binary ignores SIGINT). */
struct killer {
    pthread_t target;
    pthread_t thread;
    long ms;
    atomic_int stop;
};

static void *killer_main(void *arg)
{
    struct killer *k = arg;
    struct timespec ts;

    ts.tv_sec = k->ms / 1000;
    ts.tv_nsec = (k->ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    while (!atomic_load(&k->stop)) {
        pthread_kill(k->target, SIGINT);
        ts.tv_sec = 0;
        ts.tv_nsec = 50000000L;
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void killer_start(struct killer *k, long ms)
{
    k->target = pthread_self();
    k->ms = ms;
    atomic_init(&k->stop, 0);
    assert_int_equal(pthread_create(&k->thread, NULL, killer_main, k), 0);
}

static void killer_stop(struct killer *k)
{
    atomic_store(&k->stop, 1);
    pthread_join(k->thread, NULL);
}

static void on_sigint_outside_runs(int sig)
{
    (void)sig;
}

/* Runs fn with a Ctrl-C 100 ms into it. */
static void expect_ctrl_c(struct fix *fx, hr_task_fn fn, int isolate,
                          const char *want)
{
    struct killer k;
    struct hr_err err;
    double r = 0;
    int rc;

    killer_start(&k, 100);
    rc = call(fx, fn, isolate, 0, &r, &err);
    killer_stop(&k);
    if (getenv("HR_TEST_VERBOSE") != NULL)
        print_message("%s: %s\n", isolate ? "isolated" : "in-process",
                      err.msg);
    if (rc != HR_EINTR || strstr(err.msg, want) == NULL)
        fail_msg("rc %d, message \"%s\" (want \"%s\")", rc, err.msg, want);
    check_alive(fx, isolate);
}

static double seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *probe_lock(void *arg)
{
    FILE *f = arg;

    if (ftrylockfile(f) != 0)
        return arg;
    funlockfile(f);
    return NULL;
}

/* Whether a thread other than this one holds f's lock. */
static int locked_by_other(FILE *f)
{
    pthread_t t;
    void *res = NULL;

    assert_int_equal(pthread_create(&t, NULL, probe_lock, f), 0);
    pthread_join(t, &res);
    return res != NULL;
}

/* ---- tasks, one per way of failing ---- */

TASK static double t_null(const struct hr_array *a)
{
    volatile int *p = NULL;

    (void)a;
    return *p;
}

TASK static double t_wild(const struct hr_array *a)
{
    volatile int *p = (volatile int *)wild_addr;

    (void)a;
    return *p;
}

TASK static double t_bus(const struct hr_array *a)
{
    volatile const char *p = bus_map;

    (void)a;
    return p[100];
}

TASK static double t_div(const struct hr_array *a)
{
    volatile int x = 7;
    volatile int z = 0;

    (void)a;
    return x / z;
}

TASK static double t_trap(const struct hr_array *a)
{
    (void)a;
    __builtin_trap();
}

TASK static double t_abort(const struct hr_array *a)
{
    (void)a;
    abort();
}

TASK static double t_assert(const struct hr_array *a)
{
    hr_guard_assert_fail("a->size < 0", "tasks/t.c", 12, "t_assert");
    return (double)a->size;
}

static volatile int recurse_limit = -1;    /* never reached */

TASK static double recurse(volatile int n)
{
    volatile char buf[512];

    if (n == recurse_limit)
        return 0;
    buf[0] = (char)n;
    buf[511] = buf[0];
    return recurse(n + 1) + buf[511];
}

TASK static double t_recurse(const struct hr_array *a)
{
    (void)a;
    return recurse(0);
}

TASK static double t_exit(const struct hr_array *a)
{
    (void)a;
    hr_guard_exit(3);
    return 1;
}

TASK static double t_loop(const struct hr_array *a)
{
    volatile long i = 0;

    (void)a;
    for (;;)
        i++;
    return (double)i;
}

TASK static double t_write(const struct hr_array *a)
{
    double *p = (double *)a->data;

    p[10] = 1.0;
    return 0;
}

TASK static double t_fail(const struct hr_array *a)
{
    (void)a;
    hr_guard_fail("bad input 3");
    return 1;
}

TASK static double t_malloc(const struct hr_array *a)
{
    static void *blocks[1 << 16];
    int n = 0;
    int i;

    (void)a;
    while (n < (1 << 16)) {
        void *p = hr_task_malloc((size_t)64 << 20);

        if (p == NULL)
            break;
        blocks[n++] = p;
    }
    for (i = 0; i < n; i++)
        hr_task_free(blocks[i]);
    return n;
}

TASK static double t_alloc_crash(const struct hr_array *a)
{
    volatile int *p = NULL;
    int i;

    (void)a;
    for (i = 0; i < 100; i++)
        hr_task_malloc(1000 + (size_t)i * 4096);
    hr_task_malloc((size_t)1 << 20);
    return *p;
}

/* Overwrites the allocator's header of a block (its list link), as a
 * buffer underflow would, then crashes. */
TASK static double t_heap_smash(const struct hr_array *a)
{
    volatile int *p = NULL;
    char *b = hr_task_malloc(64);

    hr_task_malloc(64);
    hr_task_malloc(64);
    *(uintptr_t *)(b - 24) = a->size > 1 ? 0x8010 : 0x9010;
    return *p;
}

TASK static double t_heap_scribble(const struct hr_array *a)
{
    volatile int *p = NULL;
    char *b = hr_task_malloc(64);

    (void)a;
    memset(b - 48, 0x41, 48);
    return *p;
}

TASK static double t_fpu_crash(const struct hr_array *a)
{
    volatile int *p = NULL;

    (void)a;
    fesetround(FE_UPWARD);
    return *p;
}

TASK static double t_stdout_crash(const struct hr_array *a)
{
    volatile int *p = NULL;

    (void)a;
    flockfile(stdout);  /* as if it died inside printf */
    return *p;
}

/* Spends its time inside libc (malloc, stdio locks): a stop must not
 * leave those locks held.  A stop between malloc() and free() leaks the
 * block (memory from libc is not tracked): the test tells LeakSanitizer. */
TASK static double t_libc_loop(const struct hr_array *a)
{
    char buf[64];
    volatile int n = 0;

    (void)a;
    for (;;) {
        void *p = malloc(100 + (size_t)(n & 255));

        n += snprintf(buf, sizeof buf, "%d %p", n, p);
        fputs("", stdout);
        free(p);
    }
    return n;
}

/* nanosleep() as task code gets it: bound to the safe-point wrapper */
TASK static double t_sleep_loop(const struct hr_array *a)
{
    struct timespec ts = {1, 0};

    (void)a;
    for (;;)
        hr_task_nanosleep(&ts, NULL);
    return 0;
}

TASK static double t_sigkill(const struct hr_array *a)
{
    (void)a;
    raise(SIGKILL);
    return 0;
}

/* ---- parallel tasks ---- */

static pthread_t main_thread;
static atomic_long chunk_calls;
static atomic_int worker_in;    /* a worker thread has taken a chunk */

/* On the main thread: waits (up to 5 s) until a worker has taken a chunk,
 * so that a loaded machine cannot let the main thread do them all.
 * Returns nonzero on a worker thread. */
static int on_worker(void)
{
    struct timespec ts = {0, 1000000};
    int i;

    if (!pthread_equal(pthread_self(), main_thread)) {
        atomic_store(&worker_in, 1);
        return 1;
    }
    for (i = 0; i < 5000 && !atomic_load(&worker_in); i++)
        nanosleep(&ts, NULL);
    return 0;
}

TASK static void chunk_worker_fault(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    (void)b;
    (void)e;
    atomic_fetch_add(&chunk_calls, 1);
    if (on_worker()) {
        volatile int *p = NULL;

        *p = 1;
    }
}

TASK static double t_par_fault(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(1000, chunk_worker_fault, NULL);
    return 1;
}

TASK static void chunk_any_fault(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    (void)e;
    if (b > 0) {
        volatile int *p = NULL;

        *p = 1;
    }
}

TASK static double t_par_any_fault(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(1000, chunk_any_fault, NULL);
    return 1;
}

TASK static void chunk_loop(void *ctx, int64_t b, int64_t e)
{
    volatile long i = 0;

    (void)ctx;
    (void)b;
    (void)e;
    for (;;)
        i++;
}

TASK static double t_par_loop(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(1000, chunk_loop, NULL);
    return 1;
}

TASK static void chunk_fail(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    (void)b;
    (void)e;
    if (on_worker())
        hr_guard_fail("chunk said no");
}

TASK static void chunk_exit(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    (void)b;
    (void)e;
    if (on_worker())
        hr_guard_exit(5);
}

TASK static double t_par_exit(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(1000, chunk_exit, NULL);
    return 1;
}

TASK static double t_par_fail(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(1000, chunk_fail, NULL);
    return 1;
}

TASK static void chunk_sum(void *ctx, int64_t b, int64_t e)
{
    const double *x = ctx;
    double s = 0;
    int64_t i;

    for (i = b; i < e; i++)
        s += x[i];
    atomic_fetch_add(&chunk_calls, (long)(e - b));
    (void)s;
}

TASK static double t_par_ok(const struct hr_array *a)
{
    atomic_store(&chunk_calls, 0);
    hr_parallel_for(a->size, chunk_sum, (void *)a->data);
    return (double)atomic_load(&chunk_calls);
}

/* ---- stops: whatever the task does after one, the run is stopped ---- */

/* libc's own sleep(), not the binding: a stop's signal makes it return
 * early, and the task then returns a result as if nothing happened */
TASK static double t_sleep_then_return(const struct hr_array *a)
{
    (void)a;
    sleep(3);
    return 7;
}

TASK static void chunk_sleep(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    (void)b;
    (void)e;
    sleep(3);
}

TASK static double t_par_sleep(const struct hr_array *a)
{
    (void)a;
    hr_parallel_for(4, chunk_sleep, NULL);
    return 7;
}

static int block_fd = -1;   /* a pipe nobody writes to */

TASK static double t_read_pipe(const struct hr_array *a)
{
    char c = 0;

    (void)a;
    for (;;) {
        if (hr_task_read(block_fd, &c, 1) == 1)
            return c;
    }
    return 0;
}

/* A host function that task code calls and that holds a lock for a while
 * (as hr_progress, the pool or stdio do), then is a safe point. */
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile double host_sink;

__attribute__((noinline)) static void host_locked_work(void)
{
    int i;

    pthread_mutex_lock(&host_lock);
    for (i = 0; i < 20000; i++)
        host_sink += i * 0.5;
    pthread_mutex_unlock(&host_lock);
    hr_guard_checkpoint();
}

TASK static double t_host_loop(const struct hr_array *a)
{
    (void)a;
    for (;;)
        host_locked_work();
    return 0;
}

TASK static double t_progress_loop(const struct hr_array *a)
{
    int64_t i;

    (void)a;
    for (i = 0;; i++)
        hr_progress(i % 1000, 1000);
    return 0;
}

/* hr_guard_host() */
struct bytes {
    const unsigned char *p;
    size_t n;
    uint64_t sum;
};

static void sum_bytes(void *arg)
{
    struct bytes *b = arg;
    size_t i;

    b->sum = 0;
    for (i = 0; i < b->n; i++)
        b->sum += b->p[i];
}

static void sum_chunk(void *ctx, int64_t begin, int64_t end)
{
    const struct bytes *b = ctx;
    volatile uint64_t s = 0;
    int64_t i;

    for (i = begin; i < end; i++)
        s += b->p[i];
}

static void sum_bytes_parallel(void *arg)
{
    struct bytes *b = arg;

    hr_pool_for((int64_t)b->n, 4096, sum_chunk, b);
}

TASK static double t_host_call_in_run(const struct hr_array *a)
{
    struct bytes b = { (const unsigned char *)a->data, 16, 0 };
    struct hr_err err;

    return hr_guard_host("nested", sum_bytes, &b, &err);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    struct sigaction sa;

    (void)state;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint_outside_runs;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    wild_addr = 0x8010;     /* below mmap_min_addr: never mapped */
    main_thread = pthread_self();
    hr_pool_start(4);
    /* this file's task functions are task code, as a module's are */
    return hr_coderange_add((uintptr_t)__start_hr_test_tasks,
                            (uintptr_t)__stop_hr_test_tasks);
}

static int group_teardown(void **state)
{
    (void)state;
    hr_pool_stop();
    return 0;
}

static int setup(void **state)
{
    struct fix *fx = calloc(1, sizeof *fx);
    size_t i;

    if (fx == NULL)
        return -1;
    fx->len = ARRAY_N * sizeof(double);
    fx->data = mmap(NULL, fx->len, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fx->data == MAP_FAILED)
        return -1;
    for (i = 0; i < ARRAY_N; i++)
        fx->data[i] = (double)i * 0.5;
    mprotect(fx->data, fx->len, PROT_READ);
    fx->sum = checksum(fx);
    fx->a.data = fx->data;
    fx->a.dtype = HR_FLOAT64;
    fx->a.ndim = 1;
    fx->a.shape[0] = ARRAY_N;
    fx->a.strides[0] = sizeof(double);
    fx->a.size = ARRAY_N;
    fx->a.itemsize = sizeof(double);
    fx->a.nbytes = (int64_t)fx->len;
    fx->a.flags = HR_C_CONTIGUOUS;
    fx->a.name = "demo";
    cur = fx;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fix *fx = *state;

    munmap(fx->data, fx->len);
    free(fx);
    cur = NULL;
    return 0;
}

/* ---- in-process tests ---- */

static void test_guard_call_returns_result(void **state)
{
    check_alive(*state, 0);
}

static void test_guard_call_survives_null_deref(void **state)
{
    expect(*state, t_null, 0, 0, HR_ECRASH, "segfault in f at task+0x");
    expect(*state, t_null, 0, 0, HR_ECRASH,
           "read of address 0x0 (null pointer)");
}

static void test_guard_call_survives_wild_pointer(void **state)
{
    char want[64];

    snprintf(want, sizeof want, "read of address 0x%lx (not mapped)",
             (unsigned long)wild_addr);
    expect(*state, t_wild, 0, 0, HR_ECRASH, want);
}

static void test_guard_call_survives_sigbus(void **state)
{
    char path[] = "/tmp/hr_guard_busXXXXXX";
    char page[4096];
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    unlink(path);
    memset(page, 1, sizeof page);
    assert_int_equal(write(fd, page, sizeof page), (int)sizeof page);
    bus_map = mmap(NULL, sizeof page, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(bus_map != MAP_FAILED);
    assert_int_equal(ftruncate(fd, 0), 0);
    expect(*state, t_bus, 0, 0, HR_ECRASH, "bus error in f at task+0x");
    expect(*state, t_bus, 1, 0, HR_ECRASH, "past the end of a mapped file");
    munmap(bus_map, sizeof page);
    close(fd);
}

static void test_guard_call_survives_division_by_zero(void **state)
{
    expect(*state, t_div, 0, 0, HR_ECRASH, "division by zero in f at task");
}

static void test_guard_call_survives_trap(void **state)
{
    expect(*state, t_trap, 0, 0, HR_ECRASH, "illegal instruction in f at");
}

static void test_guard_call_survives_abort(void **state)
{
    expect(*state, t_abort, 0, 0, HR_ECRASH,
           "abort in f (abort() or a failed assert)");
}

static void test_guard_call_reports_failed_assert(void **state)
{
    expect(*state, t_assert, 0, 0, HR_EFAIL,
           "assertion failed in f: a->size < 0 (tasks/t.c:12)");
}

static void test_guard_call_survives_stack_overflow(void **state)
{
    expect(*state, t_recurse, 0, 0, HR_ECRASH,
           "stack overflow in f (unbounded recursion?)");
    expect(*state, t_recurse, 0, 0, HR_ECRASH, "stack overflow in f");
}

static void test_guard_call_survives_exit(void **state)
{
    expect(*state, t_exit, 0, 0, HR_EEXIT,
           "f called exit(3): a task cannot end hotrun; the session goes on");
}

static void test_guard_call_stops_endless_loop_on_timeout(void **state)
{
    double t0 = seconds();

    expect(*state, t_loop, 0, 0.2, HR_ETIMEOUT, "timeout: f ran past 0.2 s");
    assert_true(seconds() - t0 < 2.0);
}

static void test_guard_call_stops_endless_loop_on_sigint(void **state)
{
    expect_ctrl_c(*state, t_loop, 0, "interrupted (ctrl-c) in f after");
}

static void test_guard_call_names_resident_array_on_write(void **state)
{
    expect(*state, t_write, 0, 0, HR_ECRASH,
           "write into resident array 'demo' in f at task+0x");
    expect(*state, t_write, 0, 0, HR_ECRASH, "the arrays are read-only");
}

static void test_guard_call_reports_hr_fail(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;

    assert_int_equal(call(fx, t_fail, 0, 0, &r, &err), HR_EFAIL);
    assert_string_equal(err.msg, "bad input 3");
    check_alive(fx, 0);
}

static void test_guard_call_malloc_until_null_ends(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;
    double t0 = seconds();
    size_t used = hr_taskmem_in_use();     /* leaked by earlier tests */

    hr_taskmem_set_limit((size_t)1 << 30);
    assert_int_equal(call(fx, t_malloc, 0, 0, &r, &err), 0);
    assert_true(r == (double)((((size_t)1 << 30) - used) >> 26));
    assert_int_equal(hr_taskmem_in_use(), used);
    hr_taskmem_set_limit(0);
    assert_int_equal(call(fx, t_malloc, 0, 0, &r, &err), 0);
    assert_true(r >= 1.0);
    assert_true(seconds() - t0 < 10.0);
    check_alive(fx, 0);
}

static void test_guard_call_frees_task_memory_after_crash(void **state)
{
    struct fix *fx = *state;
    size_t before = hr_taskmem_in_use();

    expect(fx, t_alloc_crash, 0, 0, HR_ECRASH, "segfault in f");
    assert_int_equal(hr_taskmem_in_use(), before);
}

static void test_guard_call_survives_smashed_task_heap(void **state)
{
    struct fix *fx = *state;

#ifdef UNDER_ASAN
    __lsan_disable();   /* the smashed blocks are leaked on purpose */
#endif
    expect(fx, t_heap_smash, 0, 0, HR_ECRASH,
           "overwrote its malloc() blocks' headers");
    expect(fx, t_heap_scribble, 0, 0, HR_ECRASH, "use --isolate");
#ifdef UNDER_ASAN
    __lsan_enable();
#endif
    expect(fx, t_alloc_crash, 0, 0, HR_ECRASH, "segfault in f");
}

/* Naming the code may compile (hr_jit_locate): never inside the run, a
 * signal handler or a jump frame. */
static void test_guard_call_locates_after_the_run(void **state)
{
    struct fix *fx = *state;

    locate_calls = 0;
    locate_in_run = 0;
    expect(fx, t_null, 0, 0, HR_ECRASH, "segfault in f at task+0x");
    expect(fx, t_null, 1, 0, HR_ECRASH, "segfault in f at task+0x");
    assert_int_equal(locate_calls, 2);
    assert_int_equal(locate_in_run, 0);
}

static void test_guard_call_says_outside_task_code(void **state)
{
    struct fix *fx = *state;

    fx->locate_mode = 1;
    expect(fx, t_null, 0, 0, HR_ECRASH, "(outside task code)");
    fx->locate_mode = 0;
}

static void test_guard_call_resets_fpu_after_crash(void **state)
{
    expect(*state, t_fpu_crash, 0, 0, HR_ECRASH, "segfault in f");
    assert_int_equal(fegetround(), FE_TONEAREST);
}

static void test_guard_call_releases_stdout_after_crash(void **state)
{
    expect(*state, t_stdout_crash, 0, 0, HR_ECRASH, "segfault in f");
    assert_false(locked_by_other(stdout));
    /* this thread does not hold it either */
    assert_false(locked_by_other(stdout));
}

static void test_guard_call_stops_libc_loop_cleanly(void **state)
{
    struct fix *fx = *state;
    int i;

    for (i = 0; i < 5; i++) {
        void *p = NULL;

#ifdef UNDER_ASAN
        __lsan_disable();
#endif
        expect(fx, t_libc_loop, 0, 0.05, HR_ETIMEOUT, "timeout: f ran");
#ifdef UNDER_ASAN
        __lsan_enable();
#endif
        assert_false(locked_by_other(stdout));
        p = malloc(1000);
        assert_non_null(p);
        free(p);
    }
}

static void test_guard_call_stops_task_blocked_in_sleep(void **state)
{
    double t0 = seconds();

    expect(*state, t_sleep_loop, 0, 0.1, HR_ETIMEOUT, "timeout: f ran");
    expect_ctrl_c(*state, t_sleep_loop, 0, "interrupted (ctrl-c)");
    assert_true(seconds() - t0 < 3.0);
}

static void test_guard_call_restores_previous_handlers(void **state)
{
    struct sigaction mine;
    struct sigaction now;
    struct sigaction old_int;
    struct sigaction old_segv;

    memset(&mine, 0, sizeof mine);
    mine.sa_handler = SIG_IGN;
    sigemptyset(&mine.sa_mask);
    sigaction(SIGINT, &mine, &old_int);
    sigaction(SIGSEGV, NULL, &old_segv);
    expect(*state, t_null, 0, 0, HR_ECRASH, "segfault");
    sigaction(SIGINT, NULL, &now);
    assert_true(now.sa_handler == SIG_IGN);
    sigaction(SIGSEGV, NULL, &now);
    assert_true(now.sa_handler == old_segv.sa_handler);
    sigaction(SIGINT, &old_int, NULL);
}

static void test_guard_idle_sigint_makes_fd_readable(void **state)
{
    struct sigaction old;
    int fd;

    (void)state;
    sigaction(SIGINT, NULL, &old);
    fd = hr_guard_idle_sigint();
    assert_true(fd >= 0);
    assert_int_equal(hr_guard_idle_sigint(), fd);
    assert_int_equal(hr_guard_idle_sigint_take(), 0);
    raise(SIGINT);
    raise(SIGINT);
    assert_int_equal(hr_guard_idle_sigint_take(), 2);
    /* a run in between puts the idle handler back after it */
    expect(*state, t_null, 0, 0, HR_ECRASH, "segfault");
    raise(SIGINT);
    assert_int_equal(hr_guard_idle_sigint_take(), 1);
    sigaction(SIGINT, &old, NULL);
}

/* ---- threads ---- */

static void test_guard_parallel_worker_fault_is_reported(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;
    int rc;

    if (hr_pool_nthreads() < 2)
        skip();
    atomic_store(&worker_in, 0);
    rc = call(fx, t_par_fault, 0, 0, &r, &err);
    assert_int_equal(rc, HR_ECRASH);
    if (strstr(err.msg, "segfault in f at task+0x") == NULL ||
        strstr(err.msg, "worker thread") == NULL)
        fail_msg("message: %s", err.msg);
    check_alive(fx, 0);
    expect(fx, t_par_any_fault, 0, 0, HR_ECRASH, "segfault in f");
    assert_int_equal(call(fx, t_par_ok, 0, 0, &r, &err), 0);
    assert_true(r == (double)ARRAY_N);
}

static void test_guard_parallel_fail_and_exit_in_worker(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;
    int rc;

    if (hr_pool_nthreads() < 2)
        skip();
    atomic_store(&worker_in, 0);
    rc = call(fx, t_par_fail, 0, 0, &r, &err);
    if (rc != HR_EFAIL || strcmp(err.msg, "chunk said no") != 0)
        fail_msg("rc %d message: %s", rc, err.msg);
    check_alive(fx, 0);
    atomic_store(&worker_in, 0);
    expect(fx, t_par_exit, 0, 0, HR_EEXIT, "f called exit(5)");
}

static void test_guard_parallel_endless_loop_stops_on_timeout(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;
    double t0 = seconds();

    if (hr_pool_nthreads() < 2)
        skip();
    expect(fx, t_par_loop, 0, 0.2, HR_ETIMEOUT, "timeout: f ran past 0.2 s");
    assert_true(seconds() - t0 < 3.0);
    assert_int_equal(call(fx, t_par_ok, 0, 0, &r, &err), 0);
    assert_true(r == (double)ARRAY_N);
}

static void test_guard_parallel_endless_loop_stops_on_sigint(void **state)
{
    struct fix *fx = *state;

    if (hr_pool_nthreads() < 2)
        skip();
    expect_ctrl_c(fx, t_par_loop, 0, "interrupted (ctrl-c) in f");
}

/* ---- isolated mode ---- */

static void test_guard_isolated_returns_result(void **state)
{
    check_alive(*state, 1);
}

static void test_guard_isolated_survives_every_fault(void **state)
{
    struct fix *fx = *state;

    expect(fx, t_null, 1, 0, HR_ECRASH,
           "segfault in f at task+0x");
    expect(fx, t_wild, 1, 0, HR_ECRASH, "(not mapped)");
    expect(fx, t_div, 1, 0, HR_ECRASH, "division by zero in f");
    expect(fx, t_trap, 1, 0, HR_ECRASH, "illegal instruction in f");
    expect(fx, t_abort, 1, 0, HR_ECRASH, "abort in f");
    expect(fx, t_assert, 1, 0, HR_EFAIL, "assertion failed in f");
    expect(fx, t_recurse, 1, 0, HR_ECRASH, "stack overflow in f");
    expect(fx, t_exit, 1, 0, HR_EEXIT, "f called exit(3)");
    expect(fx, t_write, 1, 0, HR_ECRASH, "write into resident array 'demo'");
    expect(fx, t_fail, 1, 0, HR_EFAIL, "bad input 3");
    expect(fx, t_stdout_crash, 1, 0, HR_ECRASH, "segfault in f");
}

/* Another thread of the parent busy allocating and starting threads, as
 * tier 2's starter is right after a reload. */
static atomic_int churn_stop;

static void *churn_thread(void *unused)
{
    (void)unused;
    return NULL;
}

static void *churn(void *unused)
{
    (void)unused;
    while (!atomic_load(&churn_stop)) {
        pthread_t t;
        void *p = malloc(64);

        free(p);
        if (pthread_create(&t, NULL, churn_thread, NULL) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

/* The child of an isolated run started threads after a fault (to probe
 * the stdio locks): with another thread of the parent holding an
 * allocator lock at the fork, the child waited for it for ever, and the
 * run was reported as a timeout (seen under ASan, about 1 run in 30). */
static void test_guard_isolated_crash_while_the_parent_is_busy(void **state)
{
    struct fix *fx = *state;
    pthread_t t;
    int i;

    atomic_store(&churn_stop, 0);
    assert_int_equal(pthread_create(&t, NULL, churn, NULL), 0);
    for (i = 0; i < 60; i++) {
        expect(fx, t_div, 1, 5, HR_ECRASH, "division by zero in f");
        expect(fx, t_stdout_crash, 1, 5, HR_ECRASH, "segfault in f");
    }
    atomic_store(&churn_stop, 1);
    pthread_join(t, NULL);
}

static void test_guard_isolated_stops_on_timeout(void **state)
{
    double t0 = seconds();

    expect(*state, t_loop, 1, 0.2, HR_ETIMEOUT, "timeout: f ran past 0.2 s");
    assert_true(seconds() - t0 < 3.0);
}

static void test_guard_isolated_stops_on_sigint(void **state)
{
    expect_ctrl_c(*state, t_loop, 1, "interrupted (ctrl-c) in f after");
}

static void test_guard_isolated_reports_killed_child(void **state)
{
    expect(*state, t_sigkill, 1, 0, HR_ECRASH, "f: child killed by signal 9");
}

static void test_guard_isolated_runs_parallel_loops(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;

    assert_int_equal(call(fx, t_par_ok, 1, 0, &r, &err), 0);
    assert_true(r == (double)ARRAY_N);
    expect(fx, t_par_any_fault, 1, 0, HR_ECRASH, "segfault in f");
    expect(fx, t_par_loop, 1, 0.2, HR_ETIMEOUT, "timeout: f ran past");
}

static void test_guard_isolated_malloc_until_null_ends(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;
    size_t used = hr_taskmem_in_use();     /* leaked by earlier tests */

    hr_taskmem_set_limit((size_t)1 << 30);
    assert_int_equal(call(fx, t_malloc, 1, 0, &r, &err), 0);
    assert_true(r == (double)((((size_t)1 << 30) - used) >> 26));
    hr_taskmem_set_limit(0);
}

/* ---- the stop protocol ---- */

/* A stop while the task is blocked in a C library call: the call returns
 * early, the task returns a value, and the run must still be reported as
 * stopped - at once, not after the 3 s sleep. */
static void test_guard_stop_during_sleep_is_reported_as_stopped(void **state)
{
    struct fix *fx = *state;
    double t0 = seconds();

    expect(fx, t_sleep_then_return, 0, 0.3, HR_ETIMEOUT,
           "timeout: f ran past 0.3 s");
    assert_true(seconds() - t0 < 2.5);
    t0 = seconds();
    expect_ctrl_c(fx, t_sleep_then_return, 0, "interrupted (ctrl-c) in f");
    assert_true(seconds() - t0 < 2.5);
    t0 = seconds();
    expect(fx, t_sleep_then_return, 1, 0.3, HR_ETIMEOUT,
           "timeout: f ran past 0.3 s");
    assert_true(seconds() - t0 < 2.5);
}

static void test_guard_stop_during_sleep_in_workers(void **state)
{
    struct fix *fx = *state;
    double t0 = seconds();

    if (hr_pool_nthreads() < 2)
        skip();
    expect(fx, t_par_sleep, 0, 0.3, HR_ETIMEOUT, "timeout: f ran past");
    assert_true(seconds() - t0 < 2.5);
    t0 = seconds();
    expect_ctrl_c(fx, t_par_sleep, 0, "interrupted (ctrl-c) in f");
    assert_true(seconds() - t0 < 2.5);
}

static void test_guard_stop_ends_a_blocked_read(void **state)
{
    struct fix *fx = *state;
    int fds[2];
    double t0 = seconds();

    assert_int_equal(pipe(fds), 0);
    block_fd = fds[0];
    expect(fx, t_read_pipe, 0, 0.2, HR_ETIMEOUT, "timeout: f ran");
    expect_ctrl_c(fx, t_read_pipe, 0, "interrupted (ctrl-c) in f");
    assert_true(seconds() - t0 < 3.0);
    close(fds[0]);
    close(fds[1]);
}

/* A stop never jumps out of host code: a lock a host function holds is
 * released, however often the stop lands while it is held. */
static void test_guard_stop_never_leaves_a_host_lock_held(void **state)
{
    struct fix *fx = *state;
    int i;

    for (i = 0; i < 12; i++) {
        expect(fx, t_host_loop, 0, 0.02 + 0.005 * i, HR_ETIMEOUT,
               "timeout: f ran");
        if (pthread_mutex_trylock(&host_lock) != 0)
            fail_msg("run %d: the stop left the host's lock held", i);
        pthread_mutex_unlock(&host_lock);
    }
    expect_ctrl_c(fx, t_host_loop, 0, "interrupted (ctrl-c) in f");
    assert_int_equal(pthread_mutex_trylock(&host_lock), 0);
    pthread_mutex_unlock(&host_lock);
}

static void on_progress(void *ud, int64_t done, int64_t total)
{
    hr_progress_update(ud, done, total);
}

static void *erase_bar(void *arg)
{
    hr_progress_done(arg);
    return NULL;
}

/* The bug as users met it: a timeout inside hr_progress() on a terminal
 * left the bar's mutex held, and the next run's end hung. */
static void test_guard_stop_inside_hr_progress_frees_its_lock(void **state)
{
    struct fix *fx = *state;
    struct hr_guard_opts o = opts_of(fx, 0, 0);
    struct hr_progress *bar = NULL;
    struct hr_run r;
    struct hr_err err;
    double res = 0;
    int master, slave;
    int i;

    unsetenv("HOTRUN_NO_PROGRESS");
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    fcntl(master, F_SETFL, O_NONBLOCK);
    bar = hr_progress_new(slave);
    assert_non_null(bar);
    for (i = 0; i < 15; i++) {
        pthread_t t;
        struct timespec ts;
        char junk[4096];

        memset(&r, 0, sizeof r);
        r.task = "f";
        r.progress = on_progress;
        r.ud = bar;
        o.timeout_s = 0.02 + 0.003 * i;
        assert_int_equal(hr_guard_call(&r, t_progress_loop, &fx->a, &o,
                                       &res, &err), HR_ETIMEOUT);
        assert_int_equal(pthread_create(&t, NULL, erase_bar, bar), 0);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        if (pthread_timedjoin_np(t, NULL, &ts) != 0)
            fail_msg("run %d: hr_progress_done() hangs: the lock is held",
                     i);
        while (read(master, junk, sizeof junk) > 0)
            continue;
    }
    hr_progress_free(bar);
    close(slave);
    close(master);
}

struct canceller {
    pthread_t thread;
    long ms;
    int by_signal;
    int result;
};

static void on_usr1(int sig)
{
    (void)sig;
    hr_guard_cancel();      /* async-signal-safe */
}

static void *canceller_main(void *arg)
{
    struct canceller *c = arg;
    struct timespec ts;

    ts.tv_sec = c->ms / 1000;
    ts.tv_nsec = (c->ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    if (c->by_signal)
        pthread_kill(main_thread, SIGUSR1);
    else
        c->result = hr_guard_cancel();
    return NULL;
}

static void expect_cancel(struct fix *fx, hr_task_fn fn, int isolate,
                          int by_signal)
{
    struct canceller c;
    struct hr_err err;
    double r = 0;
    double t0 = seconds();
    int rc;

    memset(&c, 0, sizeof c);
    c.ms = 150;
    c.by_signal = by_signal;
    assert_int_equal(pthread_create(&c.thread, NULL, canceller_main, &c),
                     0);
    rc = call(fx, fn, isolate, 0, &r, &err);
    pthread_join(c.thread, NULL);
    if (rc != HR_ECANCEL || strstr(err.msg, "cancelled: f stopped after")
        == NULL)
        fail_msg("rc %d, message \"%s\"", rc, err.msg);
    assert_true(by_signal || c.result == 1);
    assert_true(seconds() - t0 < 2.5);
    check_alive(fx, isolate);
}

static void test_guard_cancel_stops_a_run(void **state)
{
    struct fix *fx = *state;
    struct sigaction sa;

    assert_int_equal(hr_guard_cancel(), 0);     /* no run: nothing */
    expect_cancel(fx, t_loop, 0, 0);
    expect_cancel(fx, t_sleep_then_return, 0, 0);
    expect_cancel(fx, t_loop, 1, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    expect_cancel(fx, t_loop, 0, 1);
    expect_cancel(fx, t_host_loop, 0, 1);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
}

/* ---- guarded host calls ---- */

static void test_guard_host_turns_sigbus_into_an_error(void **state)
{
    char path[] = "/tmp/hr_guard_hostXXXXXX";
    unsigned char page[4096];
    struct bytes b;
    struct hr_err err;
    int fd = mkstemp(path);
    void *map = NULL;
    int i;

    (void)state;
    assert_true(fd >= 0);
    unlink(path);
    memset(page, 3, sizeof page);
    for (i = 0; i < 4; i++)
        assert_int_equal(write(fd, page, sizeof page), (int)sizeof page);
    map = mmap(NULL, 4 * sizeof page, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(map != MAP_FAILED);
    b.p = map;
    b.n = 4 * sizeof page;
    assert_int_equal(hr_guard_host("checksum a", sum_bytes, &b, &err), 0);
    assert_true(b.sum == 3u * 4 * sizeof page);
    /* the file shrinks under the mapping: reading past its end is SIGBUS */
    assert_int_equal(ftruncate(fd, sizeof page), 0);
    for (i = 0; i < 3; i++) {
        err.msg[0] = '\0';
        assert_int_equal(hr_guard_host("checksum a", sum_bytes, &b, &err),
                         HR_ECRASH);
        if (strstr(err.msg, "checksum a: bus error reading address 0x")
            == NULL || strstr(err.msg, "did it shrink?") == NULL)
            fail_msg("message: %s", err.msg);
    }
    /* on the pool's threads too */
    assert_int_equal(hr_guard_host("stats a", sum_bytes_parallel, &b, &err),
                     HR_ECRASH);
    assert_non_null(strstr(err.msg, "stats a: bus error"));
    /* what is still there reads fine, and the process goes on */
    b.n = sizeof page;
    assert_int_equal(hr_guard_host("checksum a", sum_bytes, &b, &err), 0);
    assert_true(b.sum == 3u * sizeof page);
    b.p = (const unsigned char *)wild_addr;
    assert_int_equal(hr_guard_host("show a", sum_bytes, &b, &err),
                     HR_ECRASH);
    assert_non_null(strstr(err.msg, "show a: segfault reading address"));
    munmap(map, 4 * sizeof page);
    close(fd);
}

static void test_guard_host_refuses_inside_a_run(void **state)
{
    struct fix *fx = *state;
    struct hr_err err;
    double r = 0;

    assert_int_equal(call(fx, t_host_call_in_run, 0, 0, &r, &err), 0);
    assert_true(r == (double)HR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_guard_call_returns_result),
        T(test_guard_call_survives_null_deref),
        T(test_guard_call_survives_wild_pointer),
        T(test_guard_call_survives_sigbus),
        T(test_guard_call_survives_division_by_zero),
        T(test_guard_call_survives_trap),
        T(test_guard_call_survives_abort),
        T(test_guard_call_reports_failed_assert),
        T(test_guard_call_survives_stack_overflow),
        T(test_guard_call_survives_exit),
        T(test_guard_call_stops_endless_loop_on_timeout),
        T(test_guard_call_stops_endless_loop_on_sigint),
        T(test_guard_call_names_resident_array_on_write),
        T(test_guard_call_reports_hr_fail),
        T(test_guard_call_malloc_until_null_ends),
        T(test_guard_call_frees_task_memory_after_crash),
        T(test_guard_call_survives_smashed_task_heap),
        T(test_guard_call_locates_after_the_run),
        T(test_guard_call_says_outside_task_code),
        T(test_guard_call_resets_fpu_after_crash),
        T(test_guard_call_releases_stdout_after_crash),
        T(test_guard_call_stops_libc_loop_cleanly),
        T(test_guard_call_stops_task_blocked_in_sleep),
        T(test_guard_call_restores_previous_handlers),
        T(test_guard_idle_sigint_makes_fd_readable),
        T(test_guard_parallel_worker_fault_is_reported),
        T(test_guard_parallel_fail_and_exit_in_worker),
        T(test_guard_parallel_endless_loop_stops_on_timeout),
        T(test_guard_parallel_endless_loop_stops_on_sigint),
        T(test_guard_isolated_returns_result),
        T(test_guard_isolated_survives_every_fault),
        T(test_guard_isolated_crash_while_the_parent_is_busy),
        T(test_guard_isolated_stops_on_timeout),
        T(test_guard_isolated_stops_on_sigint),
        T(test_guard_isolated_reports_killed_child),
        T(test_guard_isolated_runs_parallel_loops),
        T(test_guard_isolated_malloc_until_null_ends),
        T(test_guard_stop_during_sleep_is_reported_as_stopped),
        T(test_guard_stop_during_sleep_in_workers),
        T(test_guard_stop_ends_a_blocked_read),
        T(test_guard_stop_never_leaves_a_host_lock_held),
        T(test_guard_stop_inside_hr_progress_frees_its_lock),
        T(test_guard_cancel_stops_a_run),
        T(test_guard_host_turns_sigbus_into_an_error),
        T(test_guard_host_refuses_inside_a_run),
#undef T
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
