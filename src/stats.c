/* stats.c - summary statistics of an array: counts, extremes and where
 * they are, mean and standard deviation
 *
 * The elements are read in memory order, whatever the layout: the axes
 * are reordered by stride (reversed axes flipped, axes of length 1
 * dropped, axes that continue each other merged), and each element's
 * C-order index is known from its position, so that a tie between equal
 * extremes goes to the smaller C-order index (np.argmin's first
 * occurrence) however the memory is walked.  Passes (stats_scan.c) cut
 * that walk into fixed blocks of elements, run on the thread pool; each
 * block fills its own struct hr_stats_acc and the blocks are combined in
 * order, so that results do not depend on the thread count.  Inside a
 * block, runs along the innermost axis are converted into small buffers
 * (int64, uint64 or double) and scanned there.
 */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "err.h"
#include "show_elem.h"
#include "stats_scan.h"

/* ---- combining blocks ---- */

/* Whether block x holds a smaller minimum (max 0) or a larger maximum
 * (max 1) than best, or an equal one at a smaller C-order index. */
static int better(const struct hr_stats_job *jb, const struct hr_stats_acc *x,
                  const struct hr_stats_acc *best, int max)
{
    int64_t xi = max ? x->imax : x->imin;
    int64_t bi = max ? best->imax : best->imin;
    int o;

    if (xi < 0)
        return 0;
    if (bi < 0)
        return 1;
    if (jb->cls == HR_STATS_SIGNED)
        o = max ? (x->smax > best->smax) - (x->smax < best->smax) :
                  (x->smin < best->smin) - (x->smin > best->smin);
    else if (jb->cls == HR_STATS_UNSIGNED)
        o = max ? (x->umax > best->umax) - (x->umax < best->umax) :
                  (x->umin < best->umin) - (x->umin > best->umin);
    else if (max)
        o = hr_stats_order(x->dmax, x->dmax_im, best->dmax, best->dmax_im);
    else
        o = -hr_stats_order(x->dmin, x->dmin_im, best->dmin, best->dmin_im);
    return o > 0 || (o == 0 && xi < bi);
}

/* The compensated total of the blocks' sums. */
static void sum_blocks(const struct hr_stats_job *jb, int64_t nb, double *re,
                       double *im)
{
    double s = 0, c = 0, si = 0, ci = 0;
    int64_t b;

    for (b = 0; b < nb; b++) {
        const struct hr_stats_acc *x = &jb->acc[b];

        hr_stats_add(&s, &c, hr_stats_total(x->sum, x->comp));
        hr_stats_add(&si, &ci, hr_stats_total(x->sum_im, x->comp_im));
    }
    *re = hr_stats_total(s, c);
    *im = hr_stats_total(si, ci);
}

static int class_of(int dtype)
{
    if (hr_show_is_complex(dtype))
        return HR_STATS_COMPLEX;
    if (hr_show_is_float(dtype))
        return HR_STATS_FLOAT;
    if (dtype == HR_INT8 || dtype == HR_INT16 || dtype == HR_INT32 ||
        dtype == HR_INT64)
        return HR_STATS_SIGNED;
    return HR_STATS_UNSIGNED;
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

static void mean_std(struct hr_stats_job *jb, int64_t nb, struct hr_stats *s)
{
    struct hr_array re, im;
    double n = (double)(s->count - s->nan);
    double sre, sim;

    if (s->count == s->nan)
        return;
    if (s->nan == 0 && jb->cls != HR_STATS_COMPLEX) {
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
    hr_stats_pass(jb, nb, HR_STATS_SUM);
    sum_blocks(jb, nb, &sre, &sim);
    s->mean = sre / n;
    s->mean_im = jb->cls == HR_STATS_COMPLEX ? sim / n : 0.0;
    jb->mean = s->mean;
    jb->mean_im = s->mean_im;
    hr_stats_pass(jb, nb, HR_STATS_SSD);
    sum_blocks(jb, nb, &sre, &sim);
    s->std = sqrt(sre / n);
}

int hr_stats_compute(const struct hr_array *a, struct hr_stats *s)
{
    struct hr_stats_job jb;
    struct hr_stats_acc best;
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
    hr_stats_plan(&jb);
    nb = (a->size + HR_STATS_BLOCK - 1) / HR_STATS_BLOCK;
    jb.acc = malloc((size_t)nb * sizeof *jb.acc);
    if (jb.acc == NULL)
        return HR_ENOMEM;
    hr_stats_pass(&jb, nb, HR_STATS_EXTREMES);
    memset(&best, 0, sizeof best);
    best.imin = best.imax = -1;
    for (b = 0; b < nb; b++) {
        struct hr_stats_acc *c = &jb.acc[b];

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
