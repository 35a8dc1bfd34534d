/* kern_loop.h - the kernels' inner loops: elements of any layout read as
 * doubles, and the serial loops over them
 *
 * Private to the kernel files (kern.c, kern_axis.c, kern_hist.c,
 * kern_loop.c); tasks see only hotrun.h.  Nothing here allocates or keeps
 * state: arrays are borrowed for the call, buffers and axes are the
 * caller's.
 */
#ifndef HR_KERN_LOOP_H
#define HR_KERN_LOOP_H

#include "hotrun.h"

#define HR_BUFN 1024        /* elements converted to double at a time */
#define HR_LANES 16         /* independent partial sums in a loop */
#define HR_ROWS 4           /* rows hr_kern_accumulate() folds at once */

enum { HR_OP_SUM, HR_OP_SUMSQ, HR_OP_SSD, HR_OP_MIN, HR_OP_MAX };

/* Dimensions collapsed into strided axes, outermost first. */
struct hr_axis {
    int nd;
    int64_t n;                  /* elements in all */
    int64_t shape[HR_MAX_NDIM];
    int64_t stride[HR_MAX_NDIM];    /* bytes */
};

/* A position on an axis: its multi-index and byte offset. */
struct hr_cur {
    const struct hr_axis *ax;
    int64_t off;
    int64_t idx[HR_MAX_NDIM];
};

/* Where a reduction reads: the data, its dtype and the axis walked. */
struct hr_src {
    const char *base;
    int dtype;
    const struct hr_axis *ax;
};

static inline int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static inline int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static inline int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* ---- cursors ---- */

static inline void cur_seek(struct hr_cur *c, const struct hr_axis *ax,
                            int64_t i)
{
    int k;

    c->ax = ax;
    c->off = 0;
    for (k = ax->nd - 1; k >= 0; k--) {
        c->idx[k] = i % ax->shape[k];
        i /= ax->shape[k];
        c->off += c->idx[k] * ax->stride[k];
    }
}

/* Moves m elements on; m never goes past the end of the innermost run. */
static inline void cur_advance(struct hr_cur *c, int64_t m)
{
    const struct hr_axis *ax = c->ax;
    int k = ax->nd - 1;

    c->idx[k] += m;
    c->off += m * ax->stride[k];
    while (k > 0 && c->idx[k] == ax->shape[k]) {
        c->off -= ax->shape[k] * ax->stride[k];
        c->idx[k] = 0;
        k--;
        c->idx[k]++;
        c->off += ax->stride[k];
    }
}

static inline int64_t cur_run(const struct hr_cur *c)
{
    int k = c->ax->nd - 1;

    return c->ax->shape[k] - c->idx[k];
}

/* ---- combining results ---- */

/* min and max that propagate a NaN from either side */
static inline double min2(double m, double v)
{
    return ((v < m) | (v != v)) ? v : m;
}

static inline double max2(double m, double v)
{
    return ((v > m) | (v != v)) ? v : m;
}

static inline double identity(int op)
{
    if (op == HR_OP_MIN)
        return INFINITY;
    if (op == HR_OP_MAX)
        return -INFINITY;
    return 0.0;
}

static inline double combine(int op, double acc, double v)
{
    if (op == HR_OP_MIN)
        return min2(acc, v);
    if (op == HR_OP_MAX)
        return max2(acc, v);
    return acc + v;
}

/* ---- in kern_loop.c ---- */

/* Collapses dims [d0, d1) of a into ax.  In C order unless any_order; then
 * negative strides are flipped (moving *base) and the smallest stride goes
 * innermost, which suits reductions whose order does not matter. */
void hr_kern_axis_make(struct hr_axis *ax, const struct hr_array *a, int d0,
                       int d1, int any_order, const char **base);

/* The next k elements from c as doubles, read in place when they allow it
 * or converted into buf (then k <= HR_BUFN); c moves past them.  The result
 * is borrowed: valid until buf or the array changes. */
const double *hr_kern_load(const struct hr_src *s, struct hr_cur *c,
                           int64_t k, double *buf);

/* How many of rem elements to take next: a whole in-place run, or a
 * buffer full. */
int64_t hr_kern_take(const struct hr_src *s, const struct hr_cur *c,
                     int64_t rem);

/* Elements [begin, end) of s reduced serially (op HR_OP_*; mu is the mean
 * for HR_OP_SSD). */
double hr_kern_reduce_seq(int op, double mu, const struct hr_src *s,
                          int64_t begin, int64_t end);

/* The dot product of elements [begin, end) of the two sources s[0] and
 * s[1], walked in C order, serially. */
double hr_kern_dot_seq(const struct hr_src *s, int64_t begin, int64_t end);

/* acc[i] = acc[i] op x[q][i] for the rows (at most HR_ROWS) rows x[q], the
 * inner loop of a reduction across rows; op is HR_OP_SUM, HR_OP_MIN or
 * HR_OP_MAX, and x has HR_ROWS entries even when rows is less. */
void hr_kern_accumulate(int op, double *acc, const double *const *x,
                        int rows, int64_t n);

#endif
