/* array.c - resident, read-only arrays: how their memory is made (a copy
 * on 2 MiB pages or a mapping of the file), whether their file changed */
#include "array.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigmem.h"
#include "filecopy.h"
#include "fileio.h"
#include "loader.h"
#include "sysmem.h"

/* Data is read in native order; a big-endian host would swap '<' files. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "hotrun assumes a little-endian host");

/* The data pointer of arrays with no bytes: valid, never dereferenced. */
static const uint64_t empty_data[2];

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
    r->fd = -1;
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

/* "200.0 MB" (MB = 10^6 bytes, as NumPy users count) */
static const char *fmt_bytes(int64_t n, char *buf, size_t len)
{
    if (n >= 1000000000)
        snprintf(buf, len, "%.1f GB", (double)n / 1e9);
    else if (n >= 1000000)
        snprintf(buf, len, "%.1f MB", (double)n / 1e6);
    else
        snprintf(buf, len, "%.1f kB", (double)n / 1e3);
    return buf;
}

/* Copy or map?  must_copy: the data cannot be used as the file holds it.
 * Sets *copy, and r->note when auto maps. */
static int choose(const char *path, const struct hr_layout *lay, int must_copy,
                  const struct hr_load_opts *opts, struct hr_resident *r,
                  int *copy, struct hr_err *err)
{
    int64_t avail = opts->mem_available > 0 ? opts->mem_available :
                    hr_sysmem_available();
    char a[32];
    char b[32];

    *copy = 1;
    if (opts->mode == HR_LOAD_MMAP && !must_copy) {
        *copy = 0;
        return 0;
    }
    if (opts->mode == HR_LOAD_AUTO && !must_copy && avail >= 0 &&
        lay->nbytes > avail / 2) {
        *copy = 0;
        snprintf(r->note, sizeof r->note, "%s: mapped, not copied: its %s "
                 "are more than half of the %s of memory available; a "
                 "change to its file changes it", r->name,
                 fmt_bytes(lay->nbytes, a, sizeof a),
                 fmt_bytes(avail, b, sizeof b));
        return 0;
    }
    if (avail >= 0 && lay->nbytes > avail) {
        hr_err_set(err, "%s: cannot copy %s into memory: only %s is "
                   "available (%s)", path, fmt_bytes(lay->nbytes, a, sizeof a),
                   fmt_bytes(avail, b, sizeof b), must_copy ?
                   "it must be copied to be converted to native order" :
                   "--load=mmap maps the file instead");
        return HR_ENOMEM;
    }
    return 0;
}

/* Copies the data into memory of its own on 2 MiB pages, converting
 * big-endian numbers (swap is the unit, 0 for none); notes when the kernel
 * did not give huge pages. */
static int copy_in(const char *path, int fd, const struct hr_layout *lay,
                   int swap, const struct hr_load_opts *opts,
                   struct hr_resident *r, struct hr_err *err)
{
    struct hr_filecopy c = { 0 };
    struct hr_filecopy_out out;
    struct stat st;
    char why[256];
    int rc;

    c.path = path;
    c.fd = fd;
    c.offset = (off_t)lay->offset;
    c.len = (size_t)lay->nbytes;
    c.swap = swap;
    c.threads = opts->threads;
    c.progress = opts->progress;
    c.progress_ud = opts->progress_ud;
    rc = hr_filecopy_run(&c, &out, err);
    if (rc != 0)
        return rc;
    r->map = out.map;
    r->map_len = out.map_len;
    r->view.data = out.map;
    r->mapped = 0;
    if (fstat(fd, &st) != 0 || !hr_loader_same_version(&r->id, &st)) {
        hr_err_set(err, "%s: the file changed while it was being loaded: "
                   "load it again", path);
        return HR_EIO;
    }
    r->huge = -1;
    if (c.len < HR_HUGE_PAGE || out.huge_bytes < 0)
        return 0;
    r->huge = (size_t)out.huge_bytes >= out.map_len;
    if (r->huge)
        return 0;
    hr_sysmem_huge_why(why, sizeof why);
    if (out.huge_bytes == 0) {
        snprintf(r->how + strlen(r->how), sizeof r->how - strlen(r->how),
                 ", 4 KiB pages");
        snprintf(r->note, sizeof r->note, "%s: copied on 4 KiB pages, not "
                 "2 MiB ones (%s): the first run after an idle pause may "
                 "be several times slower", r->name, why);
    } else {
        snprintf(r->how + strlen(r->how), sizeof r->how - strlen(r->how),
                 ", %d%% 2 MiB pages",
                 (int)(100 * out.huge_bytes / (int64_t)out.map_len));
        snprintf(r->note, sizeof r->note, "%s: only %d%% of the copy is on "
                 "2 MiB pages (%s): the first run after an idle pause may "
                 "be slower", r->name,
                 (int)(100 * out.huge_bytes / (int64_t)out.map_len), why);
    }
    return 0;
}

/* Maps the pages of the file that hold the data (an .npz member or a
 * rank's slab is a part of it) read-only, and keeps a descriptor of the
 * file to watch it.  Returns 0, 1 when this file system cannot map (copy
 * instead), or an error. */
static int map_in(const char *path, int fd, const struct hr_layout *lay,
                  struct hr_resident *r, struct hr_err *err)
{
    int64_t start = lay->offset & ~((int64_t)sysconf(_SC_PAGESIZE) - 1);
    size_t len = (size_t)(lay->offset + lay->nbytes - start);
    char txt[128];
    char *p;
    int e;

    /* MAP_POPULATE: map every page now, from the page cache (or the disk),
     * so that the first run does not pay a page fault per 4 KiB (200 MB:
     * ~3 ms here instead of ~170 ms in the first run) */
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
             (off_t)start);
    if (p == MAP_FAILED) {
        e = errno;
        if (e == ENODEV)
            return 1;
        hr_err_set(err, "%s: cannot map %zu bytes: %s", path, len,
                   hr_fileio_errtext(e, txt, sizeof txt));
        return e == ENOMEM ? HR_ENOMEM : HR_EIO;
    }
    r->map = p;
    r->map_len = len;
    r->view.data = p + (lay->offset - start);
    r->mapped = 1;
    r->data_end = (off_t)(lay->offset + lay->nbytes);
    /* its own descriptor: several members of one archive may be mapped */
    r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    snprintf(r->how, sizeof r->how, "mmap");
    return 0;
}

static int load_data(const char *path, int fd, const struct hr_layout *lay,
                     const struct hr_load_opts *opts, struct hr_resident *r,
                     struct hr_err *err)
{
    int unit = swap_unit(lay->dtype);
    int swap = lay->big_endian && unit > 1;
    int aligned = lay->offset % unit == 0;
    struct stat st;
    int copy = 1;
    int rc;

    r->swapped = swap;
    r->huge = -1;
    if (r->id.dev == 0 && r->id.ino == 0 && fstat(fd, &st) == 0)
        hr_loader_file_id(&st, &r->id);
    if (lay->nbytes == 0) {
        r->view.data = empty_data;
        snprintf(r->how, sizeof r->how, "copy");
        return 0;
    }
    rc = choose(path, lay, swap || !aligned, opts, r, &copy, err);
    if (rc != 0)
        return rc;
    if (!copy) {
        rc = map_in(path, fd, lay, r, err);
        if (rc <= 0)
            return rc;
        r->note[0] = '\0';      /* a file system that cannot map */
    }
    snprintf(r->how, sizeof r->how, "%s", swap ? "copy+swap" :
             aligned ? "copy" : "copy (unaligned)");
    return copy_in(path, fd, lay, swap ? unit : 0, opts, r, err);
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
    rc = hr_layout_open(path, &fd, &st, err);
    fsize = st.st_size;
    if (rc == 0 && opts->raw != NULL)
        rc = hr_layout_raw(path, opts->raw, fsize, &lay, err);
    else if (rc == 0)
        rc = hr_layout_npy(path, fd, 0, fsize, &lay, err);
    if (rc == 0)
        hr_shard_narrow(opts->shard, lay.ndim, lay.fortran, lay.shape,
                        hr_dtype_size(lay.dtype), &lay.offset, &lay.size,
                        &lay.nbytes, &sv);
    if (rc == 0)
        rc = resident_new(path, name, &lay, &r, err);
    if (rc == 0) {
        hr_loader_file_id(&st, &r->id);
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
    if (r->fd >= 0)
        close(r->fd);
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
    *dev = r->id.dev;
    *ino = r->id.ino;
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
    rc = hr_layout_open(path, fd, &st, err);
    *size = st.st_size;
    if (rc != 0 && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
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
    *buf = hr_sysmem_alloc(total, &r->map_len);
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
        hr_filecopy_swap(r->map, (size_t)r->view.nbytes, unit);
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
    void *p = hr_bigmem_map(max > 0 ? max : 1, 0, 1, map_len);

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
        hr_filecopy_swap(p, n, unit);
}

char *hr_loader_default_name(const char *path)
{
    return default_name(path);
}
