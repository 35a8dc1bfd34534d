/* numparse.h - decimal text to double, exactly rounded and fast
 *
 * The grammar is Python's float() (what NumPy's loadtxt reads), without
 * surrounding blanks: [+-] digits [. digits] [e|E [+-] digits], at least
 * one digit, or [+-] inf, infinity, nan in any case.  The result is the
 * double nearest to the decimal (ties to even), as Python and NumPy give,
 * through fast_float (Lemire's Eisel-Lemire algorithm with an exact slow
 * path).  Pure: no state, no allocation; callable from any thread.
 */
#ifndef HR_NUMPARSE_H
#define HR_NUMPARSE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Parses the longest number at p (p < end); returns the first byte after
 * it, or p when no number starts there (*out then unchanged). */
const char *hr_numparse_f64(const char *p, const char *end, double *out);

#ifdef __cplusplus
}
#endif

#endif
