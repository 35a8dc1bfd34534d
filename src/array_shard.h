/* array_shard.h - which slab of an array a rank holds (hotrun --ranks N)
 *
 * An array is split along its slowest axis (axis 0 in C order, the last
 * axis in Fortran order; a 1-d array along its only axis): rank r of N
 * holds rows [lo, hi), the first n % N ranks one row more, plus `halo`
 * rows on each side where there are any.  Pure arithmetic: nothing is
 * allocated or read here.
 */
#ifndef HR_ARRAY_SHARD_H
#define HR_ARRAY_SHARD_H

#include <stdint.h>

#include "hotrun.h"

/* How a session splits the arrays it loads. */
struct hr_shard {
    int rank;
    int nranks;                 /* 1: whole arrays */
    int64_t halo;               /* rows of each neighbour to hold too */
};

/* Where one rank's slab lies: what hr_shard_fill() writes into a view. */
struct hr_shard_view {
    int64_t global_shape[HR_MAX_NDIM];
    int axis;                   /* split axis, -1: not split (0-d) */
    int64_t start;              /* first row held (halo included) */
    int64_t halo_before, halo_after;
    int rank, nranks;
};

/* Rows [*lo, *hi) of n that rank of nranks owns (no halo). */
void hr_shard_rows(int64_t n, int rank, int nranks, int64_t *lo,
                   int64_t *hi);

/* Narrows a file's layout (ndim, shape, fortran order, itemsize, the
 * offset of its first data byte) to sh's slab: shape[axis] becomes the
 * rows held, *offset moves to the first of them, *size and *nbytes are
 * the slab's; *out says where it lies.  sh NULL (or one rank): the whole
 * array, unchanged. */
void hr_shard_narrow(const struct hr_shard *sh, int ndim, int fortran,
                     int64_t *shape, int64_t itemsize, int64_t *offset,
                     int64_t *size, int64_t *nbytes,
                     struct hr_shard_view *out);

/* Fills the shard fields of v (global shape, offsets, halo, rank) from
 * sv; v's own shape is already the slab's.
 *
 * The hook for arrays that tasks make (hr_new, to come): such an array
 * stays sharded - rank r makes only its own slab, hr_shard_rows() of the
 * new array's global length along the split axis, and describes it with
 * hr_shard_narrow() (offset 0, no file) and hr_shard_fill(), so that
 * show, stats and save see where each slab lies (save writes each rank's
 * slab at its offset). */
void hr_shard_fill(struct hr_array *v, const struct hr_shard_view *sv);

#endif
