/* testdir.h - a private scratch folder per unit test, removed afterwards
 *
 * hr_testdir_make() puts the folder's path in the caller's buffer;
 * hr_testdir_setup() and _teardown() are a cmocka fixture that owns a
 * struct hr_testdir in *state.
 */
#ifndef HR_TESTDIR_H
#define HR_TESTDIR_H

#include <stddef.h>

/* Makes a new folder "/tmp/NAME.XXXXXX" (mkdtemp) and writes its path into
 * dir.  Returns 0, or -1 with errno set. */
int hr_testdir_make(char *dir, size_t len, const char *name);

/* Removes dir and everything below it, never following symbolic links. */
void hr_testdir_remove(const char *dir);

/* A test's state when all it needs is the folder. */
struct hr_testdir {
    char dir[64];
};

/* cmocka setup: *state gets a new struct hr_testdir with a folder made by
 * hr_testdir_make(name).  Returns 0 or -1. */
int hr_testdir_setup(void **state, const char *name);

/* cmocka teardown: removes the folder and frees *state.  Returns 0. */
int hr_testdir_teardown(void **state);

#endif
