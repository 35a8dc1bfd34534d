/* walk.h - the elements of an array in C order, as runs along its last
 * axis, and runs converted to double
 *
 * For engine modules that scan a range of elements of any layout (plot's
 * columns and cells): a struct hr_walk hands out runs (a pointer, a byte
 * stride and a count) that together cover C-order elements [begin, end)
 * exactly once, in order.  Pure: the array is borrowed for the walk,
 * buffers are the caller's.
 */
#ifndef HR_WALK_H
#define HR_WALK_H

#include <stdint.h>

#include "hotrun.h"

struct hr_walk {
    const struct hr_array *a;   /* borrowed */
    int64_t i;                  /* next C-order element */
    int64_t end;
    int64_t off;                /* its byte offset */
    int64_t idx[HR_MAX_NDIM];   /* its index */
};

/* Starts a walk over elements [begin, end) of a (a sound array, 0 <=
 * begin <= end <= a->size; a 0-d array has one element). */
void hr_walk_start(struct hr_walk *w, const struct hr_array *a,
                   int64_t begin, int64_t end);

/* The next run: *p, *stride (bytes, may be 0 or negative) and up to max
 * elements (*n).  Returns 0 when the range is done. */
int hr_walk_next(struct hr_walk *w, const char **p, int64_t *stride,
                 int64_t *n, int64_t max);

/* out[j] = element j of the run as double, j < n: integers and bool
 * converted, float16 exactly, complex as its real part (as hr_at()). */
void hr_walk_f64(int dtype, const char *p, int64_t stride, int64_t n,
                 double *out);

#endif
