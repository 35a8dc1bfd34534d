/* srcscan.h - a lexical look at a task file before it is compiled
 *
 * Catches, with a "file:line: what" message, the inputs that would only
 * make the compiler suffer: a NUL byte (binary junk, or text the compiler
 * would silently cut short there) and brackets nested deeper than a limit
 * (each level costs the compiler stack).  Comments, string and character
 * literals are skipped as C lexes them.  Nesting made by macros is not
 * seen here; the compiler's thread catches that (guard.h).  Pure: reads
 * the buffer, allocates nothing.
 */
#ifndef HR_SRCSCAN_H
#define HR_SRCSCAN_H

#include <stddef.h>

#include "err.h"

/* Brackets ( [ { nested this deep are refused. */
#define HR_SRCSCAN_MAX_DEPTH 10000

/* Checks src[0, len) of the file path.  Returns 0, or HR_ECOMPILE with err
 * e.g. "t.c:3: error: brackets nested deeper than 10000 levels" or
 * "t.c:1: error: a NUL byte: not C source text". */
int hr_srcscan_check(const char *path, const char *src, size_t len,
                     int max_depth, struct hr_err *err);

#endif
