/* test_tier2.c - tier-up: gcc's code swapped in, same results, its log */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "jit.h"
#include "tier2.h"

#define ROWS 61
#define COLS 47

struct fx {
    char dir[64];
    struct hr_jit_opts opts;
    struct hr_tier2 *t;
    double f64[ROWS * COLS];
    float f32[ROWS * COLS];
    struct hr_array a64;
    struct hr_array a32;
};

static void make_array(struct hr_array *a, const void *data, int dtype,
                       int64_t itemsize)
{
    memset(a, 0, sizeof *a);
    a->data = data;
    a->dtype = dtype;
    a->ndim = 2;
    a->shape[0] = ROWS;
    a->shape[1] = COLS;
    a->strides[0] = COLS * itemsize;
    a->strides[1] = itemsize;
    a->size = ROWS * COLS;
    a->itemsize = itemsize;
    a->nbytes = ROWS * COLS * itemsize;
    a->flags = HR_C_CONTIGUOUS;
    a->name = "t";
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct hr_tier2_opts to = { 0 };
    uint64_t s = 88172645463325252ULL;
    int i;

    strcpy(f->dir, "/tmp/hr_test_tier2_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    f->opts.syms = hr_api_symbols(&f->opts.nsyms);
    f->opts.include_dir = HR_SOURCE_DIR "/include";
    to.syms = f->opts.syms;
    to.nsyms = f->opts.nsyms;
    if (hr_tier2_new(&to, &f->t) != 0)
        return -1;
    /* values in [0, 1) and a few outside, in no order */
    for (i = 0; i < ROWS * COLS; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        f->f64[i] = (double)(s >> 11) / 9007199254740992.0;
        if (i % 97 == 5)
            f->f64[i] = -f->f64[i] * 3;
        f->f32[i] = (float)f->f64[i];
    }
    make_array(&f->a64, f->f64, HR_FLOAT64, 8);
    make_array(&f->a32, f->f32, HR_FLOAT32, 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    hr_tier2_free(f->t);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static char *write_file(struct fx *f, const char *name, const char *text)
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

/* A compiler that sleeps first (writing its pid), then runs gcc. */
static const char *slow_cc(struct fx *f)
{
    static char path[256];
    char text[512];

    snprintf(text, sizeof text, "#!/bin/sh\necho $$ > %s/cc.pid\n"
             "sleep 30 & echo $! > %s/sleep.pid\nwait\nexec gcc \"$@\"\n",
             f->dir, f->dir);
    snprintf(path, sizeof path, "%s", write_file(f, "slowcc", text));
    assert_int_equal(chmod(path, 0755), 0);
    return path;
}

static struct hr_module *compile(struct fx *f, const char *path)
{
    struct hr_module *m = NULL;
    struct hr_err err = { { 0 } };

    if (hr_jit_compile(path, &f->opts, &m, &err) != 0)
        fail_msg("%s", err.msg);
    return m;
}

/* Starts m's tier-2 compile and waits for it. */
static void tier_up(struct fx *f, struct hr_module *m)
{
    struct hr_err err = { { 0 } };

    assert_int_equal(hr_tier2_start(f->t, m), 0);
    assert_int_equal(hr_tier2_wait(f->t, m, -1, &err), 0);
    if (m->tier != 2)
        fail_msg("no tier 2 for %s:\n%s", m->path, hr_tier2_log(f->t));
}

static void same_bits(double a, double b, const char *what)
{
    if (memcmp(&a, &b, sizeof a) != 0)
        fail_msg("%s: tier 1 %.17g, tier 2 %.17g", what, a, b);
}

static void test_tier2_swaps_tasks_to_gcc_code(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "a.c",
        "#include \"hotrun.h\"\n"
        "double twice(const struct hr_array *a) { return 2.0 * a->size; }\n"
        "double rows(const struct hr_array *a) { return hr_rows(a); }\n"));
    hr_task_fn before = m->tasks[0].fn;

    assert_int_equal(m->tier, 1);
    assert_false(hr_tier2_pending(m));
    assert_int_equal(hr_tier2_start(f->t, m), 0);
    assert_true(hr_tier2_pending(m));
    tier_up(f, m);
    assert_false(hr_tier2_pending(m));
    assert_ptr_not_equal(m->tasks[0].fn, before);
    assert_false(hr_jit_contains(m, 0) ||
                 hr_tier2_contains(m, (uintptr_t)before));
    assert_true(hr_tier2_contains(m, (uintptr_t)(void *)m->tasks[0].fn));
    assert_true(hr_jit_contains(m, (uintptr_t)(void *)m->tasks[1].fn));
    assert_true(m->tasks[0].fn(&f->a64) == 2.0 * ROWS * COLS);
    assert_true(m->tasks[1].fn(&f->a64) == ROWS);
    assert_true(m->t2_ready_ms > 0);
    assert_true(m->t2_ready_at.tv_sec > 0);
    assert_int_equal(m->t2_fast, 0);
    assert_false(m->t2_failed);
    assert_non_null(strstr(hr_tier2_log(f->t), "tier 2 in"));
    /* the same math again: nothing to do */
    assert_int_equal(hr_tier2_start(f->t, m), 0);
    assert_false(hr_tier2_pending(m));
    hr_jit_free(m);
}

/* Every task of the given files on both arrays, both tiers, same bits. */
static void check_file(struct fx *f, const char *path, int f32_too)
{
    struct hr_module *m = compile(f, path);
    double r1[64][2];
    int i;

    assert_true(m->ntasks <= 64);
    for (i = 0; i < m->ntasks; i++) {
        r1[i][0] = m->tasks[i].fn(&f->a64);
        r1[i][1] = f32_too ? m->tasks[i].fn(&f->a32) : 0;
    }
    tier_up(f, m);
    for (i = 0; i < m->ntasks; i++) {
        char what[256];

        snprintf(what, sizeof what, "%s:%s", path, m->tasks[i].name);
        same_bits(r1[i][0], m->tasks[i].fn(&f->a64), what);
        if (f32_too)
            same_bits(r1[i][1], m->tasks[i].fn(&f->a32), what);
    }
    hr_jit_free(m);
}

static void test_tier2_same_bits_for_shipped_tasks(void **state)
{
    struct fx *f = *state;

    check_file(f, HR_SOURCE_DIR "/tasks/demo.c", 0);
    check_file(f, HR_SOURCE_DIR "/tasks/filter.c", 0);
    check_file(f, HR_SOURCE_DIR "/tasks/colstats.c", 0);
    check_file(f, HR_SOURCE_DIR "/tasks/histogram.c", 0);
    check_file(f, HR_SOURCE_DIR "/bench/tasks/loops.c", 1);
    check_file(f, HR_SOURCE_DIR "/bench/tasks/speed.c", 0);
    check_file(f, HR_SOURCE_DIR "/bench/tasks/reload_min.c", 0);
    check_file(f, HR_SOURCE_DIR "/bench/tasks/reload_libc.c", 0);
}

/* float arithmetic, mixed types, conversions and libm: what -march=native
 * and -O2 could change if they were allowed to */
static void test_tier2_same_bits_for_float_corners(void **state)
{
    struct fx *f = *state;

    check_file(f, write_file(f, "fp.c",
        "#include \"hotrun.h\"\n"
        "double fma_like(const struct hr_array *a) {\n"
        "    const double *x = hr_f64(a); double s = 0; int64_t i;\n"
        "    for (i = 1; i < a->size; i++) s += x[i] * x[i - 1] + 0.1;\n"
        "    return s; }\n"
        "double floats(const struct hr_array *a) {\n"
        "    const double *x = hr_f64(a); float s = 0, p = 1; int64_t i;\n"
        "    for (i = 0; i < a->size; i++) { float v = (float)x[i];\n"
        "        s += v * 1.1f; p = p * 0.999f + v / 3.0f; }\n"
        "    return s + p; }\n"
        "double divs(const struct hr_array *a) {\n"
        "    const double *x = hr_f64(a); double s = 0; int64_t i;\n"
        "    for (i = 0; i < a->size; i++) s += x[i] / 7.0 - x[i] / 3.0;\n"
        "    return s; }\n"
        "double libm(const struct hr_array *a) {\n"
        "    const double *x = hr_f64(a); double s = 0; int64_t i;\n"
        "    for (i = 0; i < a->size; i++)\n"
        "        s += sqrt(fabs(x[i])) + sin(x[i]) * cos(x[i]) + \n"
        "             pow(fabs(x[i]), 1.5) + floor(x[i] * 10);\n"
        "    return s; }\n"
        "double convs(const struct hr_array *a) {\n"
        "    const double *x = hr_f64(a); double s = 0; int64_t i;\n"
        "    for (i = 0; i < a->size; i++) {\n"
        "        unsigned long long u = (unsigned long long)(fabs(x[i])\n"
        "                                                   * 1e19);\n"
        "        s += (double)u + (double)(long long)(x[i] * 1e6)\n"
        "             + (double)(float)x[i]; }\n"
        "    return s; }\n"
        "double nan_sign(const struct hr_array *a) {\n"
        "    double n = NAN; unsigned long long b; (void)a;\n"
        "    memcpy(&b, &n, sizeof b); return (double)(b >> 52); }\n"), 0);
}

static void test_tier2_builtins_same_in_both_tiers(void **state)
{
    struct fx *f = *state;
    struct hr_tier2_opts to = { 0 };
    const char *cc = NULL;

    check_file(f, HR_FIXTURES "/tier_builtins.c", 0);
    /* a machine without popcnt: gcc calls libgcc's __popcountdi2 */
    cc = write_file(f, "nopopcnt", "#!/bin/sh\nexec gcc \"$@\" "
                    "-mno-popcnt\n");
    assert_int_equal(chmod(cc, 0755), 0);
    to.cc = cc;
    to.syms = f->opts.syms;
    to.nsyms = f->opts.nsyms;
    hr_tier2_free(f->t);
    f->t = NULL;
    assert_int_equal(hr_tier2_new(&to, &f->t), 0);
    check_file(f, HR_FIXTURES "/tier_builtins.c", 0);
}

static void test_tier2_prelude_takes_system_headers_after_it(void **state)
{
    struct fx *f = *state;

    check_file(f, write_file(f, "hdr.c",
        "#include \"hotrun.h\"\n"
        "#include <math.h>\n"
        "#include <stdint.h>\n"
        "#include <stdio.h>\n"
        "#include <stdlib.h>\n"
        "#include <string.h>\n"
        "#include <assert.h>\n"
        "#include <stdbool.h>\n"
        "double f(const struct hr_array *a) {\n"
        "    int64_t n = a->size; bool ok = isfinite(1.0);\n"
        "    assert(ok);\n"
        "    return (double)n + isnan(NAN) + isinf(INFINITY) + M_PI; }\n"),
        0);
}

static void test_tier2_static_variables_start_over(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "st.c",
        "#include \"hotrun.h\"\n"
        "static int calls;\n"
        "double count(const struct hr_array *a) { (void)a;"
        " return ++calls; }\n"));

    assert_true(m->tasks[0].fn(&f->a64) == 1);
    assert_true(m->tasks[0].fn(&f->a64) == 2);
    tier_up(f, m);
    assert_true(m->tasks[0].fn(&f->a64) == 1);
    hr_jit_free(m);
}

static void test_tier2_locate_names_function_and_line(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "loc.c",
        "#include \"hotrun.h\"\n"
        "double first(const struct hr_array *a) { return a->size; }\n"
        "double second(const struct hr_array *a)\n"
        "{\n"
        "    return a->ndim * 3.0;\n"
        "}\n"));
    char where[256];
    uintptr_t pc;

    tier_up(f, m);
    pc = (uintptr_t)(void *)hr_jit_find(m, "second")->fn;
    hr_jit_locate(m, pc, where, sizeof where);
    assert_non_null(strstr(where, "second+0x0 ("));
    assert_non_null(strstr(where, "loc.c:"));
    hr_jit_locate(m, pc + 1, where, sizeof where);
    assert_non_null(strstr(where, "second+0x1 ("));
    assert_int_equal(hr_tier2_locate(m, (uintptr_t)&pc, where,
                                     sizeof where), HR_ENOENT);
    assert_string_equal(where, "");
    hr_jit_free(m);
}

static void test_tier2_compile_error_is_logged_tier1_stays(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "only1.c",
        "#include \"hotrun.h\"\n"
        "#ifndef __TINYC__\n"
        "#error this file is for tier 1 only\n"
        "#endif\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));
    struct hr_err err = { { 0 } };

    assert_int_equal(hr_tier2_start(f->t, m), 0);
    assert_int_equal(hr_tier2_wait(f->t, m, -1, &err), 0);
    assert_int_equal(m->tier, 1);
    assert_null(m->t2);
    assert_true(m->t2_failed);
    assert_true(m->tasks[0].fn(&f->a64) == 1);
    assert_non_null(strstr(hr_tier2_log(f->t), "compile failed"));
    assert_non_null(strstr(hr_tier2_log(f->t), "for tier 1 only"));
    assert_null(hr_tier2_notice(f->t));
    hr_jit_free(m);
}

static void test_tier2_missing_compiler_said_once(void **state)
{
    struct fx *f = *state;
    struct hr_tier2_opts to = { 0 };
    struct hr_tier2 *t = NULL;
    struct hr_module *m = compile(f, write_file(f, "n.c",
        "#include \"hotrun.h\"\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));
    const char *n = NULL;

    to.cc = "/nonexistent/hr-test-cc";
    to.syms = f->opts.syms;
    to.nsyms = f->opts.nsyms;
    assert_int_equal(hr_tier2_new(&to, &t), 0);
    assert_null(hr_tier2_notice(t));
    assert_int_equal(hr_tier2_start(t, m), 0);
    assert_false(hr_tier2_pending(m));
    n = hr_tier2_notice(t);
    assert_non_null(n);
    assert_non_null(strstr(n, "/nonexistent/hr-test-cc"));
    assert_non_null(strstr(n, "tier 1 only"));
    assert_null(hr_tier2_notice(t));
    assert_int_equal(hr_tier2_start(t, m), 0);
    assert_null(hr_tier2_notice(t));
    assert_int_equal(m->tier, 1);
    hr_jit_free(m);
    hr_tier2_free(t);
}

static pid_t read_pid(struct fx *f, const char *name)
{
    char path[256];
    FILE *fp = NULL;
    int pid = 0;
    int tries;

    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    for (tries = 0; tries < 1000 && pid == 0; tries++) {
        fp = fopen(path, "r");
        if (fp == NULL || fscanf(fp, "%d", &pid) != 1)
            usleep(10000);
        if (fp != NULL)
            fclose(fp);
    }
    assert_true(pid > 0);
    return (pid_t)pid;
}

/* gone, or a zombie waiting for its new parent */
static int dead(pid_t pid)
{
    char path[64], line[256];
    FILE *fp = NULL;
    char *close_paren = NULL;
    int z = 1;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fp = fopen(path, "r");
    if (fp == NULL)
        return 1;
    if (fgets(line, sizeof line, fp) != NULL) {
        close_paren = strrchr(line, ')');
        z = close_paren != NULL && close_paren[2] == 'Z';
    }
    fclose(fp);
    return z;
}

static void test_tier2_cancel_kills_the_whole_compile(void **state)
{
    struct fx *f = *state;
    struct hr_tier2_opts to = { 0 };
    struct hr_tier2 *t = NULL;
    struct hr_module *m = compile(f, write_file(f, "c.c",
        "#include \"hotrun.h\"\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));
    pid_t cc, sl;
    int tries;

    to.cc = slow_cc(f);
    to.syms = f->opts.syms;
    to.nsyms = f->opts.nsyms;
    assert_int_equal(hr_tier2_new(&to, &t), 0);
    assert_int_equal(hr_tier2_start(t, m), 0);
    cc = read_pid(f, "cc.pid");
    sl = read_pid(f, "sleep.pid");
    /* its own process group, not ours: Ctrl-C at the prompt misses it */
    assert_int_equal(getpgid(cc), cc);
    assert_int_not_equal(getpgid(cc), getpgrp());
    assert_int_equal(hr_tier2_jobs(t), 1);
    hr_jit_free(m);                 /* a newer reload frees the module */
    for (tries = 0; tries < 500 && hr_tier2_jobs(t) > 0; tries++) {
        struct pollfd p = { hr_tier2_fd(t), POLLIN, 0 };

        poll(&p, 1, 20);
        hr_tier2_poll(t);
    }
    assert_int_equal(hr_tier2_jobs(t), 0);
    /* their descriptors are closed; they may still be finishing exit() */
    for (tries = 0; tries < 500 && !(dead(cc) && dead(sl)); tries++)
        usleep(10000);
    assert_true(dead(cc));
    assert_true(dead(sl));
    assert_non_null(strstr(hr_tier2_log(t), "cancelled"));
    hr_tier2_free(t);
}

static void test_tier2_wait_ends_on_stop_fd(void **state)
{
    struct fx *f = *state;
    struct hr_tier2_opts to = { 0 };
    struct hr_tier2 *t = NULL;
    struct hr_module *m = compile(f, write_file(f, "w.c",
        "#include \"hotrun.h\"\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));
    struct hr_err err = { { 0 } };
    int pipefd[2];

    to.cc = slow_cc(f);
    to.syms = f->opts.syms;
    to.nsyms = f->opts.nsyms;
    assert_int_equal(hr_tier2_new(&to, &t), 0);
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(write(pipefd[1], "x", 1), 1);
    assert_int_equal(hr_tier2_start(t, m), 0);
    assert_int_equal(hr_tier2_wait(t, m, pipefd[0], &err), HR_EINTR);
    assert_non_null(strstr(err.msg, "interrupted"));
    assert_true(hr_tier2_pending(m));   /* the compile goes on */
    assert_int_equal(hr_tier2_poll(t), 0);
    hr_jit_free(m);
    hr_tier2_free(t);                   /* kills it */
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_tier2_mode_off_starts_nothing(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "off.c",
        "#include \"hotrun.h\"\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));

    hr_tier2_set_mode(f->t, HR_TIER2_OFF);
    assert_int_equal(hr_tier2_mode(f->t), HR_TIER2_OFF);
    assert_int_equal(hr_tier2_start(f->t, m), 0);
    assert_false(hr_tier2_pending(m));
    assert_int_equal(hr_tier2_jobs(f->t), 0);
    hr_tier2_set_mode(f->t, HR_TIER2_AUTO);
    tier_up(f, m);
    hr_jit_free(m);
}

static void test_tier2_fast_math_by_pragma_or_setting(void **state)
{
    struct fx *f = *state;
    struct hr_module *m = compile(f, write_file(f, "fast.c",
        "#include \"hotrun.h\"\n"
        "  #  pragma   hotrun fast_math  /* reordered sums */\n"
        "double sum(const struct hr_array *a) { const double *x = hr_f64(a);"
        " double s = 0; int64_t i; for (i = 0; i < a->size; i++)"
        " s += x[i]; return s; }\n"));
    struct hr_module *e = compile(f, write_file(f, "exact.c",
        "#include \"hotrun.h\"\n"
        "// #pragma hotrun fast_math\n"
        "#pragma hotrun fast_mathematics\n"
        "double one(const struct hr_array *a) { (void)a; return 1; }\n"));
    double want = 0;
    int i;

    assert_true(hr_tier2_source_fast(m));
    assert_false(hr_tier2_source_fast(e));
    for (i = 0; i < ROWS * COLS; i++)
        want += f->f64[i];
    tier_up(f, m);
    assert_int_equal(m->t2_fast, 1);
    assert_true(fabs(m->tasks[0].fn(&f->a64) - want) < 1e-9 * ROWS * COLS);
    tier_up(f, e);
    assert_int_equal(e->t2_fast, 0);
    /* the session setting recompiles with fast math */
    hr_tier2_set_fast(f->t, 1);
    tier_up(f, e);
    assert_int_equal(e->t2_fast, 1);
    assert_non_null(strstr(hr_tier2_log(f->t), "fast math"));
    hr_jit_free(m);
    hr_jit_free(e);
}

/* a task's own header next to it, and a helper in another function */
static void test_tier2_includes_from_the_file_folder(void **state)
{
    struct fx *f = *state;

    write_file(f, "util.h",
        "static double scale(double x) { return x * 4; }\n");
    check_file(f, write_file(f, "inc.c",
        "#include \"hotrun.h\"\n"
        "#include \"util.h\"\n"
        "double g(const struct hr_array *a) { return scale(a->size); }\n"),
        0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tier2_swaps_tasks_to_gcc_code,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_same_bits_for_shipped_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_same_bits_for_float_corners, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_builtins_same_in_both_tiers, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_prelude_takes_system_headers_after_it, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_static_variables_start_over, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_locate_names_function_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_compile_error_is_logged_tier1_stays, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_missing_compiler_said_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_cancel_kills_the_whole_compile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tier2_wait_ends_on_stop_fd,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tier2_mode_off_starts_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_fast_math_by_pragma_or_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_tier2_includes_from_the_file_folder, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
