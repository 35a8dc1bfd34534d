/* array.c - load .npy and raw binary files as resident, read-only arrays */
#include "array.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "loader.h"

/* Data is read in native order; a big-endian host would swap '<' files. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "hotrun assumes a little-endian host");

#define CHUNK ((size_t)64 << 20)        /* copy step between progress calls */
#define HUGE_PAGE ((size_t)2 << 20)

/* The data pointer of arrays with no bytes: valid, never dereferenced. */
static const uint64_t empty_data[2];

/* ---- finding the layout of a file ---- */

static int open_file(const char *path, int *fd, struct stat *st,
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

/* The layout a .npy header describes, for a stream of fsize bytes whose
 * first byte is at base in the file. */
static int header_layout(const char *path, const struct hr_npy_header *nh,
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

/* The .npy stream of fsize bytes at byte base of fd (0 for a .npy file,
 * a stored member's offset in an .npz archive). */
static int npy_layout(const char *path, int fd, int64_t base, int64_t fsize,
                      struct hr_layout *lay, struct hr_err *err)
{
    struct hr_npy_header nh;
    int rc;

    rc = hr_npy_read_header_at(path, fd, base, fsize, &nh, err);
    if (rc != 0)
        return rc;
    return header_layout(path, &nh, base, fsize, lay, err);
}

static int raw_layout(const char *path, const struct hr_raw_spec *raw,
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

/* ---- the resident array ---- */

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
                        const struct hr_layout *lay, struct hr_resident **out,
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
    v->itemsize = hr_dtype_size(lay->dtype);
    v->nbytes = lay->nbytes;
    v->name = r->name;
    sd = v->itemsize;
    for (j = 0; j < v->ndim; j++) {
        k = lay->fortran ? j : v->ndim - 1 - j;
        v->strides[k] = sd;
        if (v->shape[k] != 0)
            sd *= v->shape[k];
    }
    v->flags = (hr_array_is_contiguous(v, 0) ? HR_C_CONTIGUOUS : 0) |
               (hr_array_is_contiguous(v, 1) ? HR_F_CONTIGUOUS : 0);
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
        return hr_dtype_size(dtype) / 2;
    return hr_dtype_size(dtype);
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
static void *anon_map_flags(size_t len, int flags, size_t *map_len)
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
             MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
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

static void *anon_map(size_t len, size_t *map_len)
{
    return anon_map_flags(len, 0, map_len);
}

/* Copies the data into memory of its own, converting big-endian numbers
 * (swap is the unit, 0 for none), then makes it read-only. */
static int copy_data(const char *path, int fd, const struct hr_layout *lay,
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
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_ENOMEM;
    }
    r->map = p;
    posix_fadvise(fd, (off_t)lay->offset, (off_t)lay->nbytes,
                  POSIX_FADV_SEQUENTIAL);
    while (done < total) {
        want = total - done < CHUNK ? total - done : CHUNK;
        got = hr_fileio_pread_full(fd, p + done, want,
                                   (off_t)lay->offset + (off_t)done);
        if (got < 0) {
            hr_err_set(err, "%s: read failed: %s", path,
                       hr_fileio_errtext(errno, txt, sizeof txt));
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
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_EIO;
    }
    r->view.data = p;
    return 0;
}

/* Maps the file (zero-copy) when it can be used as it is: native order,
 * aligned data, mode mmap.  Otherwise copies. */
static int load_data(const char *path, int fd, const struct hr_layout *lay,
                     const struct hr_load_opts *opts, struct hr_resident *r,
                     struct hr_err *err)
{
    int unit = swap_unit(lay->dtype);
    int swap = lay->big_endian && unit > 1;
    int aligned = lay->offset % unit == 0;
    /* only the pages that hold the data: an .npz member is a part */
    int64_t start = lay->offset & ~((int64_t)sysconf(_SC_PAGESIZE) - 1);
    size_t map_len = (size_t)(lay->offset + lay->nbytes - start);
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
        /* MAP_POPULATE: map every page now, from the page cache (or the
         * disk), so that the first run does not pay a page fault per 4 KiB
         * (200 MB: ~3 ms here instead of ~170 ms in the first run).  From
         * the page the data starts in: an .npz member, a rank's slab */
        p = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
                 (off_t)start);
        if (p != MAP_FAILED) {
            r->map = p;
            r->map_len = map_len;
            r->mapped = 1;
            r->view.data = p + (lay->offset - start);
            return 0;
        }
        e = errno;
        if (e != ENODEV) {
            hr_err_set(err, "%s: cannot map %zu bytes: %s", path, map_len,
                       hr_fileio_errtext(e, txt, sizeof txt));
            return e == ENOMEM ? HR_ENOMEM : HR_EIO;
        }
        r->how = "read";    /* a file system that cannot map */
    }
    return copy_data(path, fd, lay, swap ? unit : 0, opts, r, err);
}

int hr_loader_npy_raw(const char *path, const char *name,
                      const struct hr_load_opts *opts,
                      struct hr_resident **out, struct hr_err *err)
{
    static const struct hr_load_opts defaults;
    struct hr_resident *r = NULL;
    struct hr_shard_view sv;
    struct hr_layout lay;
    struct stat st;
    int64_t fsize = 0;
    int fd = -1;
    int rc;

    memset(&lay, 0, sizeof lay);
    memset(&st, 0, sizeof st);
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    rc = open_file(path, &fd, &st, err);
    fsize = st.st_size;
    if (rc == 0 && opts->raw != NULL)
        rc = raw_layout(path, opts->raw, fsize, &lay, err);
    else if (rc == 0)
        rc = npy_layout(path, fd, 0, fsize, &lay, err);
    if (rc == 0)
        hr_shard_narrow(opts->shard, lay.ndim, lay.fortran, lay.shape,
                        hr_dtype_size(lay.dtype), &lay.offset, &lay.size,
                        &lay.nbytes, &sv);
    if (rc == 0)
        rc = resident_new(path, name, &lay, &r, err);
    if (rc == 0) {
        r->dev = st.st_dev;
        r->ino = st.st_ino;
        r->format = opts->raw != NULL ? "raw" : "npy";
        hr_shard_fill(&r->view, &sv);
        rc = load_data(path, fd, &lay, opts, r, err);
    }
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
    free(r->origin);
    hr_loader_free_strings(r->columns, r->ncolumns);
    hr_loader_free_strings(r->attrs, r->nattrs);
    free(r);
}

int hr_array_mapped_file(const struct hr_resident *r, dev_t *dev,
                         ino_t *ino)
{
    if (r == NULL || !r->mapped)
        return 0;
    *dev = r->dev;
    *ino = r->ino;
    return 1;
}

int hr_array_contains(const struct hr_resident *r, uintptr_t addr)
{
    uintptr_t base;

    if (r == NULL || r->view.nbytes == 0)
        return 0;
    base = (uintptr_t)r->view.data;
    return addr >= base && addr - base < (uintptr_t)r->view.nbytes;
}

/* ---- for the format loaders (loader.h) ---- */

int hr_loader_open(const char *path, int *fd, int64_t *size,
                   struct hr_err *err)
{
    struct stat st;
    int rc;

    memset(&st, 0, sizeof st);
    rc = open_file(path, fd, &st, err);
    *size = st.st_size;
    if (rc != 0 && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

int hr_loader_npy_layout(const char *what, int fd, int64_t base,
                         int64_t size, struct hr_layout *lay,
                         struct hr_err *err)
{
    memset(lay, 0, sizeof *lay);
    return npy_layout(what, fd, base, size, lay, err);
}

int hr_loader_header_layout(const char *what,
                            const struct hr_npy_header *nh, int64_t size,
                            struct hr_layout *lay, struct hr_err *err)
{
    memset(lay, 0, sizeof *lay);
    return header_layout(what, nh, 0, size, lay, err);
}

int hr_loader_new(const char *path, const char *name,
                  const struct hr_layout *lay, struct hr_resident **out,
                  struct hr_err *err)
{
    return resident_new(path, name, lay, out, err);
}

int hr_loader_data(const char *what, int fd, const struct hr_layout *lay,
                   const struct hr_load_opts *opts, struct hr_resident *r,
                   struct hr_err *err)
{
    static const struct hr_load_opts defaults;

    return load_data(what, fd, lay, opts != NULL ? opts : &defaults, r, err);
}

int hr_loader_alloc(const char *what, struct hr_resident *r, void **buf,
                    struct hr_err *err)
{
    size_t total = (size_t)r->view.nbytes;
    char txt[128];

    *buf = NULL;
    if (total == 0) {
        r->view.data = empty_data;
        return 0;
    }
    *buf = anon_map(total, &r->map_len);
    if (*buf == NULL) {
        hr_err_set(err, "%s: cannot allocate %zu bytes: %s", what, total,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_ENOMEM;
    }
    r->map = *buf;
    return 0;
}

int hr_loader_seal(const char *what, struct hr_resident *r, int swap,
                   struct hr_err *err)
{
    int unit = swap_unit(r->view.dtype);
    char txt[128];

    if (r->map == NULL)
        return 0;
    if (swap && unit > 1)
        swap_bytes(r->map, (size_t)r->view.nbytes, unit);
    r->swapped = swap && unit > 1;
    if (mprotect(r->map, r->map_len, PROT_READ) != 0) {
        hr_err_set(err, "%s: cannot make the data read-only: %s", what,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_EIO;
    }
    r->view.data = r->map;
    return 0;
}

void *hr_loader_reserve(const char *what, size_t max, size_t *map_len,
                        struct hr_err *err)
{
    char txt[128];
    void *p = anon_map_flags(max > 0 ? max : 1, MAP_NORESERVE, map_len);

    if (p == NULL)
        hr_err_set(err, "%s: cannot reserve %zu bytes of address space: %s",
                   what, max, hr_fileio_errtext(errno, txt, sizeof txt));
    return p;
}

void hr_loader_unreserve(void *map, size_t map_len)
{
    if (map != NULL)
        munmap(map, map_len);
}

int hr_loader_adopt(const char *what, struct hr_resident *r, void *map,
                    size_t map_len, struct hr_err *err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t keep = ((size_t)r->view.nbytes + page - 1) / page * page;

    if (keep < map_len)
        munmap((char *)map + keep, map_len - keep);
    if (keep == 0) {
        r->view.data = empty_data;
        return 0;
    }
    r->map = map;
    r->map_len = keep;
    return hr_loader_seal(what, r, 0, err);
}

void hr_loader_swap(void *p, size_t n, int dtype)
{
    int unit = swap_unit(dtype);

    if (unit > 1)
        swap_bytes(p, n, unit);
}

char *hr_loader_default_name(const char *path)
{
    return default_name(path);
}
