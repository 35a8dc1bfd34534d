/* loops.c - the tier bench's subjects: plain loops as users write them
 *
 * Compiled by hotrun in tier 1 (libtcc) and tier 2 (gcc), and unchanged by
 * gcc -O2 -shared for bench/gccrun.c.  Each task takes a C-ordered 2-d
 * float64 or float32 array (the demo array, or a 10000 x 10000 float32
 * one) and returns one number, so that the tiers can be compared bit for
 * bit.  One accumulator, no unrolling, no intrinsics.
 *
 *   sum          the sum of all elements
 *   ema_cross    how often the data crosses its exponential moving average
 *   hist256      a 256-bin histogram of [0, 1): sum of bin * count
 *   stencil      5-point Laplacian of the interior: sum of its squares
 *   colmeans     column means from a row-by-row walk: their sum
 *   top10        the sum of the 10 largest elements
 *   branchy      exp, log or a square per element, chosen by its value
 *
 * The kernel twins (bench/README.md) run the native kernel on the same
 * data: sum_kernel, hist_kernel, colmeans_kernel.
 */
#include "hotrun.h"

/* One body per element type: the loops a user would write for double,
 * and the same for float. */
#define LOOPS(T, SUF)                                                     \
static double sum_##SUF(const T *x, int64_t n)                            \
{                                                                         \
    double s = 0;                                                         \
    int64_t i;                                                            \
                                                                          \
    for (i = 0; i < n; i++)                                               \
        s += x[i];                                                        \
    return s;                                                             \
}                                                                         \
                                                                          \
static double ema_##SUF(const T *x, int64_t n, double k)                  \
{                                                                         \
    double e = x[0];                                                      \
    int64_t i, cross = 0;                                                 \
    int above = 0;                                                        \
                                                                          \
    for (i = 1; i < n; i++) {                                             \
        double v = x[i];                                                  \
        int now;                                                          \
                                                                          \
        e += k * (v - e);                                                 \
        now = v > e;                                                      \
        cross += now != above;                                            \
        above = now;                                                      \
    }                                                                     \
    return (double)cross;                                                 \
}                                                                         \
                                                                          \
static double hist_##SUF(const T *x, int64_t n)                           \
{                                                                         \
    int64_t c[256] = { 0 };                                               \
    int64_t i, s = 0;                                                     \
                                                                          \
    for (i = 0; i < n; i++) {                                             \
        double v = x[i];                                                  \
                                                                          \
        if (v >= 0 && v < 1)                                              \
            c[(int)(v * 256)]++;                                          \
    }                                                                     \
    for (i = 0; i < 256; i++)                                             \
        s += i * c[i];                                                    \
    return (double)s;                                                     \
}                                                                         \
                                                                          \
static double stencil_##SUF(const T *x, int64_t rows, int64_t cols)       \
{                                                                         \
    double s = 0;                                                         \
    int64_t i, j;                                                         \
                                                                          \
    for (i = 1; i < rows - 1; i++) {                                      \
        for (j = 1; j < cols - 1; j++) {                                  \
            const T *p = x + i * cols + j;                                \
            double v = 4 * p[0] - p[-1] - p[1] - p[-cols] - p[cols];      \
                                                                          \
            s += v * v;                                                   \
        }                                                                 \
    }                                                                     \
    return s;                                                             \
}                                                                         \
                                                                          \
static double colmeans_##SUF(const T *x, int64_t rows, int64_t cols)      \
{                                                                         \
    double *m = calloc((size_t)cols, sizeof *m);                          \
    double s = 0;                                                         \
    int64_t i, j;                                                         \
                                                                          \
    if (m == NULL)                                                        \
        hr_fail("no memory");                                             \
    for (i = 0; i < rows; i++) {                                          \
        const T *r = x + i * cols;                                        \
                                                                          \
        for (j = 0; j < cols; j++)                                        \
            m[j] += r[j];                                                 \
    }                                                                     \
    for (j = 0; j < cols; j++)                                            \
        s += m[j] / (double)rows;                                         \
    free(m);                                                              \
    return s;                                                             \
}                                                                         \
                                                                          \
static double top10_##SUF(const T *x, int64_t n)                          \
{                                                                         \
    double top[10];                                                       \
    double s = 0;                                                         \
    int64_t i;                                                            \
    int k;                                                                \
                                                                          \
    for (k = 0; k < 10; k++)                                              \
        top[k] = -INFINITY;                                               \
    for (i = 0; i < n; i++) {                                             \
        double v = x[i];                                                  \
                                                                          \
        if (v > top[9]) {                                                 \
            for (k = 9; k > 0 && top[k - 1] < v; k--)                     \
                top[k] = top[k - 1];                                      \
            top[k] = v;                                                   \
        }                                                                 \
    }                                                                     \
    for (k = 0; k < 10; k++)                                              \
        s += top[k];                                                      \
    return s;                                                             \
}                                                                         \
                                                                          \
static double branchy_##SUF(const T *x, int64_t n)                        \
{                                                                         \
    double s = 0;                                                         \
    int64_t i;                                                            \
                                                                          \
    for (i = 0; i < n; i++) {                                             \
        double v = x[i];                                                  \
                                                                          \
        if (v > 0.75)                                                     \
            s += exp(v);                                                  \
        else if (v > 0.25)                                                \
            s -= log(v);                                                  \
        else                                                              \
            s += v * v;                                                   \
    }                                                                     \
    return s;                                                             \
}

LOOPS(double, f64)
LOOPS(float, f32)

static int is_f32(const struct hr_array *a)
{
    if (a->dtype != HR_FLOAT32 && a->dtype != HR_FLOAT64)
        hr_fail("loops.c wants a float64 or float32 array, not %s",
                hr_dtype_name(a->dtype));
    if (a->size < 3)
        hr_fail("loops.c wants at least 3 elements");
    return a->dtype == HR_FLOAT32;
}

double sum(const struct hr_array *a)
{
    return is_f32(a) ? sum_f32(hr_f32(a), a->size)
                     : sum_f64(hr_f64(a), a->size);
}

double ema_cross(const struct hr_array *a)
{
    double k = hr_arg_f64(0, 0.01);

    return is_f32(a) ? ema_f32(hr_f32(a), a->size, k)
                     : ema_f64(hr_f64(a), a->size, k);
}

double hist256(const struct hr_array *a)
{
    return is_f32(a) ? hist_f32(hr_f32(a), a->size)
                     : hist_f64(hr_f64(a), a->size);
}

double stencil(const struct hr_array *a)
{
    return is_f32(a) ? stencil_f32(hr_f32(a), hr_rows(a), hr_cols(a))
                     : stencil_f64(hr_f64(a), hr_rows(a), hr_cols(a));
}

double colmeans(const struct hr_array *a)
{
    return is_f32(a) ? colmeans_f32(hr_f32(a), hr_rows(a), hr_cols(a))
                     : colmeans_f64(hr_f64(a), hr_rows(a), hr_cols(a));
}

double top10(const struct hr_array *a)
{
    return is_f32(a) ? top10_f32(hr_f32(a), a->size)
                     : top10_f64(hr_f64(a), a->size);
}

double branchy(const struct hr_array *a)
{
    return is_f32(a) ? branchy_f32(hr_f32(a), a->size)
                     : branchy_f64(hr_f64(a), a->size);
}

/* ---- the native kernels' twins ---- */

double sum_kernel(const struct hr_array *a)
{
    return hr_sum(a);
}

double hist_kernel(const struct hr_array *a)
{
    int64_t c[256];
    int64_t i, s = 0;

    hr_histogram(a, 0, 1, 256, c);
    for (i = 0; i < 256; i++)
        s += i * c[i];
    return (double)s;
}

double colmeans_kernel(const struct hr_array *a)
{
    int64_t cols = hr_cols(a), j;
    double *m = malloc((size_t)cols * sizeof *m);
    double s = 0;

    if (m == NULL)
        hr_fail("no memory");
    hr_col_means(a, m);
    for (j = 0; j < cols; j++)
        s += m[j];
    free(m);
    return s;
}
