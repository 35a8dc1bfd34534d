/* reload_libc.c - the bench's reload subject with glibc headers
 *
 * The tasks of reload_min.c, after <stdio.h> <math.h> <stdlib.h>
 * <string.h>: what a reload costs when a task file parses system headers.
 * The system headers come before hotrun.h: the other order does not
 * compile under hotrun 0.1.0 (hotrun.h defines isinf() as a macro, which
 * breaks glibc's declaration of isinf in <math.h>).
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reload_min.c"
