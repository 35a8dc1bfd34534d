/* show.h - an array as text, the way NumPy 1.24's print(arr) shows it
 *
 * hr_show_format() writes what str(arr) gives in NumPy 1.24 with its
 * default print options (threshold 1000, edgeitems 3, linewidth 75,
 * precision 8, floatmode 'maxprec', suppress False): aligned columns, rows
 * wrapped at the line width, "..." in place of the middle of each axis
 * longer than 2 x edgeitems once the array has more than threshold
 * elements, column widths and the choice of scientific notation taken from
 * the elements shown, floats printed with the fewest digits that identify
 * them in their own type (float16, float32, float64), nan and inf spelled
 * as NumPy does, bool as True/False, complex as 1.+2.j, a 0-d array as its
 * scalar's str(), an empty array as [].  Any ndim, any layout: elements
 * are found through the strides, so C and Fortran order, reversed and
 * strided views all print in C (row-major) order.
 *
 * Pure: the array is borrowed for the call, text is appended to the
 * caller's struct hr_text (see text.h: out of memory is reported there),
 * nothing is printed.
 */
#ifndef HR_SHOW_H
#define HR_SHOW_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "text.h"

#define HR_SHOW_MAX_PRECISION 100

struct hr_show_opts {
    int64_t edgeitems;  /* shown at each end of a summarised axis (3) */
    int64_t threshold;  /* more elements than this: summarise (1000) */
    int linewidth;      /* wrap rows past this many characters (75) */
    int precision;      /* digits after the point at most (8; at most
                         * HR_SHOW_MAX_PRECISION) */
};

/* NumPy's defaults. */
void hr_show_opts_default(struct hr_show_opts *o);

/* One line, no newline: "shape (3, 4) float64", with ", Fortran order"
 * or ", strided view" when the data is laid out so, "shape () float64"
 * for a 0-d array. */
void hr_show_header(const struct hr_array *a, struct hr_text *t);

/* Appends str(a) and a newline to t.  Returns 0, or HR_EINVAL for an
 * array that is not sound (bad dtype, ndim, shape or itemsize) or options
 * out of range (edgeitems < 1, precision outside 0..100), or HR_ENOMEM
 * (also when t ran out earlier).  The text is not bounded: edgeitems of
 * 1000 on a 5000 x 5000 array writes 4 million numbers. */
int hr_show_format(const struct hr_array *a, const struct hr_show_opts *o,
                   struct hr_text *t);

/* Which elements NumPy's summary of an array of shape full shows: keep[k]
 * elements at each end of axis k, or -1 when the axis is shown whole. */
void hr_show_corners(int ndim, const int64_t *full,
                     const struct hr_show_opts *o, int64_t *keep);

/* hr_show_format() of an array of shape full that a is, or holds only the
 * shown corners of: on each axis hr_show_corners() cuts, a has the whole
 * axis or the 2 x keep[k] elements kept (the first keep[k], then the
 * last); on the others all of them.  How the MPI engine shows an array split over ranks without
 * gathering it.  Returns what hr_show_format() does; HR_EINVAL also when a's
 * shape is not that of the corners. */
int hr_show_format_corners(const struct hr_array *a, const int64_t *full,
                           const struct hr_show_opts *o, struct hr_text *t);

/* str() of the NumPy scalar at p, of the given dtype ("1.5", "1e-05",
 * "nan", "True", "(1+2j)"), into buf of cap bytes; returns the length or
 * -1 when cut. */
int hr_show_scalar(int dtype, const void *p, char *buf, size_t cap);

/* str(np.float64(v)): hr_show_scalar() of a double. */
int hr_show_f64(double v, char *buf, size_t cap);

#endif
