/* test_pool.c - the thread pool runs every chunk once, however it is used */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotrun.h"
#include "pool.h"

#define MAX_N 200003

static atomic_uchar hits[MAX_N];
static atomic_long total;

static void clear_hits(void)
{
    int64_t i;

    for (i = 0; i < MAX_N; i++)
        atomic_store(&hits[i], 0);
    atomic_store(&total, 0);
}

static void mark(void *ctx, int64_t b, int64_t e)
{
    int64_t i;

    (void)ctx;
    for (i = b; i < e; i++)
        atomic_fetch_add(&hits[i], 1);
}

static void all_once(int64_t n)
{
    int64_t i;

    for (i = 0; i < n; i++) {
        if (atomic_load(&hits[i]) != 1)
            fail_msg("element %lld ran %d times (n %lld)", (long long)i,
                     atomic_load(&hits[i]), (long long)n);
    }
}

static int group_setup(void **state)
{
    (void)state;
    return hr_pool_start(4);
}

static int group_teardown(void **state)
{
    (void)state;
    hr_pool_stop();
    return 0;
}

static void test_pool_runs_every_chunk_once(void **state)
{
    static const int64_t grains[] = {1, 7, 1000, 50000, MAX_N, MAX_N * 2};
    size_t g;

    (void)state;
    for (g = 0; g < sizeof grains / sizeof grains[0]; g++) {
        clear_hits();
        hr_pool_for(MAX_N, grains[g], mark, NULL);
        all_once(MAX_N);
    }
    hr_pool_for(0, 1, mark, NULL);
    hr_pool_for(-5, 1, mark, NULL);
}

static void inner(void *ctx, int64_t b, int64_t e)
{
    int64_t *base = ctx;

    (void)base;
    atomic_fetch_add(&total, (long)(e - b));
}

static void outer(void *ctx, int64_t b, int64_t e)
{
    int64_t i;

    (void)ctx;
    for (i = b; i < e; i++) {
        hr_pool_for(1000, 1, inner, &i);
        hr_parallel_for(10, inner, &i);
        atomic_fetch_add(&hits[i], 1);
    }
}

static void test_pool_nested_loops_run_serially(void **state)
{
    (void)state;
    clear_hits();
    hr_pool_for(64, 1, outer, NULL);
    all_once(64);
    assert_int_equal(atomic_load(&total), 64 * 1010);
}

static void test_pool_one_thread_and_many(void **state)
{
    static const int counts[] = {1, 4, 2, 3, 1, 8};
    size_t k;

    (void)state;
    for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        hr_pool_stop();
        assert_int_equal(hr_pool_start(counts[k]), 0);
        assert_int_equal(hr_pool_nthreads(), counts[k]);
        assert_int_equal(hr_nthreads(), counts[k]);
        clear_hits();
        hr_pool_for(MAX_N, 1, mark, NULL);
        all_once(MAX_N);
    }
    hr_pool_stop();
    assert_int_equal(hr_pool_nthreads(), 1);
    clear_hits();
    hr_pool_for(1000, 1, mark, NULL);
    all_once(1000);
    assert_int_equal(hr_pool_start(4), 0);
    assert_int_equal(hr_pool_start(2), 0);     /* idempotent */
    assert_int_equal(hr_pool_nthreads(), 4);
}

static void add_len(void *ctx, int64_t b, int64_t e)
{
    (void)ctx;
    atomic_fetch_add(&total, (long)(e - b));
}

static void test_pool_survives_many_tiny_loops(void **state)
{
    long want = 0;
    int i;

    (void)state;
    atomic_store(&total, 0);
    for (i = 0; i < 10000; i++) {
        int64_t n = 1 + i % 16;

        hr_pool_for(n, 1, add_len, NULL);
        want += (long)n;
    }
    assert_int_equal(atomic_load(&total), want);
}

static pthread_t seen[64];
static atomic_int nseen;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_thread(void *ctx, int64_t b, int64_t e)
{
    struct timespec ts = {0, 1000000};
    pthread_t self = pthread_self();
    int i;
    int found = 0;

    (void)ctx;
    (void)b;
    (void)e;
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&seen_lock);
    for (i = 0; i < atomic_load(&nseen); i++)
        found |= pthread_equal(seen[i], self);
    if (!found && atomic_load(&nseen) < 64)
        seen[atomic_fetch_add(&nseen, 1)] = self;
    pthread_mutex_unlock(&seen_lock);
    /* a loaded machine must not let one thread take every chunk: the
     * first thread waits (up to 5 s) for another one to show up */
    if (pthread_equal(seen[0], self)) {
        for (i = 0; i < 5000 && atomic_load(&nseen) < 2; i++)
            nanosleep(&ts, NULL);
    }
}

static void test_pool_parallel_for_uses_several_threads(void **state)
{
    (void)state;
    atomic_store(&nseen, 0);
    hr_parallel_for(200, note_thread, NULL);
    assert_true(atomic_load(&nseen) > 1);
    assert_true(atomic_load(&nseen) <= hr_nthreads());
    clear_hits();
    hr_parallel_for(MAX_N, mark, NULL);
    all_once(MAX_N);
}

static void *caller_main(void *arg)
{
    long *sum = arg;
    int i;

    for (i = 0; i < 500; i++) {
        hr_pool_for(1000, 10, add_len, NULL);
        *sum += 1000;
    }
    return NULL;
}

static void test_pool_concurrent_callers(void **state)
{
    pthread_t t[3];
    long sums[3] = {0, 0, 0};
    int i;

    (void)state;
    atomic_store(&total, 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, caller_main, &sums[i]),
                         0);
    for (i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&total), sums[0] + sums[1] + sums[2]);
}

static void test_pool_works_in_forked_child(void **state)
{
    int status = 0;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int64_t i;
        int ok = hr_pool_nthreads() == 4;

        clear_hits();
        hr_pool_for(MAX_N, 1, mark, NULL);
        for (i = 0; i < MAX_N; i++)
            ok = ok && atomic_load(&hits[i]) == 1;
        atomic_store(&nseen, 0);
        hr_parallel_for(200, note_thread, NULL);
        ok = ok && atomic_load(&nseen) > 1;
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    clear_hits();
    hr_pool_for(MAX_N, 1, mark, NULL);
    all_once(MAX_N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_runs_every_chunk_once),
        cmocka_unit_test(test_pool_nested_loops_run_serially),
        cmocka_unit_test(test_pool_one_thread_and_many),
        cmocka_unit_test(test_pool_survives_many_tiny_loops),
        cmocka_unit_test(test_pool_parallel_for_uses_several_threads),
        cmocka_unit_test(test_pool_concurrent_callers),
        cmocka_unit_test(test_pool_works_in_forked_child),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
