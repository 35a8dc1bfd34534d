/* dtype.c - element types and shapes: names, parsing, sizes, element access */
#include "dtype.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const struct {
    const char *name;
    const char *short_name;
    int size;
} dtypes[HR_NDTYPES] = {
    [HR_BOOL] = { "bool", "bool", 1 },
    [HR_INT8] = { "int8", "i8", 1 },
    [HR_INT16] = { "int16", "i16", 2 },
    [HR_INT32] = { "int32", "i32", 4 },
    [HR_INT64] = { "int64", "i64", 8 },
    [HR_UINT8] = { "uint8", "u8", 1 },
    [HR_UINT16] = { "uint16", "u16", 2 },
    [HR_UINT32] = { "uint32", "u32", 4 },
    [HR_UINT64] = { "uint64", "u64", 8 },
    [HR_FLOAT16] = { "float16", "f16", 2 },
    [HR_FLOAT32] = { "float32", "f32", 4 },
    [HR_FLOAT64] = { "float64", "f64", 8 },
    [HR_COMPLEX64] = { "complex64", "c64", 8 },
    [HR_COMPLEX128] = { "complex128", "c128", 16 },
};

/* NumPy's spellings (names, kind+size codes and one-letter type codes;
 * "int", "long" and "l" are the 64-bit C long of Linux). */
static const struct {
    const char *s;
    int dtype;
} dtype_aliases[] = {
    { "bool", HR_BOOL }, { "b1", HR_BOOL }, { "?", HR_BOOL },
    { "bool_", HR_BOOL },
    { "int8", HR_INT8 }, { "i1", HR_INT8 }, { "byte", HR_INT8 },
    { "b", HR_INT8 },
    { "int16", HR_INT16 }, { "i2", HR_INT16 }, { "short", HR_INT16 },
    { "h", HR_INT16 },
    { "int32", HR_INT32 }, { "i4", HR_INT32 }, { "intc", HR_INT32 },
    { "i", HR_INT32 },
    { "int64", HR_INT64 }, { "i8", HR_INT64 }, { "int", HR_INT64 },
    { "long", HR_INT64 }, { "longlong", HR_INT64 }, { "intp", HR_INT64 },
    { "l", HR_INT64 }, { "q", HR_INT64 }, { "p", HR_INT64 },
    { "uint8", HR_UINT8 }, { "u1", HR_UINT8 }, { "ubyte", HR_UINT8 },
    { "B", HR_UINT8 },
    { "uint16", HR_UINT16 }, { "u2", HR_UINT16 }, { "ushort", HR_UINT16 },
    { "H", HR_UINT16 },
    { "uint32", HR_UINT32 }, { "u4", HR_UINT32 }, { "uintc", HR_UINT32 },
    { "I", HR_UINT32 },
    { "uint64", HR_UINT64 }, { "u8", HR_UINT64 }, { "uint", HR_UINT64 },
    { "ulong", HR_UINT64 }, { "ulonglong", HR_UINT64 },
    { "uintp", HR_UINT64 }, { "L", HR_UINT64 }, { "Q", HR_UINT64 },
    { "P", HR_UINT64 },
    { "float16", HR_FLOAT16 }, { "f2", HR_FLOAT16 }, { "half", HR_FLOAT16 },
    { "e", HR_FLOAT16 },
    { "float32", HR_FLOAT32 }, { "f4", HR_FLOAT32 },
    { "single", HR_FLOAT32 }, { "f", HR_FLOAT32 },
    { "float64", HR_FLOAT64 }, { "f8", HR_FLOAT64 },
    { "double", HR_FLOAT64 }, { "float", HR_FLOAT64 }, { "d", HR_FLOAT64 },
    { "complex64", HR_COMPLEX64 }, { "c8", HR_COMPLEX64 },
    { "csingle", HR_COMPLEX64 }, { "F", HR_COMPLEX64 },
    { "complex128", HR_COMPLEX128 }, { "c16", HR_COMPLEX128 },
    { "cdouble", HR_COMPLEX128 }, { "complex", HR_COMPLEX128 },
    { "D", HR_COMPLEX128 },
};

/* ---- dtypes ---- */

const char *hr_dtype_name(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return "unknown";
    return dtypes[dtype].name;
}

const char *hr_dtype_short(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return "?";
    return dtypes[dtype].short_name;
}

int hr_dtype_size(int dtype)
{
    if (dtype < 0 || dtype >= HR_NDTYPES)
        return 0;
    return dtypes[dtype].size;
}

int hr_dtype_parse(const char *s, int *dtype, int *big_endian)
{
    int big = 0;
    size_t k;

    if (s == NULL)
        return HR_EINVAL;
    if (*s != '\0' && strchr("<>=|!", *s) != NULL) {
        big = *s == '>' || *s == '!';
        s++;
    }
    for (k = 0; k < sizeof dtype_aliases / sizeof dtype_aliases[0]; k++) {
        if (strcmp(s, dtype_aliases[k].s) == 0) {
            *dtype = dtype_aliases[k].dtype;
            *big_endian = big;
            return 0;
        }
    }
    return HR_EINVAL;
}

/* ---- shapes ---- */

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int hr_shape_parse(const char *s, struct hr_raw_spec *spec)
{
    int64_t shape[HR_MAX_NDIM];
    int64_t bytes = 1;
    int64_t v;
    const char *p;
    int paren;
    int nd = 0;
    int sep;

    if (s == NULL)
        return HR_EINVAL;
    p = skip_spaces(s);
    paren = *p == '(';
    p = skip_spaces(p + paren);
    while (!(paren && *p == ')')) {
        if (*p < '0' || *p > '9' || nd == HR_MAX_NDIM)
            return HR_EINVAL;
        for (v = 0; *p >= '0' && *p <= '9'; p++) {
            if (__builtin_mul_overflow(v, 10, &v) ||
                __builtin_add_overflow(v, *p - '0', &v))
                return HR_EINVAL;
        }
        if (v > 0 && __builtin_mul_overflow(bytes, v, &bytes))
            return HR_EINVAL;
        shape[nd++] = v;
        p = skip_spaces(p);
        sep = *p;
        if (sep != 'x' && sep != 'X' && sep != ',')
            break;
        p = skip_spaces(p + 1);
        if (sep != ',' && paren && *p == ')')
            return HR_EINVAL;
    }
    if (paren && *p != ')')
        return HR_EINVAL;
    p = skip_spaces(p + paren);
    if (*p != '\0' || (nd == 0 && !paren))
        return HR_EINVAL;
    spec->ndim = nd;
    memcpy(spec->shape, shape, (size_t)nd * sizeof shape[0]);
    return 0;
}

void hr_shape_format(const struct hr_array *a, char *buf, size_t len)
{
    hr_shape_format_dims(a->ndim, a->shape, buf, len);
}

void hr_shape_format_dims(int ndim, const int64_t *shape, char *buf,
                          size_t len)
{
    size_t used = 0;
    int k;
    int n;

    if (len == 0)
        return;
    buf[0] = '\0';
    if (ndim == 0)
        snprintf(buf, len, "scalar");
    for (k = 0; k < ndim && used < len; k++) {
        n = snprintf(buf + used, len - used, "%s%lld", k > 0 ? "x" : "",
                     (long long)shape[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

void hr_shape_tuple(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used;
    int k;
    int n;

    if (len == 0)
        return;
    snprintf(buf, len, "(");
    used = strlen(buf);
    for (k = 0; k < ndim && used < len; k++) {
        n = snprintf(buf + used, len - used, "%s%lld", k > 0 ? ", " : "",
                     (long long)shape[k]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (used < len)
        snprintf(buf + used, len - used, "%s)", ndim == 1 ? "," : "");
}

int hr_shape_bytes(int ndim, const int64_t *shape, int itemsize,
                   int64_t *size, int64_t *nbytes)
{
    int64_t bytes = itemsize;
    int empty = 0;
    int k;

    for (k = 0; k < ndim; k++) {
        if (shape[k] == 0)
            empty = 1;
        else if (__builtin_mul_overflow(bytes, shape[k], &bytes))
            return HR_EINVAL;
    }
    *size = empty ? 0 : bytes / itemsize;
    *nbytes = empty ? 0 : bytes;
    return 0;
}

/* ---- arrays ---- */

int hr_array_check(const struct hr_array *a)
{
    int64_t size = 1;
    int64_t nonzero = 1;        /* bounds every product of some axes */
    int k;

    if (a == NULL || a->dtype < 0 || a->dtype >= HR_NDTYPES ||
        a->itemsize != dtypes[a->dtype].size || a->ndim < 0 ||
        a->ndim > HR_MAX_NDIM)
        return HR_EINVAL;
    for (k = 0; k < a->ndim; k++) {
        if (a->shape[k] < 0 ||
            (a->shape[k] > 0 && nonzero > INT64_MAX / a->shape[k]))
            return HR_EINVAL;
        size *= a->shape[k];
        nonzero *= a->shape[k] > 0 ? a->shape[k] : 1;
    }
    if (size != a->size || (size > 0 && a->data == NULL))
        return HR_EINVAL;
    return 0;
}

int hr_array_is_contiguous(const struct hr_array *a, int fortran)
{
    int64_t sd = a->itemsize;
    int j;
    int k;

    for (j = 0; j < a->ndim; j++) {
        if (a->shape[j] == 0)
            return 1;
    }
    for (j = 0; j < a->ndim; j++) {
        k = fortran ? j : a->ndim - 1 - j;
        if (a->shape[k] == 1)
            continue;
        if (a->strides[k] != sd)
            return 0;
        sd *= a->shape[k];
    }
    return 1;
}

const char *hr_array_elem(const struct hr_array *a, int64_t i)
{
    const char *p = a->data;
    int64_t off = 0;
    int k;

    for (k = a->ndim - 1; k >= 0; k--) {
        off += i % a->shape[k] * a->strides[k];
        i /= a->shape[k];
    }
    return p + off;
}

/* ---- elements ---- */

static inline double element(const char *p, int dtype)
{
    switch (dtype) {
    case HR_BOOL: return *(const uint8_t *)p != 0;
    case HR_INT8: return *(const int8_t *)p;
    case HR_INT16: return *(const int16_t *)p;
    case HR_INT32: return *(const int32_t *)p;
    case HR_INT64: return (double)*(const int64_t *)p;
    case HR_UINT8: return *(const uint8_t *)p;
    case HR_UINT16: return *(const uint16_t *)p;
    case HR_UINT32: return *(const uint32_t *)p;
    case HR_UINT64: return (double)*(const uint64_t *)p;
    case HR_FLOAT16: return hr_half_to_double(*(const uint16_t *)p);
    case HR_FLOAT32: return *(const float *)p;
    case HR_FLOAT64: return *(const double *)p;
    case HR_COMPLEX64: return *(const float *)p;
    case HR_COMPLEX128: return *(const double *)p;
    }
    return NAN;
}

double hr_array_at(const struct hr_array *a, int64_t i)
{
    const char *p = a->data;
    int64_t off = 0;
    int k;

    if (a->flags & HR_C_CONTIGUOUS)
        return element(p + i * a->itemsize, a->dtype);
    for (k = a->ndim - 1; k >= 0; k--) {
        off += i % a->shape[k] * a->strides[k];
        i /= a->shape[k];
    }
    return element(p + off, a->dtype);
}

int hr_name_valid(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}
