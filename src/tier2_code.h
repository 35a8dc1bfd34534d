/* tier2_code.h - a module's tier-2 code: a gcc object linked into memory,
 * its functions and its DWARF line table
 *
 * Private to tier2.c (which owns the compiles) and tier2_code.c.  The
 * object is read with elfutils' libelf (sections, symbols), linked by
 * libtcc through hr_jit_link(), and its line table read on demand with
 * libdwfl, which applies the object's relocations to its DWARF for us.
 */
#ifndef HR_TIER2_CODE_H
#define HR_TIER2_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jit.h"

struct hr_tier2_code;

/* Links the ELF relocatable object held by the memory file obj_fd (gcc's
 * output for m->source) for m: every undefined name is bound from syms,
 * else from the host process (dlsym: libc, libm, libgcc helpers), else it
 * is an error.  fns (m->ntasks entries) gets the address of each of m's
 * tasks in the new code.  On success *out is owned by the caller: free
 * with hr_tier2_code_free().  Returns 0, HR_ECOMPILE (err says why: an
 * unbound name, a task missing, code outside .text, what libtcc said) or
 * HR_ENOMEM. */
int hr_tier2_code_link(const struct hr_module *m, int obj_fd,
                       const struct hr_sym *syms, size_t nsyms,
                       hr_task_fn *fns, struct hr_tier2_code **out,
                       struct hr_err *err);

/* Unmaps the code and frees c; accepts NULL. */
void hr_tier2_code_free(struct hr_tier2_code *c);

/* Nonzero when pc lies in c's .text. */
int hr_tier2_code_contains(const struct hr_tier2_code *c, uintptr_t pc);

/* Where c's code is: the mapping, and the object's .text inside it. */
void hr_tier2_code_range(const struct hr_tier2_code *c, uintptr_t *lo,
                         uintptr_t *hi);

/* "func+0xOFF (file:line)" for pc in c's .text (file: the source's name,
 * path the fallback when the line table has no entry).  Returns 0 or
 * HR_ENOENT (buf empty) when pc is outside .text. */
int hr_tier2_code_locate(struct hr_tier2_code *c, const char *path,
                         uintptr_t pc, char *buf, size_t len);

/* Link time in ms and size of the mapping, for the log. */
double hr_tier2_code_link_ms(const struct hr_tier2_code *c);
size_t hr_tier2_code_size(const struct hr_tier2_code *c);

#endif
