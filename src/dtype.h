/* dtype.h - element types and shapes: names, parsing, sizes, element access
 *
 * Pure functions over static tables: nothing is allocated, names returned
 * are static strings, and text goes into the caller's buffers.
 */
#ifndef HR_DTYPE_H
#define HR_DTYPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hotrun.h"
#include "libhotrun.h"     /* HR_SHAPE_TXT, hr_shape_format(), ... */

/* Layout of a raw binary file, given by --dtype and --shape. */
struct hr_raw_spec {
    int dtype;                      /* enum hr_dtype */
    int big_endian;                 /* file is big-endian ('>' prefix) */
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int fortran;                    /* column-major file */
};

/* hr_dtype_name() ("float64", ...) is declared in hotrun.h. */

/* Parses a dtype as NumPy spells it: "float64", "f8", "<f8", ">i4", "u1",
 * "bool", "double", "complex128"...  Sets *dtype and *big_endian (1 for a
 * '>' prefix).  Returns 0 or HR_EINVAL. */
int hr_dtype_parse(const char *s, int *dtype, int *big_endian);

/* Bytes per element of a dtype. */
int hr_dtype_size(int dtype);

/* Short name for display: "f64", "i32", "bool", "c128"... */
const char *hr_dtype_short(int dtype);

/* Parses "5000x5000", "5000,5000" or "100" into spec->ndim and
 * spec->shape.  Returns 0 or HR_EINVAL. */
int hr_shape_parse(const char *s, struct hr_raw_spec *spec);

/* Formats the shape as "5000x5000" ("scalar" for 0-d) into buf. */
void hr_shape_format(const struct hr_array *a, char *buf, size_t len);

/* The same for a bare shape of ndim dimensions. */
void hr_shape_format_dims(int ndim, const int64_t *shape, char *buf,
                          size_t len);

/* Sets *size (elements) and *nbytes of a shape of itemsize-byte elements.
 * As in NumPy, zero dimensions do not hide an overflow of the others.
 * Returns 0, or HR_EINVAL when the byte size overflows int64. */
int hr_shape_bytes(int ndim, const int64_t *shape, int itemsize,
                   int64_t *size, int64_t *nbytes);

/* Formats the shape as Python writes a tuple: "(3, 4)", "(5,)", "()". */
void hr_shape_tuple(int ndim, const int64_t *shape, char *buf, size_t len);

/* 0 when a is a sound view: a known dtype with its itemsize, 0 <= ndim <=
 * HR_MAX_NDIM, no negative axis, size the product of the shape (which
 * does not overflow), data not NULL unless the array is empty; else
 * HR_EINVAL. */
int hr_array_check(const struct hr_array *a);

/* True when the strides lay a out without gaps in C order (fortran 0) or
 * Fortran order (fortran 1), as NumPy decides it: axes of length 1 do not
 * count, and an empty array is both. */
int hr_array_is_contiguous(const struct hr_array *a, int fortran);

/* Address of element i of a, counted in C order (0 <= i < a->size). */
const char *hr_array_elem(const struct hr_array *a, int64_t i);

/* Element i of a in C order as double (the task function hr_at()). */
double hr_array_at(const struct hr_array *a, int64_t i);

/* A float16 (IEEE binary16) as a double, exactly: every half is a double
 * (subnormals, infinities and NaN payloads included).  Inline so that the
 * kernels' conversion loops stay vectorisable. */
static inline double hr_half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h >> 15) << 63;
    uint64_t exp = (h >> 10) & 0x1f;
    uint64_t man = h & 0x3ff;
    uint64_t bits;
    double d;

    if (exp == 0) {
        d = (double)man * 0x1p-24;
        return sign ? -d : d;
    }
    exp = exp == 31 ? 0x7ff : exp - 15 + 1023;
    bits = sign | exp << 52 | man << 42;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Are the n bytes at s a name for an array (letters, digits, '_', '-',
 * '.')? */
int hr_name_valid(const char *s, size_t n);

#endif
