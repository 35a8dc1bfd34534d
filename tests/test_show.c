/* test_show.c - show's text against NumPy 1.24's print(arr), and the
 * header line */
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
#include "show.h"
#include "testdir.h"

static int setup(void **state)
{
    return hr_testdir_setup(state, "test_show");
}

static int teardown(void **state)
{
    return hr_testdir_teardown(state);
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Applies "start:len:step" per axis (Python's normalised slices). */
static void apply_view(struct hr_array *v, const char *spec)
{
    long long start, len, step;
    int k = 0;
    int used;

    while (sscanf(spec, " %lld:%lld:%lld%n", &start, &len, &step,
                  &used) == 3) {
        assert_true(k < v->ndim);
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
    v->flags = (hr_array_is_contiguous(v, 0) ? HR_C_CONTIGUOUS : 0) |
               (hr_array_is_contiguous(v, 1) ? HR_F_CONTIGUOUS : 0);
}

/* Loads DIR/NAME.npy and applies the view spec; the caller frees *r. */
static void load_case(const char *dir, const char *name, const char *spec,
                      struct hr_resident **r, struct hr_array *v)
{
    char path[256];
    struct hr_err err;

    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    if (hr_array_load(path, name, NULL, r, &err) != 0)
        fail_msg("%s", err.msg);
    *v = (*r)->view;
    apply_view(v, spec);
}

static void test_show_matches_numpy(void **state)
{
    struct hr_testdir *f = *state;
    char cmd[512];
    char path[256];
    char line[512];
    char name[32];
    FILE *cases = NULL;
    long n = 0;
    long bad = 0;

    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py show %s",
             HR_PYTHON, HR_SOURCE_DIR, f->dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/cases.txt", f->dir);
    cases = fopen(path, "r");
    assert_non_null(cases);
    while (fgets(line, sizeof line, cases) != NULL) {
        struct hr_text t = HR_TEXT_INIT;
        struct hr_show_opts o;
        struct hr_resident *r = NULL;
        struct hr_array v;
        char *want = NULL;
        int edge = 0;
        int used = 0;

        assert_int_equal(sscanf(line, "%31s %d %n", name, &edge, &used), 2);
        load_case(f->dir, name, line + used, &r, &v);
        hr_show_opts_default(&o);
        o.edgeitems = edge;
        assert_int_equal(hr_show_format(&v, &o, &t), 0);
        snprintf(path, sizeof path, "%s/%s.%d.txt", f->dir, name, edge);
        want = read_all(path);
        n++;
        if (strcmp(want, t.s) != 0 && bad++ < 8)
            print_message("%s (%s, edgeitems %d):\nnumpy:\n%s\nhotrun:\n%s\n",
                          name, hr_dtype_name(v.dtype), edge, want, t.s);
        free(want);
        hr_text_free(&t);
        hr_array_free(r);
    }
    fclose(cases);
    print_message("%ld arrays compared with numpy, %ld differ\n", n, bad);
    assert_true(n > 300);
    assert_int_equal(bad, 0);
}

/* A view built by hand, over memory of the test's own. */
static void view_1d(struct hr_array *v, int dtype, const void *data,
                    int64_t n)
{
    memset(v, 0, sizeof *v);
    v->data = data;
    v->dtype = dtype;
    v->ndim = 1;
    v->shape[0] = n;
    v->itemsize = hr_dtype_size(dtype);
    v->strides[0] = v->itemsize;
    v->size = n;
    v->nbytes = n * v->itemsize;
    v->flags = HR_C_CONTIGUOUS | HR_F_CONTIGUOUS;
    v->name = "v";
}

static void test_show_header_names_shape_dtype_and_layout(void **state)
{
    struct hr_text t = HR_TEXT_INIT;
    struct hr_array v;
    double d[12] = { 0 };

    (void)state;
    view_1d(&v, HR_FLOAT64, d, 12);
    hr_show_header(&v, &t);
    assert_string_equal(t.s, "shape (12,) float64");
    hr_text_truncate(&t, 0);
    v.ndim = 2;
    v.shape[0] = 3;
    v.shape[1] = 4;
    v.strides[0] = 8;
    v.strides[1] = 24;
    hr_show_header(&v, &t);
    assert_string_equal(t.s, "shape (3, 4) float64, Fortran order");
    hr_text_truncate(&t, 0);
    v.shape[0] = 2;
    v.strides[0] = 16;
    v.size = 8;
    hr_show_header(&v, &t);
    assert_string_equal(t.s, "shape (2, 4) float64, strided view");
    hr_text_truncate(&t, 0);
    v.ndim = 0;
    v.size = 1;
    hr_show_header(&v, &t);
    assert_string_equal(t.s, "shape () float64");
    hr_text_free(&t);
}

static void test_show_refuses_an_unsound_array(void **state)
{
    struct hr_text t = HR_TEXT_INIT;
    struct hr_show_opts o;
    struct hr_array v;
    double d[4] = { 1, 2, 3, 4 };

    (void)state;
    hr_show_opts_default(&o);
    view_1d(&v, HR_FLOAT64, d, 4);
    v.itemsize = 4;
    assert_int_equal(hr_show_format(&v, &o, &t), HR_EINVAL);
    view_1d(&v, HR_FLOAT64, d, 4);
    v.size = 5;
    assert_int_equal(hr_show_format(&v, &o, &t), HR_EINVAL);
    view_1d(&v, HR_FLOAT64, d, 4);
    o.edgeitems = 0;
    assert_int_equal(hr_show_format(&v, &o, &t), HR_EINVAL);
    assert_null(t.s);
}

/* A few texts worked out by hand from NumPy's rules, so that a broken
 * numpy_ref.py cannot hide a bug. */
static void test_show_known_texts(void **state)
{
    struct hr_text t = HR_TEXT_INIT;
    struct hr_show_opts o;
    struct hr_array v;
    double d[3] = { 1.5, -2.25, 3.0 };
    double e[2] = { 1e-5, 1.0 };
    double s[3] = { NAN, -INFINITY, 0.5 };
    int64_t i[3] = { -5, 120, 7 };
    uint8_t b[2] = { 1, 0 };
    char buf[64];

    (void)state;
    hr_show_opts_default(&o);
    view_1d(&v, HR_FLOAT64, d, 3);
    assert_int_equal(hr_show_format(&v, &o, &t), 0);
    assert_string_equal(t.s, "[ 1.5  -2.25  3.  ]\n");
    hr_text_truncate(&t, 0);
    view_1d(&v, HR_FLOAT64, e, 2);
    assert_int_equal(hr_show_format(&v, &o, &t), 0);
    assert_string_equal(t.s, "[1.e-05 1.e+00]\n");
    hr_text_truncate(&t, 0);
    view_1d(&v, HR_FLOAT64, s, 3);
    assert_int_equal(hr_show_format(&v, &o, &t), 0);
    assert_string_equal(t.s, "[ nan -inf  0.5]\n");
    hr_text_truncate(&t, 0);
    view_1d(&v, HR_INT64, i, 3);
    assert_int_equal(hr_show_format(&v, &o, &t), 0);
    assert_string_equal(t.s, "[ -5 120   7]\n");
    hr_text_truncate(&t, 0);
    view_1d(&v, HR_BOOL, b, 2);
    assert_int_equal(hr_show_format(&v, &o, &t), 0);
    assert_string_equal(t.s, "[ True False]\n");
    hr_text_free(&t);
    assert_int_equal(hr_show_f64(0.1, buf, sizeof buf), 3);
    assert_string_equal(buf, "0.1");
    hr_show_f64(1e16, buf, sizeof buf);
    assert_string_equal(buf, "1e+16");
    hr_show_f64(2.0, buf, sizeof buf);
    assert_string_equal(buf, "2.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_show_matches_numpy, setup,
                                        teardown),
        cmocka_unit_test(test_show_header_names_shape_dtype_and_layout),
        cmocka_unit_test(test_show_refuses_an_unsound_array),
        cmocka_unit_test(test_show_known_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
