/* test_sig.c - finding a task file's functions and their real signatures */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libtcc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

static const char source[] =
    "#include \"hotrun.h\"\n"
    "/* double commented(const struct hr_array *a) { } */\n"
    "typedef long long myint;\n"
    "struct pt { int x, y; } origin = { 0, 0 };\n"
    "static double helper(double x) { return x * 2; }\n"
    "double proto(const struct hr_array *a);\n"
    "double (*fp)(double) = 0;\n"
    "double mean(const struct hr_array *a)\n{\n    return 1.5;\n}\n"
    "float  f32 (struct hr_array const *a) { return 2.5f; }\n"
    "myint  count(void) { return 7; }\n"
    "_Bool  flag(const struct hr_array *a) { return 1; }\n"
    "void   done(const struct hr_array *a) { }\n"
    "unsigned char byte(void) { return 200; }\n"
    "int    add(int x,\n           int y) { return x + y; }\n"
    "const char *name(void) { return \"n\"; }\n"
    "__attribute__((noinline)) double attr(void) { return 0; }\n";

static void test_sig_scan_finds_non_static_definitions(void **state)
{
    struct hr_sig_fn *f = NULL;
    int n = 0;
    const char *want[] = { "mean", "f32", "count", "flag", "done", "byte",
                           "add", "name", "attr" };
    int i;

    (void)state;
    assert_int_equal(hr_sig_scan(source, strlen(source), &f, &n), 0);
    assert_int_equal(n, 9);
    for (i = 0; i < n; i++)
        assert_string_equal(f[i].name, want[i]);
    assert_string_equal(f[0].decl, "double mean(const struct hr_array *a)");
    assert_int_equal(f[0].line, 8);
    assert_string_equal(f[6].decl, "int add(int x, int y)");
    assert_string_equal(f[8].decl,
                        "__attribute__((noinline)) double attr(void)");
    hr_sig_free(f, n);
}

/* Compiles source and its probes with libtcc and reads each probe. */
static void test_sig_probes_tell_each_return_type(void **state)
{
    struct hr_sig_fn *f = NULL;
    TCCState *s = tcc_new();
    char *probes = NULL;
    char *text = NULL;
    int n = 0;
    int i;
    struct { const char *name; int code; } want[] = {
        { "mean", HR_SIG_CODE(HR_RET_DOUBLE, 1) },
        { "f32", HR_SIG_CODE(HR_RET_FLOAT, 1) },
        { "count", HR_SIG_CODE(HR_RET_LLONG, 0) },
        { "flag", HR_SIG_CODE(HR_RET_BOOL, 1) },
        { "done", HR_SIG_CODE(HR_RET_VOID, 1) },
        { "byte", HR_SIG_CODE(HR_RET_UCHAR, 0) },
        { "add", 0 },
        { "name", 0 },
        { "attr", HR_SIG_CODE(HR_RET_DOUBLE, 0) },
    };

    (void)state;
    assert_non_null(s);
    assert_int_equal(hr_sig_scan(source, strlen(source), &f, &n), 0);
    probes = hr_sig_probes(f, n);
    assert_non_null(probes);
    assert_true(asprintf(&text, "%s%s", source, probes) > 0);
    tcc_set_lib_path(s, HR_TCC_LIBDIR);
    tcc_add_include_path(s, HR_SOURCE_DIR "/include");
    tcc_set_options(s, "-nostdlib");
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    assert_int_equal(tcc_compile_string(s, text), 0);
    assert_true(tcc_relocate(s, TCC_RELOCATE_AUTO) >= 0);
    for (i = 0; i < n; i++) {
        char sym[256];
        const int *v = NULL;

        hr_sig_symbol(want[i].name, sym, sizeof sym);
        v = tcc_get_symbol(s, sym);
        assert_non_null(v);
        assert_int_equal(*v, want[i].code);
    }
    tcc_delete(s);
    free(text);
    free(probes);
    hr_sig_free(f, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_scan_finds_non_static_definitions),
        cmocka_unit_test(test_sig_probes_tell_each_return_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
