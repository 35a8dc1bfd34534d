/* stats.h - summary statistics of an array: counts, extremes and where
 * they are, mean and standard deviation
 *
 * The rules, as NumPy names them:
 * - min and max are np.nanmin / np.nanmax: NaN elements are skipped (and
 *   counted); infinities take part.  Integers are compared as integers, so
 *   int64 and uint64 extremes are exact beyond 2^53.  Complex numbers are
 *   ordered as NumPy orders them: by real part, then imaginary part.
 * - argmin and argmax are the first occurrence in C (row-major) order of
 *   that minimum and maximum, like np.nanargmin / np.nanargmax, whatever
 *   the layout in memory; hr_stats_unravel() turns them into an index
 *   tuple (np.unravel_index).  -0.0 and 0.0 are equal: the first wins.
 * - mean and std are np.nanmean and np.nanstd (population, ddof 0) over
 *   the non-NaN elements, computed in double precision for every dtype
 *   (NumPy keeps float16 and float32 means in their own precision).  With
 *   no NaN, the native kernels hr_mean and hr_var do the work (pairwise
 *   sums, all threads); with NaN, compensated sums over blocks.
 * - counts: nan is np.isnan, inf is np.isinf (for complex: either part).
 *
 * All passes run on hotrun's thread pool over blocks whose bounds depend
 * only on the size, so results do not depend on the thread count.  The
 * array is borrowed for the call; nothing is kept.
 */
#ifndef HR_STATS_H
#define HR_STATS_H

#include <stdint.h>

#include "hotrun.h"
#include "text.h"

struct hr_stats {
    int64_t count;      /* elements */
    int64_t nan;        /* NaN elements */
    int64_t inf;        /* infinite elements */
    int64_t neginf;     /* of those, -inf (real dtypes) */
    int64_t argmin;     /* C-order index of the first smallest non-NaN
                         * element; -1 when there is none */
    int64_t argmax;     /* the same for the largest */
    double min;         /* their values as double (real part of a
                         * complex); NaN when there is none.  For exact
                         * text use the element: hr_array_elem(a, argmin) */
    double max;
    double mean;        /* of the non-NaN elements; NaN when none */
    double mean_im;     /* imaginary part of the mean (complex), else 0 */
    double std;         /* population standard deviation, NaN when none */
};

/* Computes s for a.  Returns 0, HR_EINVAL when a is not a sound array,
 * or HR_ENOMEM. */
int hr_stats_compute(const struct hr_array *a, struct hr_stats *s);

/* idx[0..a->ndim) gets the index tuple of C-order element flat. */
void hr_stats_unravel(const struct hr_array *a, int64_t flat, int64_t *idx);

/* Appends the statistics as aligned lines to t ("count  1000", "nan  3",
 * "min  -4.5 at (3, 1)", ...; each ends with a newline), values written as
 * NumPy's str() writes them (min and max in the array's own dtype).
 * Returns 0 or HR_ENOMEM. */
int hr_stats_format(const struct hr_array *a, const struct hr_stats *s,
                    struct hr_text *t);

/* hr_stats_format() with the smallest and largest elements given (at min
 * and max, of a's dtype) instead of read from a, which then only gives
 * the dtype and shape: the statistics of an array split over ranks,
 * combined on rank 0. */
int hr_stats_format_elems(const struct hr_array *a, const struct hr_stats *s,
                          const void *min, const void *max,
                          struct hr_text *t);

#endif
