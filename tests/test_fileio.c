/* test_fileio.c - private folders and files created exclusively */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "testdir.h"

struct fx {
    char dir[64];
    char path[512];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    if (hr_testdir_make(f->dir, sizeof f->dir, "test_fileio") != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    hr_testdir_remove(f->dir);
    free(f);
    return 0;
}

static const char *in_dir(void **state, const char *name)
{
    struct fx *f = *state;

    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

/* A refusal: HR_EIO, one line "dir: ..." containing want. */
static void check_refused(const char *dir, const char *want)
{
    struct hr_err err = { { 0 } };

    assert_int_equal(hr_fileio_private_dir(dir, &err), HR_EIO);
    if (strstr(err.msg, want) == NULL)
        print_error("got '%s', want '%s'\n", err.msg, want);
    assert_memory_equal(err.msg, dir, strlen(dir));
    assert_non_null(strstr(err.msg, want));
    assert_null(strchr(err.msg, '\n'));
}

static void test_fileio_private_dir_is_made_0700(void **state)
{
    char dir[512];
    struct hr_err err = { { 0 } };
    struct stat st;

    snprintf(dir, sizeof dir, "%s", in_dir(state, "a/b/hotrun"));
    assert_int_equal(hr_fileio_private_dir(dir, &err), 0);
    assert_int_equal(lstat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0);
    assert_int_equal(st.st_uid, geteuid());
    /* there already: fine, and an existing 0755 folder of ours too */
    assert_int_equal(hr_fileio_private_dir(dir, &err), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(hr_fileio_private_dir(dir, &err), 0);
}

static void test_fileio_private_dir_refuses_others(void **state)
{
    char dir[512];
    char target[512];

    snprintf(target, sizeof target, "%s", in_dir(state, "target"));
    assert_int_equal(mkdir(target, 0700), 0);
    snprintf(dir, sizeof dir, "%s", in_dir(state, "link"));
    assert_int_equal(symlink(target, dir), 0);
    check_refused(dir, "is a symbolic link");
    snprintf(dir, sizeof dir, "%s", in_dir(state, "file"));
    fclose(fopen(dir, "w"));
    check_refused(dir, "is not a folder");
    snprintf(dir, sizeof dir, "%s", in_dir(state, "open"));
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 01777), 0);
    check_refused(dir, "writable by others (mode 1777)");
    if (geteuid() == 0) {
        snprintf(dir, sizeof dir, "%s", in_dir(state, "theirs"));
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(chown(dir, 1, 1), 0);
        check_refused(dir, "belongs to user 1, not to you");
    }
}

static void test_fileio_create_temp_is_new_and_unpredictable(void **state)
{
    char path[512];
    char *a = NULL;
    char *b = NULL;
    struct stat st;
    size_t dlen;
    int fa;
    int fb;

    snprintf(path, sizeof path, "%s", in_dir(state, "out.npy"));
    dlen = strlen(path) - strlen("out.npy");
    fa = hr_fileio_create_temp(path, &a);
    fb = hr_fileio_create_temp(path, &b);
    assert_true(fa >= 0 && fb >= 0);
    assert_string_not_equal(a, b);
    assert_memory_equal(a, path, dlen);
    assert_memory_equal(a + dlen, ".out.npy.", 9);
    assert_int_equal(strlen(a), strlen(path) + 8);
    assert_int_equal(fstat(fa, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(access(path, F_OK), -1);   /* path itself untouched */
    close(fa);
    close(fb);
    unlink(a);
    unlink(b);
    free(a);
    free(b);
    /* a folder that is not there: -1, no name */
    snprintf(path, sizeof path, "%s", in_dir(state, "nodir/out.npy"));
    assert_int_equal(hr_fileio_create_temp(path, &a), -1);
    assert_null(a);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fileio_private_dir_is_made_0700),
        T(test_fileio_private_dir_refuses_others),
        T(test_fileio_create_temp_is_new_and_unpredictable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
