/* array_made.c - arrays a task made (hr_new) as resident arrays */
#include "array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "array_shard.h"

int hr_array_made(const char *name, const char *task, int dtype, int ndim,
                  const int64_t *shape, void *map, size_t map_len,
                  struct hr_resident **out)
{
    struct hr_resident *r = calloc(1, sizeof *r);
    struct hr_shard_view sv;
    struct hr_array *v = NULL;
    int64_t shp[HR_MAX_NDIM];
    int64_t off = 0, size = 0, nbytes = 0;
    int64_t sd;
    int k;

    *out = NULL;
    if (r == NULL)
        return HR_ENOMEM;
    r->name = strdup(name);
    if (asprintf(&r->path, "(made by %s)", task) < 0)
        r->path = NULL;
    if (r->name == NULL || r->path == NULL) {
        free(r->name);
        free(r->path);
        free(r);
        return HR_ENOMEM;
    }
    v = &r->view;
    v->dtype = dtype;
    v->ndim = ndim;
    memset(shp, 0, sizeof shp);
    if (ndim > 0)
        memcpy(shp, shape, (size_t)ndim * sizeof *shape);
    memcpy(v->shape, shp, sizeof v->shape);
    v->itemsize = hr_dtype_size(dtype);
    hr_shape_bytes(ndim, shp, (int)v->itemsize, &size, &nbytes);
    v->size = size;
    v->nbytes = nbytes;
    v->name = r->name;
    sd = v->itemsize;
    for (k = ndim - 1; k >= 0; k--) {
        v->strides[k] = sd;
        if (v->shape[k] != 0)
            sd *= v->shape[k];
    }
    v->flags = (hr_array_is_contiguous(v, 0) ? HR_C_CONTIGUOUS : 0) |
               (hr_array_is_contiguous(v, 1) ? HR_F_CONTIGUOUS : 0);
    /* one process, the whole array: the shard fields say so */
    hr_shard_narrow(NULL, ndim, 0, shp, v->itemsize, &off, &size, &nbytes,
                    &sv);
    hr_shard_fill(v, &sv);
    v->data = map;
    r->map = map;
    r->map_len = map_len;
    r->fd = -1;
    snprintf(r->how, sizeof r->how, "made");
    r->format = "made";
    /* read-only from now on, like every resident array */
    if (map != NULL && map_len > 0)
        mprotect(map, map_len, PROT_READ);
    *out = r;
    return 0;
}
