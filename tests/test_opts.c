/* test_opts.c - the command line */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "opts.h"

static int parse(struct hr_opts *o, struct hr_err *err, int argc, ...)
{
    static char *argv[32];
    va_list ap;
    int i;

    va_start(ap, argc);
    argv[0] = "hotrun";
    for (i = 1; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    return hr_opts_parse(argc, argv, o, err);
}

static void test_opts_parse_arrays_and_options(void **state)
{
    struct hr_opts o;
    struct hr_err err = { { 0 } };

    (void)state;
    assert_int_equal(parse(&o, &err, 10, "-q", "-t", "a.c", "--timeout",
                           "2.5", "--load=read", "--isolate", "x=a.npy",
                           "b.npy"), 0);
    assert_true(o.quiet && o.isolate);
    assert_int_equal(o.ntasks, 1);
    assert_string_equal(o.tasks[0], "a.c");
    assert_true(o.timeout_s == 2.5);
    assert_int_equal(o.load, HR_LOAD_READ);
    assert_int_equal(o.narrays, 2);
    assert_string_equal(o.arrays[0], "x=a.npy");
    hr_opts_free(&o);
}

static void test_opts_parse_raw_and_csv_options(void **state)
{
    struct hr_opts o;
    struct hr_err err = { { 0 } };

    (void)state;
    assert_int_equal(parse(&o, &err, 6, "--dtype", ">i4", "--shape",
                           "4x5", "f.bin"), 0);
    assert_int_equal(o.raw.dtype, HR_INT32);
    assert_true(o.raw.big_endian);
    assert_int_equal(o.raw.ndim, 2);
    assert_int_equal(o.raw.shape[1], 5);
    hr_opts_free(&o);
    /* --dtype alone is the dtype of CSV values; --shape alone is wrong */
    assert_int_equal(parse(&o, &err, 4, "--dtype", "f4", "f.csv"), 0);
    assert_int_equal(o.raw.raw, 0);
    assert_true(o.raw.csv_dtype_set);
    assert_int_equal(o.raw.csv_dtype, HR_FLOAT32);
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 4, "--shape", "3x4", "f.bin"),
                     HR_EINVAL);
    assert_non_null(strstr(err.msg, "--dtype"));
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 6, "--delimiter", "tab", "--lenient",
                           "f.tsv"), 0);
    assert_int_equal(o.raw.delimiter, '\t');
    assert_int_equal(o.raw.lenient, 1);
    assert_false(o.raw.csv_dtype_set);
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 4, "--delimiter", "ab", "f.tsv"),
                     HR_EINVAL);
    assert_non_null(strstr(err.msg, "--delimiter"));
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 5, "--dtype", "q9", "--shape", "3"),
                     HR_EINVAL);
    assert_non_null(strstr(err.msg, "q9"));
    hr_opts_free(&o);
}

static void test_opts_parse_rejects_bad_values(void **state)
{
    struct hr_opts o;
    struct hr_err err = { { 0 } };

    (void)state;
    assert_int_equal(parse(&o, &err, 2, "--bogus"), HR_EINVAL);
    assert_non_null(strstr(err.msg, "--bogus"));
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 3, "--timeout", "-1"), HR_EINVAL);
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 2, "--load=fast"), HR_EINVAL);
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 3, "--order", "X"), HR_EINVAL);
    hr_opts_free(&o);
}

/* "hotrun -q a.npy -c 'run t'" took -c for a file */
static void test_opts_parse_options_after_files(void **state)
{
    struct hr_opts o;
    struct hr_err err = { { 0 } };

    (void)state;
    assert_int_equal(parse(&o, &err, 8, "a.npy", "-c", "run t", "b=b.npy",
                           "-q", "--", "-c"), 0);
    assert_true(o.quiet);
    assert_int_equal(o.ncmds, 1);
    assert_string_equal(o.cmds[0], "run t");
    assert_int_equal(o.narrays, 3);
    assert_string_equal(o.arrays[0], "a.npy");
    assert_string_equal(o.arrays[1], "b=b.npy");
    assert_string_equal(o.arrays[2], "-c");     /* after --: a file */
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 4, "--watch", "t.c:f 7 10", "a.npy"),
                     0);
    assert_int_equal(o.nwatches, 1);
    assert_string_equal(o.watches[0], "t.c:f 7 10");
    hr_opts_free(&o);
}

static void test_opts_parse_help_and_version(void **state)
{
    struct hr_opts o;
    struct hr_err err = { { 0 } };

    (void)state;
    assert_int_equal(parse(&o, &err, 2, "--help"), 0);
    assert_true(o.help);
    hr_opts_free(&o);
    assert_int_equal(parse(&o, &err, 2, "-V"), 0);
    assert_true(o.version);
    hr_opts_free(&o);
    assert_non_null(strstr(hr_opts_usage(), "--watch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_parse_arrays_and_options),
        cmocka_unit_test(test_opts_parse_raw_and_csv_options),
        cmocka_unit_test(test_opts_parse_rejects_bad_values),
        cmocka_unit_test(test_opts_parse_options_after_files),
        cmocka_unit_test(test_opts_parse_help_and_version),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
