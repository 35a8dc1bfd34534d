/* lines.h - function and source-line lookup from a TinyCC ELF object
 *
 * On a crash hotrun recompiles the task file with the same options plus -g
 * to an ELF relocatable object in memory and asks this module which function
 * and which source line hold the faulting address.  The object's .text has
 * the same function offsets as the code compiled to memory, so a run-time
 * address maps to a text offset as
 *
 *     text_off = pc - (addr_of_a_known_function - its_offset).
 *
 * TinyCC writes stabs, not DWARF: N_SO/N_SOL name the source file, N_FUN
 * starts a function (its n_value relocated through .rela.stab against the
 * function's symbol) and N_SLINE gives a line and its offset from the start
 * of the function.  Line numbers are 16-bit in stabs (n_desc).
 */
#ifndef HR_LINES_H
#define HR_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct hr_lines;

/* Parses an ELF64 x86_64 relocatable object held in memory (buf, len, any
 * alignment), as written by TinyCC with -g.  Reads every STT_FUNC symbol of
 * .text (global and static) and the stabs in .stab/.stabstr, applying the
 * relocations of .rela.stab or .rel.stab, into sorted tables.  The table
 * copies the strings it needs: buf is borrowed for the call only.  On
 * success *out is owned by the caller; free with hr_lines_free().  Returns
 * 0, HR_EFORMAT (not an ELF64 x86_64 relocatable object, or malformed:
 * every offset, size and index is checked against len and its section, so a
 * corrupt object never crashes the parser) or HR_ENOMEM.  An object without
 * .stab (compiled without -g) gives a table of functions only. */
int hr_lines_parse(const void *buf, size_t len, struct hr_lines **out,
                   struct hr_err *err);

/* Frees l; accepts NULL. */
void hr_lines_free(struct hr_lines *l);

/* Looks up text_off, an offset into the object's .text section.  Sets
 * *func (borrowed: valid until hr_lines_free(l)) to the function that holds
 * it and *func_off to the offset inside that function; sets *file
 * (borrowed, as above) and *line from the N_SLINE entry with the greatest
 * offset <= text_off inside that function (the last one emitted when
 * several share it), or NULL and 0 when there is none.  The file is the
 * name TinyCC was given (the #line name, or an #include as resolved, e.g.
 * "include/hotrun.h"), not joined with the compile directory.  Any of the
 * out pointers may be NULL.  Returns 0 or HR_ENOENT when no function holds
 * text_off. */
int hr_lines_lookup(const struct hr_lines *l, uint64_t text_off,
                    const char **func, uint64_t *func_off, const char **file,
                    int *line);

/* Sets *off to the offset in .text of the function named name (global or
 * static) and, when size is not NULL, *size to its size in bytes.  Returns
 * 0 or HR_ENOENT. */
int hr_lines_func_offset(const struct hr_lines *l, const char *name,
                         uint64_t *off, uint64_t *size);

/* Number of functions in the table; hr_lines_func() names the i-th in
 * order of offset (borrowed until hr_lines_free(l)).  Returns 0 or
 * HR_ENOENT when i is out of range.  For checking a whole module's layout
 * against the addresses of its code in memory. */
size_t hr_lines_nfuncs(const struct hr_lines *l);
int hr_lines_func(const struct hr_lines *l, size_t i, const char **name,
                  uint64_t *off, uint64_t *size);

/* Size of the object's .text section in bytes. */
uint64_t hr_lines_text_size(const struct hr_lines *l);

#endif
