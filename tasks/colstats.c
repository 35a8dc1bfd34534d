/* colstats.c - column statistics of a 2-d array
 *
 * Column means with the native kernel, then statistics over them: which
 * column has the largest mean, how spread the means are.
 *   run widest_column        index of the column with the largest mean
 *   run colmean_spread       max - min of the column means
 *   run colmean_std          standard deviation of the column means
 */
#include "hotrun.h"

static double *column_means(const struct hr_array *a)
{
    double *m = malloc((size_t)hr_cols(a) * sizeof *m);

    if (m == NULL)
        hr_fail("no memory for %lld column means", (long long)hr_cols(a));
    hr_col_means(a, m);
    return m;
}

double widest_column(const struct hr_array *a)
{
    double *m = column_means(a);
    int64_t j, best = 0;

    for (j = 1; j < hr_cols(a); j++) {
        if (m[j] > m[best])
            best = j;
    }
    free(m);
    return (double)best;
}

double colmean_spread(const struct hr_array *a)
{
    double *m = column_means(a);
    double lo = INFINITY, hi = -INFINITY;
    int64_t j;

    for (j = 0; j < hr_cols(a); j++) {
        lo = fmin(lo, m[j]);
        hi = fmax(hi, m[j]);
    }
    free(m);
    return hi - lo;
}

double colmean_std(const struct hr_array *a)
{
    double *m = column_means(a);
    int64_t n = hr_cols(a), j;
    double mean = 0, ss = 0;

    for (j = 0; j < n; j++)
        mean += m[j];
    mean /= (double)n;
    for (j = 0; j < n; j++)
        ss += (m[j] - mean) * (m[j] - mean);
    free(m);
    return sqrt(ss / (double)n);
}
