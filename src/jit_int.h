/* jit_int.h - what jit.c, jit_build.c and jit_module.c share
 *
 * Private to the jit*.c files.  Does not include libtcc.h: a job's state
 * is a struct TCCState pointer, libtcc's TCCState by its tag.
 */
#ifndef HR_JIT_INT_H
#define HR_JIT_INT_H

#include <setjmp.h>
#include <stddef.h>

#include "err.h"
#include "jit.h"
#include "lines.h"
#include "sig.h"

struct TCCState;
struct hr_jit_diag;

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

enum { JOB_COMPILE, JOB_LINES };

/* One use of libtcc on the compiler's thread. */
struct job {
    int kind;
    struct hr_module *m;
    const struct hr_jit_opts *opts;
    struct hr_jit_diag *d;
    struct hr_err *err;
    struct TCCState *s;         /* the state in use, or NULL */
    char *text;                 /* the text being compiled, or NULL */
    void *mem;                  /* code mapped, not yet the module's */
    size_t mem_len;
    int fd;                     /* JOB_LINES: the object's memfd, or -1 */
    int rc;
    int exited;                 /* libtcc called exit() */
    int refused;                /* the sandbox refused (jit_tcc.h) */
    char note[600];
    jmp_buf exit_to;
    const char *probes;         /* compiled after the file (sig.h), or NULL */
    char *probe_text;           /* owned: the probes of the scan */
    struct hr_sig_fn *fns;      /* owned: the scan of the file (sig.h) */
    int nfns;
};

/* The compile job (jit.c runs it): j->m's source, with the probes of its
 * scan, compiled into memory as j->m's code, tasks and signatures.  Sets
 * j->rc to 0, HR_ENOMEM or HR_ECOMPILE (errors in j->err); the state, the
 * text and the probes it made are freed before it returns. */
void hr_jit_job_compile(struct job *j);

/* The line-table job: sets j->m->lines (owned by the module) and j->rc to
 * 0, or j->rc to HR_EIO. */
void hr_jit_job_lines(struct job *j);

/* Frees what hr_jit_job_compile() made for the probes (also after a job
 * was abandoned half way). */
void hr_jit_job_free_probes(struct job *j);

#endif
