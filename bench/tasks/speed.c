/* speed.c - the bench's task-speed subjects: one job, several ways
 *
 * Compiled by hotrun (libtcc) and, unchanged, by gcc -O2 -shared for
 * bench/gccrun.c.  Float64, C-ordered 2-d arrays only (the demo array).
 *
 *   sum_loop, sum_kernel, sum_parallel       the sum of all elements
 *   colmeans_loop, colmeans_kernel,
 *   colmeans_parallel                        the sum of the column means
 *   ema_filter [K]                           how often the data crosses its
 *                                            exponential moving average, in
 *                                            C order (tasks.py ema_crossings)
 *   ema_rows_parallel [K]                    the same count restarted on each
 *                                            row, rows in parallel (another
 *                                            number: the filter split by row)
 *
 * The loops are written as a user would write them: one accumulator, no
 * unrolling.  The *_parallel tasks run the same loops on hr_parallel_for.
 */
#include "hotrun.h"

#define BLOCK 65536     /* elements per partial sum of sum_parallel */

/* ---- sum ---- */

double sum_loop(const struct hr_array *a)
{
    const double *x = hr_f64(a);
    double s = 0;
    int64_t i;

    for (i = 0; i < a->size; i++)
        s += x[i];
    return s;
}

double sum_kernel(const struct hr_array *a)
{
    return hr_sum(a);
}

struct sum_job {
    const double *x;
    int64_t n;
    double *part;       /* one per block */
};

static void sum_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct sum_job *j = ctx;
    int64_t b, i;

    for (b = begin; b < end; b++) {
        int64_t stop = (b + 1) * BLOCK < j->n ? (b + 1) * BLOCK : j->n;
        double s = 0;

        for (i = b * BLOCK; i < stop; i++)
            s += j->x[i];
        j->part[b] = s;
    }
}

double sum_parallel(const struct hr_array *a)
{
    struct sum_job j;
    int64_t nblocks = (a->size + BLOCK - 1) / BLOCK, b;
    double s = 0;

    j.x = hr_f64(a);
    j.n = a->size;
    j.part = malloc((size_t)(nblocks > 0 ? nblocks : 1) * sizeof *j.part);
    if (j.part == NULL)
        hr_fail("no memory");
    hr_parallel_for(nblocks, sum_blocks, &j);
    for (b = 0; b < nblocks; b++)
        s += j.part[b];
    free(j.part);
    return s;
}

/* ---- column means ---- */

static double sum_of(const double *m, int64_t n)
{
    double s = 0;
    int64_t j;

    for (j = 0; j < n; j++)
        s += m[j];
    return s;
}

double colmeans_loop(const struct hr_array *a)
{
    const double *x = hr_f64(a);
    int64_t rows = hr_rows(a), cols = hr_cols(a), i, j;
    double *m = calloc((size_t)(cols > 0 ? cols : 1), sizeof *m);
    double s;

    if (m == NULL)
        hr_fail("no memory");
    for (i = 0; i < rows; i++) {
        const double *r = x + i * cols;

        for (j = 0; j < cols; j++)
            m[j] += r[j];
    }
    for (j = 0; j < cols; j++)
        m[j] /= (double)rows;
    s = sum_of(m, cols);
    free(m);
    return s;
}

double colmeans_kernel(const struct hr_array *a)
{
    int64_t cols = hr_cols(a);
    double *m = malloc((size_t)(cols > 0 ? cols : 1) * sizeof *m);
    double s;

    if (m == NULL)
        hr_fail("no memory");
    hr_col_means(a, m);
    s = sum_of(m, cols);
    free(m);
    return s;
}

#define ROW_BLOCKS 64    /* colmeans_parallel: row blocks, one sum each */

struct col_job {
    const double *x;
    int64_t rows, cols;
    double *part;       /* ROW_BLOCKS rows of cols partial sums */
};

/* row blocks [begin, end): each adds its rows into its own partial sums,
 * reading the array in order */
static void col_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct col_job *c = ctx;
    int64_t b, i, j;

    for (b = begin; b < end; b++) {
        double *p = c->part + b * c->cols;
        int64_t r0 = c->rows * b / ROW_BLOCKS;
        int64_t r1 = c->rows * (b + 1) / ROW_BLOCKS;

        for (i = r0; i < r1; i++) {
            const double *r = c->x + i * c->cols;

            for (j = 0; j < c->cols; j++)
                p[j] += r[j];
        }
    }
}

double colmeans_parallel(const struct hr_array *a)
{
    struct col_job c;
    double s = 0;
    int64_t b, j;

    c.x = hr_f64(a);
    c.rows = hr_rows(a);
    c.cols = hr_cols(a);
    c.part = calloc((size_t)ROW_BLOCKS * (size_t)(c.cols > 0 ? c.cols : 1),
                    sizeof *c.part);
    if (c.part == NULL)
        hr_fail("no memory");
    hr_parallel_for(ROW_BLOCKS, col_blocks, &c);
    for (j = 0; j < c.cols; j++) {
        double m = 0;

        for (b = 0; b < ROW_BLOCKS; b++)
            m += c.part[b * c.cols + j];
        s += m / (double)c.rows;
    }
    free(c.part);
    return s;
}

/* ---- a sequential filter ---- */

static int64_t crossings(const double *x, int64_t n, double k)
{
    double e;
    int64_t i, cross = 0;
    int above = 0;

    if (n == 0)
        return 0;
    e = x[0];
    for (i = 1; i < n; i++) {
        double v = x[i];
        int now;

        e += k * (v - e);
        now = v > e;
        cross += now != above;
        above = now;
    }
    return cross;
}

double ema_filter(const struct hr_array *a)
{
    return (double)crossings(hr_f64(a), a->size, hr_arg_f64(0, 0.01));
}

struct rows_job {
    const double *x;
    int64_t cols;
    double k;
    int64_t *count;     /* one per row */
};

static void filter_rows(void *ctx, int64_t begin, int64_t end)
{
    struct rows_job *r = ctx;
    int64_t i;

    for (i = begin; i < end; i++)
        r->count[i] = crossings(r->x + i * r->cols, r->cols, r->k);
}

double ema_rows_parallel(const struct hr_array *a)
{
    struct rows_job r;
    int64_t rows = hr_rows(a), i, total = 0;

    r.x = hr_f64(a);
    r.cols = hr_cols(a);
    r.k = hr_arg_f64(0, 0.01);
    r.count = calloc((size_t)(rows > 0 ? rows : 1), sizeof *r.count);
    if (r.count == NULL)
        hr_fail("no memory");
    hr_parallel_for(rows, filter_rows, &r);
    for (i = 0; i < rows; i++)
        total += r.count[i];
    free(r.count);
    return (double)total;
}
