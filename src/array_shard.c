/* array_shard.c - which slab of an array a rank holds */
#include "array_shard.h"

#include <string.h>

void hr_shard_rows(int64_t n, int rank, int nranks, int64_t *lo,
                   int64_t *hi)
{
    int64_t base, extra, r = rank;

    if (nranks <= 1) {
        *lo = 0;
        *hi = n;
        return;
    }
    base = n / nranks;
    extra = n % nranks;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra ? 1 : 0);
}

void hr_shard_narrow(const struct hr_shard *sh, int ndim, int fortran,
                     int64_t *shape, int64_t itemsize, int64_t *offset,
                     int64_t *size, int64_t *nbytes,
                     struct hr_shard_view *out)
{
    int64_t lo, hi, vlo, vhi, slab = 1;
    int k;

    memset(out, 0, sizeof *out);
    memcpy(out->global_shape, shape, (size_t)ndim * sizeof *shape);
    out->rank = sh != NULL ? sh->rank : 0;
    out->nranks = sh != NULL && sh->nranks > 1 ? sh->nranks : 1;
    out->axis = ndim == 0 ? -1 : fortran ? ndim - 1 : 0;
    if (out->nranks == 1 || ndim == 0)
        return;
    k = out->axis;
    hr_shard_rows(shape[k], sh->rank, sh->nranks, &lo, &hi);
    vlo = lo - sh->halo > 0 ? lo - sh->halo : 0;
    vhi = hi + sh->halo < shape[k] ? hi + sh->halo : shape[k];
    if (lo == hi)
        vlo = vhi = lo;     /* no rows of its own: no halo either */
    out->start = vlo;
    out->halo_before = lo - vlo;
    out->halo_after = vhi - hi;
    for (k = 0; k < ndim; k++) {
        if (k != out->axis)
            slab *= shape[k];
    }
    shape[out->axis] = vhi - vlo;
    *offset += vlo * slab * itemsize;
    *size = (vhi - vlo) * slab;
    *nbytes = *size * itemsize;
}

void hr_shard_fill(struct hr_array *v, const struct hr_shard_view *sv)
{
    memcpy(v->global_shape, sv->global_shape, sizeof v->global_shape);
    memset(v->offset, 0, sizeof v->offset);
    v->split_axis = sv->axis;
    if (sv->axis >= 0)
        v->offset[sv->axis] = sv->start;
    v->halo_before = sv->halo_before;
    v->halo_after = sv->halo_after;
    v->rank = sv->rank;
    v->nranks = sv->nranks;
}
