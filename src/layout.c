/* layout.c - what an array file holds: open it, read its .npy header or
 * check it against a raw spec */
#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "npy.h"

int hr_layout_open(const char *path, int *fd, struct stat *st,
                   struct hr_err *err)
{
    char txt[128];
    int e;

    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0) {
        e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            hr_err_set(err, "%s: no such file", path);
            return HR_ENOENT;
        }
        if (e == EACCES || e == EPERM)
            hr_err_set(err, "%s: permission denied", path);
        else
            hr_err_set(err, "%s: cannot open: %s", path,
                       hr_fileio_errtext(e, txt, sizeof txt));
        return HR_EIO;
    }
    if (fstat(*fd, st) != 0) {
        hr_err_set(err, "%s: cannot stat: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_EIO;
    }
    if (S_ISDIR(st->st_mode)) {
        hr_err_set(err, "%s: is a directory, not an array file", path);
        return HR_EIO;
    }
    if (!S_ISREG(st->st_mode)) {
        hr_err_set(err, "%s: not a regular file", path);
        return HR_EIO;
    }
    return 0;
}

/* Checks that the data part of a .npy file is exactly what the shape
 * needs: no shorter (truncated), no longer (NumPy never pads the end). */
static int check_data_size(const char *path, const struct hr_layout *lay,
                           int64_t have, struct hr_err *err)
{
    char sh[HR_SHAPE_TXT];

    hr_shape_format_dims(lay->ndim, lay->shape, sh, sizeof sh);
    if (have < lay->nbytes) {
        hr_err_set(err, "%s: truncated: shape %s of %s needs %lld data "
                   "bytes but the file has %lld", path, sh,
                   hr_dtype_name(lay->dtype), (long long)lay->nbytes,
                   (long long)have);
        return HR_EFORMAT;
    }
    if (have > lay->nbytes) {
        hr_err_set(err, "%s: %lld bytes of trailing data: shape %s of %s "
                   "needs %lld data bytes but the file has %lld (several "
                   "arrays saved to one file?)", path,
                   (long long)(have - lay->nbytes), sh,
                   hr_dtype_name(lay->dtype), (long long)lay->nbytes,
                   (long long)have);
        return HR_EFORMAT;
    }
    return 0;
}

int hr_layout_header(const char *path, const struct hr_npy_header *nh,
                     int64_t base, int64_t fsize, struct hr_layout *lay,
                     struct hr_err *err)
{
    char sh[HR_SHAPE_TXT];

    lay->version = nh->version;
    lay->dtype = nh->dtype;
    lay->big_endian = nh->big_endian;
    lay->fortran = nh->fortran;
    lay->ndim = nh->ndim;
    memcpy(lay->shape, nh->shape, sizeof nh->shape);
    lay->offset = base + nh->offset;
    if (hr_shape_bytes(lay->ndim, lay->shape, hr_dtype_size(lay->dtype),
                       &lay->size, &lay->nbytes) < 0) {
        hr_shape_format_dims(lay->ndim, lay->shape, sh, sizeof sh);
        hr_err_set(err, "%s: shape %s of %s is too big (its byte size "
                   "overflows 64 bits)", path, sh, hr_dtype_name(lay->dtype));
        return HR_EFORMAT;
    }
    return check_data_size(path, lay, fsize - nh->offset, err);
}

int hr_layout_npy(const char *path, int fd, int64_t base, int64_t fsize,
                  struct hr_layout *lay, struct hr_err *err)
{
    struct hr_npy_header nh;
    int rc;

    rc = hr_npy_read_header_at(path, fd, base, fsize, &nh, err);
    if (rc != 0)
        return rc;
    return hr_layout_header(path, &nh, base, fsize, lay, err);
}

int hr_layout_raw(const char *path, const struct hr_raw_spec *raw,
                  int64_t fsize, struct hr_layout *lay, struct hr_err *err)
{
    char sh[HR_SHAPE_TXT];
    int k;

    if (raw->dtype < 0 || raw->dtype >= HR_NDTYPES || raw->ndim < 0 ||
        raw->ndim > HR_MAX_NDIM) {
        hr_err_set(err, "%s: bad raw layout (dtype %d, %d dimensions)",
                   path, raw->dtype, raw->ndim);
        return HR_EINVAL;
    }
    for (k = 0; k < raw->ndim; k++) {
        if (raw->shape[k] < 0) {
            hr_err_set(err, "%s: negative dimension %lld in the shape",
                       path, (long long)raw->shape[k]);
            return HR_EINVAL;
        }
    }
    lay->dtype = raw->dtype;
    lay->big_endian = raw->big_endian != 0;
    lay->fortran = raw->fortran != 0;
    lay->ndim = raw->ndim;
    memcpy(lay->shape, raw->shape, sizeof raw->shape);
    hr_shape_format_dims(lay->ndim, lay->shape, sh, sizeof sh);
    if (hr_shape_bytes(lay->ndim, lay->shape, hr_dtype_size(lay->dtype),
                       &lay->size, &lay->nbytes) < 0) {
        hr_err_set(err, "%s: shape %s of %s is too big (its byte size "
                   "overflows 64 bits)", path, sh, hr_dtype_name(lay->dtype));
        return HR_EINVAL;
    }
    if (lay->nbytes != fsize) {
        hr_err_set(err, "%s: file is %lld bytes but shape %s of %s needs "
                   "%lld (a raw file must match its shape exactly)", path,
                   (long long)fsize, sh, hr_dtype_name(lay->dtype),
                   (long long)lay->nbytes);
        return HR_EFORMAT;
    }
    return 0;
}
