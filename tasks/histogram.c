/* histogram.c - a histogram of the data, printed as bars
 *
 *   run histogram [NBINS [LO HI]]    prints the bars, returns the count
 *   run fullest_bin [NBINS]          the index of the fullest bin
 */
#include "hotrun.h"

static int64_t *bins(const struct hr_array *a, int64_t n, double lo,
                     double hi)
{
    int64_t *c = calloc((size_t)n, sizeof *c);

    if (c == NULL)
        hr_fail("no memory for %lld bins", (long long)n);
    hr_histogram(a, lo, hi, n, c);
    return c;
}

double histogram(const struct hr_array *a)
{
    int64_t n = hr_arg_i64(0, 10);
    double lo = hr_arg_f64(1, hr_min(a));
    double hi = hr_arg_f64(2, hr_max(a));
    int64_t *c = NULL, i, most = 1, total = 0;

    if (n < 1 || n > 1000)
        hr_fail("NBINS must be 1..1000, not %lld", (long long)n);
    if (!(lo < hi))
        hr_fail("the range [%g, %g] is empty", lo, hi);
    c = bins(a, n, lo, hi);
    for (i = 0; i < n; i++)
        most = c[i] > most ? c[i] : most;
    for (i = 0; i < n; i++) {
        int w = (int)(40 * c[i] / most);

        printf("%10.4g %12lld ", lo + (hi - lo) * (double)i / (double)n,
               (long long)c[i]);
        while (w-- > 0)
            putchar('#');
        putchar('\n');
        total += c[i];
    }
    free(c);
    return (double)total;
}

double fullest_bin(const struct hr_array *a)
{
    int64_t n = hr_arg_i64(0, 100);
    int64_t *c = bins(a, n, hr_min(a), hr_max(a) + 1e-12);
    int64_t i, best = 0;

    for (i = 1; i < n; i++) {
        if (c[i] > c[best])
            best = i;
    }
    free(c);
    return (double)best;
}
