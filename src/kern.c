/* kern.c - native kernels: reductions over resident arrays of any layout
 *
 * Every kernel reads elements as double: integers and bool are converted,
 * float16 exactly, and complex numbers give their real part (as hr_at()
 * does).  An array of ndim > 2 is seen by the row and column forms as
 * shape[0] rows of the other axes flattened in C order; a 1-d array is one
 * row and a 0-d array one row of one column.
 *
 * Layout: the dimensions of an array are collapsed into as few strided axes
 * as possible, and a cursor walks them; float64 runs of stride 8 are read
 * in place, anything else is converted into a small buffer first.  The
 * arithmetic loops work on plain double arrays with explicit partial sums
 * so that gcc vectorises them without reassociating (no -ffast-math).
 *
 * Arithmetic: double precision throughout.  Sums are pairwise like
 * numpy's (error growing with log n): leaves of up to 2048 elements with
 * 16 partial sums, halves added recursively; converted or strided data in
 * pieces of 1024 added in turn within a block; the blocks' sums pairwise.
 * Row and column forms that stream across rows add 4 rows at a time into
 * the accumulators, in blocks of rows combined in order.  hr_min, hr_max and
 * the row and column minima and maxima are NaN if any element is (as
 * numpy.min); empty arrays give NaN for min, max, mean and var and 0 for
 * sums.  hr_var is the population variance (ddof 0) in two passes: the
 * mean, then the sum of squared deviations from it.  hr_histogram follows
 * numpy.histogram(a, nbins, range=(lo, hi)): edges as numpy.linspace puts
 * them, the last bin closed, values outside and NaN not counted.
 *
 * Determinism: work is cut into blocks whose bounds depend only on the
 * array's shape, never on the number of threads, and the partial results of
 * the blocks are combined in a fixed order.  The same call on the same data
 * gives the same bits with one thread or many.
 *
 * Errors (a NULL array, a bad dtype, sizes that differ...) call hr_fail()
 * on the calling thread before any work starts or memory is allocated; if
 * hr_fail() returns (outside a guarded run), the kernel returns NaN, 0 or
 * leaves out untouched.  A fault inside a kernel (a view over unmapped
 * memory) on a pool thread ends the run from hr_pool_for(), and the few
 * scratch buffers of the row, column and histogram forms are then lost.
 * A stopped run (Ctrl-C, timeout, cancel) ends at the next block
 * (hr_guard_checkpoint() before each), losing them the same way.
 *
 * Files: kern.c has the checks, the full reductions and hr_dot;
 * kern_hist.c hr_histogram; kern_axis.c the row and column forms;
 * kern_loop.c the element readers and the vectorised loops they all run.
 */
#include "kern.h"

#include "guard.h"
#include "kern_loop.h"
#include "pool.h"

#define MAX_BLOCKS 1024     /* blocks of a full reduction, at most */

static const int64_t itemsizes[HR_NDTYPES] = {
    1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16
};

/* ---- checks ---- */

int hr_kern_bad_array(const struct hr_array *a, const char *fn, int64_t *n)
{
    int64_t size = 1;
    int64_t nonzero = 1;        /* bounds every product of some axes */
    int k;

    if (a == NULL) {
        hr_fail("%s: no array (NULL)", fn);
        return 1;
    }
    if (a->dtype < 0 || a->dtype >= HR_NDTYPES) {
        hr_fail("%s: bad dtype %d", fn, a->dtype);
        return 1;
    }
    if (a->itemsize != itemsizes[a->dtype]) {
        hr_fail("%s: itemsize %lld does not match dtype %d", fn,
                (long long)a->itemsize, a->dtype);
        return 1;
    }
    if (a->ndim < 0 || a->ndim > HR_MAX_NDIM) {
        hr_fail("%s: bad ndim %d", fn, a->ndim);
        return 1;
    }
    for (k = 0; k < a->ndim; k++) {
        if (a->shape[k] < 0 ||
            (a->shape[k] > 0 && nonzero > INT64_MAX / a->shape[k])) {
            hr_fail("%s: bad shape (axis %d is %lld)", fn, k,
                    (long long)a->shape[k]);
            return 1;
        }
        size *= a->shape[k];
        nonzero *= a->shape[k] > 0 ? a->shape[k] : 1;
    }
    if (size > 0 && a->data == NULL) {
        hr_fail("%s: array has no data (NULL)", fn);
        return 1;
    }
    *n = size;
    return 0;
}

int hr_kern_bad_out(const void *out, int64_t n, const char *fn)
{
    if (out == NULL && n > 0) {
        hr_fail("%s: no output buffer (NULL)", fn);
        return 1;
    }
    return 0;
}

/* ---- full reductions ---- */

/* Pairwise sum of the n partial results in part. */
static double sum_parts(const double *part, int64_t n)
{
    if (n == 0)
        return 0.0;
    if (n == 1)
        return part[0];
    return sum_parts(part, n / 2) + sum_parts(part + n / 2, n - n / 2);
}

/* Fixed blocks of a full reduction: a function of n alone. */
static int64_t block_size(int64_t n)
{
    int64_t bs = cdiv(n, MAX_BLOCKS);

    bs = cdiv(bs, HR_LANES) * HR_LANES;
    return max64(bs, HR_BLOCK);
}

struct reduce_job {
    int op;
    double mu;
    const struct hr_src *s;
    int64_t bs;
    double *part;
};

static void reduce_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct reduce_job *j = ctx;
    int64_t b;

    for (b = begin; b < end; b++) {
        hr_guard_checkpoint();      /* a stopped run ends here */
        j->part[b] = hr_kern_reduce_seq(j->op, j->mu, j->s, b * j->bs,
                                        min64((b + 1) * j->bs,
                                              j->s->ax->n));
    }
}

double hr_kern_reduce_par(int op, double mu, const struct hr_src *s)
{
    double part[MAX_BLOCKS];
    struct reduce_job job = { op, mu, s, 0, part };
    int64_t n = s->ax->n;
    int64_t nb;
    double acc;
    int64_t b;

    if (n <= HR_BLOCK)
        return hr_kern_reduce_seq(op, mu, s, 0, n);
    job.bs = block_size(n);
    nb = cdiv(n, job.bs);
    hr_pool_for(nb, 1, reduce_blocks, &job);
    if (op != HR_OP_MIN && op != HR_OP_MAX)
        return sum_parts(part, nb);
    acc = part[0];
    for (b = 1; b < nb; b++)
        acc = combine(op, acc, part[b]);
    return acc;
}

/* Reduces a whole array; n its size, from hr_kern_bad_array(). */
static double reduce_all(int op, double mu, const struct hr_array *a,
                         int64_t n)
{
    struct hr_axis ax;
    const char *base = a->data;
    struct hr_src s;

    if (n == 0)
        return identity(op);
    hr_kern_axis_make(&ax, a, 0, a->ndim, 1, &base);
    s.base = base;
    s.dtype = a->dtype;
    s.ax = &ax;
    return hr_kern_reduce_par(op, mu, &s);
}

double hr_sum(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_sum", &n))
        return NAN;
    return reduce_all(HR_OP_SUM, 0.0, a, n);
}

double hr_sumsq(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_sumsq", &n))
        return NAN;
    return reduce_all(HR_OP_SUMSQ, 0.0, a, n);
}

double hr_min(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_min", &n) || n == 0)
        return NAN;
    return reduce_all(HR_OP_MIN, 0.0, a, n);
}

double hr_max(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_max", &n) || n == 0)
        return NAN;
    return reduce_all(HR_OP_MAX, 0.0, a, n);
}

double hr_mean(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_mean", &n) || n == 0)
        return NAN;
    return reduce_all(HR_OP_SUM, 0.0, a, n) / (double)n;
}

/* Two passes: the mean, then the squared deviations from it. */
double hr_var(const struct hr_array *a)
{
    int64_t n = 0;
    double mu;

    if (hr_kern_bad_array(a, "hr_var", &n) || n == 0)
        return NAN;
    mu = reduce_all(HR_OP_SUM, 0.0, a, n) / (double)n;
    return reduce_all(HR_OP_SSD, mu, a, n) / (double)n;
}

/* ---- dot product ---- */

struct dot_job {
    const struct hr_src *s;        /* two sources, walked in C order */
    int64_t bs;
    double *part;
};

static void dot_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct dot_job *j = ctx;
    int64_t b;

    for (b = begin; b < end; b++) {
        hr_guard_checkpoint();
        j->part[b] = hr_kern_dot_seq(j->s, b * j->bs,
                                     min64((b + 1) * j->bs, j->s[0].ax->n));
    }
}

double hr_dot(const struct hr_array *a, const struct hr_array *b)
{
    double part[MAX_BLOCKS];
    struct hr_axis ax[2];
    struct hr_src s[2];
    struct dot_job job = { s, 0, part };
    int64_t na = 0;
    int64_t nb = 0;
    int64_t nblocks;
    int i;

    if (hr_kern_bad_array(a, "hr_dot", &na) ||
        hr_kern_bad_array(b, "hr_dot", &nb))
        return NAN;
    if (na != nb) {
        hr_fail("hr_dot: sizes differ (%lld vs %lld)", (long long)na,
                (long long)nb);
        return NAN;
    }
    if (na == 0)
        return 0.0;
    for (i = 0; i < 2; i++) {
        const struct hr_array *v = i == 0 ? a : b;

        s[i].base = v->data;
        s[i].dtype = v->dtype;
        s[i].ax = &ax[i];
        hr_kern_axis_make(&ax[i], v, 0, v->ndim, 0, &s[i].base);
    }
    if (na <= HR_BLOCK)
        return hr_kern_dot_seq(s, 0, na);
    job.bs = block_size(na);
    nblocks = cdiv(na, job.bs);
    hr_pool_for(nblocks, 1, dot_blocks, &job);
    return sum_parts(part, nblocks);
}
