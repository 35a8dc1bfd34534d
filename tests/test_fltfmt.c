/* test_fltfmt.c - float text against NumPy's format_float_positional and
 * format_float_scientific, for float16, float32 and float64 */
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

#include "fltfmt.h"

static const char trims[] = "k.0-";

static void value_of(const char *type, unsigned long long bits,
                     struct hr_flt *v)
{
    float f;
    double d;
    uint32_t u32 = (uint32_t)bits;

    if (strcmp(type, "f2") == 0) {
        hr_flt_from_f16((uint16_t)bits, v);
    } else if (strcmp(type, "f4") == 0) {
        memcpy(&f, &u32, sizeof f);
        hr_flt_from_f32(f, v);
    } else {
        memcpy(&d, &bits, sizeof d);
        hr_flt_from_f64(d, v);
    }
}

/* Each line of numpy_ref.py's output: the value, the options, a tab and
 * NumPy's text. */
static void test_fltfmt_matches_numpy(void **state)
{
    char path[] = "/tmp/test_fltfmt.XXXXXX";
    char cmd[512];
    char line[2048];
    char got[HR_FLT_BUF];
    FILE *f = NULL;
    int fd = mkstemp(path);
    long cases = 0;
    long bad = 0;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py fltfmt %s",
             HR_PYTHON, HR_SOURCE_DIR, path);
    assert_int_equal(system(cmd), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        struct hr_flt_opts o;
        struct hr_flt v;
        char type[8];
        char trim;
        char *want = strchr(line, '\t');
        unsigned long long bits;
        int n;

        assert_non_null(want);
        *want++ = '\0';
        want[strcspn(want, "\n")] = '\0';
        n = sscanf(line, "%7s %llx %d %d %d %d %d %c %d %d %d %d", type,
                   &bits, &o.scientific, &o.unique, &o.fractional,
                   &o.precision, &o.min_digits, &trim, &o.sign, &o.pad_left,
                   &o.pad_right, &o.exp_digits);
        assert_int_equal(n, 12);
        o.trim = (int)(strchr(trims, trim) - trims);
        value_of(type, bits, &v);
        assert_true(hr_flt_format(&v, &o, got, sizeof got) >= 0);
        cases++;
        if (strcmp(got, want) != 0 && bad++ < 30)
            print_message("%s: numpy '%s', hotrun '%s'\n", line, want, got);
    }
    fclose(f);
    unlink(path);
    print_message("%ld cases, %ld differ\n", cases, bad);
    assert_true(cases > 10000);
    assert_int_equal(bad, 0);
}

/* The float16 rounding used for NumPy's float16 arithmetic. */
static void test_fltfmt_to_f16_rounds_to_nearest_even(void **state)
{
    (void)state;
    assert_int_equal(hr_flt_to_f16(1.0), 0x3c00);
    assert_int_equal(hr_flt_to_f16(-2.0), 0xc000);
    assert_int_equal(hr_flt_to_f16(65504.0), 0x7bff);
    assert_int_equal(hr_flt_to_f16(65519.0), 0x7bff);
    assert_int_equal(hr_flt_to_f16(65520.0), 0x7c00);
    assert_int_equal(hr_flt_to_f16(1.0 + 0x1p-11), 0x3c00);     /* tie */
    assert_int_equal(hr_flt_to_f16(1.0 + 0x1p-10 + 0x1p-11), 0x3c02);
    assert_int_equal(hr_flt_to_f16(0x1p-24), 0x0001);
    assert_int_equal(hr_flt_to_f16(0x1p-25), 0x0000);           /* tie */
    assert_int_equal(hr_flt_to_f16(0x1.8p-25), 0x0001);
    assert_int_equal(hr_flt_to_f16(0x1.ffcp-15), 0x0400);
    assert_int_equal(hr_flt_to_f16(INFINITY), 0x7c00);
    assert_int_equal(hr_flt_to_f16(NAN) & 0x7c00, 0x7c00);
    assert_int_equal(hr_flt_to_f16(-0.0), 0x8000);
}

static void test_fltfmt_reports_a_short_buffer(void **state)
{
    struct hr_flt_opts o;
    struct hr_flt v;
    char buf[8];

    (void)state;
    hr_flt_opts_default(&o, 0);
    hr_flt_from_f64(123456789.5, &v);
    assert_int_equal(hr_flt_format(&v, &o, buf, sizeof buf), -1);
    assert_int_equal(strlen(buf), 7);
    hr_flt_from_f64(1.5, &v);
    assert_int_equal(hr_flt_format(&v, &o, buf, sizeof buf), 3);
    assert_string_equal(buf, "1.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fltfmt_matches_numpy),
        cmocka_unit_test(test_fltfmt_to_f16_rounds_to_nearest_even),
        cmocka_unit_test(test_fltfmt_reports_a_short_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
