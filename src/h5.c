/* h5.c - load HDF5 datasets through libhdf5 */
#include "h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#define SLAB ((size_t)64 << 20)     /* bytes read between progress calls */
#define LIST_MAX 40                 /* datasets listed in a message */

/* The datasets of a file, by path ("/grp/x"). */
struct dsets {
    char **paths;
    int n;
    int nomem;
};

/* One dataset being loaded. */
struct dset {
    const struct hr_load_req *req;
    const char *dpath;          /* "/grp/x" */
    char what[1024];            /* "a.h5:/grp/x" for messages */
    hid_t d;
    hid_t ftype;
    hid_t space;
    hid_t dcpl;
    struct hr_h5_type type;
    struct hr_layout lay;
};

/* ---- finding datasets ---- */

static herr_t visit_cb(hid_t obj, const char *name, const H5O_info_t *info,
                       void *ud)
{
    struct dsets *l = ud;
    char **grown = NULL;
    char *p = NULL;

    (void)obj;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    if (asprintf(&p, "/%s", name) >= 0)
        grown = realloc(l->paths, (size_t)(l->n + 1) * sizeof *grown);
    if (grown == NULL) {
        free(p);
        l->nomem = 1;
        return -1;
    }
    l->paths = grown;
    l->paths[l->n++] = p;
    return 0;
}

/* "SHAPE DTYPE" of a dataset, or why it cannot be loaded. */
static void describe(hid_t f, const char *path, char *buf, size_t len)
{
    struct hr_h5_type t;
    hsize_t dims[H5S_MAX_RANK];
    int64_t shape[H5S_MAX_RANK];
    char sh[HR_SHAPE_TXT];
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    int nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    int k;

    snprintf(buf, len, "(cannot open)");
    if (ft >= 0 && nd >= 0 && nd <= H5S_MAX_RANK) {
        H5Sget_simple_extent_dims(s, dims, NULL);
        for (k = 0; k < nd; k++)
            shape[k] = (int64_t)dims[k];
        hr_shape_format_dims(nd, shape, sh, sizeof sh);
        hr_h5_type(ft, &t);
        if (t.dtype >= 0)
            snprintf(buf, len, "%.180s  %s", sh, hr_dtype_name(t.dtype));
        else
            snprintf(buf, len, "%.120s  (%.100s)", sh, t.why);
    }
    if (s >= 0)
        H5Sclose(s);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
}

/* Appends the datasets to err, one a line: "  PATH  SHAPE  DTYPE". */
static void append_listing(hid_t f, const struct dsets *l,
                           struct hr_err *err)
{
    char desc[256];
    int i;

    for (i = 0; i < l->n && i < LIST_MAX; i++) {
        describe(f, l->paths[i], desc, sizeof desc);
        hr_err_append(err, "  %s  %s", l->paths[i], desc);
    }
    if (l->n > LIST_MAX)
        hr_err_append(err, "  ... and %d more", l->n - LIST_MAX);
}

/* The dataset that member names ("grp/x" or "/grp/x"), or NULL. */
static const char *find_dataset(const struct dsets *l, const char *member)
{
    int i;

    while (*member == '/')
        member++;
    for (i = 0; i < l->n; i++) {
        if (strcmp(l->paths[i] + 1, member) == 0)
            return l->paths[i];
    }
    return NULL;
}

/* ---- reading one dataset ---- */

/* The layout of the dataset; refuses what hotrun cannot hold. */
static int dset_layout(struct dset *ds, struct hr_err *err)
{
    hsize_t dims[H5S_MAX_RANK];
    H5S_class_t sc = H5Sget_simple_extent_type(ds->space);
    int nd = H5Sget_simple_extent_ndims(ds->space);
    char sh[HR_SHAPE_TXT];
    int k;

    hr_h5_type(ds->ftype, &ds->type);
    if (ds->type.dtype < 0) {
        hr_err_set(err, "%s: %s", ds->what, ds->type.why);
        return HR_EUNSUPPORTED;
    }
    if (sc == H5S_NULL) {
        hr_err_set(err, "%s: the dataset has no data (a null dataspace)",
                   ds->what);
        return HR_EUNSUPPORTED;
    }
    if (nd < 0 || nd > HR_MAX_NDIM) {
        hr_err_set(err, "%s: cannot read the dataspace", ds->what);
        return HR_EFORMAT;
    }
    H5Sget_simple_extent_dims(ds->space, dims, NULL);
    ds->lay.dtype = ds->type.dtype;
    ds->lay.big_endian = ds->type.big_endian;
    ds->lay.ndim = nd;
    for (k = 0; k < nd; k++)
        ds->lay.shape[k] = (int64_t)dims[k];
    if (hr_shape_bytes(nd, ds->lay.shape, hr_dtype_size(ds->lay.dtype),
                       &ds->lay.size, &ds->lay.nbytes) < 0) {
        hr_shape_format_dims(nd, ds->lay.shape, sh, sizeof sh);
        hr_err_set(err, "%s: shape %s is too big", ds->what, sh);
        return HR_EFORMAT;
    }
    return 0;
}

/* Contiguous, unfiltered, allocated in the file, not external, numbers
 * as they are: where its bytes lie, else -1. */
static int64_t direct_offset(const struct dset *ds)
{
    haddr_t off;

    if (!ds->type.packed || H5Pget_layout(ds->dcpl) != H5D_CONTIGUOUS ||
        H5Pget_nfilters(ds->dcpl) != 0 ||
        H5Pget_external_count(ds->dcpl) != 0 || ds->lay.nbytes == 0)
        return -1;
    off = H5Dget_offset(ds->d);
    if (off == HADDR_UNDEF || (int64_t)off < 0)
        return -1;
    return (int64_t)off;
}

/* Reads the dataset with libhdf5 into buf: slabs along the first axis,
 * whole chunks each, with progress. */
static int read_slabs(struct dset *ds, hid_t mt, char *buf,
                      struct hr_err *err)
{
    const struct hr_load_opts *opts = ds->req->opts;
    hsize_t start[H5S_MAX_RANK] = { 0 };
    hsize_t count[H5S_MAX_RANK];
    hsize_t chunk[H5S_MAX_RANK];
    int64_t rows = ds->lay.ndim > 0 ? ds->lay.shape[0] : 1;
    int64_t row_bytes = rows > 0 ? ds->lay.nbytes / rows : 0;
    int64_t step = row_bytes > 0 ? (int64_t)SLAB / row_bytes : rows;
    hid_t ms = -1;
    char why[256];
    int64_t r;
    herr_t e = 0;
    int k;

    if (ds->lay.ndim == 0 || step >= rows) {
        if (H5Dread(ds->d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
            return 0;
        hr_err_set(err, "%s: read failed: %s", ds->what,
                   hr_h5_why(why, sizeof why));
        return HR_EFORMAT;
    }
    if (step < 1)
        step = 1;
    if (H5Pget_layout(ds->dcpl) == H5D_CHUNKED &&
        H5Pget_chunk(ds->dcpl, H5S_MAX_RANK, chunk) > 0 && chunk[0] > 0)
        step = (step + (int64_t)chunk[0] - 1) / (int64_t)chunk[0] *
               (int64_t)chunk[0];
    for (k = 0; k < ds->lay.ndim; k++)
        count[k] = (hsize_t)ds->lay.shape[k];
    for (r = 0; r < rows && e >= 0; r += step) {
        start[0] = (hsize_t)r;
        count[0] = (hsize_t)(rows - r < step ? rows - r : step);
        ms = H5Screate_simple(ds->lay.ndim, count, NULL);
        e = ms < 0 ? -1 : H5Sselect_hyperslab(ds->space, H5S_SELECT_SET,
                                              start, NULL, count, NULL);
        if (e >= 0)
            e = H5Dread(ds->d, mt, ms, ds->space, H5P_DEFAULT,
                        buf + r * row_bytes);
        if (ms >= 0)
            H5Sclose(ms);
        if (e >= 0 && opts->progress != NULL)
            opts->progress(opts->progress_ud,
                           (r + (int64_t)count[0]) * row_bytes,
                           ds->lay.nbytes);
    }
    if (e >= 0)
        return 0;
    hr_err_set(err, "%s: read failed: %s", ds->what,
               hr_h5_why(why, sizeof why));
    return HR_EFORMAT;
}

static int load_read(struct dset *ds, struct hr_resident *r,
                     struct hr_err *err)
{
    hid_t mt = hr_h5_memtype(ds->ftype, ds->lay.dtype);
    void *buf = NULL;
    char why[256];
    int rc;

    if (mt < 0) {
        hr_err_set(err, "%s: cannot make a memory type: %s", ds->what,
                   hr_h5_why(why, sizeof why));
        return HR_EFORMAT;
    }
    rc = hr_loader_alloc(ds->what, r, &buf, err);
    if (rc == 0 && buf != NULL)
        rc = read_slabs(ds, mt, buf, err);
    if (rc == 0)
        rc = hr_loader_seal(ds->what, r, 0, err);
    snprintf(r->how, sizeof r->how, "%s", H5Pget_nfilters(ds->dcpl) > 0 ?
             "hdf5 read+filters" : "hdf5 read");
    H5Tclose(mt);
    return rc;
}

static char *dset_name(const struct dset *ds, int chosen)
{
    const struct hr_load_req *req = ds->req;
    char *base = NULL;
    char *s = NULL;
    char *p;

    if (req->name != NULL)
        return strdup(req->name);
    base = hr_loader_default_name(req->path);
    if (!chosen || base == NULL)
        return base;
    s = hr_loader_join_name(base, ds->dpath + 1);
    for (p = s; p != NULL && *p != '\0'; p++) {
        if (*p == '/')
            *p = '.';
    }
    free(base);
    return s;
}

static int load_dset(struct dset *ds, hid_t f, int chosen,
                     struct hr_resident **out, struct hr_err *err)
{
    const struct hr_load_req *req = ds->req;
    char *name = NULL;
    char why[256];
    int64_t off;
    int rc;

    ds->d = H5Dopen2(f, ds->dpath, H5P_DEFAULT);
    ds->ftype = ds->d >= 0 ? H5Dget_type(ds->d) : -1;
    ds->space = ds->d >= 0 ? H5Dget_space(ds->d) : -1;
    ds->dcpl = ds->d >= 0 ? H5Dget_create_plist(ds->d) : -1;
    if (ds->dcpl < 0) {
        hr_err_set(err, "%s: cannot open the dataset: %s", ds->what,
                   hr_h5_why(why, sizeof why));
        return HR_EFORMAT;
    }
    rc = dset_layout(ds, err);
    if (rc != 0)
        return rc;
    name = dset_name(ds, chosen);
    rc = name != NULL ? hr_loader_new(req->path, name, &ds->lay, out, err)
                      : HR_ENOMEM;
    free(name);
    if (rc != 0)
        return rc;
    (*out)->format = "hdf5";
    (*out)->origin = strdup(ds->dpath);
    if ((*out)->origin == NULL ||
        hr_h5_attrs(ds->d, &(*out)->attrs, &(*out)->nattrs) != 0) {
        hr_err_set(err, "%s: out of memory", ds->what);
        return HR_ENOMEM;
    }
    off = direct_offset(ds);
    if (off >= 0 && off + ds->lay.nbytes > req->fsize) {
        hr_err_set(err, "%s: truncated file: the dataset's %lld bytes at "
                   "offset %lld lie past its end (%lld bytes)", ds->what,
                   (long long)ds->lay.nbytes, (long long)off,
                   (long long)req->fsize);
        return HR_EFORMAT;
    }
    if (off < 0)
        return load_read(ds, *out, err);
    ds->lay.offset = off;
    return hr_loader_data(ds->what, req->fd, &ds->lay, req->opts, *out,
                          err);
}

static void dset_close(struct dset *ds)
{
    if (ds->dcpl >= 0)
        H5Pclose(ds->dcpl);
    if (ds->space >= 0)
        H5Sclose(ds->space);
    if (ds->ftype >= 0)
        H5Tclose(ds->ftype);
    if (ds->d >= 0)
        H5Dclose(ds->d);
}

/* ---- the file ---- */

static hid_t open_file(const struct hr_load_req *req, struct hr_err *err)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    char why[256];

    /* a reader takes no lock: it must not stop a writer (h5py) */
    if (fapl >= 0)
        H5Pset_file_locking(fapl, 0, 1);
    f = H5Fopen(req->path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (f < 0)
        hr_err_set(err, "%s: cannot read it as HDF5: %s", req->path,
                   hr_h5_why(why, sizeof why));
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

int hr_h5_load(const struct hr_load_req *req, struct hr_array_list *out,
               struct hr_err *err)
{
    struct dsets l = { NULL, 0, 0 };
    struct dset ds;
    struct hr_resident *r = NULL;
    const char *dpath = NULL;
    char why[256];
    hid_t f;
    int rc = HR_EFORMAT;

    memset(&ds, 0, sizeof ds);
    ds.d = ds.ftype = ds.space = ds.dcpl = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);  /* errors come back to us */
    f = open_file(req, err);
    if (f < 0)
        return HR_EFORMAT;
    if (H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &l,
                  H5O_INFO_BASIC) < 0 && !l.nomem) {
        hr_err_set(err, "%s: cannot list the datasets: %s", req->path,
                   hr_h5_why(why, sizeof why));
        goto out;
    }
    rc = HR_ENOMEM;
    if (l.nomem) {
        hr_err_set(err, "%s: out of memory", req->path);
        goto out;
    }
    rc = HR_ENOENT;
    if (req->member != NULL) {
        dpath = find_dataset(&l, req->member);
        if (dpath == NULL) {
            hr_err_set(err, "%s: no dataset '%s'%s", req->path, req->member,
                       l.n > 0 ? "; it has:" : " (it has none)");
            append_listing(f, &l, err);
            goto out;
        }
    } else if (l.n == 1) {
        dpath = l.paths[0];
    } else if (l.n == 0) {
        hr_err_set(err, "%s: an HDF5 file with no dataset", req->path);
        goto out;
    } else {
        hr_err_set(err, "%s: holds %d datasets; load one as %s:/PATH",
                   req->path, l.n, req->path);
        append_listing(f, &l, err);
        rc = HR_EAMBIG;
        goto out;
    }
    ds.req = req;
    ds.dpath = dpath;
    snprintf(ds.what, sizeof ds.what, "%s:%s", req->path, dpath);
    rc = load_dset(&ds, f, req->member != NULL, &r, err);
    if (rc == 0) {
        rc = hr_array_list_push(out, r);
        r = NULL;
    }
out:
    hr_array_free(r);
    dset_close(&ds);
    hr_loader_free_strings(l.paths, l.n);
    H5Fclose(f);
    return rc;
}
