/* rowstats.c - tasks that make arrays: per-row statistics, a histogram
 *
 *   run row_stats          makes row_mean and row_std (one per row),
 *                          returns the largest row mean
 *   run value_hist [BINS]  makes hist (BINS counts, default 50) and
 *                          hist_edges (BINS + 1), returns the fullest bin
 *   run spread             uses row_std made by row_stats: how many rows
 *                          are more than twice as spread as the median row
 *
 * Then look at them: show row_mean, stats row_std, plot row_mean,
 * plot hist, save row_mean rows.npy (README: "Arrays a task makes").
 */
#include "hotrun.h"

struct rows {
    const struct hr_array *a;
    double *mean;
    double *std;
};

/* one chunk of rows, on hotrun's thread pool */
static void rows_chunk(void *ctx, int64_t begin, int64_t end)
{
    struct rows *r = ctx;
    int64_t cols = hr_cols(r->a);
    int64_t i, j;

    for (i = begin; i < end; i++) {
        double s = 0, ss = 0, m;

        for (j = 0; j < cols; j++) {
            double v = hr_at(r->a, i * cols + j);

            s += v;
            ss += v * v;
        }
        m = s / (double)cols;
        r->mean[i] = m;
        r->std[i] = sqrt(ss / (double)cols - m * m);
    }
}

double row_stats(const struct hr_array *a)
{
    int64_t n[1] = { hr_rows(a) };
    struct rows r;
    double best;
    int64_t i;

    r.a = a;
    r.mean = hr_new_f64("row_mean", 1, n);
    r.std = hr_new_f64("row_std", 1, n);
    hr_parallel_for(n[0], rows_chunk, &r);
    best = r.mean[0];
    for (i = 1; i < n[0]; i++)
        best = fmax(best, r.mean[i]);
    return best;
}

int64_t value_hist(const struct hr_array *a)
{
    int64_t bins = hr_arg_i64(0, 50);
    int64_t nb[1], ne[1];
    double lo = hr_min(a), hi = hr_max(a);
    int64_t *hist = NULL;
    double *edges = NULL;
    int64_t i, fullest = 0;

    if (bins < 1 || bins > 100000)
        hr_fail("BINS must be 1..100000, not %lld", (long long)bins);
    nb[0] = bins;
    ne[0] = bins + 1;
    hist = hr_new_i64("hist", 1, nb);
    edges = hr_new_f64("hist_edges", 1, ne);
    hr_histogram(a, lo, hi, bins, hist);
    for (i = 0; i <= bins; i++)
        edges[i] = lo + (hi - lo) * (double)i / (double)bins;
    for (i = 1; i < bins; i++) {
        if (hist[i] > hist[fullest])
            fullest = i;
    }
    return fullest;
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return a < b ? -1 : a > b;
}

int64_t spread(void)
{
    const struct hr_array *s = hr_array_get("row_std");
    const double *v = NULL;
    double *sorted = NULL;
    double median;
    int64_t i, n = 0;

    if (s == NULL)
        hr_fail("no row_std yet: run row_stats first");
    v = hr_f64(s);
    sorted = malloc((size_t)s->size * sizeof *sorted);
    if (sorted == NULL)
        hr_fail("no memory");
    for (i = 0; i < s->size; i++)
        sorted[i] = v[i];
    qsort(sorted, (size_t)s->size, sizeof *sorted, by_value);
    median = sorted[s->size / 2];
    free(sorted);
    for (i = 0; i < s->size; i++)
        n += v[i] > 2 * median;
    return n;
}
