/* runout.h - what a run makes and what it reads, where a forked child can
 * tell its parent
 *
 * A task makes arrays (hr_new) and blocks it keeps (hr_keep), reads
 * resident arrays (hr_array_get) and its arguments (hr_arg_*).  None of
 * it may change the session before the run has succeeded: the arrays it
 * made become resident only then, and are dropped when it fails, crashes,
 * is stopped or times out.  With --isolate the task runs in a forked
 * child, so everything it makes and everything the parent must learn
 * lives in shared memory: this struct sits in one shared page the session
 * maps once, and an isolated run gets a shared arena (reserved address
 * space, pages only where written) that its arrays and new kept blocks
 * are cut from.  The parent copies what it keeps out of the arena after
 * the run and unmaps the arena.  In process, arrays get mappings of their
 * own on 2 MiB pages (bigmem.h) and are adopted as they are.
 *
 * Ownership: the session owns the struct (hr_runout_new/free) and, between
 * runs, nothing in it.  During a run, the task side (api.c) adds to it
 * under its lock from any thread; after the run the session takes the
 * arrays (hr_runout_take) or drops them (hr_runout_drop).
 */
#ifndef HR_RUNOUT_H
#define HR_RUNOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"

#define HR_RUNOUT_MAX 64            /* arrays or kept blocks one run makes */
#define HR_RUNOUT_NAME 128          /* bytes of a name, NUL included */
#define HR_RUNOUT_READS 256         /* resident arrays tracked as read */

/* An array a run made. */
struct hr_runout_array {
    char name[HR_RUNOUT_NAME];
    int dtype;
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int64_t nbytes;
    void *data;                 /* what the task writes into */
    void *map;                  /* its own mapping, or NULL (arena) */
    size_t map_len;
};

/* A kept block an isolated run made (in process they are made at once). */
struct hr_runout_keep {
    char key[HR_RUNOUT_NAME];
    void *data;                 /* in the arena */
    size_t nbytes;
};

struct hr_runout {
    atomic_flag lock;           /* across threads and the forked child */
    int isolated;               /* the run's task is in a forked child */
    int narrays;
    struct hr_runout_array arrays[HR_RUNOUT_MAX];
    int nkeeps;
    struct hr_runout_keep keeps[HR_RUNOUT_MAX];
    int64_t made_bytes;         /* of the arrays made */
    int nargs_asked;            /* the task asked hr_nargs() */
    int args_read;              /* 1 + the highest argument index read */
    unsigned char read[HR_RUNOUT_READS];    /* resident i was read */
    /* an isolated run's arena: shared, reserved, used from the start */
    char *arena;
    size_t arena_len;
    atomic_size_t arena_used;
};

/* One shared, zeroed struct (owned: hr_runout_free()); NULL when out of
 * memory. */
struct hr_runout *hr_runout_new(void);
void hr_runout_free(struct hr_runout *o);

/* Before a run: empties o; an isolated run gets an arena (returns
 * HR_ENOMEM when it cannot be reserved), 0 otherwise. */
int hr_runout_begin(struct hr_runout *o, int isolated);

/* The task side, any thread, during the run.  hr_runout_array() makes a
 * zeroed array (in the arena when isolated); it returns NULL and writes
 * why into why (one line) when it cannot (the name taken this run, too
 * many arrays, no memory).  hr_runout_arena() cuts n bytes from the arena
 * (NULL when none or full).  hr_runout_read() notes resident i read;
 * hr_runout_arg() argument i. */
void *hr_runout_array(struct hr_runout *o, const char *name, int dtype,
                      int ndim, const int64_t *shape, char *why,
                      size_t wlen);
void *hr_runout_arena(struct hr_runout *o, size_t n);
void hr_runout_read(struct hr_runout *o, int i);
void hr_runout_arg(struct hr_runout *o, int i);

/* After a failed run: frees what it made. */
void hr_runout_drop(struct hr_runout *o);

/* After a run (either way) once what is kept is taken: unmaps the arena
 * and empties o. */
void hr_runout_end(struct hr_runout *o);

#endif
