/* session.h - the session's state, shared by the files that implement
 * libhotrun.h's session functions (session.c: opening, settings;
 * session_array.c: arrays; session_mod.c: modules and task names;
 * session_run.c: runs; session_made.c: what runs make and keep).  Nothing outside the engine includes it: clients
 * see struct hr_session as an opaque type.
 */
#ifndef HR_SESSION_H
#define HR_SESSION_H

#include "libhotrun.h"
#include "array.h"
#include "jit.h"
#include "runout.h"
#include "tier2.h"
#include <time.h>

struct slot {
    struct hr_resident *r;          /* owned */
    uint64_t told;                  /* hash of the change last told about
                                       its file, 0: none */
    double load_ms;
    char *made_by;                  /* owned: the task that made it, or
                                       NULL (loaded from a file) */
    struct timespec made_at;        /* CLOCK_REALTIME */
    int unsettled;                  /* over ranks: made by the last run, not
                                       yet agreed on (session_ranks.c) */
};

/* A block kept across runs and reloads (hr_keep()). */
struct keep {
    char *key;                      /* owned */
    void *data;                     /* shared mapping (bigmem.h) */
    size_t nbytes;
    size_t map_len;
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
    struct hr_gather gather;        /* the ranks' gather, or all NULL */
    struct hr_runout *ro;           /* owned: what the run at hand makes */
    struct keep *keeps;             /* owned */
    int nkeeps;
    char **outputs;                 /* owned: names the last run made */
    int noutputs;
    struct hr_tier2 *tier2;         /* owned: tier 2 (tier2.h) */
    int (*source_fn)(void *ud, const char *path, struct hr_source *out);
    void *source_ud;
};

/* ---- arrays split over ranks (session_ranks.c) ---- */

struct hr_show_opts;
struct hr_save_guard;
struct hr_text;

/* The most a plot or an .npz save gathers on rank 0. */
#define HR_GATHER_MAX ((int64_t)1 << 30)

/* True when v is split over ranks and the session can gather them: every
 * rank must then call one of the functions below for it. */
int hr_session_split(const struct hr_session *s, const struct hr_array *v);

/* stats of split array r: the text on rank 0, "" on the others. */
int hr_ranks_stats(struct hr_session *s, const struct hr_resident *r,
                   char **text, struct hr_err *err);

/* show of split array r, appended to t on rank 0 (header line and
 * summary, as a whole array shows). */
int hr_ranks_show(struct hr_session *s, const struct hr_resident *r,
                  const struct hr_show_opts *o, struct hr_text *t,
                  struct hr_err *err);

/* The whole of split array r on rank 0: *out views *mem (owned: free());
 * the other ranks get *mem NULL.  Returns 0, HR_EINVAL (more than
 * HR_GATHER_MAX bytes), HR_EIO or HR_ENOMEM; what names the command. */
int hr_ranks_gather_whole(struct hr_session *s, const struct hr_resident *r,
                          const char *what, struct hr_array *out,
                          void **mem, struct hr_err *err);

/* save of split array r to an .npy file at path: each rank writes its rows
 * into the file rank 0 makes, which rank 0 renames into place when all
 * have (guards: the files mapped arrays come from, refused). */
int hr_ranks_save_npy(struct hr_session *s, const struct hr_resident *r,
                      const char *path, const struct hr_save_guard *guards,
                      int ng, struct hr_err *err);

/* Milliseconds on CLOCK_MONOTONIC. */
double hr_session_now_ms(void);

/* The guard's locate hook (ud: the session): "function+offset (file:line)"
 * of pc in a module of the session, or "" outside them. */
void hr_session_locate(void *ud, uintptr_t pc, char *buf, size_t len);

/* Gives hooks.notice one line made from fmt (at most 1 KiB). */
void hr_session_notice(struct hr_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Refuses (HR_EIO, err "what: NAME: ...") to read r from the host when it
 * is mapped and its file shrank below the data: that read would fault. */
int hr_session_readable(const struct hr_resident *r, const char *what,
                        struct hr_err *err);

/* Makes room for n more arrays.  Returns 0 or HR_ENOMEM. */
int hr_session_reserve(struct hr_session *s, int n);

/* Puts r in the session under its name (room made by
 * hr_session_reserve()), replacing an array of that name; takes r.
 * Returns its index. */
int hr_session_keep_array(struct hr_session *s, struct hr_resident *r,
                          double load_ms);

/* session_made.c: the run's hr_keep() (struct hr_run's keep). */
void *hr_session_keep_fn(void *ud, const char *key, size_t nbytes,
                         char *why, size_t wlen);

/* After a run: makes what it made resident and keeps what it kept
 * (rc == 0), or drops it; then empties s->ro.  *bytes grows by the bytes
 * of the arrays it made. */
void hr_session_made_end(struct hr_session *s, int rc, const char *task,
                         double *bytes);

/* Frees the kept blocks. */
void hr_session_keeps_free(struct hr_session *s);

#endif
