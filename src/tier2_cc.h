/* tier2_cc.h - one tier-2 compile as a process: its files, its command
 * line, its start
 *
 * Private to tier2.c.  The compiler reads the module's source text from an
 * anonymous memory file and writes the object and its messages into two
 * more (named /dev/fd/N on its command line): no temporary files.  It runs
 * in a process group of its own, so that the prompt's Ctrl-C does not
 * reach it and one kill() ends the driver, cc1 and as together, at nice
 * HR_TIER2_NICE, so that the runs of the session (on every core) come
 * first.  It is started by a short-lived thread: posix_spawn() waits for
 * the exec, and the reload that asked for the compile does not.  Its end
 * shows as end of file on done_fd, a pipe whose write end only the
 * starting thread (until it is done) and the compile's processes hold.
 */
#ifndef HR_TIER2_CC_H
#define HR_TIER2_CC_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "jit.h"

#define HR_TIER2_NICE 10

struct hr_tier2_proc {
    int done_fd;                /* owned: EOF when the compile has ended */
    int obj_fd;                 /* owned memory files: the object written */
    int log_fd;                 /*   and the compiler's messages */
    /* the rest is the starting thread's until hr_tier2_cc_join() */
    pthread_t thread;
    int started;                /* thread is to be joined */
    atomic_int pid;             /* the driver (leader of its group), or 0 */
    atomic_int cancelled;
    int err;                    /* errno of posix_spawn(), or 0 */
    char **argv;                /* owned */
    int src_fd;                 /* owned by the thread */
    int done_w;
};

/* The compiler cc as a path to execute: itself when it holds a '/', else
 * the first executable of that name on $PATH; NULL (errno ENOENT) when
 * there is none.  Owned by the caller (free()). */
char *hr_tier2_cc_find(const char *cc);

/* Starts the compiler at path on m->source (as tier 1 compiled it, under
 * m's name) with exact or fast math (tier2.h).  p must stay where it is
 * until hr_tier2_cc_join().  Returns 0, p filled (its descriptors owned by
 * the caller, close-on-exec), or an errno value when the files could not
 * be made (then p holds nothing).  A compiler that cannot be executed
 * shows later: hr_tier2_cc_join() says so. */
int hr_tier2_cc_start(const char *path, const struct hr_module *m,
                      int fast, struct hr_tier2_proc *p);

/* Kills the compile (its whole group), now or as soon as it exists. */
void hr_tier2_cc_cancel(struct hr_tier2_proc *p);

/* After end of file on done_fd: waits for the starting thread and the
 * compiler.  Returns 0 with *status as waitpid() gives it, or the errno
 * value of a compiler that could not be started. */
int hr_tier2_cc_join(struct hr_tier2_proc *p, int *status);

/* Closes p's descriptors and frees its command line; p must have been
 * joined (or never started). */
void hr_tier2_cc_close(struct hr_tier2_proc *p);

#endif
