/* filewatch.h - notice when files' contents change
 *
 * A set of files, each watched through an inotify watch on its folder (so
 * that every way an editor saves is seen: writing in place, renaming a new
 * file over it, deleting and creating it again), or by polling stat() when
 * inotify is unavailable or out of watches.  An event only arms a deadline;
 * once the file has been quiet until then it is read whole, and it counts
 * as changed only when its content hash differs from the one last acted
 * on.  So the several events of one save make one change, and a file still
 * being written is not read half way.  Nothing here prints.
 */
#ifndef HR_FILEWATCH_H
#define HR_FILEWATCH_H

#include <stdint.h>
#include <sys/stat.h>

#define HR_FILEWATCH_POLL_MS 200    /* polling fallback: stat() period */

/* One watched file.  The set owns it; it is borrowed until the last
 * reference is dropped with hr_filewatch_unref(). */
struct hr_wfile {
    char *path;                 /* owned: canonical */
    const char *base;           /* borrowed: last component of path */
    int refs;
    int known;                  /* hash is the content last acted on */
    uint64_t hash;
    int changed;                /* content differs: set here, the user
                                   clears it once acted on */
    int gone;                   /* 1: missing for a while (notice due),
                                   2: noticed; 0 again when it is back */
    int unreadable;             /* a read failed (notice due) */
    /* settling, inside filewatch.c */
    int wd;                     /* folder watch, or -1 */
    int pending;
    int64_t deadline;           /* CLOCK_MONOTONIC ms */
    int64_t missing_since;
    int exists;                 /* polling: what stat() said last */
    struct stat st;
};

struct hr_wdir;

struct hr_filewatch {
    int fd;                     /* inotify, or -1 when polling */
    int polling;
    int fallback_note;          /* 1 after falling back to polling: the
                                   user says so and clears it */
    char reason[256];           /* why polling */
    int64_t next_poll;
    struct hr_wfile **files;    /* owned */
    int nfiles;
    struct hr_wdir *dirs;       /* owned */
    int ndirs;
};

/* Starts an empty set in fw, with inotify unless force_poll is set or
 * inotify is unavailable (then polling, with fallback_note set). */
void hr_filewatch_init(struct hr_filewatch *fw, int force_poll);

/* Frees what fw holds (every file, whatever its references). */
void hr_filewatch_fini(struct hr_filewatch *fw);

/* Canonical path of path, also for a file that does not exist (yet): its
 * folder's real path and its name.  Owned, or NULL when the folder does
 * not exist either (or out of memory). */
char *hr_filewatch_canon(const char *path);

/* A new reference to the file at canonical path (takes path, even on
 * error), added with its present content as the baseline when it is new.
 * NULL when out of memory or path is NULL. */
struct hr_wfile *hr_filewatch_ref(struct hr_filewatch *fw, char *path);

/* Drops a reference; the last one removes the file.  Accepts NULL. */
void hr_filewatch_unref(struct hr_filewatch *fw, struct hr_wfile *f);

/* Reads the pending events (or polls when due) and settles each file whose
 * deadline has passed: a new content hash sets ->changed.  Never blocks. */
void hr_filewatch_update(struct hr_filewatch *fw);

/* Milliseconds until hr_filewatch_update() has settling or polling to do,
 * or -1 for none. */
int hr_filewatch_timeout_ms(const struct hr_filewatch *fw);

/* 64-bit content hash of the file at path (hr_hash()).  Returns 0, HR_ENOENT,
 * HR_EIO or HR_ENOMEM. */
int hr_filewatch_hash(const char *path, uint64_t *hash);

#endif
