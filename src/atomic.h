/* atomic.h - replace a file atomically: write a temporary file beside it,
 * then rename it over the destination
 *
 * The temporary file is created exclusively (O_CREAT | O_EXCL |
 * O_NOFOLLOW) in the destination's own folder, so the rename never crosses
 * file systems and never follows a planted link; its mode is 0644 less the
 * umask.  hr_atomic_commit() fsyncs it, renames it over the destination and
 * fsyncs the folder, so that after a crash the destination is either the
 * old file or the whole new one.  Any failure removes the temporary file:
 * no half file and no leftover, the old destination untouched.
 *
 * A destination that is a symbolic link is followed: its target is
 * replaced and the link kept (as np.save writes through a link).
 *
 * Ownership: struct hr_atomic is the caller's (zeroed, or set up by
 * hr_atomic_open()); what it points to is released by hr_atomic_commit()
 * or hr_atomic_abort(), exactly one of which must follow a successful
 * open.  Messages in err are "PATH: what".
 */
#ifndef HR_ATOMIC_H
#define HR_ATOMIC_H

#include <stddef.h>

#include "err.h"

struct hr_atomic {
    int fd;             /* the temporary file, open for writing; -1 none */
    char *tmp;          /* owned: its path */
    char *dest;         /* owned: the file it will replace (links followed) */
    char *dir;          /* owned: their folder */
    const char *path;   /* borrowed: the path as given, for messages */
};

/* Creates the temporary file for path; on success a->fd is where the
 * caller writes (hr_fileio_write_full).  Refuses a destination that is a
 * folder, not a regular file, or a link to nothing.  Returns 0, HR_EIO or
 * HR_ENOMEM; on failure nothing is left behind and a needs no abort. */
int hr_atomic_open(struct hr_atomic *a, const char *path, struct hr_err *err);

/* Syncs, closes and renames the temporary file over the destination, then
 * syncs the folder.  Returns 0 or HR_EIO; a is released either way. */
int hr_atomic_commit(struct hr_atomic *a, struct hr_err *err);

/* Removes the temporary file and releases a; accepts a zeroed struct. */
void hr_atomic_abort(struct hr_atomic *a);

/* The whole of buf as the new content of path, atomically. */
int hr_atomic_write(const char *path, const void *buf, size_t len,
                    struct hr_err *err);

#endif
