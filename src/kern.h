/* kern.h - what the kernel files share from kern.c: argument checks and
 * the parallel full reduction
 *
 * Private to the kernel files; the kernels themselves (hr_sum, ...) are
 * declared in hotrun.h.  Nothing here allocates: arrays and sources are
 * borrowed for the call.
 */
#ifndef HR_KERN_H
#define HR_KERN_H

#include "hotrun.h"
#include "kern_loop.h"

#define HR_BLOCK 65536      /* elements in a block of a full reduction */

/* Calls hr_fail() and returns 1 when a is not a sound array; else sets *n
 * to its number of elements. */
int hr_kern_bad_array(const struct hr_array *a, const char *fn, int64_t *n);

/* Calls hr_fail() and returns 1 when out is NULL but n outputs are due. */
int hr_kern_bad_out(const void *out, int64_t n, const char *fn);

/* All of s reduced (op HR_OP_*, mu the mean for HR_OP_SSD), in parallel
 * over blocks that depend on the size alone. */
double hr_kern_reduce_par(int op, double mu, const struct hr_src *s);

#endif
