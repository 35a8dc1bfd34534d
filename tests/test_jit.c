/* test_jit.c - compiling task files in memory */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "coderange.h"
#include "jit.h"
#include "jit_tcc.h"

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

    if (hr_jit_compile(p, &f->opts, &m, &err) != 0)
        fail_msg("%s", err.msg);
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

/* ---- hostile input: a reload ends in a module or an error, never
 * worse, and the compiler works after it ---- */

static double seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void compiler_still_works(struct fx *f)
{
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    struct hr_array a = { 0 };
    const char *p = write_task(f, "good.c",
        "#include \"hotrun.h\"\n"
        "double good(const struct hr_array *a) { return a->size + 40; }\n");

    if (hr_jit_compile(p, &f->opts, &m, &err) != 0)
        fail_msg("the next compile failed: %s", err.msg);
    a.size = 2;
    assert_true(call(m, "good", &a) == 42.0);
    hr_jit_free(m);
    /* libtcc holds nothing between compiles, failed ones included */
    assert_int_equal(hr_tcc_blocks(), 0);
}

static void expect_refused(struct fx *f, const char *path, int want_rc,
                           const char *want)
{
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    int rc = hr_jit_compile(path, &f->opts, &m, &err);

    if (getenv("HR_TEST_VERBOSE") != NULL)
        print_message("%s: %s\n", path, err.msg);
    if (rc != want_rc || strstr(err.msg, want) == NULL)
        fail_msg("%s: rc %d (want %d), message \"%s\" (want \"%s\")", path,
                 rc, want_rc, err.msg, want);
    assert_null(m);
    compiler_still_works(f);
}

/* write_task() for big generated text */
static char *write_big(struct fx *f, const char *name, const char *head,
                       const char *unit, size_t n, const char *mid,
                       const char *unit2, const char *tail)
{
    static char path[256];
    FILE *fp = NULL;
    size_t i;

    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(head, fp);
    for (i = 0; i < n; i++)
        fputs(unit, fp);
    fputs(mid, fp);
    for (i = 0; unit2 != NULL && i < n; i++)
        fputs(unit2, fp);
    fputs(tail, fp);
    fclose(fp);
    return path;
}

static void test_jit_refuses_what_is_not_a_regular_file(void **state)
{
    struct fx *f = *state;
    char path[256];

    snprintf(path, sizeof path, "%s/fifo.c", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_refused(f, path, HR_EIO, "fifo.c: not a regular file (a fifo)");
    snprintf(path, sizeof path, "%s/dir.c", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    expect_refused(f, path, HR_EIO, "dir.c: is a directory");
    expect_refused(f, "/dev/zero", HR_EIO,
                   "/dev/zero: not a regular file (a character device)");
}

static void test_jit_refuses_a_file_too_large(void **state)
{
    struct fx *f = *state;
    char path[256];
    int fd;

    snprintf(path, sizeof path, "%s/huge.c", f->dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)100 << 20), 0);  /* sparse */
    close(fd);
    expect_refused(f, path, HR_EIO,
                   "huge.c: too large to compile (100 MB; the limit is "
                   "16 MB)");
}

static void test_jit_refuses_binary_junk(void **state)
{
    struct fx *f = *state;
    char junk[3000];
    char path[256];
    FILE *fp = NULL;
    unsigned r = 12345;
    size_t i;

    for (i = 0; i < sizeof junk; i++) {
        r = r * 1103515245u + 12345u;
        junk[i] = (char)(r >> 16);
    }
    junk[1500] = '\0';
    snprintf(path, sizeof path, "%s/junk.c", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fwrite(junk, 1, sizeof junk, fp);
    fclose(fp);
    expect_refused(f, path, HR_ECOMPILE, "a NUL byte: not C source text");
    for (i = 0; i < sizeof junk; i++) {
        if (junk[i] == '\0')
            junk[i] = 'x';
    }
    fp = fopen(path, "w");
    assert_non_null(fp);
    fwrite(junk, 1, sizeof junk, fp);
    fclose(fp);
    expect_refused(f, path, HR_ECOMPILE, "junk.c:");
}

static void test_jit_refuses_deep_brackets(void **state)
{
    struct fx *f = *state;
    const char *p = NULL;

    p = write_big(f, "p20k.c", "#include \"hotrun.h\"\n"
                  "double f(const struct hr_array *a)\n{ return ", "(",
                  20000, "1", ")", "; }\n");
    expect_refused(f, p, HR_ECOMPILE,
                   "p20k.c:3: error: brackets nested deeper than 10000");
    p = write_big(f, "p1m.c", "double f(void *a) { return ", "(", 1000000,
                  "1", ")", "; }\n");
    expect_refused(f, p, HR_ECOMPILE, "p1m.c:1: error: brackets nested");
}

/* Nesting the lexical check cannot see overflows the compiler's stack:
 * caught on its thread, libtcc put back in order, the next compile works
 * (three times over: its lock must have been released each time). */
static void test_jit_survives_compiler_stack_overflow(void **state)
{
    struct fx *f = *state;
    const char *p = write_big(f, "neg.c", "#include \"hotrun.h\"\n"
                              "double f(const struct hr_array *a)\n"
                              "{ return ", "- ", 1000000, "1", NULL,
                              "; }\n");
    int i;

    for (i = 0; i < 3; i++)
        expect_refused(f, p, HR_ECOMPILE, "neg.c: error: the compiler ran "
                       "out of stack (nested too deeply?)");
}

/* Macros that double the nesting: a few lines, a million levels, and
 * compile time that explodes long before the stack does. */
static void test_jit_stops_an_exploding_macro(void **state)
{
    struct fx *f = *state;
    char text[2048];
    size_t n = 0;
    double t0;
    int i;

    n += (size_t)snprintf(text + n, sizeof text - n,
                          "#include \"hotrun.h\"\n#define D1(x) ((x))\n");
    for (i = 2; i <= 20; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "#define D%d(x) D%d(D%d(x))\n", i, i - 1,
                              i - 1);
    snprintf(text + n, sizeof text - n,
             "double f(const struct hr_array *a) { return D20(1); }\n");
    f->opts.timeout_s = 0.5;
    t0 = seconds();
    expect_refused(f, write_task(f, "macro.c", text), HR_ETIMEOUT,
                   "macro.c: error: compiling took longer than 0.5 s");
    assert_true(seconds() - t0 < 5.0);
    f->opts.timeout_s = 0;
}

static void test_jit_limits_compiler_memory(void **state)
{
    struct fx *f = *state;
    char text[2048];
    size_t n = 0;
    int i;

    n += (size_t)snprintf(text + n, sizeof text - n,
                          "#include \"hotrun.h\"\n#define W1 0,0\n");
    for (i = 2; i <= 24; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "#define W%d W%d,W%d\n", i, i - 1, i - 1);
    snprintf(text + n, sizeof text - n, "static double t[] = {W24};\n"
             "double f(const struct hr_array *a) { return t[0]; }\n");
    f->opts.max_mem = (size_t)32 << 20;
    expect_refused(f, write_task(f, "wide.c", text), HR_ECOMPILE,
                   "error: used more than 32 MB of memory");
    f->opts.max_mem = 0;
}

static void test_jit_refuses_includes_that_are_not_files(void **state)
{
    struct fx *f = *state;
    char path[256];

    snprintf(path, sizeof path, "%s/x.h", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_refused(f, write_task(f, "incfifo.c", "#include \"hotrun.h\"\n"
                                 "#include \"x.h\"\n"
                                 "double f(const struct hr_array *a) "
                                 "{ return 1; }\n"),
                   HR_ECOMPILE, "x.h: not a regular file (a fifo)");
    expect_refused(f, write_task(f, "incdev.c", "#include \"/dev/zero\"\n"
                                 "double f(void *a) { return 1; }\n"),
                   HR_ECOMPILE, "/dev/zero: not a regular file");
    /* "-" is libtcc's name for standard input: hotrun's commands */
    expect_refused(f, write_task(f, "incin.c", "#include \"hotrun.h\"\n"
                                 "#include \"-\"\n"
                                 "double f(const struct hr_array *a) "
                                 "{ return 1; }\n"),
                   HR_ECOMPILE, "standard input cannot be compiled");
}

static void test_jit_limits_files_opened(void **state)
{
    struct fx *f = *state;
    const char *p = NULL;

    write_task(f, "e.h", "\n");
    p = write_big(f, "many.c", "", "#include \"e.h\"\n", 5000, "", NULL,
                  "double f(void *a) { return 1; }\n");
    expect_refused(f, p, HR_ECOMPILE, "opened more than 4096 files");
}

/* The guard may stop a task only in task code: a module's code is
 * registered as such while it is mapped. */
static void test_jit_registers_module_code_as_task_code(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };
    const char *p = write_task(f, "reg.c", "#include \"hotrun.h\"\n"
        "double g(const struct hr_array *a) { return 1; }\n");
    uintptr_t fn;

    assert_int_equal(hr_jit_compile(p, &f->opts, &m, &err), 0);
    fn = (uintptr_t)(const void *)m->tasks[0].fn;
    assert_true(hr_coderange_has(fn));
    assert_true(hr_coderange_has(m->text_end - 1));
    assert_false(hr_coderange_has(m->text_end));
    assert_false(hr_coderange_has((uintptr_t)(const void *)&hr_jit_free));
    hr_jit_free(m);
    assert_false(hr_coderange_has(fn));
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
        cmocka_unit_test(test_jit_refuses_what_is_not_a_regular_file),
        cmocka_unit_test(test_jit_refuses_a_file_too_large),
        cmocka_unit_test(test_jit_refuses_binary_junk),
        cmocka_unit_test(test_jit_refuses_deep_brackets),
        cmocka_unit_test(test_jit_survives_compiler_stack_overflow),
        cmocka_unit_test(test_jit_stops_an_exploding_macro),
        cmocka_unit_test(test_jit_limits_compiler_memory),
        cmocka_unit_test(test_jit_refuses_includes_that_are_not_files),
        cmocka_unit_test(test_jit_limits_files_opened),
        cmocka_unit_test(test_jit_registers_module_code_as_task_code),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
