/* load.c - tell a file's format by content and hand it to its loader */
#include "array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvfile.h"
#include "fileio.h"
#include "h5.h"
#include "loader.h"
#include "npz.h"
#include "sysmem.h"

#define HEAD 4096           /* bytes looked at to tell the format */

enum format { FMT_NPY, FMT_NPZ, FMT_HDF5, FMT_TEXT, FMT_EMPTY, FMT_OTHER };

static const char known[] = "hotrun reads .npy, .npz, HDF5 and CSV/TSV "
                            "text, told apart by content";

/* Formats hotrun does not read, by their magic bytes: what to say. */
static const struct {
    const char *magic;
    size_t len;
    const char *what;
} foreign[] = {
    { "\x1f\x8b", 2, "a gzip-compressed file: decompress it first "
      "(gunzip)" },
    { "BZh", 3, "a bzip2-compressed file: decompress it first (bunzip2)" },
    { "\xfd" "7zXZ", 5, "an xz-compressed file: decompress it first "
      "(unxz)" },
    { "\x28\xb5\x2f\xfd", 4, "a zstd-compressed file: decompress it first "
      "(unzstd)" },
    { "PAR1", 4, "a Parquet file: convert it (pandas: "
      "df.to_numpy() and np.save)" },
    { "ARROW1", 6, "an Arrow/Feather file: convert it (np.save of the "
      "columns)" },
    { "MATLAB 5.0", 10, "a MATLAB v5 .mat file: save it with -v7.3 (that "
      "is HDF5) or export .npy" },
    { "CDF\x01", 4, "a NetCDF-3 file: NetCDF-4 files are HDF5, which "
      "hotrun reads (nccopy -k nc4)" },
    { "CDF\x02", 4, "a NetCDF-3 file: NetCDF-4 files are HDF5, which "
      "hotrun reads (nccopy -k nc4)" },
    { "\xff\xfe", 2, "UTF-16 text: convert it to UTF-8 (iconv)" },
    { "\xfe\xff", 2, "UTF-16 text: convert it to UTF-8 (iconv)" },
};

/* ---- telling the format ---- */

static int hdf5_at(int fd, int64_t off)
{
    static const unsigned char sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n',
                                          0x1a, '\n' };
    unsigned char buf[8];

    return hr_fileio_pread_full(fd, buf, 8, (off_t)off) == 8 &&
           memcmp(buf, sig, 8) == 0;
}

/* Text: no NUL byte and well-formed UTF-8 in the first n bytes (a code
 * point cut by the end of the buffer is fine). */
static int is_text(const unsigned char *s, size_t n, int cut)
{
    size_t i = 0;
    size_t k;
    size_t j;

    while (i < n) {
        if (s[i] == 0)
            return 0;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] < 0xc2 || s[i] > 0xf4)
            return 0;
        k = s[i] >= 0xf0 ? 3 : s[i] >= 0xe0 ? 2 : 1;
        for (j = 1; j <= k; j++) {
            if (i + j >= n)
                return cut;
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        }
        i += k + 1;
    }
    return 1;
}

static enum format detect(int fd, int64_t fsize, const char **what)
{
    unsigned char head[HEAD];
    ssize_t got;
    size_t k;
    int64_t off;

    *what = NULL;
    if (fsize == 0)
        return FMT_EMPTY;
    got = hr_fileio_pread_full(fd, head, sizeof head, 0);
    if (got <= 0)
        return FMT_OTHER;
    if (got >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
        return FMT_NPY;
    if (got >= 4 && (memcmp(head, "PK\x03\x04", 4) == 0 ||
                     memcmp(head, "PK\x05\x06", 4) == 0))
        return FMT_NPZ;
    /* HDF5: at 0, or after a user block of 512, 1024, 2048... bytes */
    for (off = 0; off + 8 <= fsize; off = off == 0 ? 512 : off * 2) {
        if (hdf5_at(fd, off))
            return FMT_HDF5;
    }
    for (k = 0; k < sizeof foreign / sizeof foreign[0]; k++) {
        if ((size_t)got >= foreign[k].len &&
            memcmp(head, foreign[k].magic, foreign[k].len) == 0) {
            *what = foreign[k].what;
            return FMT_OTHER;
        }
    }
    if (got >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) {
        *what = "a Python pickle: save the array with np.save instead";
        return FMT_OTHER;
    }
    if (is_text(head, (size_t)got, (int64_t)got < fsize))
        return FMT_TEXT;
    return FMT_OTHER;
}

/* ---- FILE[:MEMBER] ---- */

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Splits spec into an owned path and an owned member (NULL: none). */
static int split_spec(const char *spec, char **path, char **member)
{
    struct stat st;
    const char *c;

    *path = NULL;
    *member = NULL;
    if (stat(spec, &st) != 0) {
        for (c = strchr(spec, ':'); c != NULL; c = strchr(c + 1, ':')) {
            *path = strndup(spec, (size_t)(c - spec));
            if (*path == NULL)
                return HR_ENOMEM;
            if (is_file(*path)) {
                *member = strdup(c + 1);
                return *member != NULL ? 0 : HR_ENOMEM;
            }
            free(*path);
            *path = NULL;
        }
    }
    *path = strdup(spec);
    return *path != NULL ? 0 : HR_ENOMEM;
}

/* ---- lists ---- */

int hr_array_list_push(struct hr_array_list *l, struct hr_resident *r)
{
    struct hr_resident **grown = realloc(l->items, (size_t)(l->n + 1) *
                                         sizeof *grown);

    if (grown == NULL) {
        hr_array_free(r);
        return HR_ENOMEM;
    }
    l->items = grown;
    l->items[l->n++] = r;
    return 0;
}

void hr_array_list_free(struct hr_array_list *l)
{
    int i;

    if (l == NULL)
        return;
    for (i = 0; i < l->n; i++)
        hr_array_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void hr_loader_free_strings(char **s, int n)
{
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

char *hr_loader_join_name(const char *a, const char *b)
{
    char *s = NULL;

    if (asprintf(&s, "%s.%s", a, b) < 0)
        return NULL;
    return s;
}

/* ---- loading ---- */

static int load_npy(const struct hr_load_req *req, struct hr_array_list *out,
                    struct hr_err *err)
{
    struct hr_resident *r = NULL;
    int rc;

    if (req->member != NULL) {
        hr_err_set(err, "%s: a .npy file holds one array: it has no member "
                   "'%s'", req->path, req->member);
        return HR_ENOENT;
    }
    rc = hr_loader_npy_raw(req->path, req->name, req->opts, &r, err);
    if (rc != 0)
        return rc;          /* err says why (too big to copy, ...) */
    rc = hr_array_list_push(out, r);
    if (rc == HR_ENOMEM)
        hr_err_set(err, "%s: out of memory", req->path);
    return rc;
}

static int dispatch(struct hr_load_req *req, struct hr_array_list *out,
                    struct hr_err *err)
{
    const struct hr_csv_opts *csv = req->opts->csv;
    const char *what = NULL;
    enum format f = detect(req->fd, req->fsize, &what);

    if (f == FMT_EMPTY) {
        hr_err_set(err, "%s: empty file (%s)", req->path, known);
        return HR_EFORMAT;
    }
    if (f == FMT_OTHER && what != NULL) {
        hr_err_set(err, "%s: %s; %s", req->path, what, known);
        return HR_EUNSUPPORTED;
    }
    if (f == FMT_OTHER) {
        hr_err_set(err, "%s: not a format hotrun knows (%s); for a raw "
                   "binary file give --dtype and --shape", req->path, known);
        return HR_EFORMAT;
    }
    if (csv != NULL && f != FMT_TEXT &&
        (csv->dtype >= 0 || csv->delimiter != 0 || csv->lenient)) {
        hr_err_set(err, "%s: --dtype alone, --delimiter and --lenient are "
                   "for CSV/TSV text, and this is %s; for a raw binary file "
                   "give --dtype and --shape", req->path,
                   f == FMT_NPY ? "a .npy file" : f == FMT_NPZ ?
                   "an .npz archive" : "an HDF5 file");
        return HR_EINVAL;
    }
    if (req->member != NULL && f == FMT_TEXT) {
        hr_err_set(err, "%s: a CSV/TSV file holds one array: it has no "
                   "member '%s'", req->path, req->member);
        return HR_ENOENT;
    }
    if (f == FMT_NPZ)
        return hr_npz_load(req, out, err);
    if (f == FMT_HDF5)
        return hr_h5_load(req, out, err);
    if (f == FMT_TEXT)
        return hr_csv_load(req, out, err);
    return load_npy(req, out, err);
}

/* Over ranks, an array in memory of its own keeps only the slab: a copy
 * of it on fresh memory, the whole given back.  Left as it is when that
 * memory cannot be had (it stays correct, only bigger). */
static void keep_slab_only(struct hr_resident *r)
{
    struct hr_array *v = &r->view;
    size_t len = 0;
    void *p = NULL;

    if (r->map == NULL || r->mapped ||
        (size_t)v->nbytes + (size_t)4096 > r->map_len)
        return;
    p = hr_sysmem_alloc(v->nbytes > 0 ? (size_t)v->nbytes : 1, &len);
    if (p == NULL)
        return;
    if (v->nbytes > 0)
        memcpy(p, v->data, (size_t)v->nbytes);
    if (mprotect(p, len, PROT_READ) != 0) {     /* resident: read-only */
        munmap(p, len);
        return;
    }
    munmap(r->map, r->map_len);
    r->map = p;
    r->map_len = len;
    v->data = p;
}

/* Narrows an array its loader read whole (npz, HDF5, CSV: only .npy and
 * raw files are read a slab at a time) to this rank's slab of it, and
 * fills the shard fields of every array (sh NULL: the whole array).  What
 * the loader read into memory of its own is given back but for the slab;
 * a stored .npz member stays a mapping of the file. */
static void narrow_whole(struct hr_resident *r, const struct hr_shard *sh)
{
    struct hr_array *v = &r->view;
    struct hr_shard_view sv;
    int fortran = !(v->flags & HR_C_CONTIGUOUS) &&
                  (v->flags & HR_F_CONTIGUOUS);
    int64_t off = 0;
    int64_t size = v->size;
    int64_t nbytes = v->nbytes;

    hr_shard_narrow(sh, v->ndim, fortran, v->shape, v->itemsize, &off,
                    &size, &nbytes, &sv);
    v->data = (const char *)v->data + off;
    v->size = size;
    v->nbytes = nbytes;
    hr_shard_fill(v, &sv);
    if (sh != NULL && sh->nranks > 1)
        keep_slab_only(r);
}

int hr_array_load_all(const char *spec, const char *name,
                      const struct hr_load_opts *opts,
                      struct hr_array_list *out, struct hr_err *err)
{
    static const struct hr_load_opts defaults;
    struct hr_load_req req;
    struct hr_resident *r = NULL;
    char *path = NULL;
    char *member = NULL;
    struct stat st;
    int have_st;
    int rc;
    int i;

    memset(out, 0, sizeof *out);
    memset(&req, 0, sizeof req);
    req.fd = -1;
    if (opts == NULL)
        opts = &defaults;
    if (opts->raw != NULL) {
        rc = hr_loader_npy_raw(spec, name, opts, &r, err);
        return rc == 0 ? hr_array_list_push(out, r) : rc;
    }
    rc = split_spec(spec, &path, &member);
    if (rc != 0) {
        hr_err_set(err, "%s: out of memory", spec);
        goto out;
    }
    rc = hr_loader_open(path, &req.fd, &req.fsize, err);
    if (rc != 0)
        goto out;
    req.path = path;
    req.member = member;
    req.name = name;
    req.opts = opts;
    rc = dispatch(&req, out, err);
    have_st = rc == 0 && fstat(req.fd, &st) == 0;
    for (i = 0; rc == 0 && i < out->n; i++) {
        struct hr_resident *r = out->items[i];

        if (r->format != NULL && strcmp(r->format, "npy") != 0 &&
            strcmp(r->format, "raw") != 0)
            narrow_whole(r, opts->shard);
        /* inflated, parsed or read by libhdf5: the file it came from */
        if (r->id.dev == 0 && r->id.ino == 0 && have_st)
            hr_loader_file_id(&st, &r->id);
    }
out:
    if (rc != 0)
        hr_array_list_free(out);
    if (req.fd >= 0)
        close(req.fd);
    free(path);
    free(member);
    return rc;
}

int hr_array_load(const char *path, const char *name,
                  const struct hr_load_opts *opts, struct hr_resident **out,
                  struct hr_err *err)
{
    struct hr_array_list l = { NULL, 0 };
    char names[256];
    size_t len = 0;
    int rc;
    int i;

    *out = NULL;
    rc = hr_array_load_all(path, name, opts, &l, err);
    if (rc != 0)
        return rc;
    if (l.n == 1) {
        *out = l.items[0];
        l.items[0] = NULL;
        hr_array_list_free(&l);
        return 0;
    }
    names[0] = '\0';
    for (i = 0; i < l.n && len + 1 < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                i > 0 ? ", " : "", l.items[i]->origin);
    hr_err_set(err, "%s: holds %d arrays (%s); load one with %s:MEMBER",
               path, l.n, names, path);
    hr_array_list_free(&l);
    return HR_EAMBIG;
}

int64_t hr_array_col_index(const struct hr_resident *r, const char *name)
{
    int i;

    if (r == NULL || name == NULL)
        return -1;
    for (i = 0; i < r->ncolumns; i++) {
        if (strcmp(r->columns[i], name) == 0)
            return i;
    }
    return -1;
}
