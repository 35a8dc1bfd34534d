/* npy.c - the .npy format: read and check a file's header, write float64 */
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtype.h"
#include "fileio.h"
#include "npyhdr.h"

/* The writer labels native doubles '<f8'. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "hotrun assumes a little-endian host");

#define HDR_MAX ((int64_t)16 << 20)     /* largest .npy header we read */

/* NumPy dtypes that are valid but not numbers hotrun can use: by kind
 * letter (after the byte-order mark), or by exact code. */
static const struct {
    const char *kinds;
    const char *codes;      /* " f16 g ": these exact codes; NULL: any */
    const char *fmt;        /* %s is the dtype string */
} refused[] = {
    { "O", NULL, "object arrays ('%s') hold Python objects, not numbers: "
      "hotrun cannot use them" },
    { "U", NULL, "unicode string arrays ('%s') hold text, not numbers: "
      "hotrun cannot use them" },
    { "Sa", NULL, "byte string arrays ('%s') hold bytes, not numbers: "
      "hotrun cannot use them" },
    { "V", NULL, "void arrays ('%s') hold raw records, not numbers: "
      "hotrun cannot use them" },
    { "M", NULL, "datetime64 arrays ('%s') are not supported: "
      "save them with .astype('int64')" },
    { "m", NULL, "timedelta64 arrays ('%s') are not supported: "
      "save them with .astype('int64')" },
    { NULL, " f10 f12 f16 g ", "long double arrays ('%s') are not "
      "supported: save them with .astype('float64')" },
    { NULL, " c20 c24 c32 G ", "long double complex arrays ('%s') are not "
      "supported: save them with .astype('complex128')" },
};

/* ---- reading ---- */

/* Returns the offset of the first byte that is not well-formed UTF-8, or
 * n when all are. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    size_t k;
    size_t j;
    uint32_t cp;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        k = s[i] >= 0xf0 ? 3 : s[i] >= 0xe0 ? 2 : 1;
        cp = s[i] & (0x3fu >> k);
        if (s[i] < 0xc2 || s[i] > 0xf4 || k >= n - i)
            return i;
        for (j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += k + 1;
    }
    return n;
}

/* Turns a .npy descr into a dtype, or says why hotrun refuses it. */
static int descr_dtype(const char *path, const char *descr, int *dtype,
                       int *big_endian, struct hr_err *err)
{
    const char *kind = descr;
    char code[80];
    char why[256];
    size_t k;
    int hit;

    if (hr_dtype_parse(descr, dtype, big_endian) == 0)
        return 0;
    if (*kind != '\0' && strchr("<>=|!", *kind) != NULL)
        kind++;
    snprintf(code, sizeof code, " %.64s ", kind);
    for (k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        if (refused[k].codes != NULL)
            hit = strstr(refused[k].codes, code) != NULL;
        else
            hit = *kind != '\0' && strchr(refused[k].kinds, *kind) != NULL;
        if (!hit)
            continue;
        snprintf(why, sizeof why, refused[k].fmt, descr);
        hr_err_set(err, "%s: %s", path, why);
        return HR_EUNSUPPORTED;
    }
    hr_err_set(err, "%s: unknown dtype '%s'", path, descr);
    return HR_EFORMAT;
}

/* Checks the header text's encoding: ASCII for versions 1 and 2 (NumPy
 * writes non-ASCII only in version 3), UTF-8 for version 3. */
static int check_header_text(const char *path, int version,
                             const unsigned char *s, size_t n,
                             struct hr_err *err)
{
    size_t i = 0;

    if (version == 3) {
        i = utf8_check(s, n);
        if (i == n)
            return 0;
        hr_err_set(err, "%s: malformed header: byte 0x%02x at header byte "
                   "%zu is not valid utf-8", path, s[i], i);
        return HR_EFORMAT;
    }
    while (i < n && s[i] < 0x80)
        i++;
    if (i == n)
        return 0;
    hr_err_set(err, "%s: malformed header: non-ascii byte 0x%02x at header "
               "byte %zu (a version %d.0 header is ascii)", path, s[i], i,
               version);
    return HR_EFORMAT;
}

int hr_npy_read_header(const char *path, int fd, int64_t fsize,
                       struct hr_npy_header *out, struct hr_err *err)
{
    return hr_npy_read_header_at(path, fd, 0, fsize, out, err);
}

/* Reads from a file descriptor at a base offset. */
struct fd_src {
    int fd;
    int64_t base;
};

static ssize_t fd_read(void *ud, void *buf, size_t n, int64_t off)
{
    const struct fd_src *src = ud;

    return hr_fileio_pread_full(src->fd, buf, n, (off_t)(src->base + off));
}

int hr_npy_read_header_at(const char *path, int fd, int64_t base,
                          int64_t fsize, struct hr_npy_header *out,
                          struct hr_err *err)
{
    struct fd_src src = { fd, base };

    return hr_npy_read_header_from(path, fd_read, &src, fsize, out, err);
}

int hr_npy_read_header_from(const char *path,
                            ssize_t (*rd)(void *ud, void *buf, size_t n,
                                          int64_t off),
                            void *ud, int64_t fsize,
                            struct hr_npy_header *out, struct hr_err *err)
{
    static const unsigned char magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
    unsigned char pre[12];
    struct hr_npyhdr nh;
    char *text = NULL;
    char txt[128];
    int64_t prefix;
    int64_t hlen;
    ssize_t got;
    int rc = HR_EFORMAT;

    memset(out, 0, sizeof *out);
    got = rd(ud, pre, fsize < 12 ? (size_t)fsize : 12, 0);
    if (got < 0) {
        hr_err_set(err, "%s: read failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        rc = HR_EIO;
        goto out;
    }
    if (got < 6 || memcmp(pre, magic, sizeof magic) != 0) {
        hr_err_set(err, "%s: not a .npy file (%s); for a raw binary file "
                   "give --dtype and --shape", path,
                   fsize == 0 ? "empty file" : "bad magic");
        goto out;
    }
    if (got < 10) {
        hr_err_set(err, "%s: truncated: %lld bytes, shorter than the "
                   "10-byte .npy preamble", path, (long long)fsize);
        goto out;
    }
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0) {
        hr_err_set(err, "%s: unsupported .npy version %d.%d (hotrun reads "
                   "1.0, 2.0 and 3.0)", path, pre[6], pre[7]);
        rc = HR_EUNSUPPORTED;
        goto out;
    }
    out->version = pre[6];
    prefix = out->version == 1 ? 10 : 12;
    if (got < prefix) {
        hr_err_set(err, "%s: truncated: %lld bytes, shorter than the "
                   "12-byte .npy %d.0 preamble", path, (long long)fsize,
                   out->version);
        goto out;
    }
    hlen = pre[8] | pre[9] << 8;
    if (out->version > 1)
        hlen |= (int64_t)pre[10] << 16 | (int64_t)pre[11] << 24;
    if (hlen > fsize - prefix) {
        hr_err_set(err, "%s: truncated: header length field says %lld "
                   "bytes but only %lld follow the preamble", path,
                   (long long)hlen, (long long)(fsize - prefix));
        goto out;
    }
    if (hlen > HDR_MAX) {
        hr_err_set(err, "%s: header of %lld bytes is larger than hotrun "
                   "reads (%lld)", path, (long long)hlen,
                   (long long)HDR_MAX);
        rc = HR_EUNSUPPORTED;
        goto out;
    }
    text = malloc((size_t)hlen + 1);
    if (text == NULL) {
        hr_err_set(err, "%s: out of memory reading the header", path);
        rc = HR_ENOMEM;
        goto out;
    }
    got = rd(ud, text, (size_t)hlen, prefix);
    if (got != hlen) {
        hr_err_set(err, "%s: read failed: %s", path, got < 0 ?
                   hr_fileio_errtext(errno, txt, sizeof txt) :
                   "file shrank");
        rc = HR_EIO;
        goto out;
    }
    text[hlen] = '\0';
    rc = check_header_text(path, out->version, (unsigned char *)text,
                           (size_t)hlen, err);
    if (rc != 0)
        goto out;
    rc = hr_npyhdr_parse(path, text, (size_t)hlen, &nh, err);
    if (rc != 0)
        goto out;
    rc = descr_dtype(path, nh.descr, &out->dtype, &out->big_endian, err);
    if (rc != 0)
        goto out;
    out->fortran = nh.fortran;
    out->ndim = nh.ndim;
    memcpy(out->shape, nh.shape, sizeof nh.shape);
    out->offset = prefix + hlen;
out:
    free(text);
    return rc;
}

/* ---- writing ---- */

/* The .npy descr of a dtype, in native (little-endian) order. */
static const char *descr_of(int dtype)
{
    static const char *const d[HR_NDTYPES] = {
        [HR_BOOL] = "|b1", [HR_INT8] = "|i1", [HR_INT16] = "<i2",
        [HR_INT32] = "<i4", [HR_INT64] = "<i8", [HR_UINT8] = "|u1",
        [HR_UINT16] = "<u2", [HR_UINT32] = "<u4", [HR_UINT64] = "<u8",
        [HR_FLOAT16] = "<f2", [HR_FLOAT32] = "<f4", [HR_FLOAT64] = "<f8",
        [HR_COMPLEX64] = "<c8", [HR_COMPLEX128] = "<c16",
    };

    return dtype >= 0 && dtype < HR_NDTYPES ? d[dtype] : NULL;
}

size_t hr_npy_header(char *buf, size_t cap, int dtype, int fortran,
                     int ndim, const int64_t *shape)
{
    size_t pre = 10;
    size_t len;
    size_t hlen;
    int k;

    if (descr_of(dtype) == NULL || ndim < 0 || ndim > HR_MAX_NDIM ||
        cap < HR_NPY_HEADER_MAX)
        return 0;
    len = pre;
    len += (size_t)snprintf(buf + len, cap - len, "{'descr': '%s', "
                            "'fortran_order': %s, 'shape': (",
                            descr_of(dtype), fortran ? "True" : "False");
    for (k = 0; k < ndim; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld",
                                k > 0 ? ", " : "", (long long)shape[k]);
    len += (size_t)snprintf(buf + len, cap - len, "%s), }",
                            ndim == 1 ? "," : "");
    while ((len + 1) % 64 != 0)
        buf[len++] = ' ';
    buf[len++] = '\n';
    hlen = len - pre;                   /* < 65536: version 1.0 */
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    return len;
}

int hr_npy_write_f64(const char *path, const double *data, int ndim,
                     const int64_t *shape, struct hr_err *err)
{
    char head[HR_NPY_HEADER_MAX];
    char txt[128];
    char *tmp = NULL;
    int64_t size;
    int64_t nbytes;
    size_t hlen;
    int made = 0;
    int fd = -1;
    int k;
    int rc = HR_EINVAL;

    if (ndim < 0 || ndim > HR_MAX_NDIM) {
        hr_err_set(err, "%s: cannot write %d dimensions", path, ndim);
        goto out;
    }
    for (k = 0; k < ndim; k++) {
        if (shape[k] < 0) {
            hr_err_set(err, "%s: negative dimension %lld", path,
                       (long long)shape[k]);
            goto out;
        }
    }
    if (hr_shape_bytes(ndim, shape, 8, &size, &nbytes) < 0) {
        hr_err_set(err, "%s: shape too big", path);
        goto out;
    }
    hlen = hr_npy_header(head, sizeof head, HR_FLOAT64, 0, ndim, shape);
    rc = HR_EIO;
    /* an unpredictable new name, never through a planted symbolic link,
     * renamed over path when complete */
    fd = hr_fileio_create_temp(path, &tmp);
    if (fd < 0) {
        k = errno;
        hr_err_set(err, "%s: cannot create a file beside it: %s", path,
                   hr_fileio_errtext(k, txt, sizeof txt));
        rc = k == ENOMEM ? HR_ENOMEM : HR_EIO;
        goto out;
    }
    made = 1;
    if (hr_fileio_write_full(fd, head, hlen) != 0 ||
        hr_fileio_write_full(fd, data, (size_t)nbytes) != 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        goto out;
    }
    k = close(fd);
    fd = -1;
    if (k != 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        hr_err_set(err, "%s: cannot rename %s into place: %s", path, tmp,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && made)
        unlink(tmp);
    free(tmp);
    return rc;
}
