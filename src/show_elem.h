/* show_elem.h - one element of any dtype as NumPy writes it: float parts
 * split for the formatter, integers, and a scalar's str()
 *
 * Shared by show.c and stats.c.  Pure: the element is borrowed for the
 * call, text goes into the caller's buffer.  hr_show_scalar() and
 * hr_show_f64() are declared in show.h.
 */
#ifndef HR_SHOW_ELEM_H
#define HR_SHOW_ELEM_H

#include <stddef.h>

#include "fltfmt.h"

/* The float type of each part of a dtype: float32 for complex64, float64
 * for complex128, the dtype itself otherwise. */
int hr_show_part_type(int dtype);

/* The float of type (HR_FLOAT16/32/64) at p: split into *v for the
 * formatter, and returned as a double (exactly). */
double hr_show_part(const char *p, int type, struct hr_flt *v);

int hr_show_is_float(int dtype);
int hr_show_is_complex(int dtype);

/* An integer element (any signed or unsigned dtype) in decimal, as
 * snprintf() returns its length. */
int hr_show_int_text(int dtype, const char *p, char *buf, size_t cap);

#endif
