/* kern_bench.c - times the native kernels against plain C loops
 *
 * Not part of the build or the tests.  Build by hand from the top of the
 * repository against the built library (cmake --build build):
 *
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc -Iinclude bench/kern_bench.c \
 *       build/libhotrun.a -o /tmp/kern_bench \
 *       -ltcc /usr/lib/x86_64-linux-gnu/tcc/libtcc1.a -lreadline \
 *       -lpthread -ldl -lm
 *   /tmp/kern_bench [rows cols [runs]]
 *
 * Prints, for a rows x cols float64 array (5000x5000 by default, 200 MB),
 * the best of `runs` (20) timings in ms and the read bandwidth in GB/s.
 * The "plain" loops are what a task would write; "plain+pool" is the same
 * loop shared out with hr_pool_for.  The last line runs hr_sum on the
 * calling thread alone, for the bandwidth of one core.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotrun.h"
#include "pool.h"

/* hr_fail() lives in the host (api.c); the kernels only call it on bad
 * arguments, which this program never passes.  This weak stand-in keeps
 * the linker from pulling in api.c and what it needs. */
__attribute__((weak)) void hr_fail(const char *fmt, ...)
{
    (void)fmt;
    abort();
}

struct mat {
    const double *x;
    int64_t rows, cols;
    double *out;
    double *part;               /* plain+pool sum: one per row */
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- plain loops ---- */

static double plain_sum(const struct mat *m)
{
    int64_t n = m->rows * m->cols;
    double s = 0.0;
    int64_t i;

    for (i = 0; i < n; i++)
        s += m->x[i];
    return s;
}

static void plain_row_sums(const struct mat *m, int64_t r0, int64_t r1)
{
    int64_t i;
    int64_t j;

    for (i = r0; i < r1; i++) {
        const double *row = m->x + i * m->cols;
        double s = 0.0;

        for (j = 0; j < m->cols; j++)
            s += row[j];
        m->out[i] = s;
    }
}

static void plain_col_means(const struct mat *m, int64_t c0, int64_t c1)
{
    int64_t i;
    int64_t j;

    for (j = c0; j < c1; j++)
        m->out[j] = 0.0;
    for (i = 0; i < m->rows; i++) {
        const double *row = m->x + i * m->cols;

        for (j = c0; j < c1; j++)
            m->out[j] += row[j];
    }
    for (j = c0; j < c1; j++)
        m->out[j] /= (double)m->rows;
}

static void pool_sum_fn(void *ctx, int64_t b, int64_t e)
{
    struct mat *m = ctx;

    plain_row_sums(m, b, e);
    memcpy(m->part + b, m->out + b, (size_t)(e - b) * sizeof(double));
}

static void pool_rows_fn(void *ctx, int64_t b, int64_t e)
{
    plain_row_sums(ctx, b, e);
}

static void pool_cols_fn(void *ctx, int64_t b, int64_t e)
{
    plain_col_means(ctx, b, e);
}

/* ---- timing ---- */

enum {
    K_SUM, K_PLAIN_SUM, K_POOL_SUM,
    K_ROWS, K_PLAIN_ROWS, K_POOL_ROWS,
    K_COLS, K_PLAIN_COLS, K_POOL_COLS,
    K_MIN, K_VAR, K_COLS_F, K_ROWS_F, K_SUM_F32, K_HIST, K_SUM_1,
    K_NKERNELS
};

static const char *names[K_NKERNELS] = {
    "hr_sum", "plain sum", "plain+pool sum",
    "hr_row_sums", "plain row sums", "plain+pool row sums",
    "hr_col_means", "plain col means", "plain+pool col means",
    "hr_min", "hr_var (2 passes)", "hr_col_means F order",
    "hr_row_sums F order", "hr_sum float32", "hr_histogram 100 bins",
    "hr_sum, pool stopped",
};

static double run(int k, struct mat *m, const struct hr_array *a,
                  const struct hr_array *f, const struct hr_array *a32)
{
    int64_t counts[100];
    double s = 0.0;
    int64_t i;

    switch (k) {
    case K_SUM: return hr_sum(a);
    case K_PLAIN_SUM: return plain_sum(m);
    case K_POOL_SUM:
        hr_pool_for(m->rows, 64, pool_sum_fn, m);
        for (i = 0; i < m->rows; i++)
            s += m->part[i];
        return s;
    case K_ROWS: hr_row_sums(a, m->out); break;
    case K_PLAIN_ROWS: plain_row_sums(m, 0, m->rows); break;
    case K_POOL_ROWS: hr_pool_for(m->rows, 64, pool_rows_fn, m); break;
    case K_COLS: hr_col_means(a, m->out); break;
    case K_PLAIN_COLS: plain_col_means(m, 0, m->cols); break;
    case K_POOL_COLS: hr_pool_for(m->cols, 256, pool_cols_fn, m); break;
    case K_MIN: return hr_min(a);
    case K_VAR: return hr_var(a);
    case K_COLS_F: hr_col_means(f, m->out); break;
    case K_ROWS_F: hr_row_sums(f, m->out); break;
    case K_SUM_F32: return hr_sum(a32);
    case K_HIST: return (double)hr_histogram(a, 0.0, 1.0, 100, counts);
    case K_SUM_1: return hr_sum(a);
    }
    return m->out[0];
}

static void view2(struct hr_array *a, const void *data, int dtype,
                  int64_t itemsize, int64_t rows, int64_t cols, int fortran)
{
    memset(a, 0, sizeof *a);
    a->data = data;
    a->dtype = dtype;
    a->ndim = 2;
    a->shape[0] = rows;
    a->shape[1] = cols;
    a->strides[0] = fortran ? itemsize : cols * itemsize;
    a->strides[1] = fortran ? rows * itemsize : itemsize;
    a->size = rows * cols;
    a->itemsize = itemsize;
    a->nbytes = a->size * itemsize;
    a->flags = fortran ? HR_F_CONTIGUOUS : HR_C_CONTIGUOUS;
    a->name = "bench";
}

int main(int argc, char **argv)
{
    int64_t rows = argc > 2 ? atoll(argv[1]) : 5000;
    int64_t cols = argc > 2 ? atoll(argv[2]) : 5000;
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    int64_t n = rows * cols;
    double *x = malloc((size_t)n * sizeof *x);
    float *x32 = malloc((size_t)n * sizeof *x32);
    double *out = malloc((size_t)(rows > cols ? rows : cols) * sizeof *out);
    double *part = malloc((size_t)rows * sizeof *part);
    struct hr_array a;
    struct hr_array f;
    struct hr_array a32;
    struct mat m;
    uint64_t seed = 88172645463325252ULL;
    int64_t i;
    int k;
    int r;

    if (x == NULL || x32 == NULL || out == NULL || part == NULL) {
        fprintf(stderr, "kern_bench: out of memory\n");
        return 1;
    }
    for (i = 0; i < n; i++) {
        x[i] = (double)(next(&seed) >> 11) * 0x1p-53;
        x32[i] = (float)x[i];
    }
    view2(&a, x, HR_FLOAT64, 8, rows, cols, 0);
    view2(&f, x, HR_FLOAT64, 8, cols, rows, 1);    /* same bytes, F order */
    view2(&a32, x32, HR_FLOAT32, 4, rows, cols, 0);
    m.x = x;
    m.rows = rows;
    m.cols = cols;
    m.out = out;
    m.part = part;
    hr_pool_start(0);
    printf("%lld x %lld float64 (%.0f MB), %d threads, best of %d\n",
           (long long)rows, (long long)cols, n * 8 / 1e6,
           hr_pool_nthreads(), runs);
    for (k = 0; k < K_NKERNELS; k++) {
        double best = 1e30;
        double bytes = (double)n * (k == K_SUM_F32 ? 4 : 8);
        volatile double sink;

        if (k == K_VAR)
            bytes *= 2;
        if (k == K_SUM_1)
            hr_pool_stop();
        for (r = 0; r < runs; r++) {
            double t0 = now();
            double t;

            sink = run(k, &m, &a, &f, &a32);
            t = now() - t0;
            best = t < best ? t : best;
        }
        (void)sink;
        printf("%-24s %9.2f ms %7.2f GB/s\n", names[k], best * 1e3,
               bytes / best / 1e9);
    }
    hr_pool_stop();
    free(x);
    free(x32);
    free(out);
    free(part);
    return 0;
}
