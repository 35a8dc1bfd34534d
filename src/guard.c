/* guard.c - signal handlers, frames and the stop protocol
 *
 * Frames.  Each thread keeps a stack of frames (hr_guard_top), each a
 * sigjmp_buf of hr_guard_call() (the task), hr_guard_worker() (a pool
 * thread's share of a parallel loop), hr_guard_host() or
 * hr_guard_deep_call().  A fault handler records the signal, si_code,
 * address, pc and sp and siglongjmp()s to the innermost armed frame of the
 * faulting thread; everything else (naming the code and the array, the
 * message) happens after the run, in normal context.  Handlers run on an
 * alternate signal stack (one per thread, kept), so a stack overflow is
 * caught; it is told apart from other segfaults by the fault address or sp
 * lying at the end of the thread's stack.
 *
 * Stops.  SIGINT, the timeout (a CLOCK_MONOTONIC POSIX timer that sends a
 * private real-time signal, SIG_ASYNC, to the run's thread) and
 * hr_guard_cancel() claim the run's first event and set its stop flag;
 * from then on the timer ticks every 10 ms, and each tick sends SIG_ASYNC
 * to every other thread in a frame (pool workers).  The handler jumps out
 * of a thread only when its pc lies in task code (coderange.h) - code that
 * holds no lock; a thread anywhere else (hotrun, libtcc, the C library)
 * is left alone and ends itself at its next hr_guard_checkpoint().  The
 * signal interrupts system calls (no SA_RESTART during a run), so a task
 * blocked in one gets EINTR, comes back to a checkpoint of the C library
 * bindings or to its own code, and stops there.
 *
 * What a crash in process can leave behind (the limits of in-process mode):
 * - Locks held by the dead call.  A stop never leaves one; a fault jumps
 *   wherever it happens.  stdio's locks are checked after every abnormal
 *   end from a helper thread and released if the dead call held them
 *   (guard_stdio.c).  Other C library locks (malloc's arenas after a task
 *   corrupted the heap) can stay held: the next call that needs them hangs.
 *   A task callback that a C library function calls with a lock held (not
 *   one hotrun.h declares) can be stopped there.  --isolate runs such tasks
 *   safely.
 * - Memory: blocks from the task allocator are freed (taskmem); memory a
 *   task got from libc directly, open files and mappings leak.
 * - A task can write anywhere in the process that is writable: the
 *   resident arrays are read-only and survive, hotrun's heap does not have
 *   that protection.  --isolate protects it.
 * - The signal mask comes back with siglongjmp (sigsetjmp(env, 1)); the
 *   FPU/SSE environment is put back to what it was before the call.
 *
 * Files: guard_setup.c installs the handlers, sets threads and the timer
 * up and handles Ctrl-C at the prompt; guard_call.c runs tasks
 * (in-process, isolated) and host calls; guard_deep.c runs the compiler's
 * thread; guard_msg.c words the messages; guard_stdio.c frees stdio locks.
 */
#include "guard_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "coderange.h"

#if defined(__SANITIZE_ADDRESS__)
#define HR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HR_ASAN 1
#endif
#endif
#ifdef HR_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define MAX_SLOTS 512           /* threads in task code at once */
#define STACK_SLOP (1024 * 1024)    /* beyond the end: guard gap */
#define STACK_NEAR (64 * 1024)      /* within the end: still overflow */

struct region hr_guard_g;
_Thread_local struct frame *hr_guard_top;

static atomic_int slots[MAX_SLOTS];     /* tids of threads in frames */

/* ---- what runs in signal handlers: async-signal-safe only ---- */

static uintptr_t uc_pc(void *ucv)
{
    ucontext_t *uc = ucv;

    if (uc == NULL)
        return 0;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    return 0;
#endif
}

static uintptr_t uc_sp(void *ucv)
{
    ucontext_t *uc = ucv;

    if (uc == NULL)
        return 0;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#else
    return 0;
#endif
}

static int uc_access(void *ucv, int sig)
{
#if defined(__x86_64__)
    ucontext_t *uc = ucv;
    greg_t e;

    if (uc == NULL || sig != SIGSEGV)
        return HR_ACCESS_UNKNOWN;
    e = uc->uc_mcontext.gregs[REG_ERR];     /* page fault error code */
    if (e & 16)
        return HR_ACCESS_EXEC;
    return (e & 2) ? HR_ACCESS_WRITE : HR_ACCESS_READ;
#else
    (void)ucv;
    (void)sig;
    return HR_ACCESS_UNKNOWN;
#endif
}

/* Sends SIG_ASYNC to every other thread in a frame: it interrupts their
 * system calls, and their handler stops them if they are in task code. */
static void kick_others(void)
{
    pid_t self = hr_guard_tid();
    pid_t pid = getpid();
    int i;

    for (i = 0; i < MAX_SLOTS; i++) {
        pid_t t = atomic_load(&slots[i]);

        if (t != 0 && t != self)
            syscall(SYS_tgkill, pid, t, hr_guard_sig_async);
    }
}

/* A stop of run r (rc): claims its first event, starts the ticks. */
static void request_stop(struct hr_run *r, int rc)
{
    hr_run_claim(r, rc);
    hr_guard_arm_ticks();
}

/* Stops this thread's task if it may be stopped where it is: in task code
 * (which holds no lock) and inside a frame that runs it. */
static void maybe_jump(void *ucv)
{
    struct frame *f = hr_guard_top;
    uintptr_t pc = uc_pc(ucv);

    if (f == NULL || !f->armed || f->in_handler ||
        (f->kind != FRAME_TASK && f->kind != FRAME_WORKER))
        return;
    if (!hr_coderange_has(pc))
        return;
    f->armed = 0;
    f->rep.pc = pc;
    f->rep.sp = uc_sp(ucv);
    siglongjmp(f->env, LAND_STOP);
}

/* The signal is not for a frame of ours: act as if we were not here. */
static void pass_on(int sig, siginfo_t *si, void *ucv)
{
    const struct sigaction *old = NULL;
    struct sigaction dfl;
    int i;

    for (i = 0; i < HR_GUARD_NFAULT; i++) {
        if (hr_guard_fault_sigs[i] == sig)
            old = &hr_guard_saved_fault[i];
    }
    if (old != NULL && (old->sa_flags & SA_SIGINFO) &&
        old->sa_sigaction != NULL) {
        old->sa_sigaction(sig, si, ucv);
        return;
    }
    if (old != NULL && old->sa_handler != SIG_DFL &&
        old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

void hr_guard_on_fault(int sig, siginfo_t *si, void *ucv)
{
    struct frame *f = hr_guard_top;
    uintptr_t pc = uc_pc(ucv);
    int pass = 0;

    if (f == NULL || !f->armed) {
        pass_on(sig, si, ucv);
        return;
    }
    if (f->in_handler) {
        f->rep.nested = 1;
        siglongjmp(f->env, LAND_NESTED);
    }
    if (f->kind == FRAME_DEEP) {
        if (hr_guard_deep_fault(f, sig, si, pc, &pass))
            return;     /* the stack was extended: go on */
        if (pass) {
            pass_on(sig, si, ucv);
            return;
        }
    }
    f->in_handler = 1;
    f->rep.rc = HR_ECRASH;
    f->rep.sig = sig;
    f->rep.code = si->si_code;
    f->rep.addr = (uintptr_t)si->si_addr;
    f->rep.pc = pc;
    f->rep.sp = uc_sp(ucv);
    f->rep.access = uc_access(ucv, sig);
    siglongjmp(f->env, LAND_FAULT);
}

void hr_guard_on_async(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    struct frame *f = hr_guard_top;
    struct hr_run *r = hr_run_current();

    if (f != NULL && f->kind == FRAME_DEEP && f->armed && !f->in_handler &&
        hr_guard_deep_kick_due(uc_pc(ucv))) {
        f->armed = 0;
        f->rep.pc = uc_pc(ucv);
        siglongjmp(f->env, LAND_STOP);
    }
    if (r != NULL && atomic_load(&hr_guard_g.active)) {
        if (sig == SIGINT) {
            request_stop(r, HR_EINTR);
        } else if (si->si_code == SI_TIMER && r->timeout_s > 0 &&
                   !atomic_load(&r->stop) &&
                   hr_run_elapsed(r) >= r->timeout_s * 0.999) {
            request_stop(r, HR_ETIMEOUT);   /* not a late tick */
        }
        if (atomic_load(&r->stop) && !r->isolated) {
            if (hr_guard_tid() == r->tid)
                kick_others();
            maybe_jump(ucv);
        }
    }
    errno = saved_errno;
}

static int take_slot(pid_t tid)
{
    int i;

    for (i = 0; i < MAX_SLOTS; i++) {
        int none = 0;

        if (atomic_compare_exchange_strong(&slots[i], &none, tid))
            return i;
    }
    return -1;
}

void hr_guard_frame_init(struct frame *f, int kind)
{
    f->prev = hr_guard_top;
    f->kind = kind;
    f->armed = 0;
    f->in_handler = 0;
    memset(&f->rep, 0, offsetof(struct hr_run_event, msg));
    f->rep.msg[0] = '\0';
}

void hr_guard_finish(struct hr_run_event *r, int land)
{
    uintptr_t lo = hr_guard_stack_lo;
    struct hr_run *run = hr_run_current();

    if (land == LAND_STOP && run != NULL)
        r->rc = atomic_load(&run->first_rc);
    if (land == LAND_NESTED)
        r->rc = HR_ECRASH;
    r->worker = run != NULL && hr_guard_tid() != run->tid;
    if (r->sig == SIGSEGV && lo != 0) {
        if ((r->addr + STACK_SLOP >= lo && r->addr < lo + STACK_NEAR) ||
            (r->sp != 0 && r->sp + STACK_SLOP >= lo &&
             r->sp < lo + STACK_NEAR))
            r->overflow = 1;
    }
#ifdef HR_ASAN
    /* the frames we jumped over left their redzones poisoned */
    if (r->sp != 0 && r->sp < (uintptr_t)&lo) {
        uintptr_t from = r->sp > lo + 4096 ? r->sp - 4096 : lo;

        __asan_unpoison_memory_region((void *)from,
                                      (uintptr_t)&lo - 256 - from);
    }
#endif
}

void hr_guard_publish(struct hr_run *run, const struct hr_run_event *r)
{
    if (run == NULL || r->rc >= 0)
        return;
    if (hr_run_claim(run, r->rc))
        memcpy(&run->first, r, sizeof *r);
}

/* ---- threads in a run ---- */

int hr_guard_worker(void (*fn)(void *arg), void *arg)
{
    struct frame f;
    struct hr_run *r = hr_run_current();
    volatile int slot = -1;
    int land;

    if (!atomic_load(&hr_guard_g.active) || r == NULL || r->isolated) {
        fn(arg);
        return 0;
    }
    if (atomic_load(&r->stop))
        return 1;
    hr_guard_setup_thread();
    hr_guard_frame_init(&f, FRAME_WORKER);
    slot = take_slot(hr_guard_tid());
    hr_guard_top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        fn(arg);
        f.armed = 0;
    } else {
        f.armed = 0;
        hr_guard_finish(&f.rep, land);
        if (land != LAND_STOP && land != LAND_RAISE) {
            hr_guard_publish(r, &f.rep);
            hr_guard_arm_ticks();   /* the run's thread stops the others */
        }
    }
    hr_guard_top = f.prev;
    if (slot >= 0)
        atomic_store(&slots[slot], 0);
    return land != 0;
}

void hr_guard_raise(void)
{
    struct frame *f = hr_guard_top;
    struct hr_run *r = hr_run_current();

    if (f == NULL || !f->armed || r == NULL ||
        atomic_load(&r->first_rc) >= 0)
        return;
    f->armed = 0;
    siglongjmp(f->env, LAND_RAISE);
}

void hr_guard_checkpoint(void)
{
    struct frame *f = NULL;

    if (!hr_run_stopping())
        return;
    f = hr_guard_top;
    if (f == NULL || !f->armed ||
        (f->kind != FRAME_TASK && f->kind != FRAME_WORKER))
        return;
    f->armed = 0;
    siglongjmp(f->env, LAND_STOP);
}

int hr_guard_cancel(void)
{
    struct hr_run *r = hr_run_current();
    int won;

    if (r == NULL || !atomic_load(&hr_guard_g.active))
        return 0;
    won = hr_run_claim(r, HR_ECANCEL);
    hr_guard_arm_ticks();
    if (r->tid != 0)
        syscall(SYS_tgkill, getpid(), r->tid, hr_guard_sig_async);
    return won;
}

int hr_guard_active(void)
{
    return atomic_load(&hr_guard_g.active);
}

/* ---- what task code calls to end its run ---- */

static void end_by_call(struct frame *f)
{
    f->armed = 0;
    f->in_handler = 1;
    siglongjmp(f->env, LAND_CALL);
}

static struct frame *task_frame(void)
{
    struct frame *f = hr_guard_top;

    if (f == NULL || !f->armed ||
        (f->kind != FRAME_TASK && f->kind != FRAME_WORKER))
        return NULL;
    return f;
}

void hr_guard_fail(const char *msg)
{
    struct frame *f = task_frame();

    if (f == NULL)
        return;
    f->rep.rc = HR_EFAIL;
    snprintf(f->rep.msg, sizeof f->rep.msg, "%s",
             msg != NULL ? msg : "task failed");
    end_by_call(f);
}

void hr_guard_exit(int status)
{
    struct frame *f = task_frame();

    if (f == NULL)
        return;
    f->rep.rc = HR_EEXIT;
    f->rep.status = status;
    end_by_call(f);
}

void hr_guard_assert_fail(const char *expr, const char *file, unsigned line,
                          const char *func)
{
    struct frame *f = task_frame();
    struct hr_run *r = hr_run_current();

    (void)func;
    if (f == NULL)
        return;
    f->rep.rc = HR_EFAIL;
    snprintf(f->rep.msg, sizeof f->rep.msg,
             "assertion failed in %s: %s (%s:%u)",
             r != NULL && r->task != NULL ? r->task : "task",
             expr != NULL ? expr : "?", file != NULL ? file : "?", line);
    end_by_call(f);
}

