/* stats_scan.c - the passes of stats.c: reading an array in memory order
 * in fixed blocks, on the thread pool */
#include "stats_scan.h"

#include <math.h>
#include <string.h>

#include "dtype.h"
#include "pool.h"

#define BUFN 512            /* elements converted at a time */

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

void hr_stats_add(double *s, double *c, double x)
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
double hr_stats_total(double s, double c)
{
    return isfinite(s) ? s + c : s;
}

/* Element j of a run sits at C-order index flat + j * step; an extreme
 * equal to the one held replaces it when its index is smaller. */
static void scan_signed(struct hr_stats_acc *c, const int64_t *v, int64_t k,
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

static void scan_unsigned(struct hr_stats_acc *c, const uint64_t *v, int64_t k,
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

int hr_stats_order(double r, double i, double mr, double mi)
{
    if (r != mr)
        return r < mr ? -1 : 1;
    return i < mi ? -1 : i > mi ? 1 : 0;
}

/* re (and im, NULL for real dtypes) of k elements. */
static void scan_float(struct hr_stats_acc *c, const double *re,
                       const double *im, int64_t k, int64_t flat,
                       int64_t step)
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
        o = c->imin < 0 ? -1 : hr_stats_order(r, i, c->dmin, c->dmin_im);
        if (o < 0 || (o == 0 && f < c->imin)) {
            c->dmin = r;
            c->dmin_im = i;
            c->imin = f;
        }
        o = c->imax < 0 ? 1 : hr_stats_order(r, i, c->dmax, c->dmax_im);
        if (o > 0 || (o == 0 && f < c->imax)) {
            c->dmax = r;
            c->dmax_im = i;
            c->imax = f;
        }
    }
}

/* Sums of the non-NaN elements, or of their squared distances to the
 * mean. */
static void scan_sum(const struct hr_stats_job *jb, struct hr_stats_acc *c,
                     const double *re, const double *im, int64_t k)
{
    int64_t j;
    double r, i;

    for (j = 0; j < k; j++) {
        r = re[j];
        i = im != NULL ? im[j] : 0.0;
        if (isnan(r) || isnan(i))
            continue;
        if (jb->pass == HR_STATS_SSD) {
            r -= jb->mean;
            i -= jb->mean_im;
            hr_stats_add(&c->sum, &c->comp, r * r + i * i);
        } else {
            hr_stats_add(&c->sum, &c->comp, r);
            hr_stats_add(&c->sum_im, &c->comp_im, i);
        }
    }
}

/* k elements from p, st bytes apart, the first at C-order index flat and
 * the next ones step further. */
static void scan_run(const struct hr_stats_job *jb, struct hr_stats_acc *c,
                     const char *p, int64_t st, int64_t k, int64_t flat,
                     int64_t step)
{
    union {
        int64_t s[BUFN];
        uint64_t u[BUFN];
        double d[BUFN];
    } b;
    double im[BUFN];
    int64_t m;
    int cplx = jb->cls == HR_STATS_COMPLEX;

    for (; k > 0; k -= m, p += m * st, flat += m * step) {
        m = k < BUFN ? k : BUFN;
        if (jb->cls == HR_STATS_SIGNED) {
            load_s(jb->a->dtype, p, st, m, b.s);
            scan_signed(c, b.s, m, flat, step);
            continue;
        }
        if (jb->cls == HR_STATS_UNSIGNED) {
            load_u(jb->a->dtype, p, st, m, b.u);
            scan_unsigned(c, b.u, m, flat, step);
            continue;
        }
        load_f(jb->type, p, st, m, b.d);
        if (cplx)
            load_f(jb->type, p + hr_dtype_size(jb->type), st, m, im);
        if (jb->pass == HR_STATS_EXTREMES)
            scan_float(c, b.d, cplx ? im : NULL, m, flat, step);
        else
            scan_sum(jb, c, b.d, cplx ? im : NULL, m);
    }
}

static void scan_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct hr_stats_job *jb = ctx;
    int64_t idx[HR_MAX_NDIM];
    int64_t b, i, stop, rest, run, off, flat;
    int last = jb->nd - 1;
    int k;

    for (b = begin; b < end; b++) {
        struct hr_stats_acc *c = &jb->acc[b];

        i = b * HR_STATS_BLOCK;
        stop = i + HR_STATS_BLOCK < jb->a->size ? i + HR_STATS_BLOCK :
               jb->a->size;
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

void hr_stats_plan(struct hr_stats_job *jb)
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

void hr_stats_pass(struct hr_stats_job *jb, int64_t nb, int pass)
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
