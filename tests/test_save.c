/* test_save.c - .npy files that NumPy reads back bit-exactly, written
 * atomically; the mapped-file refusal; nothing left behind on errors */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "atomic.h"
#include "save.h"
#include "testdir.h"

static int setup(void **state)
{
    return hr_testdir_setup(state, "test_save");
}

static int teardown(void **state)
{
    return hr_testdir_teardown(state);
}

static const char *in_dir(const char *dir, const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* Names in dir, sorted, joined by spaces ("" when empty). */
static void list_dir(const char *dir, char *out, size_t cap)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    int k;

    out[0] = '\0';
    assert_true(n >= 0);
    for (k = 0; k < n; k++) {
        if (strcmp(ents[k]->d_name, ".") != 0 &&
            strcmp(ents[k]->d_name, "..") != 0) {
            if (out[0] != '\0')
                strncat(out, " ", cap - strlen(out) - 1);
            strncat(out, ents[k]->d_name, cap - strlen(out) - 1);
        }
        free(ents[k]);
    }
    free(ents);
}

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

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void assert_file_is(const char *path, const char *text)
{
    char buf[256];
    FILE *fp = fopen(path, "r");
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    assert_string_equal(buf, text);
}

/* ---- NumPy reads what save wrote ---- */

static void apply_view(struct hr_array *v, const char *spec)
{
    long long start, len, step;
    int k = 0;
    int used;

    while (sscanf(spec, " %lld:%lld:%lld%n", &start, &len, &step,
                  &used) == 3) {
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

static void test_save_numpy_reads_every_dtype_bit_exact(void **state)
{
    struct hr_testdir *f = *state;
    char cmd[512];
    char line[512];
    char name[64];
    char path[512];
    FILE *cases = NULL;
    int n = 0;

    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py save-src %s",
             HR_PYTHON, HR_SOURCE_DIR, f->dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(mkdir(in_dir(f->dir, "saved"), 0755), 0);
    cases = fopen(in_dir(f->dir, "cases.txt"), "r");
    assert_non_null(cases);
    while (fgets(line, sizeof line, cases) != NULL) {
        struct hr_resident *r = NULL;
        struct hr_array v;
        struct hr_err err;
        int used = 0;

        line[strcspn(line, "\n")] = '\0';
        assert_int_equal(sscanf(line, "%63s %n", name, &used), 1);
        snprintf(path, sizeof path, "%s/%s.npy", f->dir, name);
        if (hr_array_load(path, name, NULL, &r, &err) != 0)
            fail_msg("%s", err.msg);
        v = r->view;
        apply_view(&v, line + used);
        snprintf(path, sizeof path, "%s/saved/%s.npy", f->dir, name);
        if (hr_save_npy(&v, path, NULL, 0, &err) != 0)
            fail_msg("%s", err.msg);
        hr_array_free(r);
        n++;
    }
    fclose(cases);
    assert_true(n > 300);
    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py save-check %s",
             HR_PYTHON, HR_SOURCE_DIR, f->dir);
    assert_int_equal(system(cmd), 0);
    /* no temporary file left beside the saved ones */
    list_dir(in_dir(f->dir, "saved"), line, sizeof line);
    assert_null(strstr(line, ".tmp-"));
}

/* ---- refusing the mapped file ---- */

static void test_save_refuses_the_file_an_array_is_mapped_from(void **state)
{
    struct hr_testdir *f = *state;
    struct hr_save_guard g;
    struct hr_resident *r = NULL;
    struct hr_array v;
    struct hr_err err;
    struct stat before, after;
    struct hr_load_opts mm = { .mode = HR_LOAD_MMAP };
    double d[4] = { 1, 2, 3, 4 };
    char names[512];

    view_1d(&v, HR_FLOAT64, d, 4);
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "x.npy"), NULL, 0,
                                 &err), 0);
    assert_int_equal(hr_array_load(in_dir(f->dir, "x.npy"), "x", &mm, &r,
                                   &err), 0);
    assert_true(hr_array_mapped_file(r, &g.dev, &g.ino));
    g.name = "x";
    assert_int_equal(stat(in_dir(f->dir, "x.npy"), &before), 0);
    assert_int_equal(link(in_dir(f->dir, "x.npy"),
                          in_dir(f->dir, "hard.npy")), 0);
    assert_int_equal(symlink("x.npy", in_dir(f->dir, "soft.npy")), 0);
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "x.npy"), &g, 1, &err),
                     HR_EINVAL);
    assert_non_null(strstr(err.msg, "array 'x' is mapped from this file"));
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "hard.npy"), &g, 1,
                                 &err), HR_EINVAL);
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "soft.npy"), &g, 1,
                                 &err), HR_EINVAL);
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "./x.npy"), &g, 1,
                                 &err), HR_EINVAL);
    assert_int_equal(stat(in_dir(f->dir, "x.npy"), &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtime, after.st_mtime);
    /* another name is fine, and a copy loaded with read is not guarded */
    assert_int_equal(hr_save_npy(&r->view, in_dir(f->dir, "y.npy"), &g, 1,
                                 &err), 0);
    list_dir(f->dir, names, sizeof names);
    assert_string_equal(names, "hard.npy soft.npy x.npy y.npy");
    hr_array_free(r);
    assert_int_equal(hr_array_load(in_dir(f->dir, "y.npy"), "y",
                                   &(struct hr_load_opts){ .mode =
                                   HR_LOAD_READ }, &r, &err), 0);
    assert_false(hr_array_mapped_file(r, &g.dev, &g.ino));
    hr_array_free(r);
}

/* ---- atomic replacement ---- */

static void test_save_replaces_atomically_and_follows_links(void **state)
{
    struct hr_testdir *f = *state;
    struct hr_err err;
    struct stat st;
    char names[512];
    mode_t old = umask(027);

    write_file(in_dir(f->dir, "target"), "old");
    assert_int_equal(symlink("target", in_dir(f->dir, "link")), 0);
    assert_int_equal(hr_atomic_write(in_dir(f->dir, "link"), "new", 3,
                                     &err), 0);
    assert_int_equal(lstat(in_dir(f->dir, "link"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_is(in_dir(f->dir, "target"), "new");
    assert_int_equal(stat(in_dir(f->dir, "target"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    umask(old);
    assert_int_equal(symlink("nowhere", in_dir(f->dir, "dangling")), 0);
    assert_int_equal(hr_atomic_write(in_dir(f->dir, "dangling"), "x", 1,
                                     &err), HR_EIO);
    assert_non_null(strstr(err.msg, "a symbolic link to nothing"));
    assert_int_equal(mkdir(in_dir(f->dir, "sub"), 0755), 0);
    assert_int_equal(hr_atomic_write(in_dir(f->dir, "sub"), "x", 1, &err),
                     HR_EIO);
    assert_non_null(strstr(err.msg, "is a directory"));
    assert_int_equal(hr_atomic_write(in_dir(f->dir, "no/such/dir"), "x", 1,
                                     &err), HR_EIO);
    assert_non_null(strstr(err.msg, "cannot create a file in"));
    list_dir(f->dir, names, sizeof names);
    assert_string_equal(names, "dangling link sub target");
}

/* ---- nothing left behind ---- */

/* Saves 100 KB over old.npy in dir (made first when make_old); returns
 * what hr_save_npy said, or 99 when old.npy could not be made.  No cmocka
 * asserts: this runs in child processes. */
static int save_big_over_old(const char *dir, int make_old)
{
    static double d[12800];
    struct hr_array v;
    struct hr_err err;
    FILE *fp = NULL;

    view_1d(&v, HR_FLOAT64, d, 12800);
    if (make_old) {
        fp = fopen(in_dir(dir, "old.npy"), "w");
        if (fp == NULL || fputs("old content", fp) < 0 || fclose(fp) != 0)
            return 99;
    }
    return hr_save_npy(&v, in_dir(dir, "old.npy"), NULL, 0, &err);
}

/* In a child: a file size limit makes the write fail part way. */
static void test_save_leaves_nothing_when_a_write_fails(void **state)
{
    struct hr_testdir *f = *state;
    char names[512];
    pid_t pid;
    int status = 0;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = { 8192, 8192 };

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(3);
        _exit(save_big_over_old(f->dir, 1) == HR_EIO ? 0 : 4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    list_dir(f->dir, names, sizeof names);
    assert_string_equal(names, "old.npy");
    assert_file_is(in_dir(f->dir, "old.npy"), "old content");
}

/* In a child with a mount namespace of its own: a full file system and a
 * read-only one.  Exits 0 when both behaved, 77 when mounting is not
 * allowed here, else the number of the check that failed. */
static int full_and_readonly(const char *dir)
{
    char names[512];
    const char *mnt = in_dir(dir, "mnt");
    char m[512];

    snprintf(m, sizeof m, "%s", mnt);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mkdir(m, 0755) != 0 ||
        mount("tmpfs", m, "tmpfs", 0, "size=64k") != 0)
        return 77;
    if (save_big_over_old(m, 1) != HR_EIO)
        return 1;
    list_dir(m, names, sizeof names);
    if (strcmp(names, "old.npy") != 0)
        return 2;
    if (mount("tmpfs", m, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k") != 0)
        return 77;
    if (save_big_over_old(m, 0) != HR_EIO)
        return 3;
    list_dir(m, names, sizeof names);
    if (strcmp(names, "old.npy") != 0)
        return 4;
    return 0;
}

static void test_save_leaves_nothing_on_a_full_or_readonly_disk(void **state)
{
    struct hr_testdir *f = *state;
    pid_t pid;
    int status = 0;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(full_and_readonly(f->dir));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        print_message("cannot mount a tmpfs here: skipped (the file size "
                      "limit test covers a failing write)\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_save_refuses_an_unsound_array(void **state)
{
    struct hr_testdir *f = *state;
    struct hr_array v;
    struct hr_err err;
    double d[2] = { 0 };
    char names[512];

    view_1d(&v, HR_FLOAT64, d, 2);
    v.size = 3;
    assert_int_equal(hr_save_npy(&v, in_dir(f->dir, "a.npy"), NULL, 0,
                                 &err), HR_EINVAL);
    list_dir(f->dir, names, sizeof names);
    assert_string_equal(names, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_save_numpy_reads_every_dtype_bit_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_save_refuses_the_file_an_array_is_mapped_from, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_save_replaces_atomically_and_follows_links, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_save_leaves_nothing_when_a_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_save_leaves_nothing_on_a_full_or_readonly_disk, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_save_refuses_an_unsound_array,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
