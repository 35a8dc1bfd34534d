/* jit.h - compile a task file into memory with libtcc
 *
 * A module is one task file compiled into one block of executable memory.
 * The compiler state is freed as soon as the code is relocated: a module is
 * just its code, its task list and its metadata.  Every non-static function
 * of the file is a task.  Only jit.c includes libtcc.h.
 */
#ifndef HR_JIT_H
#define HR_JIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "guard.h"

/* A name a task may link against, bound by the host. */
struct hr_sym {
    const char *name;
    const void *addr;
};

struct hr_jit_opts {
    const struct hr_sym *syms;  /* borrowed for the call */
    size_t nsyms;
    const char *include_dir;    /* where hotrun.h lives */
    const char *tcc_dir;        /* TinyCC's own lib dir (libtcc1, include) */
};

struct hr_tier2_code;
struct hr_tier2_job;

struct hr_task {
    char *name;                 /* owned by the module */
    hr_task_fn fn;
};

struct hr_module {
    char *path;                 /* owned: the path as given to reload */
    char *realpath;             /* owned: canonical path, the module's key */
    struct hr_task *tasks;      /* owned; in definition order */
    int ntasks;
    double compile_ms;
    struct timespec compiled_at;    /* CLOCK_REALTIME */
    uint64_t hash;              /* of the source text that was compiled */
    int uses_libc_fallback;     /* linked names outside hotrun.h's subset */
    void *code;                 /* owned mapping with code and data */
    size_t code_len;
    uintptr_t text_end;         /* end of the code proper inside it */
    char *source;               /* owned copy of the compiled text */
    char *warnings;             /* owned compiler warnings, or NULL */
    struct hr_lines *lines;     /* owned debug line table, made on demand */
    char *dir;                  /* owned: the file's folder (includes) */
    const char *include_dir;    /* borrowed from the jit options */
    size_t source_len;
    /* tier 2 (tier2.h): the same source optimised by gcc.  Until it is
     * in, tier is 1 and tasks[].fn point into code above; when it is,
     * tier is 2, tasks[].fn point into t2's code, and code stays mapped
     * (unused) until the module is freed. */
    int tier;                   /* 1 or 2 */
    int t2_fast;                /* tier 2 was compiled with fast math */
    int t2_failed;              /* the last tier-2 compile failed */
    struct hr_tier2_code *t2;   /* owned: tier-2 code, or NULL */
    struct hr_tier2_job *t2_job;    /* borrowed: its compile under way
                                     * (the engine's), or NULL */
    struct timespec t2_ready_at;    /* CLOCK_REALTIME: tier 2 came in */
    double t2_ready_ms;         /* from the end of the reload to then */
};

/* Compiles path.  On success *out is owned by the caller (hr_jit_free()).
 * On failure err gets the compiler's "file:line: message" lines.
 * Returns 0, HR_ENOENT, HR_EIO, HR_ECOMPILE or HR_ENOMEM. */
int hr_jit_compile(const char *path, const struct hr_jit_opts *opts,
                   struct hr_module **out, struct hr_err *err);

/* Frees m and its code; accepts NULL.  Its task pointers die with it. */
void hr_jit_free(struct hr_module *m);

/* The task named name, or NULL. */
const struct hr_task *hr_jit_find(const struct hr_module *m,
                                  const char *name);

/* Nonzero when pc lies in m's code. */
int hr_jit_contains(const struct hr_module *m, uintptr_t pc);

/* Describes pc inside m as "sum+0x1c (tasks/a.c:12)" into buf.  The first
 * call recompiles m's source with debug information into an in-memory
 * object (not a file) and keeps its line table in m. */
void hr_jit_locate(struct hr_module *m, uintptr_t pc, char *buf,
                   size_t len);

/* Links the ELF relocatable object at obj_path (gcc -c output) into one
 * new block of memory with libtcc, as a compile links its own code: each
 * name the object uses must be among syms (borrowed for the call).  For
 * each of the nnames names, addrs[i] gets its address in the block, or
 * NULL.  On success *mem and *len describe the block, owned by the caller
 * (munmap()).  Returns 0, HR_ECOMPILE (err has what libtcc said) or
 * HR_ENOMEM. */
int hr_jit_link(const char *obj_path, const struct hr_sym *syms,
                size_t nsyms, const char *const *names, int nnames,
                void **addrs, void **mem, size_t *len, struct hr_err *err);

/* 64-bit FNV-1a hash of a buffer (also used to compare file contents). */
uint64_t hr_hash(const void *buf, size_t len);

#endif
