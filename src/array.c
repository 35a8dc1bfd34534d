/* array.c - load .npy and raw binary files as resident, read-only arrays */
#include "array.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Data is read in native order; a big-endian host would swap '<' files. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "hotrun assumes a little-endian host");

#define HDR_MAX ((int64_t)16 << 20)     /* largest .npy header we read */
#define CHUNK ((size_t)64 << 20)        /* copy step between progress calls */
#define HUGE_PAGE ((size_t)2 << 20)
#define SHAPE_TXT (HR_MAX_NDIM * 21 + 8)    /* "NxNx...": 20 digits + 'x' */

/* What a file holds, from its .npy header or from a raw spec. */
struct layout {
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

static const struct {
    const char *name;
    const char *short_name;
    int size;
} dtypes[HR_NDTYPES] = {
    [HR_BOOL] = { "bool", "bool", 1 },
    [HR_INT8] = { "int8", "i8", 1 },
    [HR_INT16] = { "int16", "i16", 2 },
    [HR_INT32] = { "int32", "i32", 4 },
    [HR_INT64] = { "int64", "i64", 8 },
    [HR_UINT8] = { "uint8", "u8", 1 },
    [HR_UINT16] = { "uint16", "u16", 2 },
    [HR_UINT32] = { "uint32", "u32", 4 },
    [HR_UINT64] = { "uint64", "u64", 8 },
    [HR_FLOAT16] = { "float16", "f16", 2 },
    [HR_FLOAT32] = { "float32", "f32", 4 },
    [HR_FLOAT64] = { "float64", "f64", 8 },
    [HR_COMPLEX64] = { "complex64", "c64", 8 },
    [HR_COMPLEX128] = { "complex128", "c128", 16 },
};

/* NumPy's spellings (names, kind+size codes and one-letter type codes;
 * "int", "long" and "l" are the 64-bit C long of Linux). */
static const struct {
    const char *s;
    int dtype;
} dtype_aliases[] = {
    { "bool", HR_BOOL }, { "b1", HR_BOOL }, { "?", HR_BOOL },
    { "bool_", HR_BOOL },
    { "int8", HR_INT8 }, { "i1", HR_INT8 }, { "byte", HR_INT8 },
    { "b", HR_INT8 },
    { "int16", HR_INT16 }, { "i2", HR_INT16 }, { "short", HR_INT16 },
    { "h", HR_INT16 },
    { "int32", HR_INT32 }, { "i4", HR_INT32 }, { "intc", HR_INT32 },
    { "i", HR_INT32 },
    { "int64", HR_INT64 }, { "i8", HR_INT64 }, { "int", HR_INT64 },
    { "long", HR_INT64 }, { "longlong", HR_INT64 }, { "intp", HR_INT64 },
    { "l", HR_INT64 }, { "q", HR_INT64 }, { "p", HR_INT64 },
    { "uint8", HR_UINT8 }, { "u1", HR_UINT8 }, { "ubyte", HR_UINT8 },
    { "B", HR_UINT8 },
    { "uint16", HR_UINT16 }, { "u2", HR_UINT16 }, { "ushort", HR_UINT16 },
    { "H", HR_UINT16 },
    { "uint32", HR_UINT32 }, { "u4", HR_UINT32 }, { "uintc", HR_UINT32 },
    { "I", HR_UINT32 },
    { "uint64", HR_UINT64 }, { "u8", HR_UINT64 }, { "uint", HR_UINT64 },
    { "ulong", HR_UINT64 }, { "ulonglong", HR_UINT64 },
    { "uintp", HR_UINT64 }, { "L", HR_UINT64 }, { "Q", HR_UINT64 },
    { "P", HR_UINT64 },
    { "float16", HR_FLOAT16 }, { "f2", HR_FLOAT16 }, { "half", HR_FLOAT16 },
    { "e", HR_FLOAT16 },
    { "float32", HR_FLOAT32 }, { "f4", HR_FLOAT32 },
    { "single", HR_FLOAT32 }, { "f", HR_FLOAT32 },
    { "float64", HR_FLOAT64 }, { "f8", HR_FLOAT64 },
    { "double", HR_FLOAT64 }, { "float", HR_FLOAT64 }, { "d", HR_FLOAT64 },
    { "complex64", HR_COMPLEX64 }, { "c8", HR_COMPLEX64 },
    { "csingle", HR_COMPLEX64 }, { "F", HR_COMPLEX64 },
    { "complex128", HR_COMPLEX128 }, { "c16", HR_COMPLEX128 },
    { "cdouble", HR_COMPLEX128 }, { "complex", HR_COMPLEX128 },
    { "D", HR_COMPLEX128 },
};

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

/* The data pointer of arrays with no bytes: valid, never dereferenced. */
static const uint64_t empty_data[2];

static const char *sys_text(int e, char *buf, size_t len)
{
    snprintf(buf, len, "%s", strerror(e));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

static void fmt_shape(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = 0;
    int k;
    int n;

    if (len == 0)
        return;
    buf[0] = '\0';
    if (ndim == 0)
        snprintf(buf, len, "scalar");
    for (k = 0; k < ndim && used < len; k++) {
        n = snprintf(buf + used, len - used, "%s%lld", k > 0 ? "x" : "",
                     (long long)shape[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Sets *size and *nbytes; -1 when the byte size overflows int64.  As in
 * NumPy, zero dimensions do not hide an overflow of the others. */
static int count_bytes(int ndim, const int64_t *shape, int itemsize,
                       int64_t *size, int64_t *nbytes)
{
    int64_t bytes = itemsize;
    int empty = 0;
    int k;

    for (k = 0; k < ndim; k++) {
        if (shape[k] == 0)
            empty = 1;
        else if (__builtin_mul_overflow(bytes, shape[k], &bytes))
            return -1;
    }
    *size = empty ? 0 : bytes / itemsize;
    *nbytes = empty ? 0 : bytes;
    return 0;
}

/* Reads len bytes at off; returns the count (short only at end of file)
 * or -1 with errno set. */
static ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    ssize_t n;

    while (done < len) {
        n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static int write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;
    size_t step;
    ssize_t n;

    while (done < len) {
        step = len - done < ((size_t)1 << 30) ? len - done : (size_t)1 << 30;
        n = write(fd, (const char *)buf + done, step);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* ---- the .npy header: a Python dict literal ---- */

struct hdr {
    const char *s;
    size_t n;
    size_t i;
    int code;           /* HR_EFORMAT or HR_EUNSUPPORTED after a failure */
    char msg[256];
};

struct npy_hdr {
    char descr[64];
    int fortran;
    int ndim;
    int64_t shape[HR_MAX_NDIM];
};

static const char *const npy_keys[] = { "descr", "fortran_order", "shape" };

static int peek(const struct hdr *h)
{
    return h->i < h->n ? (unsigned char)h->s[h->i] : -1;
}

static void skip_ws(struct hdr *h)
{
    int c = peek(h);

    while (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v') {
        h->i++;
        c = peek(h);
    }
}

/* A syntax error at the current position, quoting the text there. */
static int syntax(struct hdr *h, const char *what)
{
    char near[24];
    size_t k;
    unsigned char c;

    for (k = 0; k + 1 < sizeof near && h->i + k < h->n; k++) {
        c = (unsigned char)h->s[h->i + k];
        near[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    near[k] = '\0';
    h->code = HR_EFORMAT;
    if (k == 0)
        snprintf(h->msg, sizeof h->msg, "malformed header: %s at its end",
                 what);
    else
        snprintf(h->msg, sizeof h->msg, "malformed header: %s near \"%s\"",
                 what, near);
    return -1;
}

static int semantic(struct hdr *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int semantic(struct hdr *h, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof h->msg, fmt, ap);
    va_end(ap);
    h->code = code;
    return -1;
}

/* A Python string literal ('...' or "...", optionally u/b prefixed). */
static int parse_str(struct hdr *h, char *buf, size_t cap)
{
    size_t len = 0;
    int escaped;
    int q;
    int c;

    c = peek(h);
    if ((c == 'u' || c == 'b') && h->i + 1 < h->n &&
        (h->s[h->i + 1] == '\'' || h->s[h->i + 1] == '"'))
        h->i++;
    q = peek(h);
    if (q != '\'' && q != '"')
        return syntax(h, "expected a quoted string");
    h->i++;
    for (;;) {
        c = peek(h);
        escaped = c == '\\';
        if (escaped) {
            h->i++;
            c = peek(h);
        }
        if (c < 0x20 || c == 0x7f)
            return syntax(h, "unterminated string");
        h->i++;
        if (c == q && !escaped)
            break;
        if (len + 1 >= cap)
            return syntax(h, "string too long");
        buf[len++] = (char)c;
    }
    buf[len] = '\0';
    return 0;
}

/* A Python int literal; Python 2 wrote longs with an 'L' suffix. */
static int parse_int(struct hdr *h, int64_t *v)
{
    uint64_t x = 0;
    int neg = 0;
    int digits = 0;
    int c;

    c = peek(h);
    if (c == '-' || c == '+') {
        neg = c == '-';
        h->i++;
        skip_ws(h);
    }
    for (c = peek(h); c >= '0' && c <= '9'; c = peek(h)) {
        if (x > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            return syntax(h, "integer too large");
        x = x * 10 + (uint64_t)(c - '0');
        digits++;
        h->i++;
    }
    if (digits == 0)
        return syntax(h, "expected an integer");
    if (x > (uint64_t)INT64_MAX + (uint64_t)neg)
        return syntax(h, "integer too large");
    if (c == 'L' || c == 'l')
        h->i++;
    *v = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

static int parse_bool(struct hdr *h, int *v)
{
    static const char *const words[] = { "False", "True" };
    size_t len;
    int k;
    int next;

    for (k = 0; k < 2; k++) {
        len = strlen(words[k]);
        if (h->n - h->i < len || memcmp(h->s + h->i, words[k], len) != 0)
            continue;
        next = h->i + len < h->n ? (unsigned char)h->s[h->i + len] : ' ';
        if (isalnum(next) || next == '_')
            continue;
        h->i += len;
        *v = k;
        return 0;
    }
    return syntax(h, "expected True or False");
}

/* A shape tuple: (), (5,), (3, 4), (3, 4,); (5) is taken as (5,). */
static int parse_shape(struct hdr *h, int *ndim, int64_t *shape)
{
    int64_t v = 0;
    int nd = 0;

    if (peek(h) != '(')
        return syntax(h, "expected a shape tuple");
    h->i++;
    skip_ws(h);
    while (peek(h) != ')') {
        if (parse_int(h, &v) < 0)
            return -1;
        if (v < 0)
            return semantic(h, HR_EFORMAT, "negative dimension %lld in shape",
                            (long long)v);
        if (nd == HR_MAX_NDIM)
            return semantic(h, HR_EUNSUPPORTED, "shape has more than %d "
                            "dimensions, hotrun's limit", HR_MAX_NDIM);
        shape[nd++] = v;
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            skip_ws(h);
        } else if (peek(h) != ')') {
            return syntax(h, "expected ',' or ')' in shape");
        }
    }
    h->i++;
    *ndim = nd;
    return 0;
}

static int parse_value(struct hdr *h, int key, struct npy_hdr *out)
{
    if (key == 0 && peek(h) == '[')
        return semantic(h, HR_EUNSUPPORTED, "structured arrays (a dtype "
                        "with named fields) are not supported: hotrun "
                        "needs plain numbers");
    if (key == 0)
        return parse_str(h, out->descr, sizeof out->descr);
    if (key == 1)
        return parse_bool(h, &out->fortran);
    return parse_shape(h, &out->ndim, out->shape);
}

/* {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } in any key
 * order, with any whitespace, with or without the trailing comma. */
static int parse_dict(struct hdr *h, struct npy_hdr *out)
{
    char key[64];
    int seen = 0;
    int k;

    skip_ws(h);
    if (peek(h) != '{')
        return syntax(h, "expected '{'");
    h->i++;
    skip_ws(h);
    while (peek(h) != '}') {
        if (parse_str(h, key, sizeof key) < 0)
            return -1;
        for (k = 0; k < 3 && strcmp(key, npy_keys[k]) != 0; k++)
            continue;
        if (k == 3)
            return semantic(h, HR_EFORMAT, "unexpected key '%s' in header",
                            key);
        if (seen & 1 << k)
            return semantic(h, HR_EFORMAT, "key '%s' appears twice in "
                            "header", key);
        seen |= 1 << k;
        skip_ws(h);
        if (peek(h) != ':')
            return syntax(h, "expected ':' after a key");
        h->i++;
        skip_ws(h);
        if (parse_value(h, k, out) < 0)
            return -1;
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            skip_ws(h);
        } else if (peek(h) != '}') {
            return syntax(h, "expected ',' or '}'");
        }
    }
    h->i++;
    skip_ws(h);
    if (h->i < h->n)
        return syntax(h, "unexpected text after the dict");
    for (k = 0; k < 3; k++) {
        if (!(seen & 1 << k))
            return semantic(h, HR_EFORMAT, "header has no '%s' key",
                            npy_keys[k]);
    }
    return 0;
}

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

/* ---- finding the layout of a file ---- */

static int open_file(const char *path, int *fd, int64_t *size,
                     struct hr_err *err)
{
    struct stat st;
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
                       sys_text(e, txt, sizeof txt));
        return HR_EIO;
    }
    if (fstat(*fd, &st) != 0) {
        hr_err_set(err, "%s: cannot stat: %s", path,
                   sys_text(errno, txt, sizeof txt));
        return HR_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        hr_err_set(err, "%s: is a directory, not an array file", path);
        return HR_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        hr_err_set(err, "%s: not a regular file", path);
        return HR_EIO;
    }
    *size = st.st_size;
    return 0;
}

/* Checks that the data part of a .npy file is exactly what the shape
 * needs: no shorter (truncated), no longer (NumPy never pads the end). */
static int check_data_size(const char *path, const struct layout *lay,
                           int64_t have, struct hr_err *err)
{
    char sh[SHAPE_TXT];

    fmt_shape(lay->ndim, lay->shape, sh, sizeof sh);
    if (have < lay->nbytes) {
        hr_err_set(err, "%s: truncated: shape %s of %s needs %lld data "
                   "bytes but the file has %lld", path, sh,
                   dtypes[lay->dtype].name, (long long)lay->nbytes,
                   (long long)have);
        return HR_EFORMAT;
    }
    if (have > lay->nbytes) {
        hr_err_set(err, "%s: %lld bytes of trailing data: shape %s of %s "
                   "needs %lld data bytes but the file has %lld (several "
                   "arrays saved to one file?)", path,
                   (long long)(have - lay->nbytes), sh,
                   dtypes[lay->dtype].name, (long long)lay->nbytes,
                   (long long)have);
        return HR_EFORMAT;
    }
    return 0;
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

static int npy_layout(const char *path, int fd, int64_t fsize,
                      struct layout *lay, struct hr_err *err)
{
    static const unsigned char magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
    unsigned char pre[12];
    struct npy_hdr nh;
    struct hdr h;
    char *text = NULL;
    char sh[SHAPE_TXT];
    char txt[128];
    int64_t prefix;
    int64_t hlen;
    ssize_t got;
    int rc = HR_EFORMAT;

    memset(&nh, 0, sizeof nh);
    memset(&h, 0, sizeof h);
    got = pread_full(fd, pre, fsize < 12 ? (size_t)fsize : 12, 0);
    if (got < 0) {
        hr_err_set(err, "%s: read failed: %s", path,
                   sys_text(errno, txt, sizeof txt));
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
    lay->version = pre[6];
    prefix = lay->version == 1 ? 10 : 12;
    if (got < prefix) {
        hr_err_set(err, "%s: truncated: %lld bytes, shorter than the "
                   "12-byte .npy %d.0 preamble", path, (long long)fsize,
                   lay->version);
        goto out;
    }
    hlen = pre[8] | pre[9] << 8;
    if (lay->version > 1)
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
    got = pread_full(fd, text, (size_t)hlen, (off_t)prefix);
    if (got != hlen) {
        hr_err_set(err, "%s: read failed: %s", path, got < 0 ?
                   sys_text(errno, txt, sizeof txt) : "file shrank");
        rc = HR_EIO;
        goto out;
    }
    text[hlen] = '\0';
    rc = check_header_text(path, lay->version, (unsigned char *)text,
                           (size_t)hlen, err);
    if (rc != 0)
        goto out;
    h.s = text;
    h.n = (size_t)hlen;
    if (parse_dict(&h, &nh) < 0) {
        hr_err_set(err, "%s: %s", path, h.msg);
        rc = h.code;
        goto out;
    }
    rc = descr_dtype(path, nh.descr, &lay->dtype, &lay->big_endian, err);
    if (rc != 0)
        goto out;
    lay->fortran = nh.fortran;
    lay->ndim = nh.ndim;
    memcpy(lay->shape, nh.shape, sizeof nh.shape);
    lay->offset = prefix + hlen;
    if (count_bytes(lay->ndim, lay->shape, dtypes[lay->dtype].size,
                    &lay->size, &lay->nbytes) < 0) {
        fmt_shape(lay->ndim, lay->shape, sh, sizeof sh);
        hr_err_set(err, "%s: shape %s of %s is too big (its byte size "
                   "overflows 64 bits)", path, sh, dtypes[lay->dtype].name);
        rc = HR_EFORMAT;
        goto out;
    }
    rc = check_data_size(path, lay, fsize - lay->offset, err);
out:
    free(text);
    return rc;
}

static int raw_layout(const char *path, const struct hr_raw_spec *raw,
                      int64_t fsize, struct layout *lay, struct hr_err *err)
{
    char sh[SHAPE_TXT];
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
    fmt_shape(lay->ndim, lay->shape, sh, sizeof sh);
    if (count_bytes(lay->ndim, lay->shape, dtypes[lay->dtype].size,
                    &lay->size, &lay->nbytes) < 0) {
        hr_err_set(err, "%s: shape %s of %s is too big (its byte size "
                   "overflows 64 bits)", path, sh, dtypes[lay->dtype].name);
        return HR_EINVAL;
    }
    if (lay->nbytes != fsize) {
        hr_err_set(err, "%s: file is %lld bytes but shape %s of %s needs "
                   "%lld (a raw file must match its shape exactly)", path,
                   (long long)fsize, sh, dtypes[lay->dtype].name,
                   (long long)lay->nbytes);
        return HR_EFORMAT;
    }
    return 0;
}

/* ---- the resident array ---- */

/* NumPy's rule: axes of length 1 do not count; an empty array is both. */
static int contiguous(const struct hr_array *v, int fortran)
{
    int64_t sd = v->itemsize;
    int j;
    int k;

    for (j = 0; j < v->ndim; j++) {
        if (v->shape[j] == 0)
            return 1;
    }
    for (j = 0; j < v->ndim; j++) {
        k = fortran ? j : v->ndim - 1 - j;
        if (v->shape[k] == 1)
            continue;
        if (v->strides[k] != sd)
            return 0;
        sd *= v->shape[k];
    }
    return 1;
}

static char *default_name(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;

    base = base != NULL ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return strdup(base);
    return strndup(base, (size_t)(dot - base));
}

static int resident_new(const char *path, const char *name,
                        const struct layout *lay, struct hr_resident **out,
                        struct hr_err *err)
{
    struct hr_resident *r = calloc(1, sizeof *r);
    struct hr_array *v;
    int64_t sd;
    int j;
    int k;

    if (r == NULL)
        goto nomem;
    r->path = strdup(path);
    r->name = name != NULL ? strdup(name) : default_name(path);
    if (r->path == NULL || r->name == NULL)
        goto nomem;
    r->npy_version = lay->version;
    v = &r->view;
    v->dtype = lay->dtype;
    v->ndim = lay->ndim;
    memcpy(v->shape, lay->shape, sizeof v->shape);
    v->size = lay->size;
    v->itemsize = dtypes[lay->dtype].size;
    v->nbytes = lay->nbytes;
    v->name = r->name;
    sd = v->itemsize;
    for (j = 0; j < v->ndim; j++) {
        k = lay->fortran ? j : v->ndim - 1 - j;
        v->strides[k] = sd;
        if (v->shape[k] != 0)
            sd *= v->shape[k];
    }
    v->flags = (contiguous(v, 0) ? HR_C_CONTIGUOUS : 0) |
               (contiguous(v, 1) ? HR_F_CONTIGUOUS : 0);
    *out = r;
    return 0;
nomem:
    hr_array_free(r);
    hr_err_set(err, "%s: out of memory", path);
    return HR_ENOMEM;
}

/* Bytes swapped as one number: a complex is two. */
static int swap_unit(int dtype)
{
    if (dtype == HR_COMPLEX64 || dtype == HR_COMPLEX128)
        return dtypes[dtype].size / 2;
    return dtypes[dtype].size;
}

static void swap_bytes(void *p, size_t n, int unit)
{
    uint16_t *p16 = p;
    uint32_t *p32 = p;
    uint64_t *p64 = p;
    size_t k;

    if (unit == 2) {
        for (k = 0; k < n / 2; k++)
            p16[k] = __builtin_bswap16(p16[k]);
    } else if (unit == 4) {
        for (k = 0; k < n / 4; k++)
            p32[k] = __builtin_bswap32(p32[k]);
    } else if (unit == 8) {
        for (k = 0; k < n / 8; k++)
            p64[k] = __builtin_bswap64(p64[k]);
    }
}

/* An anonymous read-write mapping of at least len bytes, aligned to a
 * huge page when it is that big, with huge pages advised.  NULL with
 * errno set on failure. */
static void *anon_map(size_t len, size_t *map_len)
{
    size_t want = len;
    size_t extra = 0;
    size_t head;
    char *p;
    char *a;

    if (len >= HUGE_PAGE) {
        want = (len + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        extra = HUGE_PAGE;
    }
    p = mmap(NULL, want + extra, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    a = p;
    if (extra > 0) {
        a = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        head = (size_t)(a - p);
        if (head > 0)
            munmap(p, head);
        if (extra - head > 0)
            munmap(a + want, extra - head);
    }
#ifdef MADV_HUGEPAGE
    madvise(a, want, MADV_HUGEPAGE);
#endif
    *map_len = want;
    return a;
}

/* Copies the data into memory of its own, converting big-endian numbers
 * (swap is the unit, 0 for none), then makes it read-only. */
static int copy_data(const char *path, int fd, const struct layout *lay,
                     int swap, const struct hr_load_opts *opts,
                     struct hr_resident *r, struct hr_err *err)
{
    size_t total = (size_t)lay->nbytes;
    size_t done = 0;
    size_t want;
    ssize_t got;
    char txt[128];
    char *p;

    p = anon_map(total, &r->map_len);
    if (p == NULL) {
        hr_err_set(err, "%s: cannot allocate %zu bytes: %s", path, total,
                   sys_text(errno, txt, sizeof txt));
        return HR_ENOMEM;
    }
    r->map = p;
    posix_fadvise(fd, (off_t)lay->offset, (off_t)lay->nbytes,
                  POSIX_FADV_SEQUENTIAL);
    while (done < total) {
        want = total - done < CHUNK ? total - done : CHUNK;
        got = pread_full(fd, p + done, want, (off_t)lay->offset +
                         (off_t)done);
        if (got < 0) {
            hr_err_set(err, "%s: read failed: %s", path,
                       sys_text(errno, txt, sizeof txt));
            return HR_EIO;
        }
        if ((size_t)got < want) {
            hr_err_set(err, "%s: file shrank while loading (%zu of %zu "
                       "data bytes read)", path, done + (size_t)got, total);
            return HR_EIO;
        }
        if (swap > 0)
            swap_bytes(p + done, want, swap);
        done += want;
        if (opts->progress != NULL)
            opts->progress(opts->progress_ud, (int64_t)done,
                           (int64_t)total);
    }
    if (mprotect(p, r->map_len, PROT_READ) != 0) {
        hr_err_set(err, "%s: cannot make the data read-only: %s", path,
                   sys_text(errno, txt, sizeof txt));
        return HR_EIO;
    }
    r->view.data = p;
    return 0;
}

/* Maps the file (zero-copy) when it can be used as it is: native order,
 * aligned data, mode mmap.  Otherwise copies. */
static int load_data(const char *path, int fd, int64_t fsize,
                     const struct layout *lay,
                     const struct hr_load_opts *opts, struct hr_resident *r,
                     struct hr_err *err)
{
    int unit = swap_unit(lay->dtype);
    int swap = lay->big_endian && unit > 1;
    int aligned = lay->offset % unit == 0;
    char txt[128];
    char *p;
    int e;

    r->swapped = swap;
    if (swap)
        r->how = "read+swap";
    else if (opts->mode == HR_LOAD_READ)
        r->how = "read";
    else if (!aligned)
        r->how = "read (unaligned)";
    else
        r->how = "mmap";
    if (lay->nbytes == 0) {
        r->view.data = empty_data;
        return 0;
    }
    if (!swap && aligned && opts->mode == HR_LOAD_MMAP) {
        p = mmap(NULL, (size_t)fsize, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            r->map = p;
            r->map_len = (size_t)fsize;
            r->view.data = p + lay->offset;
            return 0;
        }
        e = errno;
        if (e != ENODEV) {
            hr_err_set(err, "%s: cannot map %lld bytes: %s", path,
                       (long long)fsize, sys_text(e, txt, sizeof txt));
            return e == ENOMEM ? HR_ENOMEM : HR_EIO;
        }
        r->how = "read";    /* a file system that cannot map */
    }
    return copy_data(path, fd, lay, swap ? unit : 0, opts, r, err);
}

int hr_array_load(const char *path, const char *name,
                  const struct hr_load_opts *opts, struct hr_resident **out,
                  struct hr_err *err)
{
    static const struct hr_load_opts defaults;
    struct hr_resident *r = NULL;
    struct layout lay;
    int64_t fsize = 0;
    int fd = -1;
    int rc;

    memset(&lay, 0, sizeof lay);
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    rc = open_file(path, &fd, &fsize, err);
    if (rc == 0 && opts->raw != NULL)
        rc = raw_layout(path, opts->raw, fsize, &lay, err);
    else if (rc == 0)
        rc = npy_layout(path, fd, fsize, &lay, err);
    if (rc == 0)
        rc = resident_new(path, name, &lay, &r, err);
    if (rc == 0)
        rc = load_data(path, fd, fsize, &lay, opts, r, err);
    if (rc == 0) {
        *out = r;
        r = NULL;
    }
    hr_array_free(r);
    if (fd >= 0)
        close(fd);
    return rc;
}

void hr_array_free(struct hr_resident *r)
{
    if (r == NULL)
        return;
    if (r->map != NULL)
        munmap(r->map, r->map_len);
    free(r->name);
    free(r->path);
    free(r);
}

/* ---- dtypes and shapes ---- */

const char *hr_dtype_name(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return "unknown";
    return dtypes[dtype].name;
}

const char *hr_dtype_short(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return "?";
    return dtypes[dtype].short_name;
}

int hr_dtype_size(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return 0;
    return dtypes[dtype].size;
}

int hr_dtype_parse(const char *s, int *dtype, int *big_endian)
{
    int big = 0;
    size_t k;

    if (s == NULL)
        return HR_EINVAL;
    if (*s != '\0' && strchr("<>=|!", *s) != NULL) {
        big = *s == '>' || *s == '!';
        s++;
    }
    for (k = 0; k < sizeof dtype_aliases / sizeof dtype_aliases[0]; k++) {
        if (strcmp(s, dtype_aliases[k].s) == 0) {
            *dtype = dtype_aliases[k].dtype;
            *big_endian = big;
            return 0;
        }
    }
    return HR_EINVAL;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int hr_shape_parse(const char *s, struct hr_raw_spec *spec)
{
    int64_t shape[HR_MAX_NDIM];
    int64_t bytes = 1;
    int64_t v;
    const char *p;
    int paren;
    int nd = 0;
    int sep;

    if (s == NULL)
        return HR_EINVAL;
    p = skip_spaces(s);
    paren = *p == '(';
    p = skip_spaces(p + paren);
    while (!(paren && *p == ')')) {
        if (*p < '0' || *p > '9' || nd == HR_MAX_NDIM)
            return HR_EINVAL;
        for (v = 0; *p >= '0' && *p <= '9'; p++) {
            if (__builtin_mul_overflow(v, 10, &v) ||
                __builtin_add_overflow(v, *p - '0', &v))
                return HR_EINVAL;
        }
        if (v > 0 && __builtin_mul_overflow(bytes, v, &bytes))
            return HR_EINVAL;
        shape[nd++] = v;
        p = skip_spaces(p);
        sep = *p;
        if (sep != 'x' && sep != 'X' && sep != ',')
            break;
        p = skip_spaces(p + 1);
        if (sep != ',' && paren && *p == ')')
            return HR_EINVAL;
    }
    if (paren && *p != ')')
        return HR_EINVAL;
    p = skip_spaces(p + paren);
    if (*p != '\0' || (nd == 0 && !paren))
        return HR_EINVAL;
    spec->ndim = nd;
    memcpy(spec->shape, shape, (size_t)nd * sizeof shape[0]);
    return 0;
}

void hr_shape_format(const struct hr_array *a, char *buf, size_t len)
{
    fmt_shape(a->ndim, a->shape, buf, len);
}

/* ---- elements ---- */

/* Exact: every half is a double (subnormals, infinities, NaN payloads). */
static double half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h >> 15) << 63;
    uint64_t exp = (h >> 10) & 0x1f;
    uint64_t man = h & 0x3ff;
    uint64_t bits;
    double d;

    if (exp == 0) {
        d = (double)man * 0x1p-24;
        return sign ? -d : d;
    }
    exp = exp == 31 ? 0x7ff : exp - 15 + 1023;
    bits = sign | exp << 52 | man << 42;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline double element(const char *p, int dtype)
{
    switch (dtype) {
    case HR_BOOL: return *(const uint8_t *)p != 0;
    case HR_INT8: return *(const int8_t *)p;
    case HR_INT16: return *(const int16_t *)p;
    case HR_INT32: return *(const int32_t *)p;
    case HR_INT64: return (double)*(const int64_t *)p;
    case HR_UINT8: return *(const uint8_t *)p;
    case HR_UINT16: return *(const uint16_t *)p;
    case HR_UINT32: return *(const uint32_t *)p;
    case HR_UINT64: return (double)*(const uint64_t *)p;
    case HR_FLOAT16: return half_to_double(*(const uint16_t *)p);
    case HR_FLOAT32: return *(const float *)p;
    case HR_FLOAT64: return *(const double *)p;
    case HR_COMPLEX64: return *(const float *)p;
    case HR_COMPLEX128: return *(const double *)p;
    }
    return NAN;
}

double hr_array_at(const struct hr_array *a, int64_t i)
{
    const char *p = a->data;
    int64_t off = 0;
    int k;

    if (a->flags & HR_C_CONTIGUOUS)
        return element(p + i * a->itemsize, a->dtype);
    for (k = a->ndim - 1; k >= 0; k--) {
        off += i % a->shape[k] * a->strides[k];
        i /= a->shape[k];
    }
    return element(p + off, a->dtype);
}

int hr_array_contains(const struct hr_resident *r, uintptr_t addr)
{
    uintptr_t base;

    if (r == NULL || r->view.nbytes == 0)
        return 0;
    base = (uintptr_t)r->view.data;
    return addr >= base && addr - base < (uintptr_t)r->view.nbytes;
}

/* ---- writing ---- */

/* The .npy 1.0 preamble and header NumPy writes for a C-order float64
 * array, padded so that the data starts at a multiple of 64. */
static size_t npy_header_f64(char *buf, size_t cap, int ndim,
                             const int64_t *shape)
{
    size_t len = 10;
    size_t hlen;
    int k;

    len += (size_t)snprintf(buf + len, cap - len, "{'descr': '<f8', "
                            "'fortran_order': False, 'shape': (");
    for (k = 0; k < ndim; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld",
                                k > 0 ? ", " : "", (long long)shape[k]);
    len += (size_t)snprintf(buf + len, cap - len, "%s), }",
                            ndim == 1 ? "," : "");
    while ((len + 1) % 64 != 0)
        buf[len++] = ' ';
    buf[len++] = '\n';
    hlen = len - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    return len;
}

int hr_npy_write_f64(const char *path, const double *data, int ndim,
                     const int64_t *shape, struct hr_err *err)
{
    char head[SHAPE_TXT * 2 + 128];
    char txt[128];
    char *tmp = NULL;
    int64_t size;
    int64_t nbytes;
    size_t hlen;
    size_t tlen;
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
    if (count_bytes(ndim, shape, 8, &size, &nbytes) < 0) {
        hr_err_set(err, "%s: shape too big", path);
        goto out;
    }
    hlen = npy_header_f64(head, sizeof head, ndim, shape);
    tlen = strlen(path) + 32;
    tmp = malloc(tlen);
    if (tmp == NULL) {
        hr_err_set(err, "%s: out of memory", path);
        rc = HR_ENOMEM;
        goto out;
    }
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
    rc = HR_EIO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        hr_err_set(err, "%s: cannot create %s: %s", path, tmp,
                   sys_text(errno, txt, sizeof txt));
        goto out;
    }
    made = 1;
    if (write_full(fd, head, hlen) != 0 ||
        write_full(fd, data, (size_t)nbytes) != 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   sys_text(errno, txt, sizeof txt));
        goto out;
    }
    k = close(fd);
    fd = -1;
    if (k != 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   sys_text(errno, txt, sizeof txt));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        hr_err_set(err, "%s: cannot rename %s into place: %s", path, tmp,
                   sys_text(errno, txt, sizeof txt));
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
