/* save.c - write an array as a .npy file that np.load reads bit-exactly */
#include "save.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "dtype.h"
#include "fileio.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "save writes '<' (little-endian) descriptors");

#define ALIGN 64                /* NumPy's ARRAY_ALIGN */
#define GROWTH_DIGITS 21        /* NumPy's GROWTH_AXIS_MAX_DIGITS */
#define GATHER ((size_t)1 << 20)    /* bytes gathered per write */

static const char *const descrs[HR_NDTYPES] = {
    [HR_BOOL] = "|b1", [HR_INT8] = "|i1", [HR_INT16] = "<i2",
    [HR_INT32] = "<i4", [HR_INT64] = "<i8", [HR_UINT8] = "|u1",
    [HR_UINT16] = "<u2", [HR_UINT32] = "<u4", [HR_UINT64] = "<u8",
    [HR_FLOAT16] = "<f2", [HR_FLOAT32] = "<f4", [HR_FLOAT64] = "<f8",
    [HR_COMPLEX64] = "<c8", [HR_COMPLEX128] = "<c16",
};

int hr_save_header(const struct hr_array *a, int fortran, struct hr_text *t)
{
    struct hr_text d = HR_TEXT_INIT;
    char shape[HR_SHAPE_TXT + 8];
    char axis[32];
    size_t start = t->len;
    size_t hlen;
    size_t pad;
    size_t prefix;
    int version;
    int k;

    if (hr_array_check(a) != 0)
        return HR_EINVAL;
    hr_shape_tuple(a->ndim, a->shape, shape, sizeof shape);
    hr_text_printf(&d, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                   descrs[a->dtype], fortran ? "True" : "False", shape);
    if (a->ndim > 0) {
        k = fortran ? a->ndim - 1 : 0;
        snprintf(axis, sizeof axis, "%lld", (long long)a->shape[k]);
        hr_text_repeat(&d, " ", GROWTH_DIGITS - strlen(axis));
    }
    if (hr_text_ok(&d) != 0) {
        hr_text_free(&d);
        return HR_ENOMEM;
    }
    /* the dict, spaces and a newline end at a multiple of 64 bytes; the
     * length field takes 2 bytes in version 1.0, 4 in 2.0 */
    hlen = d.len + 1;
    version = 1;
    prefix = 10;
    pad = ALIGN - (prefix + hlen) % ALIGN;
    if (hlen + pad > 65535) {
        version = 2;
        prefix = 12;
        pad = ALIGN - (prefix + hlen) % ALIGN;
    }
    hr_text_add(t, "\x93NUMPY", 6);
    hr_text_add(t, version == 1 ? "\x01\x00" : "\x02\x00", 2);
    for (k = 0; k < (int)prefix - 8; k++) {
        char c = (char)((hlen + pad) >> (8 * k) & 0xff);

        hr_text_add(t, &c, 1);
    }
    hr_text_add(t, d.s, d.len);
    hr_text_repeat(t, " ", pad);
    hr_text_add(t, "\n", 1);
    hr_text_free(&d);
    if (hr_text_ok(t) != 0) {
        hr_text_truncate(t, start);
        return HR_ENOMEM;
    }
    return version;
}

/* Writes the elements of a in C order, gathered through the strides. */
static int write_gathered(int fd, const struct hr_array *a)
{
    int64_t per = (int64_t)(GATHER / (size_t)a->itemsize);
    char *buf = malloc(GATHER);
    int64_t i;
    int64_t k;
    int rc = 0;

    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < a->size && rc == 0; i += k) {
        for (k = 0; k < per && i + k < a->size; k++)
            memcpy(buf + k * a->itemsize, hr_array_elem(a, i + k),
                   (size_t)a->itemsize);
        rc = hr_fileio_write_full(fd, buf, (size_t)(k * a->itemsize));
    }
    free(buf);
    return rc;
}

/* Refuses path when it is one of the guarded files. */
static int guarded(const char *path, const struct hr_save_guard *g, int n,
                   struct hr_err *err)
{
    struct stat st;
    int k;

    if (stat(path, &st) != 0)
        return 0;
    for (k = 0; k < n; k++) {
        if (g[k].dev == st.st_dev && g[k].ino == st.st_ino) {
            hr_err_set(err, "%s: array '%s' is mapped from this file; save "
                       "to another name", path,
                       g[k].name != NULL ? g[k].name : "?");
            return HR_EINVAL;
        }
    }
    return 0;
}

int hr_save_npy(const struct hr_array *a, const char *path,
                const struct hr_save_guard *guards, int nguards,
                struct hr_err *err)
{
    struct hr_text head = HR_TEXT_INIT;
    struct hr_atomic at;
    char txt[128];
    int fortran = 0;
    int direct = 1;
    int rc;

    if (hr_array_check(a) != 0) {
        hr_err_set(err, "%s: not a sound array", path);
        return HR_EINVAL;
    }
    rc = guarded(path, guards, nguards, err);
    if (rc != 0)
        return rc;
    if (!hr_array_is_contiguous(a, 0)) {
        fortran = hr_array_is_contiguous(a, 1);
        direct = fortran;
    }
    rc = hr_save_header(a, fortran, &head);
    if (rc < 0) {
        hr_err_set(err, "%s: out of memory", path);
        return rc;
    }
    rc = hr_atomic_open(&at, path, err);
    if (rc != 0)
        goto out;
    if (hr_fileio_write_full(at.fd, head.s, head.len) != 0 ||
        (direct && a->nbytes > 0 &&
         hr_fileio_write_full(at.fd, a->data, (size_t)a->nbytes) != 0) ||
        (!direct && write_gathered(at.fd, a) != 0)) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        hr_atomic_abort(&at);
        rc = HR_EIO;
        goto out;
    }
    rc = hr_atomic_commit(&at, err);
out:
    hr_text_free(&head);
    return rc;
}
