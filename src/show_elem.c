/* show_elem.c - one element of any dtype as NumPy writes it: float parts
 * split for the formatter, integers, and a scalar's str() */
#include "show_elem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "show.h"

int hr_show_part_type(int dtype)
{
    if (dtype == HR_COMPLEX64)
        return HR_FLOAT32;
    if (dtype == HR_COMPLEX128)
        return HR_FLOAT64;
    return dtype;
}

/* The float at p, of a float type, split, and its value. */
double hr_show_part(const char *p, int type, struct hr_flt *v)
{
    uint16_t h;
    float f;
    double d;

    if (type == HR_FLOAT16) {
        memcpy(&h, p, sizeof h);
        hr_flt_from_f16(h, v);
        return hr_half_to_double(h);
    }
    if (type == HR_FLOAT32) {
        memcpy(&f, p, sizeof f);
        hr_flt_from_f32(f, v);
        return f;
    }
    memcpy(&d, p, sizeof d);
    hr_flt_from_f64(d, v);
    return d;
}

int hr_show_is_float(int dtype)
{
    return dtype == HR_FLOAT16 || dtype == HR_FLOAT32 ||
           dtype == HR_FLOAT64;
}

int hr_show_is_complex(int dtype)
{
    return dtype == HR_COMPLEX64 || dtype == HR_COMPLEX128;
}

int hr_show_int_text(int dtype, const char *p, char *buf, size_t cap)
{
    union {
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
    } x;

    memcpy(&x, p, (size_t)hr_dtype_size(dtype));
    switch (dtype) {
    case HR_INT8: return snprintf(buf, cap, "%d", x.i8);
    case HR_INT16: return snprintf(buf, cap, "%d", x.i16);
    case HR_INT32: return snprintf(buf, cap, "%d", x.i32);
    case HR_INT64: return snprintf(buf, cap, "%lld", (long long)x.i64);
    case HR_UINT8: return snprintf(buf, cap, "%u", x.u8);
    case HR_UINT16: return snprintf(buf, cap, "%u", x.u16);
    case HR_UINT32: return snprintf(buf, cap, "%u", x.u32);
    case HR_UINT64:
        return snprintf(buf, cap, "%llu", (unsigned long long)x.u64);
    }
    return snprintf(buf, cap, "?");
}

/* ---- scalars ---- */

/* A float part of a NumPy scalar's str(): positional between 1e-4 and
 * 1e16, else scientific. */
static int scalar_part(const struct hr_flt *v, double x, int trim_pos,
                       int sign, char *buf, size_t cap)
{
    struct hr_flt_opts o;
    double m = fabs(x);

    if (v->kind == HR_FLT_NAN)
        return snprintf(buf, cap, "%snan", sign ? "+" : "");
    hr_flt_opts_default(&o, !(m == 0 || (m >= 1e-4 && m < 1e16)));
    o.trim = o.scientific ? HR_TRIM_POINT : trim_pos;
    o.sign = sign;
    return hr_flt_format(v, &o, buf, cap);
}

int hr_show_scalar(int dtype, const void *p, char *buf, size_t cap)
{
    char re[HR_FLT_BUF];
    char im[HR_FLT_BUF];
    struct hr_flt vr, vi;
    int type = hr_show_part_type(dtype);
    double xr, xi;

    if (dtype == HR_BOOL)
        return snprintf(buf, cap, "%s", *(const uint8_t *)p ? "True" :
                        "False");
    if (hr_show_is_float(dtype)) {
        xr = hr_show_part(p, type, &vr);
        return scalar_part(&vr, xr, HR_TRIM_ONE_ZERO, 0, buf, cap);
    }
    if (!hr_show_is_complex(dtype))
        return hr_show_int_text(dtype, p, buf, cap);
    xr = hr_show_part(p, type, &vr);
    xi = hr_show_part((const char *)p + hr_dtype_size(dtype) / 2, type, &vi);
    if (xr == 0 && !vr.neg) {
        if (scalar_part(&vi, xi, HR_TRIM_POINT, 0, im, sizeof im) < 0)
            return -1;
        return snprintf(buf, cap, "%sj", im);
    }
    if (scalar_part(&vr, xr, HR_TRIM_POINT, 0, re, sizeof re) < 0 ||
        scalar_part(&vi, xi, HR_TRIM_POINT, 1, im, sizeof im) < 0)
        return -1;
    return snprintf(buf, cap, "(%s%sj)", re, im);
}

int hr_show_f64(double v, char *buf, size_t cap)
{
    return hr_show_scalar(HR_FLOAT64, &v, buf, cap);
}

