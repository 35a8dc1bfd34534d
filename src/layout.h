/* layout.h - what an array file holds: open it, read its .npy header or
 * check it against a raw spec
 *
 * Used by array.c and the format loaders (loader.h).  Nothing is
 * allocated; the descriptor opened is the caller's.
 */
#ifndef HR_LAYOUT_H
#define HR_LAYOUT_H

#include <stdint.h>
#include <sys/stat.h>

#include "hotrun.h"
#include "dtype.h"
#include "err.h"
#include "npy.h"

/* What a file holds, from its .npy header or from a raw spec. */
struct hr_layout {
    int dtype;
    int big_endian;
    int fortran;
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int version;        /* .npy major version; 0 for other formats */
    int64_t offset;     /* of the first data byte in the file */
    int64_t size;       /* elements */
    int64_t nbytes;
};

/* Opens path read-only (never blocking on a FIFO) and checks that it is a
 * regular file; *st gets its fstat().  On failure *fd may be open (the
 * caller closes it).  Returns 0, HR_ENOENT or HR_EIO with err "path: ...". */
int hr_layout_open(const char *path, int *fd, struct stat *st,
                   struct hr_err *err);

/* The layout from the header of the .npy stream of fsize bytes that
 * starts at byte base of fd (0 for a .npy file, a stored member's offset
 * in an .npz archive); lay->offset is absolute.  Checks that the data
 * fills the rest exactly: no shorter (truncated), no longer (NumPy never
 * pads the end).  Returns 0 or the reader's code (HR_EFORMAT,
 * HR_EUNSUPPORTED, HR_EIO, HR_ENOMEM). */
int hr_layout_npy(const char *path, int fd, int64_t base, int64_t fsize,
                  struct hr_layout *lay, struct hr_err *err);

/* The same from a header already read (nh). */
int hr_layout_header(const char *path, const struct hr_npy_header *nh,
                     int64_t base, int64_t fsize, struct hr_layout *lay,
                     struct hr_err *err);

/* The layout of a raw file of fsize bytes, as raw says.  Returns 0,
 * HR_EINVAL (a bad spec) or HR_EFORMAT (the size does not match). */
int hr_layout_raw(const char *path, const struct hr_raw_spec *raw,
                  int64_t fsize, struct hr_layout *lay, struct hr_err *err);

#endif
