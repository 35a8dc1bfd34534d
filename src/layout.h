/* layout.h - what an array file holds: open it, read its .npy header or
 * check it against a raw spec
 *
 * Used by array.c.  Nothing is allocated; the descriptor opened is the
 * caller's.
 */
#ifndef HR_LAYOUT_H
#define HR_LAYOUT_H

#include <stdint.h>
#include <sys/stat.h>

#include "hotrun.h"
#include "dtype.h"
#include "err.h"

/* What a file holds, from its .npy header or from a raw spec. */
struct hr_layout {
    int dtype;
    int big_endian;
    int fortran;
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int version;        /* .npy major version; 0 for raw */
    int64_t offset;     /* of the first data byte */
    int64_t size;       /* elements */
    int64_t nbytes;
};

/* Opens path read-only (never blocking on a FIFO) and checks that it is a
 * regular file; *st gets its fstat().  On failure *fd may be open (the
 * caller closes it).  Returns 0, HR_ENOENT or HR_EIO with err "path: ...". */
int hr_layout_open(const char *path, int *fd, struct stat *st,
                   struct hr_err *err);

/* The layout from the .npy header of the file open on fd (fsize bytes),
 * with its data size checked against the shape.  Returns 0 or the
 * reader's code (HR_EFORMAT, HR_EUNSUPPORTED, HR_EIO, HR_ENOMEM). */
int hr_layout_npy(const char *path, int fd, int64_t fsize,
                  struct hr_layout *lay, struct hr_err *err);

/* The layout of a raw file of fsize bytes, as raw says.  Returns 0,
 * HR_EINVAL (a bad spec) or HR_EFORMAT (the size does not match). */
int hr_layout_raw(const char *path, const struct hr_raw_spec *raw,
                  int64_t fsize, struct hr_layout *lay, struct hr_err *err);

#endif
