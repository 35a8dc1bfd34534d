/* tier2.h - tier-up: recompile a module with an optimising compiler in the
 * background and swap its tasks to the fast code between runs
 *
 * A reload compiles with libtcc (tier 1: sub-millisecond, slow code).
 * hr_tier2_start() then queues the same source text for gcc -O2 and
 * returns at once; a starter thread runs gcc 15 ms later (at once under
 * HR_TIER2_WAIT; a newer reload in between cancels it before it starts),
 * at nice 10, in a process group of its own (the prompt's Ctrl-C never
 * reaches it).  The object gcc writes into an anonymous memory file
 * is linked into memory by libtcc like its own output, with the same host
 * bindings (hr_jit_link()), and the module's task pointers are switched to
 * it by hr_tier2_poll() or hr_tier2_wait() - called between runs, never
 * during one.  A module's static variables start over at the switch, as
 * at a reload.
 *
 * Floating point: by default gcc keeps the source's order of operations
 * (no -ffast-math) and never contracts a*b+c into an fma
 * (-ffp-contract=off: TinyCC does not), so both tiers give the same bits;
 * -march=native only adds instructions that compute the same results.  A
 * task file with "#pragma hotrun fast_math" (or the session setting fast)
 * is compiled with reassociation (vectorised reductions), reciprocals, no
 * signed zeros, no errno and contraction, but not -ffinite-math-only:
 * isnan() still works.
 *
 * A tier-2 compile that fails is hotrun's business, not the user's (tier
 * 1 compiled the file): it is logged (hr_tier2_log()) and tier 1 stays.  A
 * newer reload of the file frees the module, which kills the compile's
 * process group without waiting for it.  When the compiler cannot be
 * started at all, tier 2 is off for the session and hr_tier2_notice()
 * says so once.
 *
 * Threads: every function here is called on the thread that owns the
 * session; the engine's own starter thread only starts processes.
 * Nothing prints, nothing exits.
 */
#ifndef HR_TIER2_H
#define HR_TIER2_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jit.h"

enum hr_tier2_mode {
    HR_TIER2_AUTO,      /* compile in the background, switch when ready */
    HR_TIER2_WAIT,      /* the same; a run first waits for it */
    HR_TIER2_OFF        /* tier 1 only */
};

struct hr_tier2_opts {
    const char *cc;             /* compiler command, e.g. "gcc" or a path;
                                 * NULL: "gcc" (copied) */
    const struct hr_sym *syms;  /* host bindings, as for hr_jit_compile();
                                 * borrowed for the engine's life */
    size_t nsyms;
    enum hr_tier2_mode mode;
    int fast;                   /* fast math for every module */
};

struct hr_tier2;

/* Creates an engine.  *out is owned: free with hr_tier2_free(), which
 * kills the compiles under way.  Returns 0 or HR_ENOMEM. */
int hr_tier2_new(const struct hr_tier2_opts *opts, struct hr_tier2 **out);
void hr_tier2_free(struct hr_tier2 *t);

/* Settings for the compiles started from now on.  Mode HR_TIER2_OFF also
 * cancels the compiles under way; modules already at tier 2 stay. */
void hr_tier2_set_mode(struct hr_tier2 *t, enum hr_tier2_mode mode);
enum hr_tier2_mode hr_tier2_mode(const struct hr_tier2 *t);
void hr_tier2_set_fast(struct hr_tier2 *t, int fast);
int hr_tier2_fast(const struct hr_tier2 *t);

/* The compiler command (borrowed until hr_tier2_free()). */
const char *hr_tier2_cc(const struct hr_tier2 *t);

/* Nonzero when m's source asks for fast math ("#pragma hotrun fast_math"
 * on a line of its own). */
int hr_tier2_source_fast(const struct hr_module *m);

/* Starts the tier-2 compile of m, which hr_jit_compile() made and the
 * caller keeps (m->source is compiled, not the file as it is now).  A
 * compile of m already under way goes on when its math is the one due,
 * else it is cancelled first; nothing is started when the mode is off,
 * the compiler is missing, or m is already at tier 2 with that math.
 * Returns 0 at once (a compile that cannot start is logged, and m stays
 * at tier 1) or HR_ENOMEM.  The first start looks the compiler up on
 * $PATH; when it is not there, tier 2 is off for the session (see
 * hr_tier2_notice()). */
int hr_tier2_start(struct hr_tier2 *t, struct hr_module *m);

/* A descriptor that poll() reports readable when a compile has ended
 * (borrowed until hr_tier2_free()); an idle front end then calls
 * hr_tier2_poll().  -1 when the engine has none. */
int hr_tier2_fd(const struct hr_tier2 *t);

/* Finishes every compile that has ended, without blocking: links each
 * object and switches its module to tier 2.  Returns the number of
 * modules switched. */
int hr_tier2_poll(struct hr_tier2 *t);

/* Nonzero while a compile of m is under way. */
int hr_tier2_pending(const struct hr_module *m);

/* Compiles not yet reaped, cancelled ones included (a cancelled compile
 * is reaped by hr_tier2_poll() once its processes are gone). */
int hr_tier2_jobs(const struct hr_tier2 *t);

/* Waits until m's compile under way (if any) has ended and is finished as
 * by hr_tier2_poll().  stop_fd (or -1) ends the wait early when it turns
 * readable (the prompt's Ctrl-C pipe): then HR_EINTR, with err saying so,
 * and the compile goes on.  Returns 0 whether or not m reached tier 2. */
int hr_tier2_wait(struct hr_tier2 *t, const struct hr_module *m,
                  int stop_fd, struct hr_err *err);

/* The log of compiles started, ended, failed and cancelled, one line
 * each, oldest first, with the compiler's messages after a failure
 * (borrowed until the next call into t).  The oldest lines go first when
 * it grows past 64 kB. */
const char *hr_tier2_log(const struct hr_tier2 *t);

/* A notice for the user, once: "tier 2: ..." when the compiler could not
 * be started.  NULL when there is none (or it was taken); borrowed until
 * hr_tier2_free(). */
const char *hr_tier2_notice(struct hr_tier2 *t);

/* ---- for jit.c: the tier-2 side of a module ---- */

/* Cancels m's compile and frees m's tier-2 code; hr_jit_free() calls it.
 * Accepts a module that never had either. */
void hr_tier2_module_free(struct hr_module *m);

/* Nonzero when pc lies in m's tier-2 code. */
int hr_tier2_contains(const struct hr_module *m, uintptr_t pc);

/* Describes pc in m's tier-2 code as "sum+0x1c (tasks/a.c:12)" into buf,
 * from the object's symbols and DWARF line table (read on the first call
 * and kept).  Returns 0, or HR_ENOENT (buf empty) when pc is not in m's
 * tier-2 code. */
int hr_tier2_locate(struct hr_module *m, uintptr_t pc, char *buf,
                    size_t len);

#endif
