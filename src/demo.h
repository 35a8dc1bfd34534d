/* demo.h - the reference data set of hotrun --demo */
#ifndef HR_DEMO_H
#define HR_DEMO_H

#include <stdint.h>

#include "err.h"

#define HR_DEMO_ROWS 5000
#define HR_DEMO_COLS 5000
#define HR_DEMO_SEED 20261124u

/* Where the demo array is cached: $XDG_CACHE_HOME/hotrun/..., else
 * $HOME/.cache/hotrun/..., else (no HOME) a folder of this user's own in
 * $TMPDIR or /tmp: hotrun-UID/....  Computes the name only.  Owned by the
 * caller (free()); NULL when out of memory. */
char *hr_demo_path(void);

/* Makes the demo array at path unless it is there already: 5000 x 5000
 * float64, uniform in [0, 1), from a fixed seed (xoshiro256**), so that
 * every machine gets the same bytes.  path's folder is made (0700) when
 * missing and must be private (hr_fileio_private_dir(): a real folder of
 * ours that nobody else can write), or nothing is written; the file is
 * written under a new exclusive name and renamed into place.  *made says
 * whether it was written.  Returns 0 or an HR_E* code with err. */
int hr_demo_make(const char *path, int *made,
                 void (*progress)(void *ud, int64_t done, int64_t total),
                 void *ud, struct hr_err *err);

/* Fills out[0..n) with the demo sequence from seed (exposed for tests). */
void hr_demo_fill(double *out, int64_t n, uint64_t seed);

#endif
