/* test_stats.c - stats against NumPy (nanmin/nanmax, nanargmin/nanargmax,
 * nanmean, nanstd, isnan, isinf), thread-count independence, the text */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "pool.h"
#include "show.h"
#include "stats.h"
#include "testdir.h"

static int setup(void **state)
{
    return hr_testdir_setup(state, "test_stats");
}

static int teardown(void **state)
{
    return hr_testdir_teardown(state);
}

/* Applies "start:len:step" per axis (Python's normalised slices). */
static void apply_view(struct hr_array *v, const char *spec)
{
    long long start, len, step;
    int k = 0;
    int used;

    while (sscanf(spec, " %lld:%lld:%lld%n", &start, &len, &step,
                  &used) == 3) {
        v->data = (const char *)v->data + start * v->strides[k];
        v->shape[k] = len;
        v->strides[k] *= step;
        spec += used;
        k++;
    }
    v->size = 1;
    for (k = 0; k < v->ndim; k++)
        v->size *= v->shape[k];
    v->nbytes = v->size * v->itemsize;
    v->flags = 0;
}

/* |got - want| within rel of |want| (both NaN counts as equal). */
static int close_to(double got, double want, double rel)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    return fabs(got - want) <= rel * fabs(want) + 1e-300;
}

struct want {
    char name[32];
    long long count, nan, inf, neginf, argmin, argmax;
    char min[128], max[128];
    double mean, mean_im, std;
    const char *spec;
};

static int parse(char *line, struct want *w)
{
    int used = 0;
    int n;

    line[strcspn(line, "\n")] = '\0';
    n = sscanf(line, "%31s %lld %lld %lld %lld %lld %lld %127s %127s %lf "
               "%lf %lf %n", w->name, &w->count, &w->nan, &w->inf,
               &w->neginf, &w->argmin, &w->argmax, w->min, w->max, &w->mean,
               &w->mean_im, &w->std, &used);
    w->spec = line + used;
    return n;
}

/* One case: load, view, compute, compare.  Returns 0 when all agree. */
static int check_case(const char *dir, struct want *w)
{
    struct hr_resident *r = NULL;
    struct hr_stats s;
    struct hr_array v;
    struct hr_err err;
    char path[256];
    char min[128] = "-";
    char max[128] = "-";
    int bad = 0;

    snprintf(path, sizeof path, "%s/%s.npy", dir, w->name);
    if (hr_array_load(path, w->name, NULL, &r, &err) != 0)
        fail_msg("%s", err.msg);
    v = r->view;
    apply_view(&v, w->spec);
    assert_int_equal(hr_stats_compute(&v, &s), 0);
    if (s.argmin >= 0)
        hr_show_scalar(v.dtype, hr_array_elem(&v, s.argmin), min,
                       sizeof min);
    if (s.argmax >= 0)
        hr_show_scalar(v.dtype, hr_array_elem(&v, s.argmax), max,
                       sizeof max);
    bad = s.count != w->count || s.nan != w->nan || s.inf != w->inf ||
          s.neginf != w->neginf || s.argmin != w->argmin ||
          s.argmax != w->argmax || strcmp(min, w->min) != 0 ||
          strcmp(max, w->max) != 0 || !close_to(s.mean, w->mean, 1e-12) ||
          !close_to(s.mean_im, w->mean_im, 1e-12) ||
          !close_to(s.std, w->std, 1e-9);
    if (bad)
        print_message("%s %s: numpy count %lld nan %lld inf %lld/%lld "
                      "argmin %lld argmax %lld min %s max %s mean %.17g "
                      "%.17g std %.17g\n  hotrun count %lld nan %lld inf "
                      "%lld/%lld argmin %lld argmax %lld min %s max %s mean "
                      "%.17g %.17g std %.17g\n", w->name,
                      hr_dtype_name(v.dtype), w->count, w->nan, w->inf,
                      w->neginf, w->argmin, w->argmax, w->min, w->max,
                      w->mean, w->mean_im, w->std, (long long)s.count,
                      (long long)s.nan, (long long)s.inf,
                      (long long)s.neginf, (long long)s.argmin,
                      (long long)s.argmax, min, max, s.mean, s.mean_im,
                      s.std);
    hr_array_free(r);
    return bad;
}

static void run_cases(const char *dir, long *n, long *bad)
{
    char path[256];
    char line[1024];
    FILE *cases = NULL;
    struct want w;

    snprintf(path, sizeof path, "%s/cases.txt", dir);
    cases = fopen(path, "r");
    assert_non_null(cases);
    while (fgets(line, sizeof line, cases) != NULL) {
        assert_int_equal(parse(line, &w), 12);
        (*n)++;
        if (check_case(dir, &w) != 0)
            (*bad)++;
    }
    fclose(cases);
}

static void test_stats_match_numpy(void **state)
{
    struct hr_testdir *f = *state;
    char cmd[512];
    long n = 0;
    long bad = 0;

    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py stats %s",
             HR_PYTHON, HR_SOURCE_DIR, f->dir);
    assert_int_equal(system(cmd), 0);
    run_cases(f->dir, &n, &bad);
    print_message("%ld arrays compared with numpy, %ld differ\n", n, bad);
    assert_true(n > 300);
    assert_int_equal(bad, 0);
}

/* A hand-made float64 view of n elements. */
static void view_1d(struct hr_array *v, const double *d, int64_t n)
{
    memset(v, 0, sizeof *v);
    v->data = d;
    v->dtype = HR_FLOAT64;
    v->ndim = 1;
    v->shape[0] = n;
    v->strides[0] = 8;
    v->itemsize = 8;
    v->size = n;
    v->nbytes = 8 * n;
    v->flags = HR_C_CONTIGUOUS | HR_F_CONTIGUOUS;
    v->name = "v";
}

/* The same bits with one thread and with four, NaN path and kernel path,
 * over many blocks. */
static void test_stats_do_not_depend_on_threads(void **state)
{
    struct hr_stats one[2], four[2];
    struct hr_array v;
    int64_t n = 1000003;
    double *d = malloc((size_t)n * sizeof *d);
    int64_t i;
    int k;

    (void)state;
    assert_non_null(d);
    for (i = 0; i < n; i++)
        d[i] = sin((double)i * 0.001) * 1e3 + (double)(i % 7) * 1e-9;
    view_1d(&v, d, n);
    assert_int_equal(hr_stats_compute(&v, &one[0]), 0);
    d[77] = NAN;
    assert_int_equal(hr_stats_compute(&v, &one[1]), 0);
    assert_int_equal(hr_pool_start(4), 0);
    assert_int_equal(hr_stats_compute(&v, &four[1]), 0);
    d[77] = sin(77 * 0.001) * 1e3 + (double)(77 % 7) * 1e-9;
    assert_int_equal(hr_stats_compute(&v, &four[0]), 0);
    hr_pool_stop();
    for (k = 0; k < 2; k++)
        assert_memory_equal(&one[k], &four[k], sizeof one[k]);
    assert_int_equal(one[1].nan, 1);
    free(d);
}

static void test_stats_text(void **state)
{
    struct hr_text t = HR_TEXT_INIT;
    struct hr_stats s;
    struct hr_array v;
    double d[6] = { 2.5, NAN, -INFINITY, 7.0, -1.0, 7.0 };
    double nan2[2] = { NAN, NAN };

    (void)state;
    view_1d(&v, d, 6);
    v.ndim = 2;
    v.shape[0] = 2;
    v.shape[1] = 3;
    v.strides[0] = 24;
    v.strides[1] = 8;
    assert_int_equal(hr_stats_compute(&v, &s), 0);
    assert_int_equal(hr_stats_format(&v, &s, &t), 0);
    assert_string_equal(t.s,
                        "count  6\n"
                        "nan    1\n"
                        "inf    1 (1 of them -inf)\n"
                        "min    -inf at (0, 2)\n"
                        "max    7.0 at (1, 0)\n"
                        "mean   -inf\n"
                        "std    nan\n");
    hr_text_truncate(&t, 0);
    view_1d(&v, nan2, 2);
    assert_int_equal(hr_stats_compute(&v, &s), 0);
    assert_int_equal(hr_stats_format(&v, &s, &t), 0);
    assert_string_equal(t.s,
                        "count  2\n"
                        "nan    2\n"
                        "inf    0\n"
                        "min    none (every element is nan)\n"
                        "max    none (every element is nan)\n"
                        "mean   nan\n"
                        "std    nan\n");
    hr_text_free(&t);
}

static void test_stats_refuse_an_unsound_array(void **state)
{
    struct hr_stats s;
    struct hr_array v;
    double d[2] = { 1, 2 };

    (void)state;
    view_1d(&v, d, 2);
    v.dtype = 99;
    assert_int_equal(hr_stats_compute(&v, &s), HR_EINVAL);
    view_1d(&v, d, 2);
    v.data = NULL;
    assert_int_equal(hr_stats_compute(&v, &s), HR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stats_match_numpy, setup,
                                        teardown),
        cmocka_unit_test(test_stats_do_not_depend_on_threads),
        cmocka_unit_test(test_stats_text),
        cmocka_unit_test(test_stats_refuse_an_unsound_array),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
