/* coderange.h - where task code lies in memory, for the signal handlers
 *
 * A registry of address ranges [lo, hi) that hold task code: the jit
 * (jit_build.c) adds a module's code once it is mapped and executable and
 * removes it before the mapping goes away; a later tier-2 compiler
 * registers its code the same way (any number of ranges per module, of
 * any size).  The guard asks it from a signal handler whether an
 * interrupted thread was in task code: only there may a stop (Ctrl-C, a
 * timeout, a cancel) jump out of a run, because task code holds no lock of
 * the host or the C library.
 *
 * Ownership: the registry holds addresses only; the code stays its
 * owner's.  Writers (add, remove) may be on any thread and are serialised
 * by a lock; the reader takes no lock and is async-signal-safe.
 */
#ifndef HR_CODERANGE_H
#define HR_CODERANGE_H

#include <stdint.h>

/* Registers [lo, hi) as task code.  Returns 0, HR_EINVAL (empty range) or
 * HR_ENOMEM (the registry is full: HR_CODERANGE_MAX ranges). */
int hr_coderange_add(uintptr_t lo, uintptr_t hi);

/* Removes the range added as [lo, hi); does nothing when there is none.
 * Once it returns, no reader can see the range any more. */
void hr_coderange_remove(uintptr_t lo, uintptr_t hi);

/* Nonzero when pc lies in a registered range.  Async-signal-safe, no lock;
 * a range being added or removed at that moment may be missed. */
int hr_coderange_has(uintptr_t pc);

#define HR_CODERANGE_MAX 4096

#endif
