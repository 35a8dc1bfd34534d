/* test_shard.c - which slab of an array each MPI rank holds */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_shard.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* rows x cols float64, element (i, j) = i * 1000 + j, C order. */
static const char *c_array(const char *name, int64_t rows, int64_t cols)
{
    static char path[256];
    double *d = malloc((size_t)(rows * cols + 1) * sizeof *d);
    int64_t shape[2] = { rows, cols };
    int64_t i, j;

    assert_non_null(d);
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++)
            d[i * cols + j] = (double)(i * 1000 + j);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(hr_npy_write_f64(path, d, 2, shape, NULL), 0);
    free(d);
    return path;
}

static struct hr_resident *load(const char *path, int rank, int nranks,
                                int64_t halo, const struct hr_raw_spec *raw)
{
    struct hr_shard sh = { rank, nranks, halo };
    struct hr_load_opts lo = { 0 };
    struct hr_resident *r = NULL;
    struct hr_err err;

    lo.shard = &sh;
    lo.raw = raw;
    assert_int_equal(hr_array_load(path, NULL, &lo, &r, &err), 0);
    return r;
}

static double at2(const struct hr_array *a, int64_t i, int64_t j)
{
    return *(const double *)((const char *)a->data + i * a->strides[0] +
                             j * a->strides[1]);
}

static void test_shard_rows_first_ranks_get_one_more(void **state)
{
    int64_t lo, hi, want[4][2] = { { 0, 3 }, { 3, 6 }, { 6, 8 }, { 8, 10 } };
    int r;

    (void)state;
    for (r = 0; r < 4; r++) {
        hr_shard_rows(10, r, 4, &lo, &hi);
        assert_int_equal(lo, want[r][0]);
        assert_int_equal(hi, want[r][1]);
    }
}

static void test_shard_rows_more_ranks_than_rows(void **state)
{
    int64_t lo, hi;

    (void)state;
    hr_shard_rows(2, 1, 4, &lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 2);
    hr_shard_rows(2, 3, 4, &lo, &hi);
    assert_int_equal(lo, 2);
    assert_int_equal(hi, 2);
}

static void test_shard_load_c_order_slab(void **state)
{
    /* 1000 rows of 24 bytes: rank 1's slab starts mid-page */
    struct hr_resident *r = load(c_array("c.npy", 1000, 3), 1, 3, 0, NULL);
    const struct hr_array *a = &r->view;

    (void)state;
    assert_int_equal(a->shape[0], 333);
    assert_int_equal(a->shape[1], 3);
    assert_int_equal(a->global_shape[0], 1000);
    assert_int_equal(a->offset[0], 334);
    assert_int_equal(a->offset[1], 0);
    assert_int_equal(a->split_axis, 0);
    assert_int_equal(a->rank, 1);
    assert_int_equal(a->nranks, 3);
    assert_int_equal(a->size, 999);
    assert_true(a->flags & HR_C_CONTIGUOUS);
    assert_true(at2(a, 0, 0) == 334000.0);
    assert_true(at2(a, 332, 2) == 666002.0);
    assert_int_equal(hr_array_owned(a), 999);
    hr_array_free(r);
}

static void test_shard_load_halo_is_clipped_at_the_ends(void **state)
{
    const char *p = c_array("h.npy", 9, 2);
    struct hr_resident *r0 = load(p, 0, 3, 2, NULL);
    struct hr_resident *r1 = load(p, 1, 3, 2, NULL);

    (void)state;
    /* rank 0 owns rows 0-2 and holds 2 of rank 1's */
    assert_int_equal(r0->view.shape[0], 5);
    assert_int_equal(r0->view.halo_before, 0);
    assert_int_equal(r0->view.halo_after, 2);
    assert_int_equal(hr_array_owned(&r0->view), 6);
    /* rank 1 owns rows 3-5: rows 1-7 held */
    assert_int_equal(r1->view.shape[0], 7);
    assert_int_equal(r1->view.offset[0], 1);
    assert_int_equal(r1->view.halo_before, 2);
    assert_int_equal(r1->view.halo_after, 2);
    assert_true(at2(&r1->view, 0, 1) == 1001.0);
    {
        struct hr_array own = hr_owned(&r1->view);

        assert_int_equal(own.shape[0], 3);
        assert_int_equal(own.offset[0], 3);
        assert_true(at2(&own, 0, 0) == 3000.0);
        assert_int_equal(own.size, 6);
    }
    hr_array_free(r0);
    hr_array_free(r1);
}

static void test_shard_load_rank_without_rows_is_empty(void **state)
{
    struct hr_resident *r = load(c_array("e.npy", 2, 5), 3, 4, 1, NULL);

    (void)state;
    assert_int_equal(r->view.shape[0], 0);
    assert_int_equal(r->view.shape[1], 5);
    assert_int_equal(r->view.size, 0);
    assert_int_equal(r->view.halo_before, 0);
    assert_non_null(r->view.data);
    assert_int_equal(hr_array_owned(&r->view), 0);
    hr_array_free(r);
}

static void test_shard_load_fortran_splits_the_last_axis(void **state)
{
    /* a raw 4 x 5 column-major file: column j holds 100*j + i */
    struct hr_raw_spec raw = { 0 };
    struct hr_resident *r = NULL;
    char path[256];
    double d[20];
    FILE *f;
    int i, j;

    (void)state;
    for (j = 0; j < 5; j++)
        for (i = 0; i < 4; i++)
            d[j * 4 + i] = 100.0 * j + i;
    snprintf(path, sizeof path, "%s/f.raw", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, sizeof d, 1, f), 1);
    fclose(f);
    raw.dtype = HR_FLOAT64;
    raw.ndim = 2;
    raw.shape[0] = 4;
    raw.shape[1] = 5;
    raw.fortran = 1;
    r = load(path, 1, 2, 0, &raw);
    assert_int_equal(r->view.split_axis, 1);
    assert_int_equal(r->view.shape[0], 4);
    assert_int_equal(r->view.shape[1], 2);
    assert_int_equal(r->view.offset[1], 3);
    assert_true(r->view.flags & HR_F_CONTIGUOUS);
    assert_true(at2(&r->view, 2, 0) == 302.0);
    assert_true(at2(&r->view, 3, 1) == 403.0);
    hr_array_free(r);
}

/* A CSV file is parsed whole; a rank then keeps its slab only (it kept
 * the whole parse in memory, 4x its share over 4 ranks). */
static void test_shard_csv_rank_keeps_only_its_slab(void **state)
{
    char path[256];
    struct hr_resident *r = NULL;
    const struct hr_array *a = NULL;
    FILE *f = NULL;
    int64_t i;

    (void)state;
    snprintf(path, sizeof path, "%s/t.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (i = 0; i < 100000; i++)
        fprintf(f, "%lld,%lld,%lld\n", (long long)i * 1000,
                (long long)i * 1000 + 1, (long long)i * 1000 + 2);
    fclose(f);
    r = load(path, 1, 4, 0, NULL);
    a = &r->view;
    assert_int_equal(a->shape[0], 25000);
    assert_int_equal(a->offset[0], 25000);
    assert_true(at2(a, 0, 0) == 25000000.0);
    assert_true(at2(a, 24999, 2) == 49999002.0);
    /* the whole is 2.4 MB: the rank's memory holds its 600 kB */
    assert_true(r->map_len < (size_t)a->nbytes + ((size_t)2 << 20));
    assert_true(r->map_len < (size_t)100000 * 3 * 8);
    hr_array_free(r);
}

static void test_shard_single_process_holds_the_whole_array(void **state)
{
    struct hr_resident *r = NULL;
    struct hr_err err;

    (void)state;
    assert_int_equal(hr_array_load(c_array("w.npy", 6, 2), NULL, NULL, &r,
                                   &err), 0);
    assert_int_equal(r->view.rank, 0);
    assert_int_equal(r->view.nranks, 1);
    assert_int_equal(r->view.global_shape[0], 6);
    assert_int_equal(r->view.global_shape[1], 2);
    assert_int_equal(r->view.offset[0], 0);
    assert_int_equal(hr_array_owned(&r->view), 12);
    hr_array_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_rows_first_ranks_get_one_more),
        cmocka_unit_test(test_shard_rows_more_ranks_than_rows),
        cmocka_unit_test(test_shard_load_c_order_slab),
        cmocka_unit_test(test_shard_load_halo_is_clipped_at_the_ends),
        cmocka_unit_test(test_shard_load_rank_without_rows_is_empty),
        cmocka_unit_test(test_shard_load_fortran_splits_the_last_axis),
        cmocka_unit_test(test_shard_single_process_holds_the_whole_array),
        cmocka_unit_test(test_shard_csv_rank_keeps_only_its_slab),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
