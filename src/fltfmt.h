/* fltfmt.h - decimal text of float16, float32 and float64 values, digit for
 * digit as NumPy prints them
 *
 * NumPy formats floats with Dragon4 (format_float_positional and
 * format_float_scientific, which array printing uses): in "unique" mode the
 * fewest digits that still identify the value among the values of its own
 * type (so a float32 0.1 is "0.1", not 0.10000000149...), the rounding
 * margins inclusive when the significand is even; in "exact" mode the
 * correctly rounded digits of the binary value.  A cutoff (precision) and
 * a minimum (min_digits) bound the digit count, and trim modes and padding
 * shape the text.  This module implements that contract with its own
 * big-integer digit generator (Steele & White / Burger & Dybvig), so that
 * hotrun's `show` prints what NumPy prints.
 *
 * Pure functions: no state, no allocation; text goes into the caller's
 * buffer.
 */
#ifndef HR_FLTFMT_H
#define HR_FLTFMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any value hr_flt_format() writes with pads under 64. */
#define HR_FLT_BUF 1200

/* Room for the digits of any value (hr_flt_digits()). */
#define HR_FLT_DIGITS 800

enum hr_flt_kind { HR_FLT_FINITE, HR_FLT_INF, HR_FLT_NAN };

/* A value as the digit generator sees it: mant * 2^exp. */
struct hr_flt {
    uint64_t mant;      /* integer significand (0 for zero) */
    int exp;            /* binary exponent */
    int neg;            /* sign bit (also for -0.0 and NaN) */
    int kind;           /* enum hr_flt_kind */
    int unequal;        /* the gap to the value below is half the gap above */
};

/* Splits a value of each IEEE type (float16 given as its bits). */
void hr_flt_from_f64(double v, struct hr_flt *out);
void hr_flt_from_f32(float v, struct hr_flt *out);
void hr_flt_from_f16(uint16_t bits, struct hr_flt *out);

/* ---- fltdig.c ---- */

/* The decimal digits of v (finite) into dig (at most HR_FLT_DIGITS, no
 * NUL), the exponent of the first digit in *exp10 (value ~ d.ddd x
 * 10^exp10).  unique: the fewest digits that identify v among the values
 * of its type, the rounding margins inclusive for an even significand;
 * else the exact digits.  cut_max / cut_min (-1: none) are the most and
 * the fewest digits, counted after the decimal point (frac) or in all
 * (!frac); the last digit is rounded to nearest, ties to even.  Zero is
 * "0" with exponent 0.  Returns the digit count. */
int hr_flt_digits(const struct hr_flt *v, int unique, int frac, int cut_max,
                  int cut_min, char *dig, int *exp10);

/* ---- fltfmt.c ---- */

/* NumPy's trim modes: 'k', '.', '0', '-'. */
enum hr_flt_trim {
    HR_TRIM_KEEP,       /* 'k': keep trailing zeros and the point */
    HR_TRIM_ZEROS,      /* '.': drop trailing zeros, keep the point */
    HR_TRIM_ONE_ZERO,   /* '0': drop trailing zeros but one: "1.0" */
    HR_TRIM_POINT       /* '-': drop trailing zeros and the point */
};

/* The options of format_float_positional / format_float_scientific;
 * -1 means "not given" for precision, min_digits, pad_left, pad_right and
 * exp_digits. */
struct hr_flt_opts {
    int scientific;     /* d.ddde+XX, else positional ddd.ddd */
    int unique;         /* shortest unique digits, else exact digits */
    int fractional;     /* positional: precision counts digits after the
                         * point (NumPy's default), else all digits */
    int precision;      /* at most this many digits (see above) */
    int min_digits;     /* at least this many (unique mode) */
    int trim;           /* enum hr_flt_trim */
    int sign;           /* '+' before positive values */
    int pad_left;       /* pad with spaces to this many characters left of
                         * the point (sign included) */
    int pad_right;      /* positional: pad to this many after the point */
    int exp_digits;     /* scientific: at least this many exponent digits
                         * (2 when -1) */
};

/* The options NumPy's functions default to: unique, fractional, trim 'k',
 * nothing else given. */
void hr_flt_opts_default(struct hr_flt_opts *o, int scientific);

/* Formats v into buf (cap bytes, NUL-terminated) as NumPy's
 * dragon4_positional / dragon4_scientific would, "nan" and "inf" (signed
 * as NumPy signs them) included.  Returns the length, or -1 when the text
 * does not fit in cap (buf then holds a cut, terminated string). */
int hr_flt_format(const struct hr_flt *v, const struct hr_flt_opts *o,
                  char *buf, size_t cap);

/* A double rounded to the nearest float16 (ties to even), as its bits. */
uint16_t hr_flt_to_f16(double v);

#endif
