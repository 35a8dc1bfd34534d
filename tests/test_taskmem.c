/* test_taskmem.c - the task allocator counts, limits and cleans up */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "taskmem.h"

#define KIB ((size_t)1024)
#define MIB (KIB * KIB)

static int setup(void **state)
{
    (void)state;
    hr_taskmem_set_limit(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hr_taskmem_set_limit(0);
    assert_int_equal(hr_taskmem_in_use(), 0);
    return 0;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] != (unsigned char)(i * 31 + seed))
            return 0;
    }
    return 1;
}

static void test_taskmem_malloc_counts_bytes(void **state)
{
    void *a = NULL;
    void *b = NULL;

    (void)state;
    a = hr_task_malloc(100);
    b = hr_task_malloc(MIB);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(hr_taskmem_in_use(), 100 + MIB);
    hr_task_free(a);
    assert_int_equal(hr_taskmem_in_use(), MIB);
    hr_task_free(b);
    hr_task_free(NULL);
    assert_int_equal(hr_taskmem_in_use(), 0);
}

static void test_taskmem_default_limit_is_half_of_ram(void **state)
{
    size_t ram = (size_t)sysconf(_SC_PHYS_PAGES) *
                 (size_t)sysconf(_SC_PAGESIZE);

    (void)state;
    assert_int_equal(hr_taskmem_limit(), ram / 2);
    hr_taskmem_set_limit(123 * MIB);
    assert_int_equal(hr_taskmem_limit(), 123 * MIB);
}

static void test_taskmem_limit_returns_null(void **state)
{
    void *a = NULL;
    void *b = NULL;

    (void)state;
    hr_taskmem_set_limit(MIB);
    a = hr_task_malloc(600 * KIB);
    assert_non_null(a);
    assert_null(hr_task_malloc(600 * KIB));
    assert_null(hr_task_calloc(600, KIB));
    assert_null(hr_task_realloc(a, 2 * MIB));
    assert_int_equal(hr_taskmem_in_use(), 600 * KIB);
    b = hr_task_malloc(400 * KIB);
    assert_non_null(b);
    hr_task_free(a);
    a = hr_task_malloc(600 * KIB);
    assert_non_null(a);
    hr_task_free(a);
    hr_task_free(b);
    assert_null(hr_task_malloc(SIZE_MAX));
    assert_null(hr_task_malloc(SIZE_MAX - 8));
}

static void test_taskmem_malloc_until_null_is_quick(void **state)
{
    void *blocks[64];
    int n = 0;
    int i;

    (void)state;
    hr_taskmem_set_limit(1024 * MIB);
    while (n < 64) {
        blocks[n] = hr_task_malloc(64 * MIB);
        if (blocks[n] == NULL)
            break;
        n++;
    }
    assert_int_equal(n, 16);
    for (i = 0; i < n; i++)
        hr_task_free(blocks[i]);
}

static void test_taskmem_calloc_zeroes_and_checks_overflow(void **state)
{
    unsigned char *small = NULL;
    unsigned char *big = NULL;
    size_t i;

    (void)state;
    small = hr_task_calloc(1000, 8);
    big = hr_task_calloc(3, MIB);
    assert_non_null(small);
    assert_non_null(big);
    for (i = 0; i < 8000; i++)
        assert_int_equal(small[i], 0);
    for (i = 0; i < 3 * MIB; i += 4093)
        assert_int_equal(big[i], 0);
    assert_null(hr_task_calloc(SIZE_MAX / 2, 4));
    assert_null(hr_task_calloc(SIZE_MAX, SIZE_MAX));
    hr_task_free(small);
    hr_task_free(big);
}

static void test_taskmem_keeps_alignment(void **state)
{
    void *p[40];
    size_t n;
    int i = 0;

    (void)state;
    for (n = 0; n < 40 * 7919; n += 7919) {
        p[i] = hr_task_malloc(n);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        i++;
    }
    while (i > 0)
        hr_task_free(p[--i]);
    p[0] = hr_task_malloc(5 * MIB + 3);
    assert_int_equal((uintptr_t)p[0] % 64, 0);
    hr_task_free(p[0]);
}

static void test_taskmem_realloc_keeps_data(void **state)
{
    static const size_t sizes[] = {
        10, 100, 5000, 200 * KIB, 3 * MIB, 40 * MIB, 2 * MIB, 1000, 16
    };
    unsigned char *p = NULL;
    size_t old = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];

        p = hr_task_realloc(p, n);
        assert_non_null(p);
        assert_true(same(p, old < n ? old : n, 7));
        fill(p, n, 7);
        old = n;
        assert_int_equal(hr_taskmem_in_use(), n);
    }
    assert_null(hr_task_realloc(p, 0));
    assert_int_equal(hr_taskmem_in_use(), 0);
}

static void test_taskmem_passes_foreign_pointers_to_libc(void **state)
{
    char *p = malloc(100);
    char *big = malloc(4 * MIB);

    (void)state;
    assert_non_null(p);
    assert_non_null(big);
    p = hr_task_realloc(p, 300);
    assert_non_null(p);
    hr_task_free(p);
    hr_task_free(big);
    assert_int_equal(hr_taskmem_in_use(), 0);
}

static void test_taskmem_strdup_copies(void **state)
{
    char *s = hr_task_strdup("resident");

    (void)state;
    assert_string_equal(s, "resident");
    assert_int_equal(hr_taskmem_in_use(), 9);
    hr_task_free(s);
}

static void test_taskmem_run_abort_frees_run_blocks(void **state)
{
    void *before = hr_task_malloc(100);
    void *p[200];
    int i;

    (void)state;
    hr_taskmem_run_begin();
    for (i = 0; i < 200; i++)
        p[i] = hr_task_malloc((size_t)i * 3000 + 1);
    for (i = 0; i < 200; i += 3)
        hr_task_free(p[i]);
    for (i = 1; i < 200; i += 7) {
        if (i % 3 != 0)
            p[i] = hr_task_realloc(p[i], (size_t)i * 9000 + 5);
    }
    hr_taskmem_run_abort();
    assert_int_equal(hr_taskmem_in_use(), 100);
    memset(before, 1, 100);
    hr_task_free(before);
}

static void test_taskmem_run_end_keeps_blocks(void **state)
{
    char *kept = NULL;
    char *lost = NULL;

    (void)state;
    hr_taskmem_run_begin();
    kept = hr_task_strdup("kept");
    hr_taskmem_run_end();
    hr_taskmem_run_begin();
    lost = hr_task_malloc(MIB);
    assert_non_null(lost);
    hr_taskmem_run_abort();
    assert_string_equal(kept, "kept");
    assert_int_equal(hr_taskmem_in_use(), 5);
    /* a block of an earlier run is freed in a later one */
    hr_taskmem_run_begin();
    hr_task_free(kept);
    hr_taskmem_run_end();
}

struct churn {
    unsigned seed;
    int keep;       /* leave some blocks live at the end */
};

static void *churn_main(void *arg)
{
    struct churn *c = arg;
    void *slot[32] = {NULL};
    unsigned r = c->seed;
    int i;

    for (i = 0; i < 20000; i++) {
        int k;
        size_t n;

        r = r * 1103515245u + 12345u;
        k = (int)((r >> 8) % 32);
        n = (r >> 12) % 5000;
        if ((r >> 20) % 64 == 0)
            n += 200 * KIB;
        if (slot[k] == NULL)
            slot[k] = hr_task_malloc(n);
        else if ((r >> 4) & 1)
            slot[k] = hr_task_realloc(slot[k], n + 1);
        else {
            hr_task_free(slot[k]);
            slot[k] = NULL;
        }
    }
    for (i = 0; i < 32; i++) {
        if (!c->keep || i % 2 == 0) {
            hr_task_free(slot[i]);
            slot[i] = NULL;
        }
    }
    return NULL;
}

static void churn(int keep)
{
    pthread_t t[8];
    struct churn c[8];
    int i;

    hr_taskmem_run_begin();
    for (i = 0; i < 8; i++) {
        c[i].seed = (unsigned)i * 7919u + 1;
        c[i].keep = keep;
        assert_int_equal(pthread_create(&t[i], NULL, churn_main, &c[i]), 0);
    }
    for (i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    if (keep) {
        assert_true(hr_taskmem_in_use() > 0);
        hr_taskmem_run_abort();
    } else {
        hr_taskmem_run_end();
    }
    assert_int_equal(hr_taskmem_in_use(), 0);
}

static void test_taskmem_is_thread_safe(void **state)
{
    (void)state;
    churn(0);
    churn(1);
}

static double twice_freed(const struct hr_array *a)
{
    void *p = hr_task_malloc(10);

    (void)a;
    hr_task_free(p);
    hr_task_free(p);
    return 0;
}

static double leaky_fail(const struct hr_array *a)
{
    int i;

    (void)a;
    for (i = 0; i < 50; i++)
        hr_task_malloc(MIB);
    hr_guard_fail("out of ideas");
    return 0;
}

static void test_taskmem_guarded_runs_clean_up(void **state)
{
    struct hr_array a;
    struct hr_err err;
    double r = 0;

    (void)state;
    memset(&a, 0, sizeof a);
    assert_int_equal(hr_guard_call(NULL, twice_freed, &a, NULL, &r, &err),
                     HR_EFAIL);
    assert_non_null(strstr(err.msg, "was already freed"));
    assert_int_equal(hr_guard_call(NULL, leaky_fail, &a, NULL, &r, &err),
                     HR_EFAIL);
    assert_string_equal(err.msg, "out of ideas");
    assert_int_equal(hr_taskmem_in_use(), 0);
}

/* A task keeps a block in a static and reallocs it in a later run that
 * then fails: the block is still the task's, not that run's to free. */
static void kept_block_survives(size_t first, size_t second)
{
    unsigned char *kept = NULL;
    unsigned char *other = NULL;

    hr_taskmem_run_begin();
    kept = hr_task_malloc(first);
    assert_non_null(kept);
    fill(kept, first, 3);
    hr_taskmem_run_end();
    hr_taskmem_run_begin();
    kept = hr_task_realloc(kept, second);
    assert_non_null(kept);
    other = hr_task_malloc(1000);   /* this run's own: freed below */
    assert_non_null(other);
    assert_int_equal(hr_taskmem_run_abort(), 0);
    assert_true(same(kept, first < second ? first : second, 3));
    assert_int_equal(hr_taskmem_in_use(), second);
    /* later runs use it and free it as theirs to free */
    hr_taskmem_run_begin();
    fill(kept, second, 5);
    kept = hr_task_realloc(kept, second + 7);
    assert_true(same(kept, second, 5));
    hr_taskmem_run_end();
    hr_taskmem_run_begin();
    hr_task_free(kept);
    hr_taskmem_run_end();
    assert_int_equal(hr_taskmem_in_use(), 0);
}

static void test_taskmem_realloc_of_kept_block_survives_failed_run(
    void **state)
{
    (void)state;
    kept_block_survives(100, 5000);             /* small, grows */
    kept_block_survives(200 * KIB, 300 * KIB);  /* a mapping, grows */
    kept_block_survives(100, 300 * KIB);        /* small to a mapping */
    kept_block_survives(300 * KIB, 100);        /* and back */
}

/* What a failed run allocated is freed, reallocs included, and blocks of
 * the run freed by the task are not freed twice. */
static void test_taskmem_run_abort_frees_reallocs_of_run_blocks(void **state)
{
    void *p[64];
    int i;

    (void)state;
    hr_taskmem_run_begin();
    for (i = 0; i < 64; i++)
        p[i] = hr_task_malloc((size_t)i * 9000 + 1);
    for (i = 0; i < 64; i += 2)
        p[i] = hr_task_realloc(p[i], (size_t)(64 - i) * 7000 + 3);
    for (i = 0; i < 64; i += 5)
        hr_task_free(p[i]);
    assert_int_equal(hr_taskmem_run_abort(), 0);
    assert_int_equal(hr_taskmem_in_use(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_taskmem_malloc_counts_bytes),
        T(test_taskmem_default_limit_is_half_of_ram),
        T(test_taskmem_limit_returns_null),
        T(test_taskmem_malloc_until_null_is_quick),
        T(test_taskmem_calloc_zeroes_and_checks_overflow),
        T(test_taskmem_keeps_alignment),
        T(test_taskmem_realloc_keeps_data),
        T(test_taskmem_passes_foreign_pointers_to_libc),
        T(test_taskmem_strdup_copies),
        T(test_taskmem_run_abort_frees_run_blocks),
        T(test_taskmem_run_end_keeps_blocks),
        T(test_taskmem_is_thread_safe),
        T(test_taskmem_realloc_of_kept_block_survives_failed_run),
        T(test_taskmem_run_abort_frees_reallocs_of_run_blocks),
        T(test_taskmem_guarded_runs_clean_up),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
