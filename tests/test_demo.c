/* test_demo.c - where --demo keeps its array, and that it writes only into
 * a private folder of the user's own */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "testdir.h"

#define DEMO_NAME "demo-5000x5000-f64.npy"
#define DEMO_SIZE ((off_t)HR_DEMO_ROWS * HR_DEMO_COLS * 8 + 128)

struct fx {
    char dir[64];
    char *home;         /* the environment to restore */
    char *cache;
    char *tmpdir;
};

static char *saved(const char *name)
{
    const char *v = getenv(name);

    return v != NULL ? strdup(v) : NULL;
}

static void restore(const char *name, const char *v)
{
    if (v != NULL)
        setenv(name, v, 1);
    else
        unsetenv(name);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    if (hr_testdir_make(f->dir, sizeof f->dir, "test_demo") != 0) {
        free(f);
        return -1;
    }
    f->home = saved("HOME");
    f->cache = saved("XDG_CACHE_HOME");
    f->tmpdir = saved("TMPDIR");
    /* no HOME, no cache folder: the /tmp case, in the test's folder */
    unsetenv("HOME");
    unsetenv("XDG_CACHE_HOME");
    setenv("TMPDIR", f->dir, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    restore("HOME", f->home);
    restore("XDG_CACHE_HOME", f->cache);
    restore("TMPDIR", f->tmpdir);
    free(f->home);
    free(f->cache);
    free(f->tmpdir);
    hr_testdir_remove(f->dir);
    free(f);
    return 0;
}

static void user_dir(void **state, char *buf, size_t len)
{
    struct fx *f = *state;

    snprintf(buf, len, "%s/hotrun-%ld", f->dir, (long)geteuid());
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Issue 9.7: without HOME the array went to a predictable /tmp name. */
static void test_demo_path_without_home_is_per_user(void **state)
{
    char want[256];
    char dir[200];
    char *path = NULL;

    user_dir(state, dir, sizeof dir);
    snprintf(want, sizeof want, "%s/" DEMO_NAME, dir);
    path = hr_demo_path();
    assert_non_null(path);
    assert_string_equal(path, want);
    free(path);
    setenv("TMPDIR", "relative/tmp", 1);        /* not absolute: /tmp */
    path = hr_demo_path();
    snprintf(want, sizeof want, "/tmp/hotrun-%ld/" DEMO_NAME,
             (long)geteuid());
    assert_string_equal(path, want);
    free(path);
    setenv("HOME", "/home/someone", 1);
    path = hr_demo_path();
    assert_string_equal(path, "/home/someone/.cache/hotrun/" DEMO_NAME);
    free(path);
    setenv("XDG_CACHE_HOME", "/c", 1);
    path = hr_demo_path();
    assert_string_equal(path, "/c/hotrun/" DEMO_NAME);
    free(path);
}

/* A symbolic link planted where the folder goes is refused before
 * anything is written, and nothing lands where it points. */
static void test_demo_make_refuses_a_planted_link(void **state)
{
    struct fx *f = *state;
    struct hr_err err = { { 0 } };
    char victim[128];
    char dir[200];
    char *path = hr_demo_path();
    int made = 1;

    snprintf(victim, sizeof victim, "%s/victim", f->dir);
    assert_int_equal(mkdir(victim, 0755), 0);
    user_dir(state, dir, sizeof dir);
    assert_int_equal(symlink(victim, dir), 0);
    assert_int_equal(hr_demo_make(path, &made, NULL, NULL, &err), HR_EIO);
    assert_int_equal(made, 0);
    assert_memory_equal(err.msg, dir, strlen(dir));
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_int_equal(entries(victim), 0);
    free(path);
}

/* A complete file in the private folder is used as it is (a sparse
 * stand-in of the right size: nothing is generated). */
static void test_demo_make_uses_the_private_folder(void **state)
{
    struct hr_err err = { { 0 } };
    struct stat st;
    char dir[200];
    char *path = hr_demo_path();
    int made = 1;
    int fd;

    user_dir(state, dir, sizeof dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, DEMO_SIZE), 0);
    close(fd);
    assert_int_equal(hr_demo_make(path, &made, NULL, NULL, &err), 0);
    assert_int_equal(made, 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, DEMO_SIZE);
    assert_int_equal(entries(dir), 1);
    /* the same folder open to others: refused, the file left alone */
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(hr_demo_make(path, &made, NULL, NULL, &err), HR_EIO);
    assert_non_null(strstr(err.msg, "writable by others"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, DEMO_SIZE);
    free(path);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_demo_path_without_home_is_per_user),
        T(test_demo_make_refuses_a_planted_link),
        T(test_demo_make_uses_the_private_folder),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
