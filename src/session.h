/* session.h - the session's state, shared by the files that implement
 * libhotrun.h's session functions (session.c: opening, settings;
 * session_array.c: arrays; session_mod.c: modules and task names;
 * session_run.c: runs).  Nothing outside the engine includes it: clients
 * see struct hr_session as an opaque type.
 */
#ifndef HR_SESSION_H
#define HR_SESSION_H

#include "libhotrun.h"
#include "array.h"
#include "jit.h"

struct slot {
    struct hr_resident *r;          /* owned */
    double load_ms;
};

struct hr_session {
    struct slot *arrays;            /* owned */
    int narrays;
    int current;                    /* index of the default array, or -1 */
    struct hr_module **mods;        /* owned, in load order */
    int nmods;
    enum hr_load_mode load;
    double timeout_s;               /* 0: none */
    int isolate;
    struct hr_session_hooks hooks;
    const char *include_dir;        /* static */
    const char *progress_label;     /* borrowed for a load */
    struct hr_shard shard;          /* which slab of each array to hold */
    int (*source_fn)(void *ud, const char *path, struct hr_source *out);
    void *source_ud;
};

/* Milliseconds on CLOCK_MONOTONIC. */
double hr_session_now_ms(void);

#endif
