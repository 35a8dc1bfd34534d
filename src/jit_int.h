/* jit_int.h - what jit.c and jit_module.c share
 *
 * Private to the jit*.c files.
 */
#ifndef HR_JIT_INT_H
#define HR_JIT_INT_H

#include <stddef.h>

#include "err.h"
#include "jit.h"
#include "lines.h"
#include "sig.h"

/* Reads the task file path (a regular file of at most HR_JIT_MAX_FILE
 * bytes) into *out (owned, NUL-terminated) and *len.  Returns 0, HR_ENOENT,
 * HR_EIO or HR_ENOMEM with err set. */
int hr_jit_read_source(const char *path, char **out, size_t *len,
                       struct hr_err *err);

/* Symbols found after relocation. */
struct hr_jit_symlist {
    struct hr_module *m;
    const struct hr_jit_opts *opts;
    int cap;
    int failed;
};

/* tcc_list_symbols() callback (ctx: a struct hr_jit_symlist): adds each
 * non-static function in m's code as a task. */
void hr_jit_on_symbol(void *ctx, const char *name, const void *val);

/* Puts m's tasks in the order of their code (definition order). */
void hr_jit_sort_tasks(struct hr_module *m);

/* Moves the functions whose signature is not a task's (sig == 0) from
 * m's tasks to m's others, with their declarations from fns (the scan of
 * the source).  Returns 0 or HR_ENOMEM. */
int hr_jit_sort_out(struct hr_module *m, const struct hr_sig_fn *fns,
                    int nfns);

/* Frees m's tasks and code; the code stops being task code first. */
void hr_jit_reset_code(struct hr_module *m);

/* m's line table, built on the compiler's thread at the first call; NULL
 * when that failed (then not tried again, unless it was interrupted). */
struct hr_lines *hr_jit_lines(struct hr_module *m);

#endif
