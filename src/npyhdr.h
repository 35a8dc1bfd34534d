/* npyhdr.h - parse the dict literal of a .npy header
 *
 * Pure: the text is borrowed for the call only, the result goes into the
 * caller's struct and nothing is allocated.
 */
#ifndef HR_NPYHDR_H
#define HR_NPYHDR_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "err.h"

/* The three keys of a .npy header, as written. */
struct hr_npyhdr {
    char descr[64];                 /* 'descr', e.g. "<f8" */
    int fortran;                    /* 'fortran_order' */
    int ndim;                       /* 'shape' */
    int64_t shape[HR_MAX_NDIM];     /* zero past ndim */
};

/* Parses text[0..n), {'descr': '<f8', 'fortran_order': False, 'shape':
 * (3, 4), } in any key order and spacing, into *out.  On failure err gets
 * "path: malformed header: ..." or why the header is refused.  Returns 0,
 * HR_EFORMAT or HR_EUNSUPPORTED. */
int hr_npyhdr_parse(const char *path, const char *text, size_t n,
                    struct hr_npyhdr *out, struct hr_err *err);

#endif
