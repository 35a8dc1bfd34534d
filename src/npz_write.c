/* npz_write.c - write arrays as a NumPy .npz archive through minizip */
#include "npz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "fileio.h"

#define STEP ((size_t)1 << 30)      /* bytes per zipWriteInFileInZip */

/* Adds names[i] + ".npy" holding a to the archive. */
static int add_member(zipFile zf, const char *path, const struct hr_array *a,
                      const char *name, int compress, struct hr_err *err)
{
    zip_fileinfo zi;
    char head[HR_NPY_HEADER_MAX];
    char *member = NULL;
    int fortran = !(a->flags & HR_C_CONTIGUOUS);
    size_t hlen;
    size_t done = 0;
    size_t step;
    int e;

    if (!(a->flags & (HR_C_CONTIGUOUS | HR_F_CONTIGUOUS))) {
        hr_err_set(err, "%s: array '%s' is neither C- nor Fortran-"
                   "contiguous", path, name);
        return HR_EINVAL;
    }
    hlen = hr_npy_header(head, sizeof head, a->dtype, fortran, a->ndim,
                         a->shape);
    if (hlen == 0) {
        hr_err_set(err, "%s: cannot describe array '%s' (%s, %d "
                   "dimensions)", path, name, hr_dtype_name(a->dtype),
                   a->ndim);
        return HR_EINVAL;
    }
    if (asprintf(&member, "%s.npy", name) < 0) {
        hr_err_set(err, "%s: out of memory", path);
        return HR_ENOMEM;
    }
    memset(&zi, 0, sizeof zi);
    e = zipOpenNewFileInZip64(zf, member, &zi, NULL, 0, NULL, 0, NULL,
                              compress ? Z_DEFLATED : 0,
                              compress ? Z_DEFAULT_COMPRESSION : 0, 1);
    free(member);
    if (e == ZIP_OK)
        e = zipWriteInFileInZip(zf, head, (unsigned)hlen);
    while (e == ZIP_OK && done < (size_t)a->nbytes) {
        step = (size_t)a->nbytes - done < STEP ? (size_t)a->nbytes - done
                                               : STEP;
        e = zipWriteInFileInZip(zf, (const char *)a->data + done,
                                (unsigned)step);
        done += step;
    }
    if (e == ZIP_OK)
        e = zipCloseFileInZip(zf);
    if (e != ZIP_OK) {
        hr_err_set(err, "%s: writing member '%s' failed (zip error %d)",
                   path, name, e);
        return HR_EIO;
    }
    return 0;
}

int hr_npz_write(const char *path, const struct hr_array *const *arrays,
                 const char *const *names, int n, int compress,
                 struct hr_err *err)
{
    zipFile zf = NULL;
    char *tmp = NULL;
    char txt[128];
    int rc = HR_ENOMEM;
    int i;

    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        hr_err_set(err, "%s: out of memory", path);
        return HR_ENOMEM;
    }
    zf = zipOpen64(tmp, APPEND_STATUS_CREATE);
    if (zf == NULL) {
        hr_err_set(err, "%s: cannot create %s: %s", path, tmp,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        rc = HR_EIO;
        goto out;
    }
    rc = 0;
    for (i = 0; i < n && rc == 0; i++)
        rc = add_member(zf, path, arrays[i], names[i], compress, err);
    if (zipClose(zf, NULL) != ZIP_OK && rc == 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        rc = HR_EIO;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        hr_err_set(err, "%s: cannot rename %s into place: %s", path, tmp,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        rc = HR_EIO;
    }
    if (rc != 0)
        unlink(tmp);
out:
    free(tmp);
    return rc;
}
