/* kern_loop.c - the kernels' inner loops: elements read as doubles, the
 * vectorised loops over them, serial reductions of a range */
#include "kern_loop.h"

#include "dtype.h"

#define LEAF 2048           /* pairwise summation: serial below this */
#define MM_LANES 32         /* independent minima or maxima */

/* AVX2 and baseline copies of the hot loops, picked at load time by an
 * ifunc resolver; not under ThreadSanitizer, whose runtime is not ready
 * when resolvers run. */
#if defined(__SANITIZE_THREAD__)
#define CLONES
#else
#define CLONES __attribute__((target_clones("avx2", "default")))
#endif

/* ---- axes ---- */

void hr_kern_axis_make(struct hr_axis *ax, const struct hr_array *a, int d0,
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

/* ---- conversion to double ---- */

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
    case HR_FLOAT16: CONVERT(uint16_t, 2, hr_half_to_double(v_)); break;
    case HR_FLOAT32: CONVERT(float, 4, v_); break;
    case HR_FLOAT64: CONVERT(double, 8, v_); break;
    case HR_COMPLEX64: CONVERT(float, 8, v_); break;
    case HR_COMPLEX128: CONVERT(double, 16, v_); break;
    default: for (i = 0; i < n; i++) out[i] = NAN; break;
    }
}

/* Elements that can be read in place from c: the rest of the run when it
 * is aligned float64 of stride 8, else 0. */
static int64_t direct(const struct hr_src *s, const struct hr_cur *c)
{
    const char *p = s->base + c->off;

    if (s->dtype != HR_FLOAT64 || s->ax->stride[s->ax->nd - 1] != 8 ||
        (uintptr_t)p % sizeof(double) != 0)
        return 0;
    return cur_run(c);
}

const double *hr_kern_load(const struct hr_src *s, struct hr_cur *c,
                           int64_t k, double *buf)
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

int64_t hr_kern_take(const struct hr_src *s, const struct hr_cur *c,
                     int64_t rem)
{
    int64_t k = min64(rem, HR_BUFN);
    int64_t d = direct(s, c);

    return d >= k ? min64(d, rem) : k;
}

/* ---- loops over plain doubles ---- */

static double fold(double *acc)
{
    int w;
    int j;

    for (w = HR_LANES / 2; w >= 1; w /= 2) {
        for (j = 0; j < w; j++)
            acc[j] += acc[j + w];
    }
    return acc[0];
}

CLONES static double sum_leaf(const double *x, int64_t n)
{
    double acc[HR_LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + HR_LANES <= n; i += HR_LANES) {
        for (j = 0; j < HR_LANES; j++)
            acc[j] += x[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i];
    return fold(acc);
}

CLONES static double sumsq_leaf(const double *x, int64_t n)
{
    double acc[HR_LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + HR_LANES <= n; i += HR_LANES) {
        for (j = 0; j < HR_LANES; j++)
            acc[j] += x[i + j] * x[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i] * x[i];
    return fold(acc);
}

/* Sum of squared deviations from mu. */
CLONES static double ssd_leaf(const double *x, int64_t n, double mu)
{
    double acc[HR_LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + HR_LANES <= n; i += HR_LANES) {
        for (j = 0; j < HR_LANES; j++) {
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
    double acc[HR_LANES] = { 0 };
    int64_t i = 0;
    int j;

    for (; i + HR_LANES <= n; i += HR_LANES) {
        for (j = 0; j < HR_LANES; j++)
            acc[j] += x[i + j] * y[i + j];
    }
    for (j = 0; i < n; i++, j++)
        acc[j] += x[i] * y[i];
    return fold(acc);
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

/* Pairwise sum of x (op HR_OP_SUM, HR_OP_SUMSQ or HR_OP_SSD). */
static double pairwise(int op, const double *x, int64_t n, double mu)
{
    int64_t h;

    if (n > LEAF) {
        h = n / 2 / HR_LANES * HR_LANES;
        return pairwise(op, x, h, mu) + pairwise(op, x + h, n - h, mu);
    }
    if (op == HR_OP_SUM)
        return sum_leaf(x, n);
    if (op == HR_OP_SUMSQ)
        return sumsq_leaf(x, n);
    return ssd_leaf(x, n, mu);
}

static double apply(int op, double mu, const double *x, int64_t n, double acc)
{
    if (op == HR_OP_MIN)
        return min_run(x, n, acc);
    if (op == HR_OP_MAX)
        return max_run(x, n, acc);
    return acc + pairwise(op, x, n, mu);
}

/* acc[i] = acc[i] op x[q][i] for the HR_ROWS rows x[q], the inner loop of a
 * reduction across rows; sums add the rows pairwise first. */
CLONES static void acc_sum(double *restrict acc, const double *const *x,
                           int rows, int64_t n)
{
    const double *restrict x0 = x[0];
    const double *restrict x1 = x[1];
    const double *restrict x2 = x[2];
    const double *restrict x3 = x[3];
    int64_t i;

    if (rows == HR_ROWS) {
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

void hr_kern_accumulate(int op, double *acc, const double *const *x,
                        int rows, int64_t n)
{
    if (op == HR_OP_MIN)
        acc_min(acc, x, rows, n);
    else if (op == HR_OP_MAX)
        acc_max(acc, x, rows, n);
    else
        acc_sum(acc, x, rows, n);
}

/* ---- serial reductions ---- */

double hr_kern_reduce_seq(int op, double mu, const struct hr_src *s,
                          int64_t begin, int64_t end)
{
    double buf[HR_BUFN];
    double acc = identity(op);
    struct hr_cur c;
    int64_t rem = end - begin;

    cur_seek(&c, s->ax, begin);
    while (rem > 0) {
        int64_t k = hr_kern_take(s, &c, rem);
        const double *x = hr_kern_load(s, &c, k, buf);

        acc = apply(op, mu, x, k, acc);
        rem -= k;
    }
    return acc;
}

double hr_kern_dot_seq(const struct hr_src *s, int64_t begin, int64_t end)
{
    double buf[2][HR_BUFN];
    struct hr_cur c[2];
    double acc = 0.0;
    int64_t rem = end - begin;

    cur_seek(&c[0], s[0].ax, begin);
    cur_seek(&c[1], s[1].ax, begin);
    while (rem > 0) {
        int64_t k = min64(rem, HR_BUFN);
        const double *x = hr_kern_load(&s[0], &c[0], k, buf[0]);
        const double *y = hr_kern_load(&s[1], &c[1], k, buf[1]);

        acc += dot_leaf(x, y, k);
        rem -= k;
    }
    return acc;
}
