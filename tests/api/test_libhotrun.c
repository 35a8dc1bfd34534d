/* test_libhotrun.c - the engine through its public API only
 *
 * Includes libhotrun.h (and hotrun.h through it) and nothing of src/, and
 * links the shared libhotrun.so: what a program embedding the engine can
 * do, it can do with what this test uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libhotrun.h"

struct fx {
    char dir[64];
    char path[300];
    struct hr_session *s;
    int progress_calls;
    int64_t last_done;
};

static void on_progress(void *ud, const char *label, int64_t done,
                        int64_t total)
{
    struct fx *f = ud;

    (void)label;
    if (total > 0) {
        f->progress_calls++;
        f->last_done = done;
    }
}

static const char *in(struct fx *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* a 3x4 float64 .npy holding 0..11 */
static void write_npy(const char *path)
{
    static const char magic[] = "\x93NUMPY\x01\x00";
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, "
                               "'shape': (3, 4), }";
    char header[118];
    double data[12];
    uint16_t hlen = sizeof header;
    FILE *fp = fopen(path, "wb");
    int i;

    assert_non_null(fp);
    for (i = 0; i < 12; i++)
        data[i] = i;
    memset(header, ' ', sizeof header);
    memcpy(header, dict, strlen(dict));
    header[sizeof header - 1] = '\n';
    fwrite(magic, 1, 8, fp);
    fwrite(&hlen, 2, 1, fp);
    fwrite(header, 1, sizeof header, fp);
    fwrite(data, sizeof data, 1, fp);
    fclose(fp);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct hr_session_hooks hooks = { on_progress, NULL, NULL };
    struct hr_err err = { { 0 } };

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/hr_test_api_XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    hooks.ud = f;
    if (hr_session_open(&hooks, &f->s) != 0)
        return -1;
    write_npy(in(f, "m.npy"));
    if (hr_session_load(f->s, in(f, "m.npy"), NULL, NULL, NULL, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    hr_session_close(f->s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static double run(struct fx *f, const char *spec, int argc, char **argv,
                  int *rc, struct hr_err *err)
{
    struct hr_run_result res;

    *rc = hr_session_run(f->s, spec, argc, argv, &res, err);
    return res.value;
}

static void test_api_arrays_are_described(void **state)
{
    struct fx *f = *state;
    struct hr_array_info a;
    struct hr_err err = { { 0 } };
    char shape[HR_SHAPE_TXT];
    uint64_t sum = 0, again = 0;

    assert_int_equal(hr_session_narrays(f->s), 1);
    assert_int_equal(hr_session_find_array(f->s, "m"), 0);
    assert_int_equal(hr_session_find_array(f->s, NULL), 0);
    assert_int_equal(hr_session_find_array(f->s, "nope"), -1);
    assert_int_equal(hr_session_array_info(f->s, 0, &a), 0);
    assert_string_equal(a.name, "m");
    assert_true(a.is_default);
    assert_int_equal(a.view->dtype, HR_FLOAT64);
    hr_shape_format(a.view, shape, sizeof shape);
    assert_string_equal(shape, "3x4");
    assert_string_equal(hr_dtype_name(a.view->dtype), "float64");
    assert_string_equal(hr_dtype_short(a.view->dtype), "f64");
    assert_int_equal(hr_session_array_info(f->s, 1, &a), HR_ENOENT);
    assert_int_equal(hr_session_checksum(f->s, "m", &sum, &err), 0);
    assert_int_equal(hr_session_checksum(f->s, NULL, &again, &err), 0);
    assert_true(sum == again);
    assert_int_equal(hr_session_checksum(f->s, "x", &sum, &err), HR_ENOENT);
    assert_non_null(strstr(err.msg, "'x'"));
    assert_int_equal(hr_session_use(f->s, "x", &err), HR_ENOENT);
    /* a failed load leaves the session as it was */
    assert_int_equal(hr_session_load(f->s, in(f, "none.npy"), NULL, NULL,
                                     NULL, &err), HR_ENOENT);
    assert_non_null(strstr(err.msg, "none.npy"));
    assert_int_equal(hr_session_narrays(f->s), 1);
}

/* a failed compile keeps the last good module, and says where */
static void test_api_reload_keeps_last_good_module(void **state)
{
    struct fx *f = *state;
    struct hr_module_info info;
    struct hr_err err = { { 0 } };
    char path[300];
    int m = -1;
    int rc;

    snprintf(path, sizeof path, "%s", in(f, "r.c"));
    write_file(path, "#include \"hotrun.h\"\n"
               "double v(const struct hr_array *a) { return a->size; }\n");
    assert_int_equal(hr_session_reload(f->s, path, &m, &err), 0);
    assert_int_equal(m, 0);
    assert_true(run(f, "v", 0, NULL, &rc, &err) == 12.0);
    assert_int_equal(rc, 0);
    write_file(path, "#include \"hotrun.h\"\n"
               "double v(const struct hr_array *a)\n{\n"
               "    double x = 1\n    return x;\n}\n");
    assert_int_equal(hr_session_reload(f->s, path, NULL, &err),
                     HR_ECOMPILE);
    /* gcc's form: file:line:col, the line, a caret after "= 1" */
    assert_non_null(strstr(err.msg, "r.c:4:17: error: ';' expected"));
    assert_non_null(strstr(err.msg, "    4 |     double x = 1\n"));
    assert_non_null(strstr(err.msg, "      |                 ^"));
    assert_int_equal(hr_session_nmodules(f->s), 1);
    assert_true(run(f, "r.c:v", 0, NULL, &rc, &err) == 12.0);
    write_file(path, "#include \"hotrun.h\"\n"
               "double v(const struct hr_array *a) { return 2; }\n"
               "double w(const struct hr_array *a) { return 3; }\n");
    assert_int_equal(hr_session_reload(f->s, path, &m, &err), 0);
    assert_int_equal(hr_session_nmodules(f->s), 1);
    assert_int_equal(hr_session_module_info(f->s, m, &info), 0);
    assert_int_equal(info.ntasks, 2);
    assert_string_equal(hr_session_task_name(f->s, m, 1), "w");
    assert_true(run(f, "w", 0, NULL, &rc, &err) == 3.0);
    assert_int_equal(hr_session_unload(f->s, path, &err), 0);
    assert_int_equal(hr_session_nmodules(f->s), 0);
    assert_int_equal(hr_session_unload(f->s, path, &err), HR_ENOENT);
}

/* an undefined symbol is shown at the first line that uses it */
static void test_api_undefined_symbol_names_its_line(void **state)
{
    struct fx *f = *state;
    struct hr_err err = { { 0 } };

    write_file(in(f, "u.c"), "#include \"hotrun.h\"\n"
               "/* nosuch in a comment does not count */\n"
               "double v(const struct hr_array *a)\n{\n"
               "    return a->size + nosuch(2);\n}\n");
    assert_int_equal(hr_session_reload(f->s, in(f, "u.c"), NULL, &err),
                     HR_ECOMPILE);
    assert_non_null(strstr(err.msg, "u.c:5:22: error: undefined symbol "
                                    "'nosuch'"));
    assert_non_null(strstr(err.msg, "      |                      ^"));
}

static void test_api_runs_take_arguments_and_survive_crashes(void **state)
{
    struct fx *f = *state;
    struct hr_err err = { { 0 } };
    char *args[] = { "2", "5" };
    uint64_t before = 0, after = 0;
    int rc;

    write_file(in(f, "t.c"), "#include \"hotrun.h\"\n"
               "double mul(const struct hr_array *a)\n"
               "{ return hr_arg_f64(0, 1) * hr_arg_f64(1, 1) * a->size; }\n"
               "double crash(const struct hr_array *a)\n"
               "{ volatile int *p = 0; (void)a; return *p; }\n"
               "double prog(const struct hr_array *a)\n"
               "{ for (int i = 0; i <= 10; i++) hr_progress(i, 10);\n"
               "  return hr_sum(a); }\n");
    assert_int_equal(hr_session_reload(f->s, in(f, "t.c"), NULL, &err), 0);
    assert_true(run(f, "mul", 2, args, &rc, &err) == 120.0);
    assert_int_equal(hr_session_checksum(f->s, NULL, &before, &err), 0);
    run(f, "crash", 0, NULL, &rc, &err);
    assert_int_equal(rc, HR_ECRASH);
    assert_non_null(strstr(err.msg, "segfault"));
    assert_int_equal(hr_session_checksum(f->s, NULL, &after, &err), 0);
    assert_true(before == after);
    assert_true(run(f, "prog", 0, NULL, &rc, &err) == 66.0);
    assert_true(f->progress_calls > 0);
    run(f, "nope", 0, NULL, &rc, &err);
    assert_int_equal(rc, HR_ENOENT);
    assert_non_null(strstr(err.msg, "'nope'"));
}

/* results by signature, arrays made on success only, kept blocks */
static void test_api_results_outputs_and_keeps(void **state)
{
    struct fx *f = *state;
    struct hr_run_result res;
    struct hr_array_info a;
    struct hr_keep_info k;
    struct hr_err err = { { 0 } };
    char *args[] = { "1", "2" };
    int i;

    write_file(in(f, "k.c"), "#include \"hotrun.h\"\n"
               "int64_t n(const struct hr_array *a)\n"
               "{ int64_t *c = hr_keep(\"c\", 8); ++*c;\n"
               "  return a->size * 1000000000000LL + *c; }\n"
               "void make(const struct hr_array *a)\n"
               "{ double *d = hr_new_like(\"twice\", a); int64_t i;\n"
               "  for (i = 0; i < a->size; i++) d[i] = 2 * hr_at(a, i);\n"
               "  if (hr_arg_f64(0, 0) > 0) hr_fail(\"asked to fail\"); }\n");
    assert_int_equal(hr_session_reload(f->s, in(f, "k.c"), NULL, &err), 0);
    assert_int_equal(hr_session_run(f->s, "n", 0, NULL, &res, &err), 0);
    assert_int_equal(res.kind, HR_RESULT_INT);
    assert_true(res.ivalue == 12000000000001LL);
    assert_int_equal(hr_session_run(f->s, "n", 2, args, &res, &err), 0);
    assert_true(res.ivalue == 12000000000002LL);
    assert_int_equal(res.unused_from, 0);
    assert_int_equal(hr_session_nkeeps(f->s), 1);
    assert_int_equal(hr_session_keep_info(f->s, 0, &k), 0);
    assert_string_equal(k.key, "c");
    assert_int_equal(k.nbytes, 8);
    /* a failed run makes nothing */
    assert_int_equal(hr_session_run(f->s, "make", 1, args, &res, &err),
                     HR_EFAIL);
    assert_int_equal(hr_session_find_array(f->s, "twice"), -1);
    assert_int_equal(hr_session_run(f->s, "make", 0, NULL, &res, &err), 0);
    assert_int_equal(res.kind, HR_RESULT_VOID);
    assert_int_equal(res.noutputs, 1);
    assert_string_equal(res.outputs[0], "twice");
    i = hr_session_find_array(f->s, "twice");
    assert_true(i > 0);
    assert_int_equal(hr_session_array_info(f->s, i, &a), 0);
    assert_string_equal(a.made_by, "make");
    assert_true(((const double *)a.view->data)[11] == 22.0);
    assert_int_equal(hr_session_forget(f->s, "c", &err), 0);
    assert_int_equal(hr_session_nkeeps(f->s), 0);
    assert_int_equal(hr_session_forget(f->s, "c", &err), HR_ENOENT);
}

static void test_api_task_specs_split_at_the_last_colon(void **state)
{
    const char *task = NULL;
    size_t n = 0;

    (void)state;
    hr_task_spec("dir/a.c:sum", &n, &task);
    assert_int_equal(n, 7);
    assert_string_equal(task, "sum");
    hr_task_spec("sum", &n, &task);
    assert_int_equal(n, 0);
    assert_string_equal(task, "sum");
    hr_task_spec("odd:1x", &n, &task);
    assert_int_equal(n, 0);
    hr_task_spec(":sum", &n, &task);
    assert_int_equal(n, 0);
}

static void test_api_settings(void **state)
{
    struct fx *f = *state;

    assert_int_equal(hr_session_set_timeout(f->s, 2.5), 0);
    assert_true(hr_session_timeout(f->s) == 2.5);
    assert_int_equal(hr_session_set_timeout(f->s, -1), HR_EINVAL);
    assert_true(hr_session_timeout(f->s) == 2.5);
    hr_session_set_isolate(f->s, 1);
    assert_true(hr_session_isolate(f->s));
    assert_string_equal(hr_strerror(HR_ECRASH), "crash");
}

static void test_api_many_reloads(void **state)
{
    struct fx *f = *state;
    struct hr_err err = { { 0 } };
    int i;

    write_file(in(f, "many.c"), "#include \"hotrun.h\"\n"
               "double v(const struct hr_array *a) { return sqrt(4); }\n");
    for (i = 0; i < 300; i++)
        assert_int_equal(hr_session_reload(f->s, in(f, "many.c"), NULL,
                                           &err), 0);
    assert_int_equal(hr_session_nmodules(f->s), 1);
}

/* ---- over MPI ranks: what a rank's client uses (no MPI here) ---- */

static void test_api_shards_describe_their_slab(void **state)
{
    struct fx *f = *state;
    struct hr_array_info a;
    struct hr_err err = { { 0 } };
    int *idx = NULL;
    int i = -1;

    /* the fixture's 3x4 array holds the whole thing: rank 0 of 1 */
    assert_int_equal(hr_session_array_info(f->s, 0, &a), 0);
    assert_int_equal(a.view->nranks, 1);
    assert_int_equal(a.view->global_shape[0], 3);
    assert_int_equal(hr_array_owned(a.view), 12);
    /* rank 1 of 2 with a halo of 1: owns row 2, holds rows 1-2 */
    assert_int_equal(hr_session_set_shard(f->s, 1, 2, 1), 0);
    assert_int_equal(hr_session_load(f->s, in(f, "m.npy"), NULL, &idx, NULL,
                                     &err), 0);
    i = idx[0];
    free(idx);
    assert_int_equal(hr_session_array_info(f->s, i, &a), 0);
    assert_int_equal(a.view->shape[0], 2);
    assert_int_equal(a.view->offset[0], 1);
    assert_int_equal(a.view->halo_before, 1);
    assert_int_equal(a.view->halo_after, 0);
    assert_int_equal(a.view->rank, 1);
    assert_int_equal(hr_array_owned(a.view), 4);
    assert_true(((const double *)a.view->data)[0] == 4.0);
    assert_int_equal(hr_session_set_shard(f->s, 2, 2, 0), HR_EINVAL);
}

static int text_source(void *ud, const char *path, struct hr_source *out)
{
    (void)path;
    out->text = ud;
    out->len = strlen(ud);
    out->realpath = "/elsewhere/from_text.c";
    out->dir = "/nonexistent";
    return 0;
}

static void test_api_reload_from_text_and_combine(void **state)
{
    struct fx *f = *state;
    struct hr_module_info info;
    struct hr_err err = { { 0 } };
    const double v[3] = { 2, 7, -1 }, w[3] = { 1, 1, 1 };
    double out = 0;
    int m = -1, t = -1;

    hr_session_set_source(f->s, text_source,
        "#include \"hotrun.h\"\n"
        "HR_COMBINE(most, HR_MAX);\n"
        "double most(const struct hr_array *a) { return hr_max(a); }\n"
        "double span(const struct hr_array *a) { return 1; }\n"
        "double span__combine(double x, double y) { return x - y; }\n");
    /* no such file: the text comes from the callback */
    assert_int_equal(hr_session_reload(f->s, "from_text.c", &m, &err), 0);
    assert_int_equal(hr_session_module_info(f->s, m, &info), 0);
    assert_string_equal(info.realpath, "/elsewhere/from_text.c");
    assert_int_equal(info.ntasks, 2);
    assert_int_equal(hr_session_find_task(f->s, "most", &m, &t, &err), 0);
    assert_int_equal(hr_session_task_combine(f->s, m, t), HR_MAX);
    assert_int_equal(hr_session_combine(f->s, m, t, 3, v, w, &out, &err),
                     0);
    assert_true(out == 7.0);
    assert_int_equal(hr_session_find_task(f->s, "span", &m, &t, &err), 0);
    assert_int_equal(hr_session_task_combine(f->s, m, t), HR_COMBINE_OWN);
    assert_int_equal(hr_session_combine(f->s, m, t, 3, v, w, &out, &err),
                     0);
    assert_true(out == (2.0 - 7.0) - -1.0);    /* folded in rank order */
    hr_session_set_source(f->s, NULL, NULL);
}

static void *send_later(void *arg)
{
    usleep(200000);
    kill(getpid(), *(int *)arg);
    return NULL;
}

static void test_api_stop_signal_stops_a_run(void **state)
{
    static int sig = SIGUSR1;
    struct fx *f = *state;
    struct hr_err err = { { 0 } };
    pthread_t th;
    unsigned before = hr_stop_count();
    int rc;

    write_file(in(f, "forever.c"), "#include \"hotrun.h\"\n"
               "double forever(const struct hr_array *a)\n"
               "{ volatile double x = 0; for (;;) x += 1; return x; }\n");
    assert_int_equal(hr_session_reload(f->s, in(f, "forever.c"), NULL,
                                       &err), 0);
    assert_true(hr_sigint_fd() >= 0);
    assert_int_equal(hr_stop_on_signal(SIGUSR1), 0);
    assert_int_equal(hr_stop_on_signal(SIGINT), HR_EINVAL);
    assert_int_equal(pthread_create(&th, NULL, send_later, &sig), 0);
    run(f, "forever", 0, NULL, &rc, &err);
    pthread_join(th, NULL);
    assert_int_equal(rc, HR_EINTR);
    assert_int_equal(hr_stop_count(), before + 1);
    /* between runs it only makes the descriptor readable */
    kill(getpid(), SIGUSR1);
    usleep(50000);
    assert_true(hr_sigint_take() >= 1);
}

/* A mapped array whose file shrank: every host read says so with HR_EIO
 * (not HR_ENOENT, the code for "no such array"), and the session is fine. */
static void test_api_reads_of_a_shrunk_mapped_file_fail_with_eio(void **state)
{
    struct fx *f = *state;
    struct hr_err err = { { 0 } };
    struct hr_plot_args pa = { 0 };
    struct hr_load_args args = { 0 };
    const char *names[1] = { "cut" };
    char *text = NULL;
    uint64_t sum = 0;
    char spec[400];
    FILE *fp = NULL;
    int i;

    /* 16 pages of raw float64 zeros, mapped */
    fp = fopen(in(f, "raw.bin"), "wb");
    assert_non_null(fp);
    for (i = 0; i < 65536; i++)
        fputc(0, fp);
    fclose(fp);
    snprintf(spec, sizeof spec, "cut=%s", f->path);
    args.raw = 1;
    assert_int_equal(hr_load_args_dtype(&args, "float64"), 0);
    assert_int_equal(hr_load_args_shape(&args, "8192"), 0);
    hr_session_set_load_mode(f->s, HR_LOAD_MMAP);
    assert_int_equal(hr_session_load(f->s, spec, &args, NULL, NULL, &err), 0);
    assert_int_equal(truncate(in(f, "raw.bin"), 100), 0);
    assert_int_equal(hr_session_show(f->s, "cut", 0, &text, &err), HR_EIO);
    assert_non_null(strstr(err.msg, "shrank since it was loaded"));
    assert_null(text);
    assert_int_equal(hr_session_stats(f->s, "cut", &text, &err), HR_EIO);
    assert_int_equal(hr_session_plot(f->s, "cut", &pa, &text, &err), HR_EIO);
    assert_int_equal(hr_session_save(f->s, names, 1, in(f, "o.npy"), &err),
                     HR_EIO);
    assert_int_equal(hr_session_checksum(f->s, "cut", &sum, &err), HR_EIO);
    /* no such array is another thing */
    assert_int_equal(hr_session_stats(f->s, "nope", &text, &err),
                     HR_ENOENT);
    /* the other array is untouched */
    assert_int_equal(hr_session_stats(f->s, "m", &text, &err), 0);
    assert_non_null(text);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_api_arrays_are_described),
        T(test_api_reload_keeps_last_good_module),
        T(test_api_undefined_symbol_names_its_line),
        T(test_api_runs_take_arguments_and_survive_crashes),
        T(test_api_results_outputs_and_keeps),
        T(test_api_task_specs_split_at_the_last_colon),
        T(test_api_settings),
        T(test_api_many_reloads),
        T(test_api_shards_describe_their_slab),
        T(test_api_reload_from_text_and_combine),
        T(test_api_stop_signal_stops_a_run),
        T(test_api_reads_of_a_shrunk_mapped_file_fail_with_eio),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
