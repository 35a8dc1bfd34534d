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
 */
#include "hotrun.h"

#include <float.h>

#include "pool.h"

#define BLOCK 65536         /* elements in a block of a full reduction */
#define MAX_BLOCKS 1024     /* blocks of a full reduction, at most */
#define GRAIN 65536         /* elements worth handing to a thread */
#define BUFN 1024           /* elements converted to double at a time */
#define LEAF 2048           /* pairwise summation: serial below this */
#define LANES 16            /* independent partial sums in a loop */
#define MM_LANES 32         /* independent minima or maxima */
#define LONG_ROW (4 * BLOCK)    /* rows this long are reduced in blocks */
#define OB_MAX 8192         /* across: outputs per block */
#define NRB_MAX 32          /* across: blocks of reduced rows, at most */
#define PARTIAL_MAX (1 << 20)   /* across: doubles of partial results */
#define MAX_GROUPS 64       /* histogram: private count arrays, at most */
#define HIST_CELLS (1 << 22)    /* histogram: private counts in all */

/* AVX2 and baseline copies of the hot loops, picked at load time by an
 * ifunc resolver; not under ThreadSanitizer, whose runtime is not ready
 * when resolvers run. */
#if defined(__SANITIZE_THREAD__)
#define CLONES
#else
#define CLONES __attribute__((target_clones("avx2", "default")))
#endif

enum { OP_SUM, OP_SUMSQ, OP_SSD, OP_MIN, OP_MAX };

/* Dimensions collapsed into strided axes, outermost first. */
struct axis {
    int nd;
    int64_t n;                  /* elements in all */
    int64_t shape[HR_MAX_NDIM];
    int64_t stride[HR_MAX_NDIM];    /* bytes */
};

/* A position on an axis: its multi-index and byte offset. */
struct cur {
    const struct axis *ax;
    int64_t off;
    int64_t idx[HR_MAX_NDIM];
};

/* Where a reduction reads: the data, its dtype and the axis walked. */
struct src {
    const char *base;
    int dtype;
    const struct axis *ax;
};

static const int64_t itemsizes[HR_NDTYPES] = {
    1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16
};

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* ---- checks ---- */

/* Calls hr_fail() and returns 1 when a is not a sound array; else sets *n
 * to its number of elements. */
static int bad_array(const struct hr_array *a, const char *fn, int64_t *n)
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

static int bad_out(const void *out, int64_t n, const char *fn)
{
    if (out == NULL && n > 0) {
        hr_fail("%s: no output buffer (NULL)", fn);
        return 1;
    }
    return 0;
}

/* ---- axes and cursors ---- */

/* Collapses dims [d0, d1) of a into ax.  In C order unless any_order; then
 * negative strides are flipped (moving *base) and the smallest stride goes
 * innermost, which suits reductions whose order does not matter. */
static void axis_make(struct axis *ax, const struct hr_array *a, int d0,
                      int d1, int any_order, const char **base)
{
    int m = 0;
    int out = 0;
    int k;

    ax->n = 1;
    for (k = d0; k < d1; k++) {
        int64_t s = a->shape[k];
        int64_t st = a->strides[k];

        ax->n *= s;
        if (s == 1)
            continue;
        if (any_order && st < 0) {
            *base += (s - 1) * st;
            st = -st;
        }
        ax->shape[m] = s;
        ax->stride[m] = st;
        m++;
    }
    for (k = 1; any_order && k < m; k++) {
        int64_t s = ax->shape[k];
        int64_t st = ax->stride[k];
        int j = k;

        while (j > 0 && ax->stride[j - 1] < st) {
            ax->shape[j] = ax->shape[j - 1];
            ax->stride[j] = ax->stride[j - 1];
            j--;
        }
        ax->shape[j] = s;
        ax->stride[j] = st;
    }
    for (k = 0; k < m; k++) {
        if (out > 0 && ax->stride[out - 1] == ax->shape[k] * ax->stride[k]) {
            ax->shape[out - 1] *= ax->shape[k];
            ax->stride[out - 1] = ax->stride[k];
        } else {
            ax->shape[out] = ax->shape[k];
            ax->stride[out] = ax->stride[k];
            out++;
        }
    }
    if (out == 0) {
        ax->shape[0] = 1;
        ax->stride[0] = 0;
        out = 1;
    }
    ax->nd = out;
}

static void cur_seek(struct cur *c, const struct axis *ax, int64_t i)
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
static void cur_advance(struct cur *c, int64_t m)
{
    const struct axis *ax = c->ax;
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

static int64_t cur_run(const struct cur *c)
{
    int k = c->ax->nd - 1;

    return c->ax->shape[k] - c->idx[k];
}

/* ---- conversion to double ---- */

/* Exact: every half is a double (subnormals, infinities, NaN payloads). */
static double half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h >> 15) << 63;
    uint64_t exp = (h >> 10) & 0x1f;
    uint64_t man = h & 0x3ff;
    uint64_t bits;
    double d;

    if (exp == 0) {
        d = (double)man * 0x1p-24;
        return sign ? -d : d;
    }
    exp = exp == 31 ? 0x7ff : exp - 15 + 1023;
    bits = sign | exp << 52 | man << 42;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* out[i] = X for the value v_ of type T read at p + i * st; the loop with
 * the element size as a constant stride is the one gcc vectorises. */
#define CONVERT(T, unit, X) \
    do { \
        T v_; \
        if (st == (unit)) { \
            for (i = 0; i < n; i++) { \
                memcpy(&v_, p + i * (unit), sizeof v_); \
                out[i] = (double)(X); \
            } \
        } else { \
            for (i = 0; i < n; i++) { \
                memcpy(&v_, p + i * st, sizeof v_); \
                out[i] = (double)(X); \
            } \
        } \
    } while (0)

CLONES static void convert(int dtype, const char *p, int64_t st, int64_t n,
                           double *restrict out)
{
    int64_t i;

    switch (dtype) {
    case HR_BOOL: CONVERT(uint8_t, 1, v_ != 0); break;
    case HR_INT8: CONVERT(int8_t, 1, v_); break;
    case HR_INT16: CONVERT(int16_t, 2, v_); break;
    case HR_INT32: CONVERT(int32_t, 4, v_); break;
    case HR_INT64: CONVERT(int64_t, 8, v_); break;
    case HR_UINT8: CONVERT(uint8_t, 1, v_); break;
    case HR_UINT16: CONVERT(uint16_t, 2, v_); break;
    case HR_UINT32: CONVERT(uint32_t, 4, v_); break;
    case HR_UINT64: CONVERT(uint64_t, 8, v_); break;
    case HR_FLOAT16: CONVERT(uint16_t, 2, half_to_double(v_)); break;
    case HR_FLOAT32: CONVERT(float, 4, v_); break;
    case HR_FLOAT64: CONVERT(double, 8, v_); break;
    case HR_COMPLEX64: CONVERT(float, 8, v_); break;
    case HR_COMPLEX128: CONVERT(double, 16, v_); break;
    default: for (i = 0; i < n; i++) out[i] = NAN; break;
    }
}

/* Elements that can be read in place from c: the rest of the run when it
 * is aligned float64 of stride 8, else 0. */
static int64_t direct(const struct src *s, const struct cur *c)
{
    const char *p = s->base + c->off;

    if (s->dtype != HR_FLOAT64 || s->ax->stride[s->ax->nd - 1] != 8 ||
        (uintptr_t)p % sizeof(double) != 0)
        return 0;
    return cur_run(c);
}

/* The next k elements from c as doubles, read in place when they allow it
 * or converted into buf (then k <= BUFN); c moves past them. */
static const double *load(const struct src *s, struct cur *c, int64_t k,
                          double *buf)
{
    const double *x = (const double *)(const void *)(s->base + c->off);
    int64_t got = 0;

    if (direct(s, c) >= k) {
        cur_advance(c, k);
        return x;
    }
    while (got < k) {
        int64_t m = min64(cur_run(c), k - got);
        int k1 = s->ax->nd - 1;

        convert(s->dtype, s->base + c->off, s->ax->stride[k1], m, buf + got);
        cur_advance(c, m);
        got += m;
    }
    return buf;
}

/* How many of rem elements to take next: a whole in-place run, or a
 * buffer full. */
static int64_t take(const struct src *s, const struct cur *c, int64_t rem)
{
    int64_t k = min64(rem, BUFN);
    int64_t d = direct(s, c);

    return d >= k ? min64(d, rem) : k;
}

/* ---- loops over plain doubles ---- */

static double fold(double *acc)
{
    int w;
    int j;

    for (w = LANES / 2; w >= 1; w /= 2) {
        for (j = 0; j < w; j++)
            acc[j] += acc[j + w];
    }
    return acc[0];
}

CLONES static double sum_leaf(const double *x, int64_t n)
{
    double acc[LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + LANES <= n; i += LANES) {
        for (j = 0; j < LANES; j++)
            acc[j] += x[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i];
    return fold(acc);
}

CLONES static double sumsq_leaf(const double *x, int64_t n)
{
    double acc[LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + LANES <= n; i += LANES) {
        for (j = 0; j < LANES; j++)
            acc[j] += x[i + j] * x[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i] * x[i];
    return fold(acc);
}

/* Sum of squared deviations from mu. */
CLONES static double ssd_leaf(const double *x, int64_t n, double mu)
{
    double acc[LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + LANES <= n; i += LANES) {
        for (j = 0; j < LANES; j++) {
            double d = x[i + j] - mu;

            acc[j] += d * d;
        }
    }
    for (j = 0; i < n; i++, j++) {
        double d = x[i] - mu;

        acc[j] += d * d;
    }
    return fold(acc);
}

CLONES static double dot_leaf(const double *x, const double *y, int64_t n)
{
    double acc[LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + LANES <= n; i += LANES) {
        for (j = 0; j < LANES; j++)
            acc[j] += x[i + j] * y[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i] * y[i];
    return fold(acc);
}

/* min and max that propagate a NaN from either side */
static double min2(double m, double v)
{
    return ((v < m) | (v != v)) ? v : m;
}

static double max2(double m, double v)
{
    return ((v > m) | (v != v)) ? v : m;
}

/* The lanes live in memory: gcc vectorises the select of the j loop only
 * when it is not unrolled into straight-line code. */
CLONES static double min_run(const double *x, int64_t n, double m0)
{
    double m[MM_LANES];
    int64_t i = 0;
    int j;

    for (j = 0; j < MM_LANES; j++)
        m[j] = m0;
    for (; i + MM_LANES <= n; i += MM_LANES) {
#pragma GCC unroll 1
        for (j = 0; j < MM_LANES; j++) {
            double v = x[i + j];
            double t = m[j];

            m[j] = ((v < t) | (v != v)) ? v : t;
        }
    }
    for (; i < n; i++)
        m[0] = min2(m[0], x[i]);
    for (j = 1; j < MM_LANES; j++)
        m[0] = min2(m[0], m[j]);
    return m[0];
}

/* The lanes live in memory: gcc vectorises the select of the j loop only
 * when it is not unrolled into straight-line code. */
CLONES static double max_run(const double *x, int64_t n, double m0)
{
    double m[MM_LANES];
    int64_t i = 0;
    int j;

    for (j = 0; j < MM_LANES; j++)
        m[j] = m0;
    for (; i + MM_LANES <= n; i += MM_LANES) {
#pragma GCC unroll 1
        for (j = 0; j < MM_LANES; j++) {
            double v = x[i + j];
            double t = m[j];

            m[j] = ((v > t) | (v != v)) ? v : t;
        }
    }
    for (; i < n; i++)
        m[0] = max2(m[0], x[i]);
    for (j = 1; j < MM_LANES; j++)
        m[0] = max2(m[0], m[j]);
    return m[0];
}

/* Pairwise sum of x (op OP_SUM, OP_SUMSQ or OP_SSD). */
static double pairwise(int op, const double *x, int64_t n, double mu)
{
    int64_t h;

    if (n > LEAF) {
        h = n / 2 / LANES * LANES;
        return pairwise(op, x, h, mu) + pairwise(op, x + h, n - h, mu);
    }
    if (op == OP_SUM)
        return sum_leaf(x, n);
    if (op == OP_SUMSQ)
        return sumsq_leaf(x, n);
    return ssd_leaf(x, n, mu);
}

static double identity(int op)
{
    if (op == OP_MIN)
        return INFINITY;
    if (op == OP_MAX)
        return -INFINITY;
    return 0.0;
}

static double combine(int op, double acc, double v)
{
    if (op == OP_MIN)
        return min2(acc, v);
    if (op == OP_MAX)
        return max2(acc, v);
    return acc + v;
}

static double apply(int op, double mu, const double *x, int64_t n, double acc)
{
    if (op == OP_MIN)
        return min_run(x, n, acc);
    if (op == OP_MAX)
        return max_run(x, n, acc);
    return acc + pairwise(op, x, n, mu);
}

/* acc[i] = acc[i] op x[i], the inner loop of a reduction across rows */
/* acc[i] = acc[i] op x[q][i] for the ROWS rows x[q], the inner loop of a
 * reduction across rows; sums add the rows pairwise first. */
#define ROWS 4

CLONES static void acc_sum(double *restrict acc, const double *const *x,
                           int rows, int64_t n)
{
    const double *restrict x0 = x[0];
    const double *restrict x1 = x[1];
    const double *restrict x2 = x[2];
    const double *restrict x3 = x[3];
    int64_t i;

    if (rows == ROWS) {
        for (i = 0; i < n; i++)
            acc[i] += (x0[i] + x1[i]) + (x2[i] + x3[i]);
        return;
    }
    for (; rows > 0; rows--) {
        x0 = x[rows - 1];
        for (i = 0; i < n; i++)
            acc[i] += x0[i];
    }
}

CLONES static void acc_min(double *restrict acc, const double *const *x,
                           int rows, int64_t n)
{
    int64_t i;
    int q;

    for (q = 0; q < rows; q++) {
        const double *restrict xq = x[q];

        for (i = 0; i < n; i++)
            acc[i] = ((xq[i] < acc[i]) | (xq[i] != xq[i])) ? xq[i] : acc[i];
    }
}

CLONES static void acc_max(double *restrict acc, const double *const *x,
                           int rows, int64_t n)
{
    int64_t i;
    int q;

    for (q = 0; q < rows; q++) {
        const double *restrict xq = x[q];

        for (i = 0; i < n; i++)
            acc[i] = ((xq[i] > acc[i]) | (xq[i] != xq[i])) ? xq[i] : acc[i];
    }
}

/* Pairwise sum of the n partial results in part. */
static double sum_parts(const double *part, int64_t n)
{
    if (n == 0)
        return 0.0;
    if (n == 1)
        return part[0];
    return sum_parts(part, n / 2) + sum_parts(part + n / 2, n - n / 2);
}

/* ---- full reductions ---- */

/* Elements [begin, end) of s reduced serially. */
static double reduce_seq(int op, double mu, const struct src *s,
                         int64_t begin, int64_t end)
{
    double buf[BUFN];
    double acc = identity(op);
    struct cur c;
    int64_t rem = end - begin;

    cur_seek(&c, s->ax, begin);
    while (rem > 0) {
        int64_t k = take(s, &c, rem);
        const double *x = load(s, &c, k, buf);

        acc = apply(op, mu, x, k, acc);
        rem -= k;
    }
    return acc;
}

/* Fixed blocks of a full reduction: a function of n alone. */
static int64_t block_size(int64_t n)
{
    int64_t bs = cdiv(n, MAX_BLOCKS);

    bs = cdiv(bs, LANES) * LANES;
    return max64(bs, BLOCK);
}

struct reduce_job {
    int op;
    double mu;
    const struct src *s;
    int64_t bs;
    double *part;
};

static void reduce_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct reduce_job *j = ctx;
    int64_t b;

    for (b = begin; b < end; b++)
        j->part[b] = reduce_seq(j->op, j->mu, j->s, b * j->bs,
                                min64((b + 1) * j->bs, j->s->ax->n));
}

/* All of s reduced, in parallel over fixed blocks. */
static double reduce_par(int op, double mu, const struct src *s)
{
    double part[MAX_BLOCKS];
    struct reduce_job job = { op, mu, s, 0, part };
    int64_t n = s->ax->n;
    int64_t nb;
    double acc;
    int64_t b;

    if (n <= BLOCK)
        return reduce_seq(op, mu, s, 0, n);
    job.bs = block_size(n);
    nb = cdiv(n, job.bs);
    hr_pool_for(nb, 1, reduce_blocks, &job);
    if (op != OP_MIN && op != OP_MAX)
        return sum_parts(part, nb);
    acc = part[0];
    for (b = 1; b < nb; b++)
        acc = combine(op, acc, part[b]);
    return acc;
}

/* Reduces a whole array; n its size, from bad_array(). */
static double reduce_all(int op, double mu, const struct hr_array *a,
                         int64_t n)
{
    struct axis ax;
    const char *base = a->data;
    struct src s;

    if (n == 0)
        return identity(op);
    axis_make(&ax, a, 0, a->ndim, 1, &base);
    s.base = base;
    s.dtype = a->dtype;
    s.ax = &ax;
    return reduce_par(op, mu, &s);
}

double hr_sum(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_sum", &n))
        return NAN;
    return reduce_all(OP_SUM, 0.0, a, n);
}

double hr_sumsq(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_sumsq", &n))
        return NAN;
    return reduce_all(OP_SUMSQ, 0.0, a, n);
}

double hr_min(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_min", &n) || n == 0)
        return NAN;
    return reduce_all(OP_MIN, 0.0, a, n);
}

double hr_max(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_max", &n) || n == 0)
        return NAN;
    return reduce_all(OP_MAX, 0.0, a, n);
}

double hr_mean(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_mean", &n) || n == 0)
        return NAN;
    return reduce_all(OP_SUM, 0.0, a, n) / (double)n;
}

/* Two passes: the mean, then the squared deviations from it. */
double hr_var(const struct hr_array *a)
{
    int64_t n = 0;
    double mu;

    if (bad_array(a, "hr_var", &n) || n == 0)
        return NAN;
    mu = reduce_all(OP_SUM, 0.0, a, n) / (double)n;
    return reduce_all(OP_SSD, mu, a, n) / (double)n;
}

/* ---- dot product ---- */

struct dot_job {
    const struct src *s;        /* two sources, walked in C order */
    int64_t bs;
    double *part;
};

static double dot_seq(const struct src *s, int64_t begin, int64_t end)
{
    double buf[2][BUFN];
    struct cur c[2];
    double acc = 0.0;
    int64_t rem = end - begin;

    cur_seek(&c[0], s[0].ax, begin);
    cur_seek(&c[1], s[1].ax, begin);
    while (rem > 0) {
        int64_t k = min64(rem, BUFN);
        const double *x = load(&s[0], &c[0], k, buf[0]);
        const double *y = load(&s[1], &c[1], k, buf[1]);

        acc += dot_leaf(x, y, k);
        rem -= k;
    }
    return acc;
}

static void dot_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct dot_job *j = ctx;
    int64_t b;

    for (b = begin; b < end; b++)
        j->part[b] = dot_seq(j->s, b * j->bs,
                             min64((b + 1) * j->bs, j->s[0].ax->n));
}

double hr_dot(const struct hr_array *a, const struct hr_array *b)
{
    double part[MAX_BLOCKS];
    struct axis ax[2];
    struct src s[2];
    struct dot_job job = { s, 0, part };
    int64_t na = 0;
    int64_t nb = 0;
    int64_t nblocks;
    int i;

    if (bad_array(a, "hr_dot", &na) || bad_array(b, "hr_dot", &nb))
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
        axis_make(&ax[i], v, 0, v->ndim, 0, &s[i].base);
    }
    if (na <= BLOCK)
        return dot_seq(s, 0, na);
    job.bs = block_size(na);
    nblocks = cdiv(na, job.bs);
    hr_pool_for(nblocks, 1, dot_blocks, &job);
    return sum_parts(part, nblocks);
}

/* ---- histogram ---- */

struct hist {
    double lo, hi, step, norm;
    double nb;                  /* nbins as a double */
    double tol;                 /* error bound of a bin position */
    int64_t nbins;
};

/* Left edge of bin k, as numpy.linspace(lo, hi, nbins + 1) has it. */
static double edge(const struct hist *h, int64_t k)
{
    return k == h->nbins ? h->hi : (double)k * h->step + h->lo;
}

/* numpy.histogram's rule for v in [lo, hi]: the bin k whose edges hold
 * edge(k) <= v < edge(k + 1), the last bin closed; found from an estimate
 * that is one off at most but near the edges. */
static int64_t bin_of(const struct hist *h, double v)
{
    double f = (v - h->lo) * h->norm;
    int64_t k = f >= h->nb ? h->nbins - 1 : f > 0 ? (int64_t)f : 0;

    while (k > 0 && v < edge(h, k))
        k--;
    while (k < h->nbins - 1 && v >= edge(h, k + 1))
        k++;
    return k;
}

/* The position f of a value in bins is off by less than tol from where
 * the edges put it, so a value whose f is further than tol from a whole
 * number is in bin floor(f) without looking at the edges. */
static void hist_run(const struct hist *h, const double *x, int64_t n,
                     int64_t *counts)
{
    int64_t i;

    for (i = 0; i < n; i++) {
        double v = x[i];
        double f = (v - h->lo) * h->norm;

        if (f >= 0 && f < h->nb) {
            int64_t k = (int64_t)f;
            double fr = f - (double)k;

            if (fr > h->tol && fr < 1.0 - h->tol) {
                counts[k]++;
                continue;
            }
        }
        if (v >= h->lo && v <= h->hi)
            counts[bin_of(h, v)]++;
    }
}

struct hist_job {
    const struct hist *h;
    const struct src *s;
    int64_t ngroups;
    int64_t **counts;           /* one array per group */
};

/* Start of part g of n elements cut into parts equal but for one. */
static int64_t part_start(int64_t n, int64_t parts, int64_t g)
{
    return n / parts * g + min64(g, n % parts);
}

static void hist_groups(void *ctx, int64_t begin, int64_t end)
{
    struct hist_job *j = ctx;
    double buf[BUFN];
    int64_t g;

    for (g = begin; g < end; g++) {
        int64_t i0 = part_start(j->s->ax->n, j->ngroups, g);
        int64_t rem = part_start(j->s->ax->n, j->ngroups, g + 1) - i0;
        struct cur c;

        cur_seek(&c, j->s->ax, i0);
        while (rem > 0) {
            int64_t k = take(j->s, &c, rem);
            const double *x = load(j->s, &c, k, buf);

            hist_run(j->h, x, k, j->counts[g]);
            rem -= k;
        }
    }
}

int64_t hr_histogram(const struct hr_array *a, double lo, double hi,
                     int64_t nbins, int64_t *counts)
{
    int64_t *arrays[MAX_GROUPS] = { NULL };
    struct hist h;
    struct axis ax;
    struct src s;
    struct hist_job job;
    int64_t n = 0;
    int64_t ng;
    int64_t total = 0;
    int64_t g;
    int64_t k;

    if (bad_array(a, "hr_histogram", &n))
        return 0;
    if (nbins < 1 || nbins > INT64_MAX / (int64_t)sizeof *counts) {
        hr_fail("hr_histogram: nbins must be at least 1 (got %lld)",
                (long long)nbins);
        return 0;
    }
    if (!(lo < hi) || !isfinite(hi - lo)) {
        hr_fail("hr_histogram: bad range [%g, %g] (need finite lo < hi)",
                lo, hi);
        return 0;
    }
    if (bad_out(counts, nbins, "hr_histogram"))
        return 0;
    memset(counts, 0, (size_t)nbins * sizeof *counts);
    if (n == 0)
        return 0;
    h.lo = lo;
    h.hi = hi;
    h.nbins = nbins;
    h.step = (hi - lo) / (double)nbins;
    h.norm = (double)nbins / (hi - lo);
    h.nb = (double)nbins;
    h.tol = 16 * DBL_EPSILON * h.nb *
            (1 + fmax(fabs(lo), fabs(hi)) / (hi - lo));
    if (!(h.tol < 0.25))
        h.tol = 1.0;            /* never trust the estimate alone */
    s.base = a->data;
    s.dtype = a->dtype;
    s.ax = &ax;
    axis_make(&ax, a, 0, a->ndim, 1, &s.base);

    /* private counts per group of elements; integer sums, so any grouping
     * gives the same result */
    ng = min64(min64(cdiv(n, BLOCK), 4 * (int64_t)hr_pool_nthreads()),
               MAX_GROUPS);
    ng = max64(1, min64(ng, HIST_CELLS / nbins));
    arrays[0] = counts;
    for (g = 1; g < ng; g++) {
        arrays[g] = calloc((size_t)nbins, sizeof *counts);
        if (arrays[g] == NULL)
            break;
    }
    ng = g;
    job.h = &h;
    job.s = &s;
    job.ngroups = ng;
    job.counts = arrays;
    hr_pool_for(ng, 1, hist_groups, &job);
    for (g = 1; g < ng; g++) {
        for (k = 0; k < nbins; k++)
            counts[k] += arrays[g][k];
        free(arrays[g]);
    }
    for (k = 0; k < nbins; k++)
        total += counts[k];
    return total;
}

/* ---- reductions along one axis ---- */

int64_t hr_rows(const struct hr_array *a)
{
    int64_t n = 0;

    if (bad_array(a, "hr_rows", &n))
        return 0;
    return a->ndim >= 2 ? a->shape[0] : 1;
}

int64_t hr_cols(const struct hr_array *a)
{
    int64_t n = 0;
    int64_t c = 1;
    int k;

    if (bad_array(a, "hr_cols", &n))
        return 0;
    for (k = a->ndim >= 2 ? 1 : 0; k < a->ndim; k++)
        c *= a->shape[k];
    return c;
}

/* out[o] = the reduction over r of element (o, r): o walks axis O, r walks
 * axis R, and the element sits at base + offset on O + offset on R. */
struct axis_job {
    int op;
    const char *base;
    int dtype;
    const struct axis *O;
    const struct axis *R;
    double *out;
    /* across only */
    int64_t ob, nob;            /* outputs per block, blocks */
    int64_t rb, nrb;            /* rows per block, blocks */
    double *part;               /* nrb rows of O->n partials, or NULL */
};

/* Along: each output reduces a sequence of R, serially. */
static void along_rows(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    struct cur co;
    struct src s;
    int64_t o;

    s.dtype = j->dtype;
    s.ax = j->R;
    cur_seek(&co, j->O, begin);
    for (o = begin; o < end; o++) {
        s.base = j->base + co.off;
        j->out[o] = reduce_seq(j->op, 0.0, &s, 0, j->R->n);
        cur_advance(&co, 1);
    }
}

static void along(struct axis_job *j)
{
    struct cur co;
    struct src s;
    int64_t o;

    if (j->R->n < LONG_ROW) {
        hr_pool_for(j->O->n, cdiv(GRAIN, j->R->n), along_rows, j);
        return;
    }
    /* long rows: each in parallel blocks */
    s.dtype = j->dtype;
    s.ax = j->R;
    cur_seek(&co, j->O, 0);
    for (o = 0; o < j->O->n; o++) {
        s.base = j->base + co.off;
        j->out[o] = reduce_par(j->op, 0.0, &s);
        cur_advance(&co, 1);
    }
}

/* Across: stream over R and fold each element of O into its own
 * accumulator, ROWS rows of R at a time; the tasks are blocks of O times
 * blocks of R. */
static void across_rows(const struct axis_job *j, double *acc, int64_t o0,
                        int64_t len, const char **base, int rows)
{
    double buf[ROWS][BUFN];
    const double *x[ROWS];
    struct cur co[ROWS];
    struct src s[ROWS];
    int64_t pos = 0;
    int q;

    for (q = 0; q < rows; q++) {
        s[q].base = base[q];
        s[q].dtype = j->dtype;
        s[q].ax = j->O;
        cur_seek(&co[q], j->O, o0);
    }
    while (pos < len) {
        int64_t k = take(&s[0], &co[0], len - pos);

        if (rows > 1)
            k = min64(k, BUFN);
        for (q = 0; q < rows; q++)
            x[q] = load(&s[q], &co[q], k, buf[q]);
        for (; q < ROWS; q++)
            x[q] = x[0];
        if (j->op == OP_MIN)
            acc_min(acc + pos, x, rows, k);
        else if (j->op == OP_MAX)
            acc_max(acc + pos, x, rows, k);
        else
            acc_sum(acc + pos, x, rows, k);
        pos += k;
    }
}

static void across_tasks(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    int64_t t;

    for (t = begin; t < end; t++) {
        int64_t o0 = t % j->nob * j->ob;
        int64_t o1 = min64(o0 + j->ob, j->O->n);
        int64_t r0 = t / j->nob * j->rb;
        int64_t r1 = min64(r0 + j->rb, j->R->n);
        double *acc = (j->part != NULL ? j->part + t / j->nob * j->O->n :
                       j->out) + o0;
        double id = identity(j->op);
        const char *base[ROWS];
        struct cur cr;
        int64_t r;
        int64_t i;
        int q;

        for (i = 0; i < o1 - o0; i++)
            acc[i] = id;
        cur_seek(&cr, j->R, r0);
        for (r = r0; r < r1; r += q) {
            for (q = 0; q < ROWS && r + q < r1; q++) {
                base[q] = j->base + cr.off;
                cur_advance(&cr, 1);
            }
            across_rows(j, acc, o0, o1 - o0, base, q);
        }
    }
}

/* out[o] = the partials of the blocks of R combined in block order */
static void across_combine(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    int64_t o;
    int64_t b;

    for (o = begin; o < end; o++) {
        double v = j->part[o];

        for (b = 1; b < j->nrb; b++)
            v = combine(j->op, v, j->part[b * j->O->n + o]);
        j->out[o] = v;
    }
}

static void across(struct axis_job *j)
{
    int64_t nO = j->O->n;
    int64_t nR = j->R->n;

    j->nob = cdiv(nO, OB_MAX);
    j->ob = cdiv(nO, j->nob);
    j->rb = max64(cdiv(GRAIN, j->ob), cdiv(nR, NRB_MAX));
    j->nrb = cdiv(nR, j->rb);
    if (j->nrb > 1 && nO > PARTIAL_MAX / j->nrb) {
        j->nrb = max64(1, PARTIAL_MAX / nO);
        j->rb = cdiv(nR, j->nrb);
        j->nrb = cdiv(nR, j->rb);
    }
    j->part = NULL;
    if (j->nrb > 1)
        j->part = malloc((size_t)(j->nrb * nO) * sizeof(double));
    if (j->part == NULL) {
        /* one block of rows: slower to share out, same sums up to order */
        j->nrb = 1;
        j->rb = nR;
    }
    hr_pool_for(j->nob * j->nrb, 1, across_tasks, j);
    if (j->part != NULL)
        hr_pool_for(nO, GRAIN / j->nrb, across_combine, j);
    free(j->part);
}

/* Strides of an axis's innermost run, for choosing how to walk; an axis
 * of one element has no run at all. */
static int64_t inner_stride(const struct axis *ax)
{
    int64_t st = ax->stride[ax->nd - 1];

    if (ax->n <= 1)
        return INT64_MAX;
    return st < 0 ? -st : st;
}

/* out[i] for each row (by_row) or column of a; mean divides by the count */
static void axis_reduce(const struct hr_array *a, int op, int by_row,
                        int mean, double *out, const char *fn)
{
    struct axis rows;
    struct axis cols;
    struct axis_job j;
    const char *base = NULL;
    int64_t n = 0;
    int64_t i;
    int split;

    if (bad_array(a, fn, &n))
        return;
    split = a->ndim >= 2 ? 1 : 0;
    base = a->data;
    axis_make(&rows, a, 0, split, 0, &base);
    axis_make(&cols, a, split, a->ndim, 0, &base);
    j.op = op;
    j.base = base;
    j.dtype = a->dtype;
    j.O = by_row ? &rows : &cols;
    j.R = by_row ? &cols : &rows;
    j.out = out;
    if (bad_out(out, j.O->n, fn) || j.O->n == 0)
        return;
    if (j.R->n == 0) {
        for (i = 0; i < j.O->n; i++)
            out[i] = op == OP_SUM && !mean ? 0.0 : NAN;
        return;
    }
    if (inner_stride(j.R) > inner_stride(j.O) && j.O->n >= LANES)
        across(&j);
    else
        along(&j);
    for (i = 0; mean && i < j.O->n; i++)
        out[i] /= (double)j.R->n;
}

void hr_row_sums(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_SUM, 1, 0, out, "hr_row_sums");
}

void hr_col_sums(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_SUM, 0, 0, out, "hr_col_sums");
}

void hr_row_means(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_SUM, 1, 1, out, "hr_row_means");
}

void hr_col_means(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_SUM, 0, 1, out, "hr_col_means");
}

void hr_row_mins(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_MIN, 1, 0, out, "hr_row_mins");
}

void hr_row_maxs(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_MAX, 1, 0, out, "hr_row_maxs");
}

void hr_col_mins(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_MIN, 0, 0, out, "hr_col_mins");
}

void hr_col_maxs(const struct hr_array *a, double *out)
{
    axis_reduce(a, OP_MAX, 0, 0, out, "hr_col_maxs");
}
