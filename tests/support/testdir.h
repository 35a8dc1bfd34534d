/* testdir.h - a private scratch folder per unit test, removed afterwards
 *
 * The folder's path lives in the caller's buffer; nothing is allocated.
 */
#ifndef HR_TESTDIR_H
#define HR_TESTDIR_H

#include <stddef.h>

/* Makes a new folder "/tmp/NAME.XXXXXX" (mkdtemp) and writes its path into
 * dir.  Returns 0, or -1 with errno set. */
int hr_testdir_make(char *dir, size_t len, const char *name);

/* Removes dir and everything below it, never following symbolic links. */
void hr_testdir_remove(const char *dir);

#endif
