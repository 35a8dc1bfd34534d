/* walk.c - the elements of an array in C order, as runs along its last
 * axis, and runs converted to double */
#include "walk.h"

#include <string.h>

#include "dtype.h"

void hr_walk_start(struct hr_walk *w, const struct hr_array *a,
                   int64_t begin, int64_t end)
{
    int64_t rest = begin;
    int k;

    w->a = a;
    w->i = begin;
    w->end = end;
    w->off = 0;
    for (k = a->ndim - 1; k >= 0; k--) {
        w->idx[k] = a->shape[k] > 0 ? rest % a->shape[k] : 0;
        rest = a->shape[k] > 0 ? rest / a->shape[k] : 0;
        w->off += w->idx[k] * a->strides[k];
    }
}

int hr_walk_next(struct hr_walk *w, const char **p, int64_t *stride,
                 int64_t *n, int64_t max)
{
    const struct hr_array *a = w->a;
    int last = a->ndim - 1;
    int64_t run;
    int k;

    if (w->i >= w->end)
        return 0;
    *p = (const char *)a->data + w->off;
    if (last < 0) {             /* 0-d: one element */
        *stride = 0;
        *n = 1;
        w->i++;
        return 1;
    }
    run = a->shape[last] - w->idx[last];
    if (run > w->end - w->i)
        run = w->end - w->i;
    if (run > max)
        run = max;
    *stride = a->strides[last];
    *n = run;
    w->i += run;
    w->idx[last] += run;
    w->off += run * a->strides[last];
    for (k = last; k > 0 && w->idx[k] == a->shape[k]; k--) {
        w->off -= w->idx[k] * a->strides[k];
        w->idx[k] = 0;
        w->idx[k - 1]++;
        w->off += a->strides[k - 1];
    }
    return 1;
}

#define CONV(T) \
    for (j = 0; j < n; j++) { \
        T x_; \
        memcpy(&x_, p + j * stride, sizeof x_); \
        out[j] = (double)x_; \
    }

void hr_walk_f64(int dtype, const char *p, int64_t stride, int64_t n,
                 double *out)
{
    uint16_t h;
    int64_t j;

    switch (dtype) {
    case HR_BOOL:
        for (j = 0; j < n; j++)
            out[j] = p[j * stride] != 0;
        break;
    case HR_INT8: CONV(int8_t); break;
    case HR_INT16: CONV(int16_t); break;
    case HR_INT32: CONV(int32_t); break;
    case HR_INT64: CONV(int64_t); break;
    case HR_UINT8: CONV(uint8_t); break;
    case HR_UINT16: CONV(uint16_t); break;
    case HR_UINT32: CONV(uint32_t); break;
    case HR_UINT64: CONV(uint64_t); break;
    case HR_FLOAT16:
        for (j = 0; j < n; j++) {
            memcpy(&h, p + j * stride, sizeof h);
            out[j] = hr_half_to_double(h);
        }
        break;
    case HR_FLOAT32:
    case HR_COMPLEX64:
        CONV(float);
        break;
    default:
        CONV(double);
        break;
    }
}
