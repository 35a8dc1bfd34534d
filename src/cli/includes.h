/* includes.h - the local files a task file includes */
#ifndef HR_INCLUDES_H
#define HR_INCLUDES_H

/* The files path includes with #include "NAME", directly or through one
 * another.  Each NAME is looked up in the including file's folder, as the
 * compiler does, at most 16 levels deep, each file once (loops end there).
 * Names found only in sysdir (may be NULL: hotrun.h's folder) are left out;
 * names found nowhere are listed, so that creating them counts as a change.
 * On success *out is owned (free with hr_includes_free(*out, *n)) and holds
 * canonical paths (hr_filewatch_canon()), path itself never among them.
 * Returns 0, HR_ENOENT or HR_EIO (path unreadable) or HR_ENOMEM. */
int hr_includes_scan(const char *path, const char *sysdir, char ***out,
                     int *n);

void hr_includes_free(char **list, int n);

#endif
