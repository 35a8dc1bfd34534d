/* test_csv.c - CSV/TSV loading and the number parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "numparse.h"
#include "pool.h"
#include "testdir.h"

struct fx {
    char dir[64];
    char path[128];
    struct hr_array_list l;
    struct hr_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    if (hr_testdir_make(f->dir, sizeof f->dir, "test_csv") != 0) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/t.csv", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hr_array_list_free(&f->l);
    hr_testdir_remove(f->dir);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *s, size_t n)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(s, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Loads text as a CSV file with options; returns the code. */
static int load_opts(struct fx *f, const char *text,
                     const struct hr_csv_opts *csv)
{
    struct hr_load_opts lo = { 0 };

    hr_array_list_free(&f->l);
    write_text(f->path, text, strlen(text));
    lo.csv = csv;
    f->err.msg[0] = '\0';
    return hr_array_load_all(f->path, NULL, &lo, &f->l, &f->err);
}

static const struct hr_resident *load_ok(struct fx *f, const char *text)
{
    int rc = load_opts(f, text, NULL);

    if (rc != 0)
        print_error("load failed: %s\n", f->err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(f->l.n, 1);
    return f->l.items[0];
}

/* A failure: code, and one line "PATH" + want. */
static void expect_fail(struct fx *f, const char *text,
                        const struct hr_csv_opts *csv, int code,
                        const char *want)
{
    char full[512];
    int rc = load_opts(f, text, csv);

    snprintf(full, sizeof full, "%s%s", f->path, want);
    if (rc != code || strstr(f->err.msg, full) != f->err.msg)
        print_error("got %d '%s', want %d '%s'\n", rc, f->err.msg, code,
                    full);
    assert_int_equal(rc, code);
    assert_int_equal(f->l.n, 0);
    assert_ptr_equal(strstr(f->err.msg, full), f->err.msg);
    assert_null(strchr(f->err.msg, '\n'));
}

static double at(const struct hr_resident *r, int64_t i, int64_t j)
{
    return ((const double *)r->view.data)[i * r->view.shape[1] + j];
}

static void expect_shape(const struct hr_resident *r, int64_t rows,
                         int64_t cols)
{
    assert_int_equal(r->view.ndim, 2);
    assert_int_equal(r->view.shape[0], rows);
    assert_int_equal(r->view.shape[1], cols);
    assert_true(r->view.flags & HR_C_CONTIGUOUS);
}

/* ---- the number parser ---- */

static void expect_num(const char *s, int consumed)
{
    double v = 12345;
    const char *e = hr_numparse_f64(s, s + strlen(s), &v);
    char head[128];
    double want;

    snprintf(head, sizeof head, "%.*s", consumed, s);
    want = strtod(head, NULL);

    if (e - s != consumed)
        print_error("'%s': consumed %d, want %d\n", s, (int)(e - s),
                    consumed);
    assert_int_equal(e - s, consumed);
    if (consumed > 0 && !isnan(want))
        assert_memory_equal(&v, &want, sizeof v);
}

static void test_csv_numparse_grammar_is_pythons(void **state)
{
    (void)state;
    expect_num("1.5", 3);
    expect_num("-0.0", 4);
    expect_num("+.5", 3);
    expect_num("5.", 2);
    expect_num("1e5", 3);
    expect_num("1E-5", 4);
    expect_num("1e+300", 6);
    expect_num("1e400", 5);
    expect_num("-1e-400", 7);
    expect_num("Infinity", 8);
    expect_num("-inf", 4);
    expect_num("NaN", 3);
    expect_num("1e", 1);        /* the number is "1" */
    expect_num("1_0", 1);
    expect_num("0x10", 1);
    expect_num(".", 0);
    expect_num("+-1", 0);
    expect_num("--1", 0);
    expect_num("e5", 0);
    expect_num("infin", 0);
    expect_num("nan(1)", 3);    /* "(1)" is left: not a whole cell */
    expect_num("", 0);
}

/* Random decimals of up to 25 digits and every exponent, and the
 * classic hard cases, give exactly glibc's (correctly rounded) strtod. */
static void test_csv_numparse_is_correctly_rounded(void **state)
{
    static const char *const hard[] = {
        "2.2250738585072011e-308", "2.2250738585072014e-308",
        "9007199254740993", "1e23", "8.98846567431158e307",
        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "7.2057594037927933e16", "0.30000000000000004",
        "123456789012345678901234567890", "4503599627370496.5",
        "4503599627370497.5", "9007199254740992.000000000000000000001",
    };
    char buf[64];
    size_t k;
    int i, d, n;

    (void)state;
    for (k = 0; k < sizeof hard / sizeof hard[0]; k++)
        expect_num(hard[k], (int)strlen(hard[k]));
    srand(13);
    for (i = 0; i < 200000; i++) {
        n = 1 + rand() % 25;
        d = 0;
        if (rand() % 2)
            buf[d++] = '-';
        for (k = 0; k < (size_t)n; k++) {
            if ((int)k == n / 2 && rand() % 3)
                buf[d++] = '.';
            buf[d++] = (char)('0' + rand() % 10);
        }
        d += snprintf(buf + d, sizeof buf - (size_t)d, "e%d",
                      rand() % 700 - 350);
        expect_num(buf, d);
    }
}

/* ---- files ---- */

static void test_csv_load_header_and_values(void **state)
{
    struct fx *f = *state;
    const struct hr_resident *r = load_ok(f, "a,b,c\n1,2.5,-3\n4,5,6e2\n");

    expect_shape(r, 2, 3);
    assert_int_equal(r->view.dtype, HR_FLOAT64);
    assert_string_equal(r->format, "csv");
    assert_string_equal(r->name, "t");
    assert_int_equal(r->ncolumns, 3);
    assert_string_equal(r->columns[1], "b");
    assert_true(at(r, 0, 1) == 2.5 && at(r, 1, 2) == 600);
    assert_int_equal(hr_array_col_index(r, "c"), 2);
    assert_int_equal(hr_array_col_index(r, "d"), -1);
    assert_int_equal(hr_array_col_index(NULL, "c"), -1);
    r = load_ok(f, "1,2\n3,4");     /* no header, no final newline */
    expect_shape(r, 2, 2);
    assert_null(r->columns);
    assert_int_equal(hr_array_col_index(r, "1"), -1);
    assert_true(at(r, 1, 1) == 4);
}

static void test_csv_load_sniffs_delimiters(void **state)
{
    static const char *const texts[] = {
        "x\ty\tz\n1\t2\t3\n4\t5\t6\n", "1;2;3\n4;5;6\n",
        "1|2|3\n4|5|6\n", "  1   2 3\n4 5   6  \n",
        "a b,c\n1,2\n3,4\n",    /* the blank is in a name */
    };
    struct fx *f = *state;
    const struct hr_resident *r;
    size_t k;

    for (k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        r = load_ok(f, texts[k]);
        expect_shape(r, 2, k < 4 ? 3 : 2);
        assert_true(at(r, 1, 1) == (k < 4 ? 5 : 4));
    }
    r = load_ok(f, "1.5\n2.5\n");   /* one column */
    expect_shape(r, 2, 1);
}

static void test_csv_load_quotes_crlf_bom_comments(void **state)
{
    struct fx *f = *state;
    const struct hr_resident *r = load_ok(f,
        "\xef\xbb\xbf# made by a tool\r\n\r\n"
        "\"a, b\",\"say \"\"hi\"\"\",c\r\n"
        "  # indented comment\r\n"
        "\"1\",2,\"3\"\r\n"
        "4,\"5\",6\r\n");

    expect_shape(r, 2, 3);
    assert_string_equal(r->columns[0], "a, b");
    assert_string_equal(r->columns[1], "say \"hi\"");
    assert_true(at(r, 0, 0) == 1 && at(r, 0, 2) == 3 && at(r, 1, 1) == 5);
    /* a quoted field over two lines in a data row (lenient: NaN) */
    struct hr_csv_opts o = { 0, -1, 1 };
    assert_int_equal(load_opts(f, "x,y,z\n1,\"a\nb\",2\n3,4,5\n", &o), 0);
    r = f->l.items[0];
    expect_shape(r, 2, 3);
    assert_true(isnan(at(r, 0, 1)) && at(r, 0, 2) == 2 && at(r, 1, 0) == 3);
}

static void test_csv_load_empty_and_na_cells_are_nan(void **state)
{
    struct fx *f = *state;
    const struct hr_resident *r = load_ok(f,
        "a,b,c,d,e,f\n1,,NA,N/A,nan,NULL\n-nan,#N/A,<NA>,None,  ,7\n");
    int64_t j;

    expect_shape(r, 2, 6);
    assert_true(at(r, 0, 0) == 1 && at(r, 1, 5) == 7);
    for (j = 1; j < 6; j++)
        assert_true(isnan(at(r, 0, j)));
    for (j = 0; j < 5; j++)
        assert_true(isnan(at(r, 1, j)));
}

static void test_csv_load_errors_name_line_and_column(void **state)
{
    struct fx *f = *state;
    struct hr_csv_opts o = { 0, -1, 0 };

    expect_fail(f, "a,b\n1,2\n3,x4\n", NULL, HR_EFORMAT,
                ":3:3: 'x4' in column 'b' is not a number (--lenient");
    expect_fail(f, "1,2\n3,x4\n", NULL, HR_EFORMAT,
                ":2:3: 'x4' in column 2 is not a number");
    expect_fail(f, "1,2,3\n4,5\n", NULL, HR_EFORMAT,
                ":2: 2 fields, but the first row has 3");
    expect_fail(f, "a,b\n1,2,3\n", NULL, HR_EFORMAT,
                ":2: 3 fields, but the header has 2");
    expect_fail(f, "1,2\n3,\"4\n5,6\n", NULL, HR_EFORMAT,
                ":2: malformed quoting");
    expect_fail(f, "1,2\n3,4\"5\"\n", NULL, HR_EFORMAT,
                ":2: malformed quoting");
    expect_fail(f, "1,2\r3,4\n", NULL, HR_EFORMAT, ":1:4: stray carriage");
    expect_fail(f, "a,b\n", NULL, HR_EFORMAT, ": a header row and no data");
    expect_fail(f, "# only\n\n  \n", NULL, HR_EFORMAT, ": no rows");
    o.dtype = HR_INT16;
    expect_fail(f, "1,40000\n", &o, HR_EFORMAT,
                ":1:3: '40000' in column 2 is out of range for int16");
    expect_fail(f, "1,2.5\n", &o, HR_EFORMAT,
                ":1:3: '2.5' in column 2 is not an integer (int16)");
    expect_fail(f, "1,\n", &o, HR_EFORMAT, ":1:3: empty or NA cell");
    /* columns count characters after a byte-order mark */
    expect_fail(f, "\xef\xbb\xbf" "1,2.5\n", &o, HR_EFORMAT,
                ":1:3: '2.5' in column 2 is not an integer");
    o.dtype = HR_UINT8;
    expect_fail(f, "1,-1\n", &o, HR_EFORMAT, ":1:3: '-1' in column 2 is "
                "out of range for uint8");
}

static void test_csv_load_options(void **state)
{
    struct fx *f = *state;
    struct hr_csv_opts o = { 0, -1, 1 };
    const struct hr_resident *r;
    int d = 0;

    assert_int_equal(load_opts(f, "a,b\n1,oops\n2,3\n", &o), 0);
    r = f->l.items[0];
    assert_true(isnan(at(r, 0, 1)) && at(r, 1, 1) == 3);
    o.lenient = 0;
    o.delimiter = ';';
    assert_int_equal(load_opts(f, "a;b\n1,5;2\n", &o), HR_EFORMAT);
    assert_non_null(strstr(f->err.msg, ":2:1: '1,5'"));
    o.delimiter = ' ';
    assert_int_equal(load_opts(f, "1 \t 2\n3 4\n", &o), 0);
    expect_shape(f->l.items[0], 2, 2);
    o.delimiter = 0;
    o.dtype = HR_FLOAT32;
    assert_int_equal(load_opts(f, "0.1,1e39\n", &o), 0);
    r = f->l.items[0];
    assert_int_equal(r->view.dtype, HR_FLOAT32);
    assert_true(((const float *)r->view.data)[0] == (float)0.1);
    assert_true(isinf(((const float *)r->view.data)[1]));
    o.dtype = HR_UINT64;
    assert_int_equal(load_opts(f, "18446744073709551615,+7\n", &o), 0);
    assert_true(((const uint64_t *)f->l.items[0]->view.data)[0] ==
                UINT64_MAX);
    o.dtype = HR_COMPLEX64;
    expect_fail(f, "1\n", &o, HR_EINVAL, ": --dtype complex64 cannot hold");
    o.dtype = HR_INT32;
    o.lenient = 1;
    expect_fail(f, "1\n", &o, HR_EINVAL, ": --lenient reads bad cells");
    o.dtype = -1;
    o.lenient = 0;
    o.delimiter = '"';
    expect_fail(f, "1\n", &o, HR_EINVAL, ": '\"' cannot be the delimiter");
    assert_int_equal(hr_csv_parse_delimiter("tab", &d), 0);
    assert_int_equal(d, '\t');
    assert_int_equal(hr_csv_parse_delimiter("space", &d), 0);
    assert_int_equal(d, ' ');
    assert_int_equal(hr_csv_parse_delimiter("|", &d), 0);
    assert_int_equal(d, '|');
    assert_int_equal(hr_csv_parse_delimiter("ab", &d), HR_EINVAL);
}

/* A file of several MB is cut into chunks converted on two threads,
 * quoted fields with newlines crossing the cuts: the same values as
 * written, in order. */
static void test_csv_load_parallel_chunks_keep_order(void **state)
{
    struct fx *f = *state;
    const int64_t rows = 200000;
    const struct hr_resident *r;
    size_t cap = (size_t)rows * 64 + 64;
    char *text = malloc(cap);
    struct hr_csv_opts o = { 0, -1, 1 };
    struct hr_load_opts lo = { 0 };
    size_t len = 0;
    int64_t i;

    assert_non_null(text);
    hr_pool_start(2);
    len += (size_t)snprintf(text, cap, "a,b,c\n");
    for (i = 0; i < rows; i++) {
        if (i % 5000 == 0)
            len += (size_t)snprintf(text + len, cap - len, "# \"odd\n");
        if (i % 7 == 0)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%lld.25,\"x\ny,\"\"z\",%lld\n",
                                    (long long)i, (long long)-i);
        else
            len += (size_t)snprintf(text + len, cap - len,
                                    "%lld.25,%lld.5,%lld\n", (long long)i,
                                    (long long)i, (long long)-i);
    }
    write_text(f->path, text, len);
    free(text);
    lo.csv = &o;
    assert_int_equal(hr_array_load_all(f->path, NULL, &lo, &f->l, &f->err),
                     0);
    r = f->l.items[0];
    expect_shape(r, rows, 3);
    for (i = 0; i < rows; i++) {
        assert_true(at(r, i, 0) == (double)i + 0.25);
        if (i % 7 == 0)
            assert_true(isnan(at(r, i, 1)));
        else
            assert_true(at(r, i, 1) == (double)i + 0.5);
        assert_true(at(r, i, 2) == (double)-i);
    }
}

/* The first bad cell of a big file is the one reported, at its line,
 * whichever thread met it. */
static void test_csv_load_parallel_reports_first_error(void **state)
{
    struct fx *f = *state;
    const int64_t rows = 300000;
    size_t cap = (size_t)rows * 32 + 64;
    char *text = malloc(cap);
    char want[256];
    size_t len = 0;
    int64_t i;

    assert_non_null(text);
    hr_pool_start(2);
    len += (size_t)snprintf(text, cap, "a,b\n");
    for (i = 0; i < rows; i++)
        len += (size_t)snprintf(text + len, cap - len, "%lld,%s\n",
                                (long long)i, i == 123456 || i == 250000
                                ? "bad" : "1.5");
    write_text(f->path, text, len);
    free(text);
    assert_int_equal(hr_array_load_all(f->path, NULL, NULL, &f->l, &f->err),
                     HR_EFORMAT);
    snprintf(want, sizeof want, "%s:123458:8: 'bad'", f->path);
    assert_ptr_equal(strstr(f->err.msg, want), f->err.msg);
    assert_int_equal(f->l.n, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_csv_numparse_grammar_is_pythons),
        T(test_csv_numparse_is_correctly_rounded),
        T(test_csv_load_header_and_values),
        T(test_csv_load_sniffs_delimiters),
        T(test_csv_load_quotes_crlf_bom_comments),
        T(test_csv_load_empty_and_na_cells_are_nan),
        T(test_csv_load_errors_name_line_and_column),
        T(test_csv_load_options),
        T(test_csv_load_parallel_chunks_keep_order),
        T(test_csv_load_parallel_reports_first_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
