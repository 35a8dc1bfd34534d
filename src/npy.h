/* npy.h - the .npy format: read and check a file's header, write float64
 *
 * Nothing here keeps state or hands out memory: a header is read into the
 * caller's struct, and the file descriptor stays the caller's.
 */
#ifndef HR_NPY_H
#define HR_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hotrun.h"
#include "err.h"

/* What a .npy header says about the data that follows it. */
struct hr_npy_header {
    int version;                /* .npy major version: 1, 2 or 3 */
    int64_t offset;             /* of the first data byte */
    int dtype;                  /* enum hr_dtype */
    int big_endian;             /* the data is big-endian */
    int fortran;                /* column-major data */
    int ndim;
    int64_t shape[HR_MAX_NDIM]; /* zero past ndim */
};

/* Reads the preamble and header of the .npy file open on fd (fsize bytes
 * long) into *out: magic, version, header length, encoding, the dict and
 * its dtype.  Does not look at the data.  On failure err gets one line
 * "path: what is wrong".  Returns 0, HR_EIO, HR_EFORMAT, HR_EUNSUPPORTED
 * or HR_ENOMEM. */
int hr_npy_read_header(const char *path, int fd, int64_t fsize,
                       struct hr_npy_header *out, struct hr_err *err);

/* The same for a .npy stream of size bytes that starts at byte base of fd
 * (a member stored in an .npz archive); out->offset counts from base. */
int hr_npy_read_header_at(const char *path, int fd, int64_t base,
                          int64_t size, struct hr_npy_header *out,
                          struct hr_err *err);

/* The same for a stream read through rd(ud, buf, n, off): n bytes at off
 * into buf, returning the count (short only at the end) or -1 with errno
 * set.  The header is read with two calls, at 0 and after the preamble. */
int hr_npy_read_header_from(const char *path,
                            ssize_t (*rd)(void *ud, void *buf, size_t n,
                                          int64_t off),
                            void *ud, int64_t size,
                            struct hr_npy_header *out, struct hr_err *err);

/* Room for any header hr_npy_header() writes. */
#define HR_NPY_HEADER_MAX (HR_MAX_NDIM * 22 + 192)

/* Writes into buf (cap >= HR_NPY_HEADER_MAX) the preamble and header
 * NumPy writes for an array of dtype (native order) and shape, C or
 * Fortran order: version 1.0, padded with blanks and '\n' so that the
 * data starts at a multiple of 64.  Returns
 * its length, or 0 for a dtype, ndim or cap it cannot write. */
size_t hr_npy_header(char *buf, size_t cap, int dtype, int fortran,
                     int ndim, const int64_t *shape);

/* Writes a C-order float64 array of the given shape to path as .npy
 * version 1.0, atomically: written to a new file made exclusively beside
 * it (hr_fileio_create_temp()), then renamed over path, so a symbolic
 * link planted at path is replaced, never followed.  Used by --demo and
 * tests.
 * Returns 0, HR_EINVAL, HR_EIO or HR_ENOMEM. */
int hr_npy_write_f64(const char *path, const double *data, int ndim,
                     const int64_t *shape, struct hr_err *err);

#endif
