/* test_jit.c - compiling task files in memory */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "jit.h"

struct fx {
    char dir[64];
    struct hr_jit_opts opts;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    strcpy(f->dir, "/tmp/hr_test_jit_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    f->opts.syms = hr_api_symbols(&f->opts.nsyms);
    f->opts.include_dir = HR_SOURCE_DIR "/include";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static char *write_task(struct fx *f, const char *name, const char *text)
{
    static char path[256];
    FILE *fp = NULL;

    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static double call(const struct hr_module *m, const char *name,
                   const struct hr_array *a)
{
    const struct hr_task *t = hr_jit_find(m, name);

    assert_non_null(t);
    return t->fn(a);
}

static void test_jit_compile_lists_tasks_in_order(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "t.c",
        "#include \"hotrun.h\"\n"
        "static double helper(double x) { return 2 * x; }\n"
        "int counter;\n"
        "double zeta(const struct hr_array *a) { return helper(a->size); }\n"
        "double alpha(const struct hr_array *a) { return a->ndim; }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_int_equal(m->ntasks, 2);     /* not the helper, not the int */
    assert_string_equal(m->tasks[0].name, "zeta");
    assert_string_equal(m->tasks[1].name, "alpha");
    a.size = 21;
    a.ndim = 3;
    assert_true(call(m, "zeta", &a) == 42.0);
    assert_true(call(m, "alpha", &a) == 3.0);
    assert_null(hr_jit_find(m, "helper"));
    assert_null(hr_jit_find(m, "counter"));
    assert_false(m->uses_libc_fallback);
    assert_true(m->compile_ms > 0);
    hr_jit_free(m);
}

static void test_jit_compile_error_names_file_and_line(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    const char *p = write_task(f, "bad.c",
        "#include \"hotrun.h\"\n"
        "double f(const struct hr_array *a)\n"
        "{\n"
        "    return a->size + nope;\n"
        "}\n");
    char want[300];

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), HR_ECOMPILE);
    assert_null(m);
    snprintf(want, sizeof want, "%s:4: error:", p);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "nope"));
}

static void test_jit_missing_file_is_enoent(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    char p[300];

    snprintf(p, sizeof p, "%s/missing.c", f->dir);
    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), HR_ENOENT);
    assert_non_null(strstr(err.msg, "missing.c"));
    assert_int_equal(hr_jit_compile(f->dir, &f->opts, &m, &err), HR_EIO);
}

static void test_jit_file_without_task_is_an_error(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    const char *p = write_task(f, "none.c",
        "static double g(double x) { return x; }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), HR_ECOMPILE);
    assert_non_null(strstr(err.msg, "defines no task"));
}

static void test_jit_undefined_symbol_is_reported(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    const char *p = write_task(f, "undef.c",
        "double nowhere(double);\n"
        "double f(const struct hr_array *a) { return nowhere(1); }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), HR_ECOMPILE);
    assert_non_null(strstr(err.msg, "undefined symbol 'nowhere'"));
}

static void test_jit_binds_libc_names_outside_the_subset(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "extra.c",
        "#include \"hotrun.h\"\n"
        "size_t strnlen(const char *s, size_t n);\n"
        "double f(const struct hr_array *a) { return strnlen(\"abcdef\", 4); }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_true(m->uses_libc_fallback);
    assert_true(call(m, "f", &a) == 4.0);
    hr_jit_free(m);
}

static void test_jit_system_headers_work(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "sys.c",
        "#include <stdio.h>\n#include <math.h>\n#include <stdlib.h>\n"
        "#include <string.h>\n#include <stdint.h>\n#include <assert.h>\n"
        "#include \"hotrun.h\"\n"
        "double f(const struct hr_array *a) {\n"
        "    char b[16]; snprintf(b, sizeof b, \"%d\", 7);\n"
        "    return sqrt(16.0) + atoi(b) + (double)INT32_MAX * 0; }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_true(call(m, "f", &a) == 11.0);
    hr_jit_free(m);
}

/* system headers after hotrun.h: nothing clashes, nothing is redefined */
static void test_jit_system_headers_after_hotrun_h(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "after.c",
        "#include \"hotrun.h\"\n#include <math.h>\n#include <assert.h>\n"
        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
        "#include <stdint.h>\n#include <stdbool.h>\n"
        "double f(const struct hr_array *a) {\n"
        "    assert(a != NULL);\n"
        "    return isnan(NAN) + isinf(INFINITY) + isfinite(1.0) +\n"
        "           !isfinite(-INFINITY) + (INT64_MAX > 0) + sqrt(4.0); }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_null(m->warnings);
    assert_true(call(m, "f", &a) == 7.0);
    hr_jit_free(m);
}

static void test_jit_classification_without_system_headers(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "cls.c",
        "#include \"hotrun.h\"\n"
        "double f(const struct hr_array *a) {\n"
        "    double z = 0;\n"
        "    return isnan(NAN) * 1 + isnan(1.0) * 10 + isinf(-INFINITY) * 100\n"
        "        + isinf(NAN) * 1000 + isfinite(z) * 10000\n"
        "        + isfinite(INFINITY) * 100000 + isfinite(NAN) * 1000000; }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_false(m->uses_libc_fallback);
    assert_true(call(m, "f", &a) == 10101.0);
    hr_jit_free(m);
}

/* every function hotrun.h declares for tasks must be bound by the host:
 * a task that takes the address of each one links without the libc
 * fallback */
static void test_jit_every_hotrun_h_function_is_bound(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    FILE *h = fopen(HR_SOURCE_DIR "/include/hotrun.h", "r");
    char line[512];
    char *src = calloc(1, 1 << 16);
    int n = 0;

    assert_non_null(h);
    strcat(src, "#include \"hotrun.h\"\nvoid *addrs[] = {\n");
    while (fgets(line, sizeof line, h) != NULL) {
        char *paren = strchr(line, '(');
        char *p = NULL;
        char *name = NULL;

        /* declarations look like "TYPE NAME(...);" at column 0 */
        if (paren == NULL || !isalpha((unsigned char)line[0]) ||
            strncmp(line, "typedef", 7) == 0 ||
            strncmp(line, "extern", 6) == 0)
            continue;
        p = paren;
        while (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            p--;
        if (p == paren || p == line)
            continue;
        name = strndup(p, (size_t)(paren - p));
        strcat(src, "    (void *)&");
        strcat(src, name);
        strcat(src, ",\n");
        free(name);
        n++;
    }
    fclose(h);
    strcat(src, "};\ndouble f(const struct hr_array *a) { return 1; }\n");
    assert_true(n > 150);
    assert_int_equal(hr_jit_compile(write_task(f, "all.c", src), &f->opts,
                                    &m, &err), 0);
    assert_false(m->uses_libc_fallback);
    hr_jit_free(m);
    free(src);
}

static void test_jit_tcc_runtime_helpers_are_bound(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "rt.c",
        "#include \"hotrun.h\"\n"
        "static double va(int n, ...) { va_list ap; double s = 0;\n"
        "    va_start(ap, n); while (n--) s += va_arg(ap, double);\n"
        "    va_end(ap); return s; }\n"
        "double f(const struct hr_array *a) {\n"
        "    volatile double d = 1e19; unsigned long u = (unsigned long)d;\n"
        "    double back = (double)u;\n"
        "    return va(3, 1.0, 2.0, 3.0) + (back == 1e19); }\n");

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    assert_false(m->uses_libc_fallback);
    assert_true(call(m, "f", &a) == 7.0);
    hr_jit_free(m);
}

static void test_jit_locate_names_function_and_line(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    char where[256];
    const char *p = write_task(f, "loc.c",
        "#include \"hotrun.h\"\n"
        "double first(const struct hr_array *a) { return 1; }\n"
        "static double helper(double x)\n"
        "{\n"
        "    return x * 3;\n"
        "}\n"
        "double second(const struct hr_array *a) { return helper(2); }\n");
    const struct hr_task *t = NULL;

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    t = hr_jit_find(m, "second");
    hr_jit_locate(m, (uintptr_t)(const void *)t->fn + 1, where,
                  sizeof where);
    assert_non_null(strstr(where, "second+0x1"));
    assert_non_null(strstr(where, "loc.c:7)"));
    /* the static helper sits between first and second */
    t = hr_jit_find(m, "first");
    hr_jit_locate(m, (uintptr_t)(const void *)hr_jit_find(m, "second")->fn
                  - 2, where, sizeof where);
    assert_non_null(strstr(where, "helper+0x"));
    assert_non_null(strstr(where, "loc.c:"));
    hr_jit_locate(m, (uintptr_t)&err, where, sizeof where);
    assert_string_equal(where, "");
    (void)t;
    hr_jit_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jit_compile_lists_tasks_in_order),
        cmocka_unit_test(test_jit_compile_error_names_file_and_line),
        cmocka_unit_test(test_jit_missing_file_is_enoent),
        cmocka_unit_test(test_jit_file_without_task_is_an_error),
        cmocka_unit_test(test_jit_undefined_symbol_is_reported),
        cmocka_unit_test(test_jit_binds_libc_names_outside_the_subset),
        cmocka_unit_test(test_jit_system_headers_work),
        cmocka_unit_test(test_jit_system_headers_after_hotrun_h),
        cmocka_unit_test(test_jit_classification_without_system_headers),
        cmocka_unit_test(test_jit_every_hotrun_h_function_is_bound),
        cmocka_unit_test(test_jit_tcc_runtime_helpers_are_bound),
        cmocka_unit_test(test_jit_locate_names_function_and_line),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
