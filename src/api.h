/* api.h - the host side of hotrun.h: what task code calls back into
 *
 * Holds the state of the run in progress (its arguments, the array lookup,
 * the progress callback) and the table of names bound into every module.
 */
#ifndef HR_API_H
#define HR_API_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "jit.h"

struct hr_resident;

struct hr_run_env {
    const char *task;           /* borrowed for the run */
    int argc;                   /* the task's arguments (not its name) */
    char **argv;                /* borrowed for the run */
    /* Resident array by name, or NULL. */
    const struct hr_array *(*lookup)(void *ud, const char *name);
    /* The resident behind a view the task holds, or NULL; may be NULL. */
    const struct hr_resident *(*resident)(void *ud,
                                          const struct hr_array *view);
    /* Progress of a long task; may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *ud;
};

/* Makes env the current run until hr_api_end(); env is borrowed. */
void hr_api_begin(const struct hr_run_env *env);
void hr_api_end(void);

/* The names bound into every module: hotrun.h's functions, its C library
 * subset and TinyCC's runtime helpers.  Static table; *n gets its size. */
const struct hr_sym *hr_api_symbols(size_t *n);

#endif
