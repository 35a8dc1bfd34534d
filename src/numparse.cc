/* numparse.cc - decimal text to double through fast_float (the one C++
 * translation unit: fast_float is a header-only C++ library) */
#include "numparse.h"

#include <fast_float/fast_float.h>

#include <limits>

/* "inf", "infinity" or "nan" in any case at p: its end, or p. */
static const char *special(const char *p, const char *end, double *out)
{
    static const char inf[] = "infinity";
    static const char nan[] = "nan";
    size_t n = (size_t)(end - p);
    size_t k;

    for (k = 0; k < 8 && k < n && (p[k] | 0x20) == inf[k]; k++)
        continue;
    if (k == 8 || k == 3) {
        *out = std::numeric_limits<double>::infinity();
        return p + k;
    }
    for (k = 0; k < 3 && k < n && (p[k] | 0x20) == nan[k]; k++)
        continue;
    if (k == 3) {
        *out = std::numeric_limits<double>::quiet_NaN();
        return p + k;
    }
    return p;
}

extern "C" const char *hr_numparse_f64(const char *p, const char *end,
                                       double *out)
{
    const char *q = p;
    const char *e;
    int neg = 0;
    double v = 0;

    if (q < end && (*q == '+' || *q == '-')) {
        neg = *q == '-';
        q++;
    }
    if (q == end)
        return p;
    if ((*q >= '0' && *q <= '9') || *q == '.') {
        fast_float::from_chars_result r = fast_float::from_chars(q, end, v);

        if (r.ptr == q || r.ec != std::errc())
            return p;
        e = r.ptr;
    } else {
        e = special(q, end, &v);
        if (e == q)
            return p;
    }
    *out = neg ? -v : v;
    return e;
}
