/* api.h - the host side of hotrun.h: what task code calls back into
 *
 * The functions of hotrun.h read the current run (run.h) for its
 * arguments, the array lookup and the progress callback.  This header
 * gives the table of names bound into every module.
 */
#ifndef HR_API_H
#define HR_API_H

#include <stddef.h>

#include "jit.h"

/* The names bound into every module: hotrun.h's functions, its C library
 * subset (the calls that block or print go through tasklibc.h's safe
 * points), and TinyCC's runtime helpers.  Static table; *n gets its
 * size. */
const struct hr_sym *hr_api_symbols(size_t *n);

#endif
