/* ctx.h - the session: resident arrays, loaded modules, run settings
 *
 * The context owns every resident array and every module.  Views and task
 * pointers handed out are borrowed: an array's until it is replaced or the
 * context closes, a module's until its file is reloaded successfully.
 */
#ifndef HR_CTX_H
#define HR_CTX_H

#include "array.h"
#include "err.h"
#include "jit.h"
#include "opts.h"

struct hr_watch;
struct hr_progress;
struct hr_tier2;

struct hr_ctx {
    struct hr_resident **arrays;    /* owned */
    int narrays;
    int current;                    /* index of the default array, or -1 */
    struct hr_module **mods;        /* owned, in load order */
    int nmods;
    enum hr_load_mode load;         /* for `load` at the prompt */
    double timeout_s;               /* 0: none */
    int isolate;
    int quiet;
    int color;                      /* colour on stdout/stderr */
    int interactive;                /* a person at a terminal */
    int json;                       /* batch: JSON lines */
    int failures;                   /* failed commands (exit status) */
    int input_errors;               /* of those, usage or input errors */
    const struct hr_resident *last_loaded;  /* borrowed: by hr_ctx_load */
    double last_load_ms;            /* how long that load took */
    char *last_reload;              /* owned: last `reload` path */
    char *last_run;                 /* owned: last `run` line */
    struct hr_watch *watch;         /* owned, or NULL */
    struct hr_progress *bar;        /* owned progress bar (stderr) */
    const char *include_dir;        /* borrowed: where hotrun.h lives */
    struct hr_tier2 *tier2;         /* owned: tier-up engine (tier2.h) */
};

/* One run's outcome. */
struct hr_result {
    double value;
    double ms;
    const char *task;               /* borrowed from the module */
    const struct hr_module *module; /* borrowed */
};

/* Creates an empty session.  *out is owned: hr_ctx_close() frees it. */
int hr_ctx_open(struct hr_ctx **out);
void hr_ctx_close(struct hr_ctx *ctx);

/* Loads "[NAME=]FILE" (raw may be NULL for .npy).  A name already in use
 * is replaced only after the new file loaded.  Returns 0 or the loader's
 * code; on failure the session is unchanged. */
int hr_ctx_load(struct hr_ctx *ctx, const char *spec,
                const struct hr_raw_spec *raw, struct hr_err *err);

/* The resident array called name (NULL: the default), or NULL. */
struct hr_resident *hr_ctx_array(const struct hr_ctx *ctx, const char *name);

/* Makes name the default array.  Returns 0 or HR_ENOENT. */
int hr_ctx_use(struct hr_ctx *ctx, const char *name, struct hr_err *err);

/* Compiles path; on success it replaces the module of the same file (or is
 * added) and *out (borrowed) points at it; on failure the previous module
 * stays.  Returns 0 or hr_jit_compile()'s code. */
int hr_ctx_reload(struct hr_ctx *ctx, const char *path,
                  struct hr_module **out, struct hr_err *err);

/* The module compiled from path, or NULL. */
struct hr_module *hr_ctx_module(const struct hr_ctx *ctx, const char *path);

/* Does the first n bytes of file name m the way `run FILE:NAME` accepts:
 * its path as given, its canonical path, or its base name with or without
 * ".c"? */
int hr_ctx_module_matches(const struct hr_module *m, const char *file,
                          size_t n);

/* Removes the module of path.  Returns 0 or HR_ENOENT. */
int hr_ctx_unload(struct hr_ctx *ctx, const char *path, struct hr_err *err);

/* Finds "[FILE:]NAME".  Returns 0, HR_ENOENT or HR_EAMBIG (err names both
 * files). */
int hr_ctx_find(const struct hr_ctx *ctx, const char *spec,
                const struct hr_module **mod, const struct hr_task **task,
                struct hr_err *err);

/* Runs task on the default array (or arr when not NULL) with argc/argv as
 * its arguments.  Returns 0 with *res, or the guard's code with err. */
int hr_ctx_run(struct hr_ctx *ctx, const struct hr_module *mod,
               const struct hr_task *task, const struct hr_resident *arr,
               int argc, char **argv, struct hr_result *res,
               struct hr_err *err);

/* 64-bit FNV-1a checksum of an array's bytes (to prove data intact). */
uint64_t hr_ctx_checksum(const struct hr_resident *r);

#endif
