/* stats.c - summary statistics of an array: counts, extremes and where
 * they are, mean and standard deviation
 *
 * The elements are read in memory order, whatever the layout: the axes
 * are reordered by stride (reversed axes flipped, axes of length 1
 * dropped, axes that continue each other merged), and each element's
 * C-order index is known from its position, so that a tie between equal
 * extremes goes to the smaller C-order index (np.argmin's first
 * occurrence) however the memory is walked.  Passes cut that walk into
 * fixed blocks of BLOCK elements, run on the thread pool; each block
 * fills its own struct acc and the blocks are combined in order, so that
 * results do not depend on the thread count.  Inside a block, runs along
 * the innermost axis are converted into small buffers (int64, uint64 or
 * double) and scanned there.
 */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "err.h"
#include "pool.h"
#include "show.h"
#include "show_elem.h"

#define BLOCK 65536         /* elements of a block */
#define BUFN 512            /* elements converted at a time */

enum { CLS_SIGNED, CLS_UNSIGNED, CLS_FLOAT, CLS_COMPLEX };
enum { PASS_EXTREMES, PASS_SUM, PASS_SSD };

/* What one block found. */
struct acc {
    int64_t nan, inf, neginf;
    int64_t imin, imax;         /* -1: nothing yet */
    int64_t smin, smax;         /* CLS_SIGNED */
    uint64_t umin, umax;        /* CLS_UNSIGNED */
    double dmin, dmax;          /* CLS_FLOAT, real parts of CLS_COMPLEX */
    double dmin_im, dmax_im;
    double sum, comp;           /* compensated sums (PASS_SUM, PASS_SSD) */
    double sum_im, comp_im;
};

struct job {
    const struct hr_array *a;
    int cls;
    int type;                   /* float type of the parts */
    int pass;
    /* the walk in memory order: outermost axis first */
    int nd;                     /* at least 1 */
    const char *base;           /* the element walked first */
    int64_t flat0;              /* its C-order index */
    int64_t shape[HR_MAX_NDIM];
    int64_t strides[HR_MAX_NDIM];   /* bytes, never negative */
    int64_t fsteps[HR_MAX_NDIM];    /* C-order index steps (signed) */
    double mean, mean_im;       /* PASS_SSD */
    struct acc *acc;            /* one per block */
};

/* ---- conversion ---- */

#define LOAD(T) \
    for (j = 0; j < k; j++) { \
        T x_; \
        memcpy(&x_, p + j * st, sizeof x_); \
        out[j] = x_; \
    }

static void load_s(int dtype, const char *p, int64_t st, int64_t k,
                   int64_t *out)
{
    int64_t j;

    switch (dtype) {
    case HR_INT8: LOAD(int8_t); break;
    case HR_INT16: LOAD(int16_t); break;
    case HR_INT32: LOAD(int32_t); break;
    default: LOAD(int64_t); break;
    }
}

static void load_u(int dtype, const char *p, int64_t st, int64_t k,
                   uint64_t *out)
{
    int64_t j;

    switch (dtype) {
    case HR_UINT16: LOAD(uint16_t); break;
    case HR_UINT32: LOAD(uint32_t); break;
    case HR_UINT64: LOAD(uint64_t); break;
    case HR_UINT8: LOAD(uint8_t); break;
    default:            /* bool: any nonzero byte is True */
        for (j = 0; j < k; j++)
            out[j] = p[j * st] != 0;
        break;
    }
}

static void load_f(int type, const char *p, int64_t st, int64_t k,
                   double *out)
{
    int64_t j;
    uint16_t h;

    if (type == HR_FLOAT16) {
        for (j = 0; j < k; j++) {
            memcpy(&h, p + j * st, sizeof h);
            out[j] = hr_half_to_double(h);
        }
    } else if (type == HR_FLOAT32) {
        LOAD(float);
    } else {
        LOAD(double);
    }
}

/* ---- scanning ---- */

static void nadd(double *s, double *c, double x)
{
    double t = *s + x;

    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

/* A compensated sum's value; the compensation is NaN once the sum is
 * not finite. */
static double total(double s, double c)
{
    return isfinite(s) ? s + c : s;
}

/* Element j of a run sits at C-order index flat + j * step; an extreme
 * equal to the one held replaces it when its index is smaller. */
static void scan_signed(struct acc *c, const int64_t *v, int64_t k,
                        int64_t flat, int64_t step)
{
    int64_t j, f;

    for (j = 0; j < k; j++) {
        f = flat + j * step;
        if (c->imin < 0 || v[j] < c->smin ||
            (v[j] == c->smin && f < c->imin)) {
            c->smin = v[j];
            c->imin = f;
        }
        if (c->imax < 0 || v[j] > c->smax ||
            (v[j] == c->smax && f < c->imax)) {
            c->smax = v[j];
            c->imax = f;
        }
    }
}

static void scan_unsigned(struct acc *c, const uint64_t *v, int64_t k,
                          int64_t flat, int64_t step)
{
    int64_t j, f;

    for (j = 0; j < k; j++) {
        f = flat + j * step;
        if (c->imin < 0 || v[j] < c->umin ||
            (v[j] == c->umin && f < c->imin)) {
            c->umin = v[j];
            c->imin = f;
        }
        if (c->imax < 0 || v[j] > c->umax ||
            (v[j] == c->umax && f < c->imax)) {
            c->umax = v[j];
            c->imax = f;
        }
    }
}

/* -1, 0 or 1 as (r, i) orders before, ties with or follows (mr, mi):
 * NumPy's order of complex numbers (real part first). */
static int order(double r, double i, double mr, double mi)
{
    if (r != mr)
        return r < mr ? -1 : 1;
    return i < mi ? -1 : i > mi ? 1 : 0;
}

/* re (and im, NULL for real dtypes) of k elements. */
static void scan_float(struct acc *c, const double *re, const double *im,
                       int64_t k, int64_t flat, int64_t step)
{
    int64_t j, f;
    double r, i;
    int o;

    for (j = 0; j < k; j++) {
        r = re[j];
        i = im != NULL ? im[j] : 0.0;
        if (isnan(r) || isnan(i)) {
            c->nan++;
            continue;
        }
        if (isinf(r) || isinf(i)) {
            c->inf++;
            c->neginf += im == NULL && r < 0;
        }
        f = flat + j * step;
        o = c->imin < 0 ? -1 : order(r, i, c->dmin, c->dmin_im);
        if (o < 0 || (o == 0 && f < c->imin)) {
            c->dmin = r;
            c->dmin_im = i;
            c->imin = f;
        }
        o = c->imax < 0 ? 1 : order(r, i, c->dmax, c->dmax_im);
        if (o > 0 || (o == 0 && f < c->imax)) {
            c->dmax = r;
            c->dmax_im = i;
            c->imax = f;
        }
    }
}

/* Sums of the non-NaN elements, or of their squared distances to the
 * mean. */
static void scan_sum(const struct job *jb, struct acc *c, const double *re,
                     const double *im, int64_t k)
{
    int64_t j;
    double r, i;

    for (j = 0; j < k; j++) {
        r = re[j];
        i = im != NULL ? im[j] : 0.0;
        if (isnan(r) || isnan(i))
            continue;
        if (jb->pass == PASS_SSD) {
            r -= jb->mean;
            i -= jb->mean_im;
            nadd(&c->sum, &c->comp, r * r + i * i);
        } else {
            nadd(&c->sum, &c->comp, r);
            nadd(&c->sum_im, &c->comp_im, i);
        }
    }
}

/* k elements from p, st bytes apart, the first at C-order index flat and
 * the next ones step further. */
static void scan_run(const struct job *jb, struct acc *c, const char *p,
                     int64_t st, int64_t k, int64_t flat, int64_t step)
{
    union {
        int64_t s[BUFN];
        uint64_t u[BUFN];
        double d[BUFN];
    } b;
    double im[BUFN];
    int64_t m;
    int cplx = jb->cls == CLS_COMPLEX;

    for (; k > 0; k -= m, p += m * st, flat += m * step) {
        m = k < BUFN ? k : BUFN;
        if (jb->cls == CLS_SIGNED) {
            load_s(jb->a->dtype, p, st, m, b.s);
            scan_signed(c, b.s, m, flat, step);
            continue;
        }
        if (jb->cls == CLS_UNSIGNED) {
            load_u(jb->a->dtype, p, st, m, b.u);
            scan_unsigned(c, b.u, m, flat, step);
            continue;
        }
        load_f(jb->type, p, st, m, b.d);
        if (cplx)
            load_f(jb->type, p + hr_dtype_size(jb->type), st, m, im);
        if (jb->pass == PASS_EXTREMES)
            scan_float(c, b.d, cplx ? im : NULL, m, flat, step);
        else
            scan_sum(jb, c, b.d, cplx ? im : NULL, m);
    }
}

static void scan_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct job *jb = ctx;
    int64_t idx[HR_MAX_NDIM];
    int64_t b, i, stop, rest, run, off, flat;
    int last = jb->nd - 1;
    int k;

    for (b = begin; b < end; b++) {
        struct acc *c = &jb->acc[b];

        i = b * BLOCK;
        stop = i + BLOCK < jb->a->size ? i + BLOCK : jb->a->size;
        off = 0;
        flat = jb->flat0;
        for (rest = i, k = last; k >= 0; k--) {
            idx[k] = rest % jb->shape[k];
            rest /= jb->shape[k];
            off += idx[k] * jb->strides[k];
            flat += idx[k] * jb->fsteps[k];
        }
        while (i < stop) {
            run = jb->shape[last] - idx[last];
            run = run < stop - i ? run : stop - i;
            scan_run(jb, c, jb->base + off, jb->strides[last], run, flat,
                     jb->fsteps[last]);
            i += run;
            idx[last] += run;
            off += run * jb->strides[last];
            flat += run * jb->fsteps[last];
            for (k = last; k > 0 && idx[k] == jb->shape[k]; k--) {
                off -= idx[k] * jb->strides[k];
                flat -= idx[k] * jb->fsteps[k];
                idx[k] = 0;
                idx[k - 1]++;
                off += jb->strides[k - 1];
                flat += jb->fsteps[k - 1];
            }
        }
    }
}

/* The walk in memory order: axes of length 1 dropped, reversed axes
 * flipped (moving the start), the largest stride outermost, and axes that
 * continue each other in memory and in C order merged. */
static void plan_walk(struct job *jb)
{
    const struct hr_array *a = jb->a;
    int64_t cstep = 1;
    int64_t sh, st, fs;
    int m = 0;
    int k, j;

    jb->base = a->data;
    jb->flat0 = 0;
    for (k = a->ndim - 1; k >= 0; k--) {
        sh = a->shape[k];
        st = a->strides[k];
        fs = cstep;
        cstep *= sh;
        if (sh == 1)
            continue;
        if (st < 0) {
            jb->base += (sh - 1) * st;
            jb->flat0 += (sh - 1) * fs;
            st = -st;
            fs = -fs;
        }
        /* insert by stride, largest first (stable) */
        for (j = m; j > 0 && jb->strides[j - 1] < st; j--) {
            jb->shape[j] = jb->shape[j - 1];
            jb->strides[j] = jb->strides[j - 1];
            jb->fsteps[j] = jb->fsteps[j - 1];
        }
        jb->shape[j] = sh;
        jb->strides[j] = st;
        jb->fsteps[j] = fs;
        m++;
    }
    for (k = 1, j = 0; k < m; k++) {
        if (jb->strides[j] == jb->shape[k] * jb->strides[k] &&
            jb->fsteps[j] == jb->shape[k] * jb->fsteps[k]) {
            jb->shape[j] *= jb->shape[k];
            jb->strides[j] = jb->strides[k];
            jb->fsteps[j] = jb->fsteps[k];
        } else {
            j++;
            jb->shape[j] = jb->shape[k];
            jb->strides[j] = jb->strides[k];
            jb->fsteps[j] = jb->fsteps[k];
        }
    }
    jb->nd = m > 0 ? j + 1 : 1;
    if (m == 0) {
        jb->shape[0] = 1;
        jb->strides[0] = 0;
        jb->fsteps[0] = 0;
    }
}

/* ---- combining blocks ---- */

/* Whether block x holds a smaller minimum (max 0) or a larger maximum
 * (max 1) than best, or an equal one at a smaller C-order index. */
static int better(const struct job *jb, const struct acc *x,
                  const struct acc *best, int max)
{
    int64_t xi = max ? x->imax : x->imin;
    int64_t bi = max ? best->imax : best->imin;
    int o;

    if (xi < 0)
        return 0;
    if (bi < 0)
        return 1;
    if (jb->cls == CLS_SIGNED)
        o = max ? (x->smax > best->smax) - (x->smax < best->smax) :
                  (x->smin < best->smin) - (x->smin > best->smin);
    else if (jb->cls == CLS_UNSIGNED)
        o = max ? (x->umax > best->umax) - (x->umax < best->umax) :
                  (x->umin < best->umin) - (x->umin > best->umin);
    else if (max)
        o = order(x->dmax, x->dmax_im, best->dmax, best->dmax_im);
    else
        o = -order(x->dmin, x->dmin_im, best->dmin, best->dmin_im);
    return o > 0 || (o == 0 && xi < bi);
}

static void run_pass(struct job *jb, int64_t nb, int pass)
{
    int64_t b;

    jb->pass = pass;
    for (b = 0; b < nb; b++) {
        memset(&jb->acc[b], 0, sizeof jb->acc[b]);
        jb->acc[b].imin = -1;
        jb->acc[b].imax = -1;
    }
    hr_pool_for(nb, 1, scan_blocks, jb);
}

/* The compensated total of the blocks' sums. */
static void sum_blocks(const struct job *jb, int64_t nb, double *re,
                       double *im)
{
    double s = 0, c = 0, si = 0, ci = 0;
    int64_t b;

    for (b = 0; b < nb; b++) {
        nadd(&s, &c, total(jb->acc[b].sum, jb->acc[b].comp));
        nadd(&si, &ci, total(jb->acc[b].sum_im, jb->acc[b].comp_im));
    }
    *re = total(s, c);
    *im = total(si, ci);
}

static int class_of(int dtype)
{
    if (hr_show_is_complex(dtype))
        return CLS_COMPLEX;
    if (hr_show_is_float(dtype))
        return CLS_FLOAT;
    if (dtype == HR_INT8 || dtype == HR_INT16 || dtype == HR_INT32 ||
        dtype == HR_INT64)
        return CLS_SIGNED;
    return CLS_UNSIGNED;
}

/* A float view of the real (im 0) or imaginary part of a complex array. */
static void part_view(const struct hr_array *a, int im, struct hr_array *v)
{
    *v = *a;
    v->dtype = hr_show_part_type(a->dtype);
    v->itemsize = a->itemsize / 2;
    v->nbytes = a->nbytes / 2;
    v->data = (const char *)a->data + (im ? v->itemsize : 0);
    v->flags = 0;
}

static void mean_std(struct job *jb, int64_t nb, struct hr_stats *s)
{
    struct hr_array re, im;
    double n = (double)(s->count - s->nan);
    double sre, sim;

    if (s->count == s->nan)
        return;
    if (s->nan == 0 && jb->cls != CLS_COMPLEX) {
        s->mean = hr_mean(jb->a);
        s->std = sqrt(hr_var(jb->a));
        return;
    }
    if (s->nan == 0) {
        part_view(jb->a, 0, &re);
        part_view(jb->a, 1, &im);
        s->mean = hr_mean(&re);
        s->mean_im = hr_mean(&im);
        s->std = sqrt(hr_var(&re) + hr_var(&im));
        return;
    }
    run_pass(jb, nb, PASS_SUM);
    sum_blocks(jb, nb, &sre, &sim);
    s->mean = sre / n;
    s->mean_im = jb->cls == CLS_COMPLEX ? sim / n : 0.0;
    jb->mean = s->mean;
    jb->mean_im = s->mean_im;
    run_pass(jb, nb, PASS_SSD);
    sum_blocks(jb, nb, &sre, &sim);
    s->std = sqrt(sre / n);
}

int hr_stats_compute(const struct hr_array *a, struct hr_stats *s)
{
    struct job jb;
    struct acc best;
    int64_t nb, b;

    memset(s, 0, sizeof *s);
    s->argmin = s->argmax = -1;
    s->min = s->max = s->mean = s->std = NAN;
    if (hr_array_check(a) != 0)
        return HR_EINVAL;
    s->count = a->size;
    if (a->size == 0)
        return 0;
    memset(&jb, 0, sizeof jb);
    jb.a = a;
    jb.cls = class_of(a->dtype);
    jb.type = hr_show_part_type(a->dtype);
    plan_walk(&jb);
    nb = (a->size + BLOCK - 1) / BLOCK;
    jb.acc = malloc((size_t)nb * sizeof *jb.acc);
    if (jb.acc == NULL)
        return HR_ENOMEM;
    run_pass(&jb, nb, PASS_EXTREMES);
    memset(&best, 0, sizeof best);
    best.imin = best.imax = -1;
    for (b = 0; b < nb; b++) {
        struct acc *c = &jb.acc[b];

        s->nan += c->nan;
        s->inf += c->inf;
        s->neginf += c->neginf;
        if (better(&jb, c, &best, 0)) {
            best.imin = c->imin;
            best.smin = c->smin;
            best.umin = c->umin;
            best.dmin = c->dmin;
            best.dmin_im = c->dmin_im;
        }
        if (better(&jb, c, &best, 1)) {
            best.imax = c->imax;
            best.smax = c->smax;
            best.umax = c->umax;
            best.dmax = c->dmax;
            best.dmax_im = c->dmax_im;
        }
    }
    s->argmin = best.imin;
    s->argmax = best.imax;
    if (best.imin >= 0) {
        s->min = hr_array_at(a, best.imin);
        s->max = hr_array_at(a, best.imax);
    }
    mean_std(&jb, nb, s);
    free(jb.acc);
    return 0;
}
