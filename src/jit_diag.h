/* jit_diag.h - what the compiler says during one compile
 *
 * Private to jit.c and jit_build.c.  Collects libtcc's messages: errors
 * go into the caller's struct hr_err ("file:line: error: ..."), warnings
 * into an owned buffer (at most HR_JIT_DIAG_WARN_MAX bytes: binary junk
 * can make millions), and names the linker could not bind into a list, so
 * that jit_build.c can bind them from the C library and compile again.
 * Does not include libtcc.h: on_diag has libtcc's callback type by hand.
 */
#ifndef HR_JIT_DIAG_H
#define HR_JIT_DIAG_H

#include <stddef.h>

#include "err.h"

#define HR_JIT_DIAG_MAX_UNDEF 64
#define HR_JIT_DIAG_WARN_MAX (64 * 1024)

struct hr_jit_diag {
    struct hr_err *err;         /* errors go here (borrowed) */
    char *warnings;             /* owned, grows */
    size_t wlen;
    int nerrors;
    char *undef[HR_JIT_DIAG_MAX_UNDEF];  /* owned */
    int nundef;
};

/* libtcc's error callback; opaque is a struct hr_jit_diag. */
void hr_jit_diag_on(void *opaque, const char *msg);

/* Forgets the warnings and errors counted (before a second compile). */
void hr_jit_diag_restart(struct hr_jit_diag *d);

/* Frees what d owns; d itself is the caller's. */
void hr_jit_diag_clear(struct hr_jit_diag *d);

#endif
