/* test_watch.c - watch mode: include scanning, settling saves, the
 * commands on a real session */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "filewatch.h"
#include "includes.h"
#include "start.h"
#include "watch.h"

struct fx {
    char dir[64];
    char path[256];             /* scratch for in() */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/hr_test_watch_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    unsetenv("HOTRUN_WATCH_POLL");
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* ---- helpers ---- */

/* dir/name (borrowed: until the next call) */
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
    assert_int_equal(fclose(fp), 0);
}

static int64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Runs fw for ms as a front end would; returns how many changes it saw
 * (and clears them). */
static int pump(struct hr_filewatch *fw, int ms)
{
    int64_t end = now_ms() + ms;
    int changes = 0;
    int i;

    for (;;) {
        struct pollfd p = { fw->fd, POLLIN, 0 };
        int64_t left = end - now_ms();
        int t = hr_filewatch_timeout_ms(fw);

        if (left <= 0)
            break;
        if (t < 0 || t > left)
            t = (int)left;
        poll(&p, fw->fd >= 0 ? 1 : 0, t);
        hr_filewatch_update(fw);
        for (i = 0; i < fw->nfiles; i++) {
            changes += fw->files[i]->changed;
            fw->files[i]->changed = 0;
        }
    }
    return changes;
}

static int listed(char **list, int n, const char *path)
{
    char *real = hr_filewatch_canon(path);
    int i;
    int found = 0;

    assert_non_null(real);
    for (i = 0; i < n; i++)
        found += strcmp(list[i], real) == 0;
    free(real);
    return found;
}

/* ---- include scanning ---- */

static void test_watch_includes_follow_nested_files_once(void **state)
{
    struct fx *f = *state;
    char **list = NULL;
    char sysdir[300];
    char task[300];
    int n = -1;

    snprintf(sysdir, sizeof sysdir, "%s", in(f, "sys"));
    assert_int_equal(mkdir(sysdir, 0700), 0);
    write_file(in(f, "sys/hotrun.h"), "\n");
    assert_int_equal(mkdir(in(f, "sub"), 0700), 0);
    snprintf(task, sizeof task, "%s", in(f, "t.c"));
    write_file(task,
               "#include \"hotrun.h\"\n"
               "#include <stdio.h>\n"
               "  #  include   \"a.h\"   /* spaces */\n"
               "// #include \"commented.h\"\n"
               "#include \"sub/b.h\"\n"
               "#include \"missing.h\"\n"
               "#include \"a.h\"\n");
    write_file(in(f, "a.h"), "#include \"sub/b.h\"\n");
    /* b.h's includes are looked up in sub/, and one loops back */
    write_file(in(f, "sub/b.h"), "#include \"c.h\"\n#include \"../a.h\"\n"
               "#include \"../t.c\"\n");
    write_file(in(f, "sub/c.h"), "int c;\n");

    assert_int_equal(hr_includes_scan(task, sysdir, &list, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(listed(list, n, in(f, "a.h")), 1);
    assert_int_equal(listed(list, n, in(f, "sub/b.h")), 1);
    assert_int_equal(listed(list, n, in(f, "sub/c.h")), 1);
    /* created later, it must count as a change */
    assert_int_equal(listed(list, n, in(f, "missing.h")), 1);
    assert_int_equal(listed(list, n, task), 0);
    hr_includes_free(list, n);
}

static void test_watch_includes_stop_at_depth_limit(void **state)
{
    struct fx *f = *state;
    char **list = NULL;
    char name[32], text[64];
    int n = -1;
    int i;

    /* h0.h includes h1.h includes ... h39.h */
    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "h%d.h", i);
        snprintf(text, sizeof text, "#include \"h%d.h\"\n", i + 1);
        write_file(in(f, name), text);
    }
    assert_int_equal(hr_includes_scan(in(f, "h0.h"), NULL, &list, &n), 0);
    assert_true(n >= 10);
    assert_true(n <= 17);
    hr_includes_free(list, n);
}

static void test_watch_includes_missing_file_is_enoent(void **state)
{
    struct fx *f = *state;
    char **list = NULL;
    int n = -1;

    assert_int_equal(hr_includes_scan(in(f, "nope.c"), NULL, &list, &n),
                     HR_ENOENT);
    assert_int_equal(hr_includes_scan("/nonexistent/dir/x.c", NULL, &list,
                                      &n), HR_ENOENT);
    assert_null(list);
}

/* ---- settling saves ---- */

static struct hr_wfile *watch_one(struct hr_filewatch *fw,
                                  const char *path)
{
    struct hr_wfile *w = hr_filewatch_ref(fw, hr_filewatch_canon(path));

    assert_non_null(w);
    assert_true(w->known);
    return w;
}

static void test_watch_filewatch_rename_and_rewrite_are_one_change_each(
    void **state)
{
    struct fx *f = *state;
    struct hr_filewatch fw;
    char path[256], tmp[256];
    uint64_t h = 0;

    snprintf(path, sizeof path, "%s", in(f, "t.c"));
    snprintf(tmp, sizeof tmp, "%s", in(f, ".t.c.swp"));
    write_file(path, "one\n");
    hr_filewatch_init(&fw, 0);
    assert_false(fw.polling);
    watch_one(&fw, path);
    assert_int_equal(hr_filewatch_timeout_ms(&fw), -1);

    write_file(tmp, "two\n");
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(pump(&fw, 400), 1);

    assert_int_equal(unlink(path), 0);
    write_file(path, "three\n");
    assert_int_equal(pump(&fw, 500), 1);
    assert_int_equal(hr_filewatch_hash(path, &h), 0);
    assert_true(fw.files[0]->hash == h);

    /* the same bytes again, and metadata alone: no change */
    write_file(path, "three\n");
    chmod(path, 0600);
    assert_int_equal(pump(&fw, 400), 0);
    /* idle: nothing to wait for, so a front end sleeps */
    assert_int_equal(hr_filewatch_timeout_ms(&fw), -1);
    hr_filewatch_fini(&fw);
}

static void test_watch_filewatch_waits_for_chunked_write(void **state)
{
    struct fx *f = *state;
    struct hr_filewatch fw;
    char path[256];
    uint64_t h = 0;
    FILE *fp = NULL;

    snprintf(path, sizeof path, "%s", in(f, "t.c"));
    write_file(path, "old\n");
    hr_filewatch_init(&fw, 0);
    watch_one(&fw, path);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("first half ", fp);
    fflush(fp);
    assert_int_equal(pump(&fw, 100), 0);
    fputs("second half", fp);
    fflush(fp);
    assert_int_equal(pump(&fw, 100), 0);
    fputs("\n", fp);
    fclose(fp);
    assert_int_equal(pump(&fw, 300), 1);
    assert_int_equal(hr_filewatch_hash(path, &h), 0);
    assert_true(fw.files[0]->hash == h);
    hr_filewatch_fini(&fw);
}

static void test_watch_filewatch_polling_sees_saves(void **state)
{
    struct fx *f = *state;
    struct hr_filewatch fw;
    char path[256], tmp[256];
    int t;

    snprintf(path, sizeof path, "%s", in(f, "t.c"));
    snprintf(tmp, sizeof tmp, "%s", in(f, "t.c.new"));
    write_file(path, "one\n");
    hr_filewatch_init(&fw, 1);
    assert_true(fw.polling);
    assert_true(fw.fallback_note);
    assert_int_equal(fw.fd, -1);
    watch_one(&fw, path);
    t = hr_filewatch_timeout_ms(&fw);
    assert_true(t >= 0 && t <= HR_FILEWATCH_POLL_MS);

    write_file(path, "two, in place\n");
    assert_int_equal(pump(&fw, 700), 1);
    write_file(tmp, "three, renamed\n");
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(pump(&fw, 700), 1);
    write_file(path, "three, renamed\n");
    assert_int_equal(pump(&fw, 700), 0);
    hr_filewatch_fini(&fw);
}

static void test_watch_filewatch_gone_file_is_noticed(void **state)
{
    struct fx *f = *state;
    struct hr_filewatch fw;
    struct hr_wfile *w = NULL;
    char path[256];

    snprintf(path, sizeof path, "%s", in(f, "t.c"));
    write_file(path, "one\n");
    hr_filewatch_init(&fw, 0);
    w = watch_one(&fw, path);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(pump(&fw, 2600), 0);
    assert_int_equal(w->gone, 1);
    write_file(path, "back\n");
    assert_int_equal(pump(&fw, 400), 1);
    assert_int_equal(w->gone, 0);
    hr_filewatch_fini(&fw);
}

static void test_watch_filewatch_shares_files_and_folders(void **state)
{
    struct fx *f = *state;
    struct hr_filewatch fw;
    struct hr_wfile *a = NULL, *b = NULL, *c = NULL;
    char pa[256], pb[256];

    snprintf(pa, sizeof pa, "%s", in(f, "a.c"));
    snprintf(pb, sizeof pb, "%s", in(f, "b.h"));
    write_file(pa, "a\n");
    write_file(pb, "b\n");
    hr_filewatch_init(&fw, 0);
    a = watch_one(&fw, pa);
    b = watch_one(&fw, pb);
    c = watch_one(&fw, pa);
    assert_ptr_equal(a, c);
    assert_int_equal(a->refs, 2);
    assert_int_equal(fw.nfiles, 2);
    assert_int_equal(fw.ndirs, 1);
    hr_filewatch_unref(&fw, c);
    hr_filewatch_unref(&fw, b);
    assert_int_equal(fw.nfiles, 1);
    assert_int_equal(fw.ndirs, 1);
    /* the folder watch still serves a.c */
    write_file(pa, "a2\n");
    assert_int_equal(pump(&fw, 300), 1);
    hr_filewatch_unref(&fw, a);
    assert_int_equal(fw.nfiles, 0);
    assert_int_equal(fw.ndirs, 0);
    hr_filewatch_fini(&fw);
}

/* ---- the commands, on a real session ---- */

static int exec(struct hr_cli *cli, const char *line)
{
    return hr_exec_line(cli, line, strlen(line), NULL, 0);
}

/* A session with a 4-element float64 array (1, 2, 3, 4) loaded. */
static struct hr_cli *session(struct fx *f)
{
    static const char magic[] = "\x93NUMPY\x01\x00";
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, "
                               "'shape': (4,), }";
    char header[118];           /* 10 + 118: a multiple of 64 */
    double data[4] = { 1, 2, 3, 4 };
    struct hr_err err = { { 0 } };
    struct hr_cli *cli = NULL;
    FILE *fp = fopen(in(f, "a.npy"), "wb");
    uint16_t hlen = sizeof header;

    assert_non_null(fp);
    memset(header, ' ', sizeof header);
    memcpy(header, dict, strlen(dict));
    header[sizeof header - 1] = '\n';
    fwrite(magic, 1, 8, fp);
    fwrite(&hlen, 2, 1, fp);
    fwrite(header, 1, sizeof header, fp);
    fwrite(data, sizeof data, 1, fp);
    fclose(fp);
    assert_int_equal(hr_cli_open(0, 0, 0, &cli), 0);
    assert_int_equal(hr_session_load(cli->s, in(f, "a.npy"), NULL, NULL,
                                     NULL, &err), 0);
    return cli;
}

static const char *task_text(int v)
{
    static char text[256];

    snprintf(text, sizeof text,
             "#include \"hotrun.h\"\n"
             "#include \"util.h\"\n"
             "double f(const struct hr_array *a)\n"
             "{\n    return hr_sum(a) + %d + UTIL;\n}\n", v);
    return text;
}

/* Serves the watch for ms as the prompt would; returns the reloads. */
static int serve(struct hr_cli *cli, int ms)
{
    int64_t end = now_ms() + ms;
    int reloads = 0;

    while (now_ms() < end) {
        struct pollfd p = { hr_watch_fd(cli), POLLIN, 0 };
        int64_t left = end - now_ms();
        int t = hr_watch_timeout_ms(cli);

        if (t < 0 || t > left)
            t = (int)left;
        poll(&p, p.fd >= 0 ? 1 : 0, t);
        reloads += hr_watch_service(cli);
    }
    return reloads;
}

static void test_watch_cmd_reloads_once_per_save(void **state)
{
    struct fx *f = *state;
    struct hr_cli *cli = session(f);
    struct hr_module_info m;
    char task[256], util[256], line[300], tmp[256];
    uint64_t first;

    snprintf(task, sizeof task, "%s", in(f, "t.c"));
    snprintf(util, sizeof util, "%s", in(f, "util.h"));
    snprintf(tmp, sizeof tmp, "%s", in(f, "t.c.tmp"));
    write_file(task, task_text(1));
    write_file(util, "#define UTIL 0\n");
    snprintf(line, sizeof line, "watch \"%s\"", task);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    assert_true(hr_watch_active(cli));
    assert_true(hr_watch_fd(cli) >= 0);
    assert_int_equal(hr_session_module_info(cli->s,
        hr_session_find_module(cli->s, task), &m), 0);
    first = m.hash;
    /* the watch's own commands leave Enter's line alone */
    assert_null(cli->last_reload);
    assert_null(cli->last_run);

    write_file(tmp, task_text(2));
    assert_int_equal(rename(tmp, task), 0);
    assert_int_equal(serve(cli, 400), 1);
    assert_int_equal(hr_session_module_info(cli->s,
        hr_session_find_module(cli->s, task), &m), 0);
    assert_true(m.hash != first);

    /* a header save reloads the task that includes it */
    write_file(util, "#define UTIL 7\n");
    assert_int_equal(serve(cli, 400), 1);
    /* the same content: nothing */
    write_file(util, "#define UTIL 7\n");
    assert_int_equal(serve(cli, 400), 0);

    /* a broken save is tried once, shown, not counted as a failure */
    write_file(task, "double f(const struct hr_array *a) { return x; }\n");
    assert_int_equal(serve(cli, 400), 1);
    assert_int_equal(cli->failures, 0);
    assert_true(hr_session_find_module(cli->s, task) >= 0);
    assert_int_equal(serve(cli, 300), 0);

    assert_int_equal(exec(cli, "unwatch"), HR_CMD_OK);
    assert_false(hr_watch_active(cli));
    assert_int_equal(hr_watch_fd(cli), -1);
    assert_int_equal(hr_watch_timeout_ms(cli), -1);
    hr_cli_close(cli);
}

static void test_watch_cmd_missing_file_is_an_error(void **state)
{
    struct fx *f = *state;
    struct hr_cli *cli = session(f);
    char line[300];

    snprintf(line, sizeof line, "watch %s", in(f, "nope.c"));
    assert_int_equal(exec(cli, line), HR_CMD_ERR);
    assert_false(hr_watch_active(cli));
    assert_int_equal(exec(cli, "unwatch nope.c"), HR_CMD_ERR);
    assert_int_equal(exec(cli, "watch"), HR_CMD_OK);
    hr_cli_close(cli);
}

static void test_watch_cmd_unwatch_one_keeps_the_others(void **state)
{
    struct fx *f = *state;
    struct hr_cli *cli = session(f);
    char a[256], b[256], line[300];

    snprintf(a, sizeof a, "%s", in(f, "a.c"));
    snprintf(b, sizeof b, "%s", in(f, "b.c"));
    write_file(in(f, "util.h"), "#define UTIL 0\n");
    write_file(a, task_text(1));
    write_file(b, "#include \"hotrun.h\"\n"
               "double g(const struct hr_array *a) { return 2; }\n");
    snprintf(line, sizeof line, "watch %s", a);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    snprintf(line, sizeof line, "watch %s g", b);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    /* watching a file again replaces its entry */
    snprintf(line, sizeof line, "watch %s f", a);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    assert_int_equal(exec(cli, "watch"), HR_CMD_OK);
    snprintf(line, sizeof line, "unwatch %s", a);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    assert_true(hr_watch_active(cli));
    write_file(a, task_text(5));
    write_file(b, "#include \"hotrun.h\"\n"
               "double g(const struct hr_array *a) { return 3; }\n");
    assert_int_equal(serve(cli, 400), 1);
    assert_int_equal(exec(cli, "unwatch b.c"), HR_CMD_ERR);
    snprintf(line, sizeof line, "unwatch %s", b);
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    assert_false(hr_watch_active(cli));
    hr_cli_close(cli);
}

static void test_watch_spec_splits_at_last_colon(void **state)
{
    struct fx *f = *state;
    struct hr_cli *cli = session(f);
    char spec[300];

    write_file(in(f, "util.h"), "#define UTIL 0\n");
    write_file(in(f, "t.c"), task_text(1));
    snprintf(spec, sizeof spec, "%s:f", in(f, "t.c"));
    assert_int_equal(hr_start_watch(cli, spec), HR_CMD_OK);
    /* a file whose name looks like FILE:FUNCTION is the file */
    write_file(in(f, "odd:g"), task_text(2));
    assert_int_equal(hr_start_watch(cli, in(f, "odd:g")), HR_CMD_OK);
    /* after the colon something that is not a name: all one path */
    snprintf(spec, sizeof spec, "%s:1x", in(f, "t.c"));
    assert_int_equal(hr_start_watch(cli, spec), HR_CMD_ERR);
    snprintf(spec, sizeof spec, "%s:f", in(f, "gone.c"));
    assert_int_equal(hr_start_watch(cli, spec), HR_CMD_ERR);
    /* arguments after the task: --watch 'FILE:TASK 7 10' */
    snprintf(spec, sizeof spec, "'%s:f' 7 10", in(f, "t.c"));
    assert_int_equal(hr_start_watch(cli, spec), HR_CMD_OK);
    /* arguments need a task to go to */
    snprintf(spec, sizeof spec, "'%s' 7", in(f, "t.c"));
    assert_int_equal(hr_start_watch(cli, spec), HR_CMD_ERR);
    hr_cli_close(cli);
}

static void test_watch_polling_env_forces_fallback(void **state)
{
    struct fx *f = *state;
    struct hr_cli *cli = NULL;
    char line[300];
    int t;

    setenv("HOTRUN_WATCH_POLL", "1", 1);
    cli = session(f);
    write_file(in(f, "util.h"), "#define UTIL 0\n");
    write_file(in(f, "t.c"), task_text(1));
    snprintf(line, sizeof line, "watch %s", in(f, "t.c"));
    assert_int_equal(exec(cli, line), HR_CMD_OK);
    assert_int_equal(hr_watch_fd(cli), -1);
    t = hr_watch_timeout_ms(cli);
    assert_true(t >= 0 && t <= HR_FILEWATCH_POLL_MS);
    write_file(in(f, "t.c"), task_text(2));
    assert_int_equal(serve(cli, 800), 1);
    hr_cli_close(cli);      /* frees the watch too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_watch_includes_follow_nested_files_once),
        T(test_watch_includes_stop_at_depth_limit),
        T(test_watch_includes_missing_file_is_enoent),
        T(test_watch_filewatch_rename_and_rewrite_are_one_change_each),
        T(test_watch_filewatch_waits_for_chunked_write),
        T(test_watch_filewatch_polling_sees_saves),
        T(test_watch_filewatch_gone_file_is_noticed),
        T(test_watch_filewatch_shares_files_and_folders),
        T(test_watch_cmd_reloads_once_per_save),
        T(test_watch_cmd_missing_file_is_an_error),
        T(test_watch_cmd_unwatch_one_keeps_the_others),
        T(test_watch_spec_splits_at_last_colon),
        T(test_watch_polling_env_forces_fallback),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
