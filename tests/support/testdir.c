/* testdir.c - a private scratch folder per unit test */
#define _XOPEN_SOURCE 700
#include "testdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

int hr_testdir_make(char *dir, size_t len, const char *name)
{
    if ((size_t)snprintf(dir, len, "/tmp/%s.XXXXXX", name) >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void hr_testdir_remove(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int hr_testdir_setup(void **state, const char *name)
{
    struct hr_testdir *t = calloc(1, sizeof *t);

    if (t == NULL)
        return -1;
    if (hr_testdir_make(t->dir, sizeof t->dir, name) != 0) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int hr_testdir_teardown(void **state)
{
    struct hr_testdir *t = *state;

    hr_testdir_remove(t->dir);
    free(t);
    return 0;
}
