/* session_ranks.c - show, stats, plot and save of an array split over
 * ranks (hotrun --ranks N): each rank's part, gathered on rank 0
 *
 * Every rank runs the same command on its own session.  When the array is
 * split and the session has the ranks' gather (hr_session_set_gather()),
 * each rank makes its part whatever happens (a failure is a part too) and
 * takes part in every gather of the step, so the ranks stay in step.  Rank
 * 0 combines the parts into the answer; the other ranks answer with no
 * text.  A rank that failed says so in its own answer; rank 0 then adds
 * nothing (the front end shows "failed on rank r/N: ...").
 *
 * What travels: stats, each rank's statistics of the rows it owns (with
 * its extremes' elements); show, the elements of its rows that NumPy's
 * summary shows (a few rows and columns of a large array); plot and an
 * .npz, the rows themselves, up to HR_GATHER_MAX bytes in all.  save to
 * .npy moves no data: rank 0 makes the file, each rank writes its rows
 * at their offset, and rank 0 renames it into place once all have.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "dtype.h"
#include "fileio.h"
#include "save.h"
#include "session.h"
#include "show.h"
#include "stats.h"

/* What every part starts with. */
struct head {
    int32_t rc;
    int32_t pad;        /* the body starts 8-byte aligned */
    char msg[HR_ERR_MAX];
};

/* The parts of one step on rank 0. */
struct parts {
    char **p;           /* owned, n of them (with the head) */
    size_t *len;
    int n;
    int failed;         /* some rank's part reports a failure */
};

int hr_session_split(const struct hr_session *s, const struct hr_array *v)
{
    return s->gather.gather != NULL && v->nranks > 1 &&
           v->split_axis >= 0 && v->split_axis < v->ndim;
}

static void parts_free(struct parts *g)
{
    int r;

    for (r = 0; r < g->n; r++)
        free(g->p != NULL ? g->p[r] : NULL);
    free(g->p);
    free(g->len);
    memset(g, 0, sizeof *g);
}

/* Gathers this rank's part (rc and err, then len bytes of body) on rank 0
 * (rank of n).  Returns 0, or HR_EIO when the job is broken. */
static int gather(struct hr_session *s, int rank, int n, int rc,
                  const struct hr_err *lerr, const void *body, size_t len,
                  struct parts *g, struct hr_err *err)
{
    size_t total = sizeof(struct head) + (rc == 0 ? len : 0);
    char *buf = calloc(1, total);
    struct head *h = (struct head *)buf;
    int r;

    memset(g, 0, sizeof *g);
    if (buf == NULL) {
        total = sizeof(struct head);
        buf = calloc(1, total);
        if (buf == NULL)
            abort();        /* cannot even say so: the job would hang */
        h = (struct head *)buf;
        rc = HR_ENOMEM;
        lerr = NULL;
    }
    h->rc = rc;
    snprintf(h->msg, sizeof h->msg, "%s", lerr != NULL ? lerr->msg
             : rc == HR_ENOMEM ? "out of memory" : "");
    if (rc == 0 && len > 0)
        memcpy(buf + sizeof *h, body, len);
    if (rank == 0) {
        g->p = calloc((size_t)n, sizeof *g->p);
        g->len = calloc((size_t)n, sizeof *g->len);
        g->n = n;
    }
    if ((rank == 0 && (g->p == NULL || g->len == NULL)) ||
        s->gather.gather(s->gather.ud, buf, total, rank == 0 ? g->p : NULL,
                         rank == 0 ? g->len : NULL) != 0) {
        free(buf);
        parts_free(g);
        hr_err_set(err, "the MPI job could not gather the ranks' parts");
        return HR_EIO;
    }
    free(buf);
    for (r = 0; r < g->n; r++) {
        const struct head *x = (const struct head *)g->p[r];

        if (g->p[r] == NULL || g->len[r] < sizeof *x || x->rc != 0)
            g->failed = 1;
    }
    return 0;
}

static const char *body_of(const struct parts *g, int r, size_t *len)
{
    *len = g->len[r] - sizeof(struct head);
    return g->p[r] + sizeof(struct head);
}

/* The whole array's view, for its dtype and shape: own's with the global
 * shape and strides in own's order.  Its data is own's (never read). */
static struct hr_array whole_view(const struct hr_array *own)
{
    struct hr_array g = *own;
    int fortran = !hr_array_is_contiguous(own, 0) &&
                  hr_array_is_contiguous(own, 1);
    int64_t step = own->itemsize;
    int k;

    g.size = 1;
    for (k = 0; k < g.ndim; k++) {
        g.shape[k] = own->global_shape[k];
        g.offset[k] = 0;
        g.size *= g.shape[k];
    }
    g.nbytes = g.size * g.itemsize;
    for (k = 0; k < g.ndim; k++) {
        int a = fortran ? k : g.ndim - 1 - k;

        g.strides[a] = step;
        step *= g.shape[a] > 0 ? g.shape[a] : 1;
    }
    g.split_axis = -1;
    g.nranks = 1;
    g.rank = 0;
    return g;
}

/* The view of a buffer holding an array of shape (C order). */
static void c_view(struct hr_array *v, const struct hr_array *like,
                   const int64_t *shape, void *data)
{
    int64_t step = like->itemsize;
    int k;

    *v = *like;
    v->data = data;
    v->size = 1;
    for (k = v->ndim - 1; k >= 0; k--) {
        v->shape[k] = shape[k];
        v->strides[k] = step;
        step *= shape[k] > 0 ? shape[k] : 1;
        v->size *= shape[k];
        v->offset[k] = 0;
    }
    v->nbytes = v->size * v->itemsize;
    v->split_axis = -1;
    v->nranks = 1;
    v->rank = 0;
    v->halo_before = v->halo_after = 0;
}

/* ---- stats ---- */

struct stats_part {
    struct hr_stats st;
    int64_t gmin, gmax;         /* global C-order indices, -1: none */
    unsigned char min[16], max[16];
};

/* The global C-order index of own's C-order element flat. */
static int64_t global_index(const struct hr_array *own, int64_t flat)
{
    int64_t idx[HR_MAX_NDIM];
    int64_t g = 0;
    int k;

    hr_stats_unravel(own, flat, idx);
    for (k = 0; k < own->ndim; k++)
        g = g * own->global_shape[k] + idx[k] + own->offset[k];
    return g;
}

/* <0, 0, >0 as the element at a is below, equal to or above the one at b
 * (NumPy's order: complex by real part, then imaginary part). */
static int elem_cmp(int dtype, const void *a, const void *b)
{
    union { int64_t i; uint64_t u; double d; } x, y;
    double xi = 0, yi = 0;

    switch (dtype) {
    case HR_BOOL: x.i = *(const uint8_t *)a != 0;
        y.i = *(const uint8_t *)b != 0; goto ints;
    case HR_INT8: x.i = *(const int8_t *)a; y.i = *(const int8_t *)b;
        goto ints;
    case HR_INT16: { int16_t p, q; memcpy(&p, a, 2); memcpy(&q, b, 2);
        x.i = p; y.i = q; goto ints; }
    case HR_INT32: { int32_t p, q; memcpy(&p, a, 4); memcpy(&q, b, 4);
        x.i = p; y.i = q; goto ints; }
    case HR_INT64: memcpy(&x.i, a, 8); memcpy(&y.i, b, 8); goto ints;
    case HR_UINT8: x.u = *(const uint8_t *)a; y.u = *(const uint8_t *)b;
        goto uints;
    case HR_UINT16: { uint16_t p, q; memcpy(&p, a, 2); memcpy(&q, b, 2);
        x.u = p; y.u = q; goto uints; }
    case HR_UINT32: { uint32_t p, q; memcpy(&p, a, 4); memcpy(&q, b, 4);
        x.u = p; y.u = q; goto uints; }
    case HR_UINT64: memcpy(&x.u, a, 8); memcpy(&y.u, b, 8); goto uints;
    case HR_FLOAT16: { uint16_t p, q; memcpy(&p, a, 2); memcpy(&q, b, 2);
        x.d = hr_half_to_double(p); y.d = hr_half_to_double(q);
        goto floats; }
    case HR_FLOAT32: case HR_COMPLEX64: { float p[2] = { 0, 0 };
        float q[2] = { 0, 0 };
        memcpy(p, a, dtype == HR_FLOAT32 ? 4 : 8);
        memcpy(q, b, dtype == HR_FLOAT32 ? 4 : 8);
        x.d = p[0]; y.d = q[0]; xi = p[1]; yi = q[1]; goto floats; }
    default: { double p[2] = { 0, 0 }, q[2] = { 0, 0 };
        memcpy(p, a, dtype == HR_FLOAT64 ? 8 : 16);
        memcpy(q, b, dtype == HR_FLOAT64 ? 8 : 16);
        x.d = p[0]; y.d = q[0]; xi = p[1]; yi = q[1]; goto floats; }
    }
ints:
    return (x.i > y.i) - (x.i < y.i);
uints:
    return (x.u > y.u) - (x.u < y.u);
floats:
    if (x.d != y.d)
        return x.d < y.d ? -1 : 1;
    return (xi > yi) - (xi < yi);
}

/* Combines the ranks' statistics: counts add up, the extremes are the
 * first (in C order) of the ranks' extremes, the mean and the variance
 * combine by their counts (Chan et al.). */
static void combine_stats(int dtype, const struct parts *g,
                          struct stats_part *all)
{
    struct hr_stats *s = &all->st;
    double n = 0, m = 0, mi = 0, m2 = 0;
    size_t len;
    int r;

    memset(all, 0, sizeof *all);
    all->gmin = all->gmax = -1;
    for (r = 0; r < g->n; r++) {
        const struct stats_part *p = (const void *)body_of(g, r, &len);
        int c;

        s->count += p->st.count;
        s->nan += p->st.nan;
        s->inf += p->st.inf;
        s->neginf += p->st.neginf;
        if (p->gmin >= 0) {
            c = all->gmin < 0 ? -1 : elem_cmp(dtype, p->min, all->min);
            if (c < 0 || (c == 0 && p->gmin < all->gmin)) {
                all->gmin = p->gmin;
                memcpy(all->min, p->min, sizeof all->min);
                s->min = p->st.min;
            }
            c = all->gmax < 0 ? 1 : elem_cmp(dtype, p->max, all->max);
            if (c > 0 || (c == 0 && p->gmax < all->gmax)) {
                all->gmax = p->gmax;
                memcpy(all->max, p->max, sizeof all->max);
                s->max = p->st.max;
            }
        }
        if (p->st.count - p->st.nan > 0) {
            double k = (double)(p->st.count - p->st.nan);

            n += k;
            m += k * p->st.mean;
            mi += k * p->st.mean_im;
        }
    }
    s->argmin = all->gmin;
    s->argmax = all->gmax;
    if (all->gmin < 0)
        s->min = s->max = NAN;
    if (n == 0) {
        s->mean = s->std = NAN;
        s->mean_im = 0;
        return;
    }
    m /= n;
    mi /= n;
    for (r = 0; r < g->n; r++) {
        const struct stats_part *p = (const void *)body_of(g, r, &len);
        double k = (double)(p->st.count - p->st.nan);
        double dr = p->st.mean - m, di = p->st.mean_im - mi;

        if (k > 0)
            m2 += k * (p->st.std * p->st.std + dr * dr + di * di);
    }
    s->mean = m;
    s->mean_im = mi;
    s->std = sqrt(m2 / n);
}

int hr_ranks_stats(struct hr_session *s, const struct hr_resident *r,
                   char **text, struct hr_err *err)
{
    struct hr_array own = hr_owned(&r->view);
    struct hr_array whole = whole_view(&own);
    struct hr_text t = HR_TEXT_INIT;
    struct stats_part mine;
    struct stats_part all;
    struct hr_err lerr = { { 0 } };
    struct parts g;
    int size = hr_dtype_size(own.dtype);
    int rc;

    *text = NULL;
    memset(&mine, 0, sizeof mine);
    mine.gmin = mine.gmax = -1;
    rc = hr_session_readable(r, "stats", &lerr);
    if (rc == 0) {
        rc = hr_stats_compute(&own, &mine.st);
        if (rc != 0)
            hr_err_set(&lerr, "stats: %s: %s", r->name, hr_strerror(rc));
    }
    if (rc == 0 && mine.st.argmin >= 0 && size <= 16) {
        mine.gmin = global_index(&own, mine.st.argmin);
        mine.gmax = global_index(&own, mine.st.argmax);
        memcpy(mine.min, hr_array_elem(&own, mine.st.argmin), (size_t)size);
        memcpy(mine.max, hr_array_elem(&own, mine.st.argmax), (size_t)size);
    }
    if (gather(s, own.rank, own.nranks, rc, &lerr, &mine, sizeof mine, &g,
               err) != 0)
        return HR_EIO;
    if (rc != 0) {
        *err = lerr;
        parts_free(&g);
        return rc;
    }
    if (own.rank != 0 || g.failed) {
        parts_free(&g);
        *text = strdup("");
        return *text != NULL ? 0 : HR_ENOMEM;
    }
    combine_stats(own.dtype, &g, &all);
    parts_free(&g);
    rc = hr_stats_format_elems(&whole, &all.st, all.gmin >= 0 ? all.min
                               : NULL, all.gmax >= 0 ? all.max : NULL, &t);
    if (rc != 0 || t.s == NULL) {
        hr_text_free(&t);
        hr_err_set(err, "stats: %s: out of memory", r->name);
        return HR_ENOMEM;
    }
    *text = t.s;
    return 0;
}

/* ---- show ---- */

/* Indices of axis k that the summary keeps (keep[k] at each end of the
 * whole axis, or all), as own's local indices: into idx (owned), count
 * in *n. */
static int kept_indices(const struct hr_array *own, const int64_t *keep,
                        int k, int64_t **idx, int64_t *n)
{
    int64_t full = own->global_shape[k];
    int64_t lo = own->offset[k], hi = own->offset[k] + own->shape[k];
    int64_t most = keep[k] >= 0 && 2 * keep[k] < own->shape[k] ?
                   2 * keep[k] : own->shape[k];
    int64_t *v = malloc((size_t)(most > 0 ? most : 1) * sizeof *v);
    int64_t i;

    *idx = v;
    *n = 0;
    if (v == NULL)
        return HR_ENOMEM;
    for (i = lo; i < hi; i++) {
        if (keep[k] < 0 || i < keep[k] || i >= full - keep[k])
            v[(*n)++] = i - lo;
        else if (i < full - keep[k])
            i = full - keep[k] - 1;     /* skip the middle */
    }
    return 0;
}

/* The elements of own the summary shows, in C order, into a new buffer
 * (*out, *len); their count on the split axis in *rows. */
static int pack_corners(const struct hr_array *own, const int64_t *keep,
                        char **out, size_t *len, int64_t *rows)
{
    int64_t *idx[HR_MAX_NDIM] = { NULL };
    int64_t cnt[HR_MAX_NDIM] = { 0 };
    int64_t j[HR_MAX_NDIM] = { 0 };
    int64_t total = 1;
    char *buf = NULL, *at;
    int rc = 0;
    int k;

    *out = NULL;
    *len = 0;
    for (k = 0; k < own->ndim && rc == 0; k++) {
        rc = kept_indices(own, keep, k, &idx[k], &cnt[k]);
        total *= cnt[k];
        j[k] = 0;
    }
    *rows = rc == 0 ? cnt[own->split_axis] : 0;
    if (rc == 0 && total > 0) {
        buf = malloc((size_t)(total * own->itemsize));
        rc = buf == NULL ? HR_ENOMEM : 0;
    }
    for (at = buf; rc == 0 && total > 0;) {
        int64_t off = 0;

        for (k = 0; k < own->ndim; k++)
            off += idx[k][j[k]] * own->strides[k];
        memcpy(at, (const char *)own->data + off, (size_t)own->itemsize);
        at += own->itemsize;
        for (k = own->ndim - 1; k >= 0 && ++j[k] == cnt[k]; k--)
            j[k] = 0;
        if (k < 0)
            break;
    }
    for (k = 0; k < own->ndim; k++)
        free(idx[k]);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = (size_t)(total * own->itemsize);
    return 0;
}

/* Copies block (C order, shape bs) into dst (C order, shape ds) from
 * index at on axis ax. */
static void place(char *dst, const int64_t *ds, const char *block,
                  const int64_t *bs, int ndim, int ax, int64_t at,
                  int itemsize)
{
    int64_t j[HR_MAX_NDIM] = { 0 };
    int64_t total = 1;
    int k;

    for (k = 0; k < ndim; k++)
        total *= bs[k];
    while (total > 0) {
        int64_t off = 0;

        for (k = 0; k < ndim; k++)
            off = off * ds[k] + j[k] + (k == ax ? at : 0);
        memcpy(dst + off * itemsize, block, (size_t)itemsize);
        block += itemsize;
        for (k = ndim - 1; k >= 0 && ++j[k] == bs[k]; k--)
            j[k] = 0;
        if (k < 0)
            break;
    }
}

int hr_ranks_show(struct hr_session *s, const struct hr_resident *r,
                  const struct hr_show_opts *o, struct hr_text *t,
                  struct hr_err *err)
{
    struct hr_array own = hr_owned(&r->view);
    struct hr_array whole = whole_view(&own);
    struct hr_array cv;
    struct hr_err lerr = { { 0 } };
    struct parts g;
    int64_t keep[HR_MAX_NDIM];
    int64_t cshape[HR_MAX_NDIM];
    int64_t bshape[HR_MAX_NDIM];
    int64_t at = 0;
    char *mine = NULL;
    char *dst = NULL;
    size_t len = 0;
    int ax = own.split_axis;
    int rc;
    int k, q;

    hr_show_corners(own.ndim, own.global_shape, o, keep);
    rc = hr_session_readable(r, "show", &lerr);
    if (rc == 0) {
        rc = pack_corners(&own, keep, &mine, &len, &bshape[0]);
        if (rc != 0)
            hr_err_set(&lerr, "show: %s: out of memory", r->name);
    }
    /* the body: the rows on the split axis, then the elements */
    if (rc == 0) {
        char *b = malloc(sizeof(int64_t) + len);

        if (b == NULL) {
            rc = HR_ENOMEM;
            hr_err_set(&lerr, "show: %s: out of memory", r->name);
        } else {
            memcpy(b, &bshape[0], sizeof(int64_t));
            if (len > 0)
                memcpy(b + sizeof(int64_t), mine, len);
            len += sizeof(int64_t);
        }
        free(mine);
        mine = b;
    }
    if (gather(s, own.rank, own.nranks, rc, &lerr, mine, len, &g, err) != 0) {
        free(mine);
        return HR_EIO;
    }
    free(mine);
    if (rc != 0 || own.rank != 0 || g.failed) {
        if (rc != 0)
            *err = lerr;
        parts_free(&g);
        return rc;
    }
    for (k = 0; k < own.ndim; k++)
        cshape[k] = keep[k] < 0 ? own.global_shape[k] : 2 * keep[k];
    {
        int64_t n = 1;

        for (k = 0; k < own.ndim; k++)
            n *= cshape[k];
        dst = malloc((size_t)(n > 0 ? n : 1) * (size_t)own.itemsize);
    }
    rc = dst == NULL ? HR_ENOMEM : 0;
    for (q = 0; q < g.n && rc == 0; q++) {
        const char *b = body_of(&g, q, &len);
        int64_t rows;

        memcpy(&rows, b, sizeof rows);
        for (k = 0; k < own.ndim; k++)
            bshape[k] = k == ax ? rows : cshape[k];
        if (at + rows > cshape[ax]) {
            rc = HR_EINVAL;
            break;
        }
        place(dst, cshape, b + sizeof(int64_t), bshape, own.ndim, ax, at,
              own.itemsize);
        at += rows;
    }
    parts_free(&g);
    if (rc == 0 && at != cshape[ax])
        rc = HR_EINVAL;
    if (rc == 0) {
        c_view(&cv, &own, cshape, dst);
        hr_show_header(&whole, t);
        hr_text_puts(t, "\n");
        rc = hr_show_format_corners(&cv, own.global_shape, o, t);
    }
    free(dst);
    if (rc == HR_EINVAL)
        hr_err_set(err, "show: %s: the ranks' rows do not make up the "
                   "array", r->name);
    else if (rc != 0)
        hr_err_set(err, "show: %s: out of memory", r->name);
    return rc;
}

/* ---- the whole array on rank 0 (plot, .npz) ---- */

int hr_ranks_gather_whole(struct hr_session *s, const struct hr_resident *r,
                          const char *what, struct hr_array *out,
                          void **mem, struct hr_err *err)
{
    struct hr_array own = hr_owned(&r->view);
    struct hr_err lerr = { { 0 } };
    struct parts g;
    size_t len;
    char *at;
    int rc;
    int q;

    *mem = NULL;
    rc = hr_session_readable(r, what, &lerr);
    /* the same answer on every rank: from the whole array's shape */
    if (rc == 0 && whole_view(&own).nbytes > HR_GATHER_MAX) {
        hr_err_set(&lerr, "%s: '%s' is split over %d ranks and too big to "
                   "gather on rank 0 (at most %lld MB): %s", what, r->name,
                   own.nranks, (long long)(HR_GATHER_MAX >> 20),
                   strcmp(what, "save") == 0 ?
                   "save it as .npy (each rank writes its own rows)" :
                   "look at it with stats, or at a smaller array a task "
                   "makes");
        rc = HR_EINVAL;
    }
    /* the rows this rank owns lie together in its slab, C or Fortran */
    if (gather(s, own.rank, own.nranks, rc, &lerr, own.data,
               (size_t)own.nbytes, &g, err) != 0)
        return HR_EIO;
    if (rc != 0 || own.rank != 0 || g.failed) {
        if (rc != 0)
            *err = lerr;
        parts_free(&g);
        return rc;
    }
    *out = whole_view(&own);
    at = malloc((size_t)(out->nbytes > 0 ? out->nbytes : 1));
    *mem = at;
    if (at == NULL) {
        parts_free(&g);
        hr_err_set(err, "%s: %s: out of memory", what, r->name);
        return HR_ENOMEM;
    }
    out->data = at;
    for (q = 0; q < g.n; q++) {
        const char *b = body_of(&g, q, &len);

        if (at + len > (char *)*mem + out->nbytes)
            break;
        memcpy(at, b, len);
        at += len;
    }
    parts_free(&g);
    if (at != (char *)*mem + out->nbytes) {
        free(*mem);
        *mem = NULL;
        hr_err_set(err, "%s: %s: the ranks' rows do not make up the array",
                   what, r->name);
        return HR_EINVAL;
    }
    return 0;
}

/* ---- save to .npy ---- */

/* Rank 0: makes the file (header, full size) beside path; its name in
 * *tmp. */
static int save_begin(const struct hr_array *whole, int fortran,
                      const char *path, const struct hr_save_guard *guards,
                      int ng, struct hr_atomic *at, int64_t *hlen,
                      struct hr_err *err)
{
    struct hr_text head = HR_TEXT_INIT;
    struct stat st;
    char txt[128];
    int rc = 0;
    int i;

    for (i = 0; stat(path, &st) == 0 && i < ng; i++) {
        if (guards[i].dev == st.st_dev && guards[i].ino == st.st_ino) {
            hr_err_set(err, "%s: array '%s' is mapped from this file; save "
                       "to another name", path, guards[i].name);
            return HR_EINVAL;
        }
    }
    if (hr_save_header(whole, fortran, &head) < 0) {
        hr_err_set(err, "%s: out of memory", path);
        return HR_ENOMEM;
    }
    rc = hr_atomic_open(at, path, err);
    if (rc == 0 &&
        (hr_fileio_write_full(at->fd, head.s, head.len) != 0 ||
         ftruncate(at->fd, (off_t)(head.len + (size_t)whole->nbytes)) != 0)) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        hr_atomic_abort(at);
        rc = HR_EIO;
    }
    *hlen = (int64_t)head.len;
    hr_text_free(&head);
    return rc;
}

int hr_ranks_save_npy(struct hr_session *s, const struct hr_resident *r,
                      const char *path, const struct hr_save_guard *guards,
                      int ng, struct hr_err *err)
{
    struct hr_array own = hr_owned(&r->view);
    struct hr_array whole = whole_view(&own);
    struct hr_atomic at = { -1, NULL, NULL, NULL, NULL };
    struct hr_err lerr = { { 0 } };
    struct parts g;
    int fortran = !hr_array_is_contiguous(&own, 0);
    int64_t hlen = 0;
    char txt[128];
    char *msg = NULL;
    size_t mlen = 0;
    int fd = -1;
    int rc = 0;
    int k = own.split_axis;

    /* rank 0 makes the file and tells the others where it is: "0 hlen
     * tmp", or "rc message" */
    if (own.rank == 0) {
        rc = hr_session_readable(r, "save", err);
        if (rc == 0)
            rc = save_begin(&whole, fortran, path, guards, ng, &at, &hlen,
                            err);
        if (asprintf(&msg, "%d %lld %s", rc, (long long)hlen,
                     rc == 0 ? at.tmp : err->msg) < 0)
            abort();
        mlen = strlen(msg) + 1;
    }
    if (s->gather.bcast(s->gather.ud, &msg, &mlen) != 0) {
        free(msg);
        hr_atomic_abort(&at);
        hr_err_set(err, "save: the MPI job could not share the file");
        return HR_EIO;
    }
    if (own.rank != 0) {
        long long h = 0;
        int r0 = 0, used = 0;

        if (sscanf(msg, "%d %lld %n", &r0, &h, &used) < 2 || r0 != 0) {
            free(msg);
            return 0;           /* rank 0 says why */
        }
        hlen = h;
        rc = hr_session_readable(r, "save", &lerr);
        if (rc == 0) {
            fd = open(msg + used, O_WRONLY | O_CLOEXEC);
            if (fd < 0) {
                hr_err_set(&lerr, "%s: cannot open rank 0's file %s: %s",
                           path, msg + used, hr_fileio_errtext(errno, txt,
                                                               sizeof txt));
                rc = HR_EIO;
            }
        }
        free(msg);
    } else {
        free(msg);
        if (rc != 0)
            return rc;
        fd = at.fd;
    }
    if (rc == 0 && own.nbytes > 0) {
        int64_t row = own.nbytes / own.shape[k];

        if (hr_fileio_pwrite_full(fd, own.data, (size_t)own.nbytes,
                                  (off_t)(hlen + own.offset[k] * row)) != 0 ||
            fdatasync(fd) != 0) {
            hr_err_set(&lerr, "%s: write failed: %s", path,
                       hr_fileio_errtext(errno, txt, sizeof txt));
            rc = HR_EIO;
        }
    }
    if (fd >= 0 && fd != at.fd)
        close(fd);
    if (gather(s, own.rank, own.nranks, rc, &lerr, NULL, 0, &g, err) != 0) {
        hr_atomic_abort(&at);
        return HR_EIO;
    }
    if (own.rank != 0) {
        parts_free(&g);
        if (rc != 0)
            *err = lerr;
        return rc;
    }
    if (rc != 0 || g.failed) {
        parts_free(&g);
        hr_atomic_abort(&at);
        if (rc != 0)
            *err = lerr;
        else
            hr_err_set(err, "save: %s not written: a rank could not write "
                       "its rows", path);
        return rc != 0 ? rc : HR_EIO;
    }
    parts_free(&g);
    return hr_atomic_commit(&at, err);
}

/* ---- arrays the last run made ---- */

#define MADE_NAME 64

struct made_entry {
    char name[MADE_NAME];
    int32_t dtype;
    int32_t ndim;
    int64_t shape[HR_MAX_NDIM];
    int32_t like_halo;      /* has the rows, halo too, of the task's array,
                               which has a halo (hr_new_like(a), --halo) */
    int32_t pad;
};

/* Whether made array v has the rows of s's default array, halo included,
 * and that array has a halo: then v's halo rows are the neighbours'. */
static int like_halo(const struct hr_session *s, const struct hr_array *v)
{
    const struct hr_array *a = NULL;

    if (s->current < 0)
        return 0;
    a = &s->arrays[s->current].r->view;
    return a->nranks > 1 && a->split_axis == 0 && v->ndim >= 1 &&
           a->halo_before + a->halo_after > 0 && v->shape[0] == a->shape[0];
}

/* Removes array i from the session (a made array the ranks dropped). */
static void drop_slot(struct hr_session *s, int i)
{
    hr_array_free(s->arrays[i].r);
    free(s->arrays[i].made_by);
    memmove(s->arrays + i, s->arrays + i + 1,
            (size_t)(s->narrays - i - 1) * sizeof *s->arrays);
    s->narrays--;
    if (s->current == i)
        s->current = s->narrays > 0 ? 0 : -1;
    else if (s->current > i)
        s->current--;
}

/* Rank 0: what becomes of each array some rank made, one line each:
 * "drop NAME" (the run failed), "partial NAME HOW_MANY" (not every rank
 * made it: dropped too), "own NAME", "halo NAME" (split as the task's
 * array, halo and all) or "split NAME ROWS0 ROWS1 ...". */
/* Entry i of the arrays rank r made (its part: failed flag, count, then
 * the entries), or NULL past the last. */
static const struct made_entry *made_at(const struct parts *g, int r, int i)
{
    size_t len;
    const char *b = body_of(g, r, &len);
    int32_t n = 0;

    memcpy(&n, b + sizeof(int32_t), sizeof n);
    if (i >= n)
        return NULL;
    return (const void *)(b + 2 * sizeof(int32_t) +
                          (size_t)i * sizeof(struct made_entry));
}

/* Rank r's entry for the array called name, or NULL. */
static const struct made_entry *made_of(const struct parts *g, int r,
                                        const char *name)
{
    const struct made_entry *x = NULL;
    int i;

    for (i = 0; (x = made_at(g, r, i)) != NULL; i++) {
        if (strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

static char *decide(const struct parts *g, int any_failed)
{
    struct hr_text t = HR_TEXT_INIT;
    const struct made_entry *e = NULL;
    int r, q, i;

    for (r = 0; r < g->n; r++) {
        for (i = 0; (e = made_at(g, r, i)) != NULL; i++) {
            struct hr_text rows = HR_TEXT_INIT;
            int seen = 0, same = 1, have = 0, halo = 1;

            /* each name once: at the first rank that has it */
            for (q = 0; q < r && !seen; q++)
                seen = made_of(g, q, e->name) != NULL;
            if (seen)
                continue;
            for (q = 0; q < g->n; q++) {
                const struct made_entry *f = made_of(g, q, e->name);

                same &= f != NULL && f->dtype == e->dtype &&
                        f->ndim == e->ndim && e->ndim >= 1 &&
                        memcmp(f->shape + 1, e->shape + 1,
                               (size_t)(e->ndim > 1 ? e->ndim - 1 : 0) *
                               sizeof(int64_t)) == 0;
                if (f != NULL)
                    hr_text_printf(&rows, " %lld", (long long)f->shape[0]);
                have += f != NULL;
                halo &= f != NULL && f->like_halo;
            }
            if (any_failed)
                hr_text_printf(&t, "drop %s\n", e->name);
            else if (have < g->n)
                hr_text_printf(&t, "partial %s %d\n", e->name, have);
            else if (!same)
                hr_text_printf(&t, "own %s\n", e->name);
            else if (halo)
                hr_text_printf(&t, "halo %s\n", e->name);
            else
                hr_text_printf(&t, "split %s%s\n", e->name,
                               rows.s != NULL ? rows.s : "");
            hr_text_free(&rows);
        }
    }
    hr_text_puts(&t, "");
    return t.s;
}

/* Makes array i rank's slab of one array split on axis 0 whose ranks hold
 * the rows listed in rows ("R0 R1 ..."). */
static void make_split(struct hr_session *s, int i, const char *rows)
{
    struct hr_array *v = &s->arrays[i].r->view;
    int64_t before = 0, total = 0;
    int r = 0;
    int k;

    while (*rows != '\0') {
        char *end = NULL;
        long long n = strtoll(rows, &end, 10);

        if (end == rows)
            break;
        if (r < s->shard.rank)
            before += n;
        total += n;
        r++;
        rows = end;
    }
    if (r != s->shard.nranks)
        return;
    for (k = 0; k < v->ndim; k++) {
        v->global_shape[k] = k == 0 ? total : v->shape[k];
        v->offset[k] = k == 0 ? before : 0;
    }
    v->split_axis = 0;
    v->halo_before = v->halo_after = 0;
    v->rank = s->shard.rank;
    v->nranks = s->shard.nranks;
}

/* Makes array i split as the default array is, halo rows included. */
static void split_like_current(struct hr_session *s, int i)
{
    const struct hr_array *a = &s->arrays[s->current].r->view;
    struct hr_array *v = &s->arrays[i].r->view;
    int k;

    for (k = 0; k < v->ndim; k++) {
        v->global_shape[k] = k == 0 ? a->global_shape[0] : v->shape[k];
        v->offset[k] = k == 0 ? a->offset[0] : 0;
    }
    v->split_axis = 0;
    v->halo_before = a->halo_before;
    v->halo_after = a->halo_after;
    v->rank = a->rank;
    v->nranks = a->nranks;
}

int hr_session_settle_made(struct hr_session *s, int failed,
                           struct hr_err *err)
{
    struct hr_text body = HR_TEXT_INIT;
    struct parts g;
    char *plan = NULL;
    size_t plen = 0;
    int32_t head[2] = { failed != 0, 0 };
    const char *line = NULL, *next = NULL;
    int any_failed = 0;
    int rank = s->shard.rank;
    int i, r;

    if (s->gather.gather == NULL || s->shard.nranks < 2)
        return 0;
    for (i = 0; i < s->narrays; i++)
        head[1] += s->arrays[i].unsettled;
    hr_text_add(&body, (const char *)head, sizeof head);
    for (i = 0; i < s->narrays; i++) {
        const struct hr_array *v = &s->arrays[i].r->view;
        struct made_entry e;

        if (!s->arrays[i].unsettled)
            continue;
        memset(&e, 0, sizeof e);
        snprintf(e.name, sizeof e.name, "%s", s->arrays[i].r->name);
        e.dtype = v->dtype;
        e.ndim = v->ndim;
        memcpy(e.shape, v->shape, sizeof e.shape);
        e.like_halo = like_halo(s, v);
        hr_text_add(&body, (const char *)&e, sizeof e);
    }
    if (hr_text_ok(&body) != 0 ||
        gather(s, rank, s->shard.nranks, 0, NULL, body.s, body.len, &g,
               err) != 0) {
        hr_text_free(&body);
        return HR_EIO;
    }
    hr_text_free(&body);
    if (rank == 0) {
        size_t len;

        for (r = 0; r < g.n; r++) {
            const char *b = body_of(&g, r, &len);
            int32_t f = 0;

            memcpy(&f, b, sizeof f);
            any_failed |= f != 0;
        }
        plan = decide(&g, any_failed);
        if (plan == NULL)
            abort();            /* the others wait for the plan */
        plen = strlen(plan) + 1;
    }
    parts_free(&g);
    if (s->gather.bcast(s->gather.ud, &plan, &plen) != 0) {
        free(plan);
        hr_err_set(err, "the MPI job could not share its plan");
        return HR_EIO;
    }
    /* each line names an array; a dropped name goes from every rank,
     * also from one whose run failed and kept an older array of it */
    for (line = plan; line != NULL && *line != '\0'; line = next) {
        const char *w = strchr(line, ' ');
        const char *end = strchr(line, '\n');
        char name[MADE_NAME];
        size_t n = 0;

        next = end != NULL ? end + 1 : NULL;
        if (w == NULL || end == NULL || w > end)
            continue;
        n = strcspn(w + 1, " \n");
        snprintf(name, sizeof name, "%.*s", (int)n, w + 1);
        i = hr_session_find_array(s, name);
        if (strncmp(line, "partial ", 8) == 0 && rank == 0)
            hr_session_notice(s, "'%s' was made by %d of the %d ranks, "
                              "not by every one: it is not kept", name,
                              atoi(w + 1 + n), s->shard.nranks);
        if (i < 0)
            continue;
        if (strncmp(line, "drop ", 5) == 0 ||
            strncmp(line, "partial ", 8) == 0)
            drop_slot(s, i);
        else if (strncmp(line, "split ", 6) == 0 && s->arrays[i].unsettled)
            make_split(s, i, w + 1 + n);
        else if (strncmp(line, "halo ", 5) == 0 && s->arrays[i].unsettled)
            split_like_current(s, i);
    }
    for (i = 0; i < s->narrays; i++)
        s->arrays[i].unsettled = 0;
    free(plan);
    return 0;
}
