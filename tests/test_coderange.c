/* test_coderange.c - the registry of task code the signal handlers read */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "coderange.h"
#include "err.h"

static void test_coderange_add_has_remove(void **state)
{
    (void)state;
    assert_false(hr_coderange_has(0x10000));
    assert_int_equal(hr_coderange_add(0x10000, 0x20000), 0);
    assert_int_equal(hr_coderange_add(0x30000, 0x30010), 0);
    assert_true(hr_coderange_has(0x10000));
    assert_true(hr_coderange_has(0x1ffff));
    assert_false(hr_coderange_has(0x20000));
    assert_false(hr_coderange_has(0xffff));
    assert_true(hr_coderange_has(0x3000f));
    hr_coderange_remove(0x10000, 0x20000);
    assert_false(hr_coderange_has(0x10000));
    assert_true(hr_coderange_has(0x30000));
    hr_coderange_remove(0x30000, 0x30010);
    assert_false(hr_coderange_has(0x30000));
    hr_coderange_remove(0x30000, 0x30010);     /* twice: nothing */
}

static void test_coderange_rejects_empty_ranges(void **state)
{
    (void)state;
    assert_int_equal(hr_coderange_add(0, 0x100), HR_EINVAL);
    assert_int_equal(hr_coderange_add(0x200, 0x200), HR_EINVAL);
    assert_int_equal(hr_coderange_add(0x300, 0x100), HR_EINVAL);
}

/* Many small ranges (a tier-2 compiler's functions), slots reused. */
static void test_coderange_holds_many_ranges_until_full(void **state)
{
    uintptr_t base = 0x100000;
    int i;

    (void)state;
    for (i = 0; i < HR_CODERANGE_MAX; i++)
        assert_int_equal(hr_coderange_add(base + (uintptr_t)i * 64,
                                          base + (uintptr_t)i * 64 + 32),
                         0);
    assert_int_equal(hr_coderange_add(0x50, 0x60), HR_ENOMEM);
    assert_true(hr_coderange_has(base + 64 * 100 + 31));
    assert_false(hr_coderange_has(base + 64 * 100 + 32));
    hr_coderange_remove(base + 64 * 7, base + 64 * 7 + 32);
    assert_int_equal(hr_coderange_add(0x50, 0x60), 0);
    assert_true(hr_coderange_has(0x55));
    hr_coderange_remove(0x50, 0x60);
    for (i = 0; i < HR_CODERANGE_MAX; i++)
        hr_coderange_remove(base + (uintptr_t)i * 64,
                            base + (uintptr_t)i * 64 + 32);
    assert_false(hr_coderange_has(base + 64 * 100));
}

/* Readers running while ranges come and go never see a range that was
 * never registered (a torn one). */
static atomic_int stop;
static atomic_long torn;

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        /* [0x1000, 0x2000) and [0x5000, 0x6000) are added and removed;
         * nothing in between is ever task code */
        if (hr_coderange_has(0x3000) || hr_coderange_has(0x4fff))
            atomic_fetch_add(&torn, 1);
    }
    return NULL;
}

static void test_coderange_readers_never_see_torn_ranges(void **state)
{
    pthread_t t[2];
    int i;

    (void)state;
    atomic_store(&stop, 0);
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
    for (i = 0; i < 20000; i++) {
        hr_coderange_add(0x1000, 0x2000);
        hr_coderange_remove(0x1000, 0x2000);
        hr_coderange_add(0x5000, 0x6000);
        hr_coderange_remove(0x5000, 0x6000);
    }
    atomic_store(&stop, 1);
    for (i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&torn), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coderange_add_has_remove),
        cmocka_unit_test(test_coderange_rejects_empty_ranges),
        cmocka_unit_test(test_coderange_holds_many_ranges_until_full),
        cmocka_unit_test(test_coderange_readers_never_see_torn_ranges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
