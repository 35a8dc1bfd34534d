/* tier2_cc.h - one tier-2 compile as a process: its files, its command
 * line, its start
 *
 * Private to tier2.c.  The compiler reads the module's source text from an
 * anonymous memory file and writes the object and its messages into two
 * more (named /dev/fd/N on its command line): no temporary files.  It runs
 * in a process group of its own, so that the prompt's Ctrl-C does not
 * reach it and one kill() ends the driver, cc1 and as together, at nice
 * HR_TIER2_NICE, so that the runs of the session (on every core) come
 * first.
 *
 * One starter thread per engine does the work (struct hr_tier2_starter):
 * posix_spawn() waits for the exec, and the reload that asked for the
 * compile does not; it only queues it.  The starter takes each compile
 * delay_ms after it was queued, so that a reload that follows at once (an
 * editor saving twice, a stream of reloads) cancels it before any file or
 * process is made, and so that the run a front end starts right after the
 * reload has the cores to itself.  The compile's end shows as end of file
 * on done_fd, a pipe whose write end only the starter (until it is done
 * with the compile) and the compile's processes hold.
 */
#ifndef HR_TIER2_CC_H
#define HR_TIER2_CC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include "jit.h"

#define HR_TIER2_NICE 10
#define HR_TIER2_DELAY_MS 15    /* before the compile starts, in auto */

struct hr_tier2_starter;

struct hr_tier2_proc {
    int done_fd;                /* owned: EOF when the compile has ended */
    /* the rest is the starter's until hr_tier2_cc_join() */
    struct hr_tier2_starter *starter;   /* borrowed; NULL: not queued */
    struct hr_tier2_proc *next; /* in the starter's queue */
    struct timespec due;        /* CLOCK_MONOTONIC: start it then */
    int obj_fd;                 /* memory files: the object written */
    int log_fd;                 /*   and the compiler's messages, or -1 */
    int done;                   /* the starter is done with it */
    int cancelled;
    atomic_int pid;             /* the driver (leader of its group), or 0 */
    int err;                    /* errno of a failed start, or 0 */
    char *cc;                   /* owned copies of what the starter needs */
    char *text;                 /* "#line 1 \"PATH\"" and the source */
    size_t text_len;
    char *include_dir;
    char *dir;
    int fast;
    int done_w;                 /* the starter's end of the pipe */
};

/* The starter thread of an engine, made on its first compile.  *out is
 * owned: hr_tier2_starter_free() stops the thread (every compile must
 * have been joined).  Returns 0 or HR_ENOMEM. */
int hr_tier2_starter_new(struct hr_tier2_starter **out);
void hr_tier2_starter_free(struct hr_tier2_starter *s);

/* The compiler cc as a path to execute: itself when it holds a '/', else
 * the first executable of that name on $PATH; NULL (errno ENOENT) when
 * there is none.  Owned by the caller (free()). */
char *hr_tier2_cc_find(const char *cc);

/* Queues a compile on s: the compiler at path on m->source (as tier 1
 * compiled it, under m's name; copied, so that m may go) with exact or
 * fast math (tier2.h), started delay_ms from now unless cancelled first.
 * p must stay where it is until hr_tier2_cc_join().  Returns 0, or an
 * errno value when it could not be queued (then p holds nothing).  What
 * fails later (the memory files, a compiler that cannot be executed)
 * hr_tier2_cc_join() says. */
int hr_tier2_cc_start(struct hr_tier2_starter *s, const char *path,
                      const struct hr_module *m, int fast, int delay_ms,
                      struct hr_tier2_proc *p);

/* Kills the compile (its whole group), now or as soon as it exists, or
 * keeps it from starting. */
void hr_tier2_cc_cancel(struct hr_tier2_proc *p);

/* Waits until the starter is done with p (at once after end of file on
 * done_fd), then for the compiler.  Returns 0 with *status as waitpid()
 * gives it (0 when it was cancelled before it started), or the errno
 * value of a start that failed. */
int hr_tier2_cc_join(struct hr_tier2_proc *p, int *status);

/* The object and the compiler's messages, once joined (-1 when the
 * compile never started). */
int hr_tier2_cc_obj_fd(const struct hr_tier2_proc *p);
int hr_tier2_cc_log_fd(const struct hr_tier2_proc *p);

/* Closes p's descriptors and frees its copies; p must have been joined,
 * or hr_tier2_cc_start() failed, or p is zeroed with its descriptors -1
 * (never started). */
void hr_tier2_cc_close(struct hr_tier2_proc *p);

#endif
