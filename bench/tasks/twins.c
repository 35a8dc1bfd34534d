/* twins.c - each native kernel beside its plain-loop twin
 *
 * k_NAME calls the kernel hr_NAME; p_NAME is the loop a user would write
 * instead, compiled by hotrun (tier 2 in the bench: a kernel must never
 * lose to it).  C-ordered 2-d float64 or float32 arrays; every task
 * returns one number (row and column forms: the sum of their outputs),
 * the same for a kernel and its twin up to rounding.
 */
#include "hotrun.h"

#define TWINS(T, SUF)                                                     \
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
static double sumsq_##SUF(const T *x, int64_t n)                          \
{                                                                         \
    double s = 0;                                                         \
    int64_t i;                                                            \
                                                                          \
    for (i = 0; i < n; i++)                                               \
        s += (double)x[i] * x[i];                                         \
    return s;                                                             \
}                                                                         \
                                                                          \
static double min_##SUF(const T *x, int64_t n)                            \
{                                                                         \
    double m = x[0];                                                      \
    int64_t i;                                                            \
                                                                          \
    for (i = 1; i < n; i++)                                               \
        m = x[i] < m ? x[i] : m;                                          \
    return m;                                                             \
}                                                                         \
                                                                          \
static double max_##SUF(const T *x, int64_t n)                            \
{                                                                         \
    double m = x[0];                                                      \
    int64_t i;                                                            \
                                                                          \
    for (i = 1; i < n; i++)                                               \
        m = x[i] > m ? x[i] : m;                                          \
    return m;                                                             \
}                                                                         \
                                                                          \
static double var_##SUF(const T *x, int64_t n)                            \
{                                                                         \
    double mu = sum_##SUF(x, n) / (double)n, s = 0;                       \
    int64_t i;                                                            \
                                                                          \
    for (i = 0; i < n; i++)                                               \
        s += (x[i] - mu) * (x[i] - mu);                                   \
    return s / (double)n;                                                 \
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
/* 200 bins over [0.05, 0.95): widths that are no power of two */        \
static double hist2_##SUF(const T *x, int64_t n)                          \
{                                                                         \
    int64_t c[200] = { 0 };                                               \
    int64_t i, s = 0;                                                     \
                                                                          \
    for (i = 0; i < n; i++) {                                             \
        double v = x[i];                                                  \
                                                                          \
        if (v >= 0.05 && v < 0.95)                                        \
            c[(int)((v - 0.05) * (200 / 0.9))]++;                         \
    }                                                                     \
    for (i = 0; i < 200; i++)                                             \
        s += i * c[i];                                                    \
    return (double)s;                                                     \
}                                                                         \
                                                                          \
/* op 0 sum, 1 min, 2 max of each row; mean divides the sums */           \
static double rows_##SUF(const T *x, int64_t r, int64_t c, int op)        \
{                                                                         \
    double s = 0;                                                         \
    int64_t i, j;                                                         \
                                                                          \
    for (i = 0; i < r; i++) {                                             \
        const T *row = x + i * c;                                         \
        double a = op == 0 ? 0 : row[0];                                  \
                                                                          \
        for (j = op == 0 ? 0 : 1; j < c; j++) {                           \
            if (op == 0)                                                  \
                a += row[j];                                              \
            else if (op == 1)                                             \
                a = row[j] < a ? row[j] : a;                              \
            else                                                          \
                a = row[j] > a ? row[j] : a;                              \
        }                                                                 \
        s += a;                                                           \
    }                                                                     \
    return s;                                                             \
}                                                                         \
                                                                          \
/* the same down the columns, walking the rows in order */                \
static double cols_##SUF(const T *x, int64_t r, int64_t c, int op)        \
{                                                                         \
    double *m = malloc((size_t)c * sizeof *m);                            \
    double s = 0;                                                         \
    int64_t i, j;                                                         \
                                                                          \
    if (m == NULL)                                                        \
        hr_fail("no memory");                                             \
    for (j = 0; j < c; j++)                                               \
        m[j] = op == 0 ? 0 : x[j];                                        \
    for (i = op == 0 ? 0 : 1; i < r; i++) {                               \
        const T *row = x + i * c;                                         \
                                                                          \
        for (j = 0; j < c; j++) {                                         \
            if (op == 0)                                                  \
                m[j] += row[j];                                           \
            else if (op == 1)                                             \
                m[j] = row[j] < m[j] ? row[j] : m[j];                     \
            else                                                          \
                m[j] = row[j] > m[j] ? row[j] : m[j];                     \
        }                                                                 \
    }                                                                     \
    for (j = 0; j < c; j++)                                               \
        s += m[j];                                                        \
    free(m);                                                              \
    return s;                                                             \
}

TWINS(double, f64)
TWINS(float, f32)

/* run the f64 or the f32 body of a twin */
#define BOTH(a, f, ...) ((a)->dtype == HR_FLOAT32                          \
    ? f##_f32(hr_f32(a), __VA_ARGS__) : f##_f64(hr_f64(a), __VA_ARGS__))

double p_sum(const struct hr_array *a) { return BOTH(a, sum, a->size); }
double p_sumsq(const struct hr_array *a) { return BOTH(a, sumsq, a->size); }
double p_dot(const struct hr_array *a) { return BOTH(a, sumsq, a->size); }
double p_min(const struct hr_array *a) { return BOTH(a, min, a->size); }
double p_max(const struct hr_array *a) { return BOTH(a, max, a->size); }
double p_mean(const struct hr_array *a)
{
    return BOTH(a, sum, a->size) / (double)a->size;
}
double p_var(const struct hr_array *a) { return BOTH(a, var, a->size); }
double p_histogram(const struct hr_array *a)
{
    return BOTH(a, hist, a->size);
}
double p_histogram2(const struct hr_array *a)
{
    return BOTH(a, hist2, a->size);
}
double p_row_sums(const struct hr_array *a)
{
    return BOTH(a, rows, hr_rows(a), hr_cols(a), 0);
}
double p_row_means(const struct hr_array *a)
{
    return BOTH(a, rows, hr_rows(a), hr_cols(a), 0) / (double)hr_cols(a);
}
double p_row_mins(const struct hr_array *a)
{
    return BOTH(a, rows, hr_rows(a), hr_cols(a), 1);
}
double p_row_maxs(const struct hr_array *a)
{
    return BOTH(a, rows, hr_rows(a), hr_cols(a), 2);
}
double p_col_sums(const struct hr_array *a)
{
    return BOTH(a, cols, hr_rows(a), hr_cols(a), 0);
}
double p_col_means(const struct hr_array *a)
{
    return BOTH(a, cols, hr_rows(a), hr_cols(a), 0) / (double)hr_rows(a);
}
double p_col_mins(const struct hr_array *a)
{
    return BOTH(a, cols, hr_rows(a), hr_cols(a), 1);
}
double p_col_maxs(const struct hr_array *a)
{
    return BOTH(a, cols, hr_rows(a), hr_cols(a), 2);
}

/* ---- the kernels ---- */

static double sum_out(const struct hr_array *a, int rows,
                      void (*k)(const struct hr_array *, double *))
{
    int64_t n = rows ? hr_rows(a) : hr_cols(a), i;
    double *o = malloc((size_t)n * sizeof *o);
    double s = 0;

    if (o == NULL)
        hr_fail("no memory");
    k(a, o);
    for (i = 0; i < n; i++)
        s += o[i];
    free(o);
    return s;
}

double k_sum(const struct hr_array *a) { return hr_sum(a); }
double k_sumsq(const struct hr_array *a) { return hr_sumsq(a); }
double k_dot(const struct hr_array *a) { return hr_dot(a, a); }
double k_min(const struct hr_array *a) { return hr_min(a); }
double k_max(const struct hr_array *a) { return hr_max(a); }
double k_mean(const struct hr_array *a) { return hr_mean(a); }
double k_var(const struct hr_array *a) { return hr_var(a); }
double k_histogram(const struct hr_array *a)
{
    int64_t c[256];
    int64_t i, s = 0;

    hr_histogram(a, 0, 1, 256, c);
    for (i = 0; i < 256; i++)
        s += i * c[i];
    return (double)s;
}
double k_histogram2(const struct hr_array *a)
{
    int64_t c[200];
    int64_t i, s = 0;

    hr_histogram(a, 0.05, 0.95, 200, c);
    for (i = 0; i < 200; i++)
        s += i * c[i];
    return (double)s;
}
double k_row_sums(const struct hr_array *a)
{
    return sum_out(a, 1, hr_row_sums);
}
double k_row_means(const struct hr_array *a)
{
    return sum_out(a, 1, hr_row_means);
}
double k_row_mins(const struct hr_array *a)
{
    return sum_out(a, 1, hr_row_mins);
}
double k_row_maxs(const struct hr_array *a)
{
    return sum_out(a, 1, hr_row_maxs);
}
double k_col_sums(const struct hr_array *a)
{
    return sum_out(a, 0, hr_col_sums);
}
double k_col_means(const struct hr_array *a)
{
    return sum_out(a, 0, hr_col_means);
}
double k_col_mins(const struct hr_array *a)
{
    return sum_out(a, 0, hr_col_mins);
}
double k_col_maxs(const struct hr_array *a)
{
    return sum_out(a, 0, hr_col_maxs);
}
