/* jit.h - compile a task file into memory with libtcc
 *
 * A module is one task file compiled into one block of executable memory.
 * The compiler state is freed as soon as the code is relocated: a module is
 * just its code, its task list and its metadata.  Every non-static function
 * of the file is a task.  Only jit.c, jit_build.c and jit_link.c include
 * libtcc.h.
 *
 * Compiling is guarded: whatever the file holds, a compile ends with a
 * module or an error, and the session goes on.  The task file and every
 * file it includes must be regular files (a FIFO, a device or a directory
 * is never opened) of at most HR_JIT_MAX_FILE bytes; a NUL byte and
 * brackets nested too deep are refused before compiling (srcscan.h);
 * libtcc runs on the compiler's thread (guard.h: a big stack, an overflow
 * or a crash there caught) inside a sandbox (jit_tcc.h: a memory limit, a
 * time limit, regular files only), and is put back in order after any
 * failure.  A module's code is registered as task code (coderange.h) while
 * it is mapped.
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

/* A task file or a header it includes, at most. */
#define HR_JIT_MAX_FILE ((long long)16 << 20)

struct hr_jit_opts {
    const struct hr_sym *syms;  /* borrowed for the call */
    size_t nsyms;
    const char *include_dir;    /* where hotrun.h lives */
    const char *tcc_dir;        /* TinyCC's own lib dir (libtcc1, include) */
    /* The file's text from elsewhere (an MPI rank gets it from the front
     * end): when source is not NULL it is compiled instead of reading
     * path, realpath (may be NULL: path) is the module's key and dir (may
     * be NULL: path's folder) where its local headers are looked up.
     * Borrowed for the call. */
    const char *source;
    size_t source_len;
    const char *realpath;
    const char *dir;
    double timeout_s;           /* per compile; 0: 10 s */
    size_t max_mem;             /* compiler memory; 0: 512 MiB */
};

struct hr_tier2_code;
struct hr_tier2_job;

/* A task's own fold of per-rank results: NAME__combine (hotrun.h). */
typedef double (*hr_combine_fn)(double acc, double v);

struct hr_task {
    char *name;                 /* owned by the module */
    hr_task_fn fn;              /* to be called as sig says (invoke.h) */
    int sig;                    /* HR_SIG_CODE(ret, takes_array): sig.h */
    int combine;                /* HR_COMBINE(NAME, kind): kind, or 0 */
    hr_combine_fn combine_fn;   /* NAME__combine, or NULL */
};

/* A non-static function of the file that is not a task (another
 * signature): run of it says so. */
struct hr_nontask {
    char *name;                 /* owned by the module */
    char *decl;                 /* owned: as the source writes it */
    int line;
};

struct hr_module {
    char *path;                 /* owned: the path as given to reload */
    char *realpath;             /* owned: canonical path, the module's key */
    struct hr_task *tasks;      /* owned; in definition order */
    int ntasks;
    struct hr_nontask *others;  /* owned: functions that are not tasks */
    int nothers;
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
    int lines_failed;           /* making it failed: not tried again */
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
 * On failure err gets the compiler's "file:line: message" lines, or one
 * line saying what was refused ("t.c: not a regular file (a fifo)", "t.c:
 * too large to compile (100 MB; the limit is 16 MB)", "t.c:3: error:
 * compiling took longer than 10 s (...)", "t.c: error: the compiler ran out
 * of stack (nested too deeply?)").  Returns 0, HR_ENOENT, HR_EIO,
 * HR_ECOMPILE, HR_ENOMEM, HR_ETIMEOUT or HR_EINTR (Ctrl-C at the prompt
 * during the compile). */
int hr_jit_compile(const char *path, const struct hr_jit_opts *opts,
                   struct hr_module **out, struct hr_err *err);

/* The function called name that is not a task, or NULL. */
const struct hr_nontask *hr_jit_find_other(const struct hr_module *m,
                                           const char *name);

/* Frees m and its code; accepts NULL.  Its task pointers die with it. */
void hr_jit_free(struct hr_module *m);

/* The task named name, or NULL. */
const struct hr_task *hr_jit_find(const struct hr_module *m,
                                  const char *name);

/* Nonzero when pc lies in m's code. */
int hr_jit_contains(const struct hr_module *m, uintptr_t pc);

/* Describes pc inside m as "sum+0x1c (tasks/a.c:12)" into buf.  The first
 * call recompiles m's source with debug information into an in-memory
 * object (not a file), on the compiler's thread like any compile, and
 * keeps its line table in m.  Must not be called from a signal handler or
 * a guard's jump frame (it compiles and takes locks). */
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
