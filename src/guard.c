/* guard.c - run a task function and survive whatever it does
 *
 * In-process mode.  hr_guard_call() installs handlers for SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT, SIGTRAP and SIGINT for the length of the call
 * only, and puts the previous ones back after it (readline keeps its own
 * SIGINT handler at the prompt).  A per-thread "frame" holds a sigjmp_buf:
 * a fault handler records the signal, si_code, address, pc and sp and
 * siglongjmp()s to the innermost frame of the faulting thread; everything
 * else (naming the code with opts->locate, the array with opts->array_at,
 * the message) happens after the jump, in normal context.  A fault while
 * that report is being made (a crashing locate callback) or inside the
 * handler itself ends with a minimal message and no callbacks.  Handlers
 * run on an alternate signal stack (one per thread, kept), so a stack
 * overflow is caught; it is told apart from other segfaults by the fault
 * address or sp lying at the end of the thread's stack.
 *
 * Stops: SIGINT and the timeout (a CLOCK_MONOTONIC POSIX timer that sends
 * a private real-time signal, SIG_ASYNC, to the calling thread) claim the
 * run's "first event" and make it stop.  Once a run is stopping, the timer
 * ticks every 10 ms; each tick re-sends SIG_ASYNC to every other thread in
 * task code (pool workers) and tries again on its own thread.  A thread is
 * not stopped while inside hr_guard_enter()/leave() (the task allocator's
 * lock, the pool's wait) - leave() stops it - nor while its pc is inside a
 * shared library (libc's printf or malloc may hold a lock): the next tick
 * tries again, and finds it back in task code sooner or later.  Only a
 * thread blocked in a system call (pc just after the syscall instruction,
 * unchanged for 20 ticks: sleep(), getchar()) is stopped inside a library.
 * A task that never leaves a library function without blocking cannot be
 * stopped in process.  SIG_ASYNC keeps its handler for the life of the
 * process (a late tick must not kill us).
 *
 * Threads: the pool runs each worker's share of a guarded loop inside
 * hr_guard_worker(), a frame of its own.  A fault, hr_fail() or exit() on
 * a worker claims the first event (first one wins), stops the run, and
 * after the loop the pool calls hr_guard_raise() on the calling thread,
 * which jumps to its frame as if it had happened there.
 *
 * Isolated mode forks; the child runs the same in-process guard and sends
 * {rc, result, message} back through a pipe; the parent waits with the
 * timeout (plus 1 s, then SIGKILL) and kills the child on Ctrl-C.  The
 * resident arrays are mappings, inherited without a copy (the child still
 * faults in the page tables of what it reads).
 *
 * At the prompt, hr_guard_idle_sigint() turns SIGINT into a byte on a
 * self-pipe for the REPL's poll(); a run puts its own handler in place and
 * this one back after.
 *
 * Cost of an in-process run: 14 sigaction() calls and one sigprocmask()
 * (sigsetjmp), two timer_settime() with a timeout; nothing else enters the
 * kernel.  A guarded parallel loop adds one sigprocmask() per thread.
 *
 * What a crash in process can leave behind (the limits of in-process mode):
 * - Locks held by the dead call.  Our own (task allocator, pool) are never
 *   abandoned by a stop, and are reset after a fault.  stdio's locks are
 *   checked after every abnormal end from a helper thread and released if
 *   the dead call held them (funlockfile by a thread that is not the owner
 *   is what glibc and musl both allow in practice, not POSIX).  Other libc
 *   locks (malloc's arenas, locale, dl) can stay held when a task faults
 *   inside the C library, e.g. after corrupting the heap: the next call
 *   that needs them hangs.  --isolate runs such tasks safely.
 * - Memory: blocks from the task allocator are freed (taskmem); memory a
 *   task got from libc directly, open files and mappings leak.  A task
 *   that overwrote the allocator's block headers leaks the rest of its
 *   blocks, and the message says so.
 * - A task can write anywhere in the process that is writable: the
 *   resident arrays are read-only mappings and survive, but hotrun's own
 *   heap does not have that protection.  --isolate protects it.
 * - The signal mask comes back with siglongjmp (sigsetjmp(env, 1)); the
 *   FPU/SSE environment (rounding mode, exception flags) is put back to
 *   what it was before the call; stdio buffers may hold part of a line.
 *
 * Files: the messages are worded in guard_msg.c and the stdio locks are
 * released by guard_stdio.c; neither touches signals.
 */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "guard_msg.h"
#include "guard_stdio.h"
#include "taskmem.h"

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

#define ALT_STACK_EXTRA (64 * 1024)     /* plus SIGSTKSZ */
#define ALT_STACK_KEEP (32 * 1024)      /* an existing one this big stays */
#define MAX_SLOTS 512           /* threads in task code at once */
#define TICK_NS 10000000L       /* 10 ms between stop attempts */
#define MAX_DEFERS 20           /* ticks blocked in one system call */
#define STACK_SLOP (1024 * 1024)    /* beyond the end: guard gap */
#define STACK_NEAR (64 * 1024)      /* within the end: still overflow */
#define MAX_LIBS 256
#define ISOLATE_GRACE_S 1.0

enum {
    LAND_NONE,
    LAND_FAULT,         /* a signal on this thread */
    LAND_NESTED,        /* a signal inside the fault handler */
    LAND_STOP,          /* the run is stopping */
    LAND_CALL,          /* hr_guard_fail(), exit(), assert */
    LAND_RAISE          /* an event from another thread */
};

struct frame {
    sigjmp_buf env;
    struct frame *prev;
    volatile sig_atomic_t armed;        /* a jump to env is allowed */
    volatile sig_atomic_t in_handler;   /* a fault is being recorded */
    volatile sig_atomic_t crit;         /* hr_guard_enter() depth */
    volatile sig_atomic_t pending;      /* stop waits for leave() */
    volatile sig_atomic_t defers;       /* ticks blocked at last_pc */
    volatile uintptr_t last_pc;
    struct hr_guard_report rep;
};

/* The run in progress: one at a time per process. */
static struct {
    atomic_int busy;            /* hr_guard_call() is running */
    atomic_int active;          /* handlers are installed */
    atomic_int first_rc;        /* claimed by the run's first event */
    atomic_int stopping;
    int isolated_parent;        /* only waiting for a child */
    pid_t tid;                  /* the thread in hr_guard_call() */
    const char *task;
    double timeout_s;
    struct timespec start;
    struct hr_guard_report first; /* details of the first event */
} run;

static const int fault_sigs[] = {
    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP
};
#define NFAULT ((int)(sizeof fault_sigs / sizeof fault_sigs[0]))

static struct sigaction saved_fault[NFAULT];
static struct sigaction saved_int;
static int sig_async;           /* SIGRTMIN + 4 */
static atomic_int slots[MAX_SLOTS];     /* tids of threads in frames */
static timer_t timer;
static pid_t timer_tid;         /* 0: no timer */
static pid_t timer_pid;         /* the process that made it */
static struct { uintptr_t lo, hi; } libs[MAX_LIBS];
static int nlibs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static _Thread_local struct frame *top;
static _Thread_local int thread_ready;
static _Thread_local uintptr_t stack_lo;
static _Thread_local void *alt_mem;
static _Thread_local size_t alt_len;
static _Thread_local stack_t alt_old;

/* Cached: a system call costs more than the rest of a guarded call.  A
 * forked child's thread has a new id: fork_tid_reset() clears the cache. */
static _Thread_local pid_t tid_cache;

static pid_t my_tid(void)
{
    if (tid_cache == 0)
        tid_cache = (pid_t)syscall(SYS_gettid);
    return tid_cache;
}

static void fork_tid_reset(void)
{
    tid_cache = 0;
}

static double since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- what runs in signal handlers: async-signal-safe only ---- */

static uintptr_t uc_pc(void *ucv)
{
    ucontext_t *uc = ucv;

    if (uc == NULL)
        return 0;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
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
#elif defined(__i386__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_ESP];
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

/* 0: pc is not in a shared library; 1: it is; 2: it is right after a
 * system call instruction there (the thread is blocked in the call). */
static int in_library(uintptr_t pc)
{
    uint16_t op2;
    uint32_t op4;
    int i;

    for (i = 0; i < nlibs; i++) {
        if (pc < libs[i].lo || pc >= libs[i].hi)
            continue;
        op2 = 0;
        op4 = 0;
        if (pc - 4 >= libs[i].lo) {
            memcpy(&op2, (const void *)(pc - 2), sizeof op2);
            memcpy(&op4, (const void *)(pc - 4), sizeof op4);
        }
#if defined(__x86_64__)
        if (op2 == 0x050f)      /* syscall */
            return 2;
#elif defined(__aarch64__)
        if (op4 == 0xd4000001)  /* svc #0 */
            return 2;
#endif
        (void)op2;
        (void)op4;
        return 1;
    }
    return 0;
}

static void claim(int rc)
{
    int none = 0;

    atomic_compare_exchange_strong(&run.first_rc, &none, rc);
    atomic_store(&run.stopping, 1);
}

/* From now on the timer ticks every TICK_NS on the run's thread. */
static void arm_ticks(void)
{
    struct itimerspec its = {{0, TICK_NS}, {0, TICK_NS}};

    if (timer_tid != 0 && timer_tid == run.tid && !run.isolated_parent)
        timer_settime(timer, 0, &its, NULL);
}

static void kick_others(void)
{
    pid_t self = my_tid();
    pid_t pid = getpid();
    int i;

    for (i = 0; i < MAX_SLOTS; i++) {
        pid_t t = atomic_load(&slots[i]);

        if (t != 0 && t != self)
            syscall(SYS_tgkill, pid, t, sig_async);
    }
}

/* Ends the innermost frame of this thread if the run is stopping and the
 * thread may be stopped where it is. */
static void deliver(void *ucv)
{
    struct frame *f = top;
    uintptr_t pc = uc_pc(ucv);

    if (f == NULL || !f->armed || f->in_handler ||
        !atomic_load(&run.stopping))
        return;
    if (f->crit > 0) {
        f->pending = 1;
        return;
    }
    switch (in_library(pc)) {
    case 1:     /* running library code, maybe holding its locks */
        f->defers = 0;
        return;
    case 2:     /* blocked in a system call: give it a moment */
        if (pc != f->last_pc) {
            f->last_pc = pc;
            f->defers = 0;
        }
        if (++f->defers < MAX_DEFERS)
            return;
        break;
    }
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

    for (i = 0; i < NFAULT; i++) {
        if (fault_sigs[i] == sig)
            old = &saved_fault[i];
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

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    struct frame *f = top;

    if (f == NULL || !f->armed) {
        pass_on(sig, si, ucv);
        return;
    }
    if (f->in_handler) {
        f->rep.nested = 1;
        siglongjmp(f->env, LAND_NESTED);
    }
    f->in_handler = 1;
    f->rep.rc = HR_ECRASH;
    f->rep.sig = sig;
    f->rep.code = si->si_code;
    f->rep.addr = (uintptr_t)si->si_addr;
    f->rep.pc = uc_pc(ucv);
    f->rep.sp = uc_sp(ucv);
    f->rep.access = uc_access(ucv, sig);
    siglongjmp(f->env, LAND_FAULT);
}

static void on_async(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;

    if (atomic_load(&run.active)) {
        if (sig == SIGINT) {
            claim(HR_EINTR);
            arm_ticks();
            if (!run.isolated_parent)
                kick_others();
        } else if (si->si_code == SI_TIMER) {
            claim(HR_ETIMEOUT);
            kick_others();
        }
        if (!run.isolated_parent)
            deliver(ucv);
    }
    errno = saved_errno;
}

/* ---- setup ---- */

static int lib_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    int *seen = data;
    int i;

    (void)size;
    if ((*seen)++ == 0)
        return 0;   /* the main program: hotrun itself */
    for (i = 0; i < info->dlpi_phnum && nlibs < MAX_LIBS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        libs[nlibs].lo = info->dlpi_addr + ph->p_vaddr;
        libs[nlibs].hi = libs[nlibs].lo + ph->p_memsz;
        nlibs++;
    }
    return 0;
}

static void setup_once(void)
{
    struct sigaction sa;
    int seen = 0;

    dl_iterate_phdr(lib_cb, &seen);
    pthread_atfork(NULL, NULL, fork_tid_reset);
    sig_async = SIGRTMIN + 4;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_async;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(sig_async, &sa, NULL);
}

static void setup_thread(void)
{
    pthread_attr_t attr;
    stack_t cur;
    stack_t ss;
    void *addr = NULL;
    size_t size = 0;

    pthread_once(&once, setup_once);
    if (thread_ready)
        return;
    thread_ready = 1;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0)
            stack_lo = (uintptr_t)addr;
        pthread_attr_destroy(&attr);
    }
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
        cur.ss_size >= ALT_STACK_KEEP)
        return;
    alt_len = ALT_STACK_EXTRA + SIGSTKSZ;
    alt_mem = mmap(NULL, alt_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt_mem == MAP_FAILED) {
        alt_mem = NULL;
        return;
    }
    ss.ss_sp = alt_mem;
    ss.ss_size = alt_len;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, &alt_old) != 0) {
        munmap(alt_mem, alt_len);
        alt_mem = NULL;
    }
}

void hr_guard_thread_init(void)
{
    sigset_t set;

    setup_thread();
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void hr_guard_thread_fini(void)
{
    stack_t off;

    if (alt_mem == NULL)
        return;
    if (alt_old.ss_flags & SS_DISABLE) {
        memset(&off, 0, sizeof off);
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
    } else {
        sigaltstack(&alt_old, NULL);
    }
    munmap(alt_mem, alt_len);
    alt_mem = NULL;
    thread_ready = 0;
}

/* A timer that sends SIG_ASYNC to this thread. */
static int setup_timer(void)
{
    struct sigevent sev;
    pid_t tid = my_tid();

    if (timer_tid == tid)
        return 0;
    if (timer_tid != 0 && timer_pid == getpid())
        timer_delete(timer);    /* a forked child has none to delete */
    timer_tid = 0;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = sig_async;
    sev._sigev_un._tid = tid;
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
        return -1;
    timer_tid = tid;
    timer_pid = getpid();
    return 0;
}

static void timer_arm(double s)
{
    struct itimerspec its;

    memset(&its, 0, sizeof its);
    if (s > 0) {
        its.it_value.tv_sec = (time_t)s;
        its.it_value.tv_nsec = (long)((s - (double)(time_t)s) * 1e9);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
        its.it_interval.tv_nsec = TICK_NS;
    }
    if (timer_tid != 0)
        timer_settime(timer, 0, &its, NULL);
}

static void install(void)
{
    struct sigaction sa;
    int i;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, sig_async);
    for (i = 0; i < NFAULT; i++)
        sigaction(fault_sigs[i], &sa, &saved_fault[i]);
    sa.sa_sigaction = on_async;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_int);
}

static void uninstall(void)
{
    int i;

    for (i = 0; i < NFAULT; i++)
        sigaction(fault_sigs[i], &saved_fault[i], NULL);
    sigaction(SIGINT, &saved_int, NULL);
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

static void frame_init(struct frame *f)
{
    f->prev = top;
    f->armed = 0;
    f->in_handler = 0;
    f->crit = 0;
    f->pending = 0;
    f->defers = 0;
    f->last_pc = 0;
    memset(&f->rep, 0, offsetof(struct hr_guard_report, msg));
    f->rep.msg[0] = '\0';
}

/* ---- after a jump: normal context again ---- */

/* Completes a report on the thread where it happened. */
static void finish(struct hr_guard_report *r, int land)
{
    uintptr_t lo = stack_lo;

    if (land == LAND_STOP)
        r->rc = atomic_load(&run.first_rc);
    if (land == LAND_NESTED)
        r->rc = HR_ECRASH;
    r->worker = my_tid() != run.tid;
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

/* Makes r the run's first event unless another came first. */
static void publish(const struct hr_guard_report *r)
{
    int none = 0;

    if (r->rc == 0)
        return;
    if (atomic_compare_exchange_strong(&run.first_rc, &none, r->rc))
        memcpy(&run.first, r, sizeof *r);
    atomic_store(&run.stopping, 1);
}

/* ---- in-process mode ---- */

static void run_reset(const char *task, double timeout_s, int isolated)
{
    atomic_store(&run.first_rc, 0);
    atomic_store(&run.stopping, 0);
    run.isolated_parent = isolated;
    run.tid = my_tid();
    run.task = task;
    run.timeout_s = timeout_s;
    memset(&run.first, 0, offsetof(struct hr_guard_report, msg));
    run.first.msg[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &run.start);
}

/* Formats the report of the first event into err; a fault while doing so
 * (in a callback) gives the short form instead. */
static void report_event(struct frame *f, const char *task,
                         const struct hr_guard_opts *o, struct hr_err *err)
{
    static struct hr_guard_report r;  /* one run at a time */

    memcpy(&r, &run.first, sizeof r);
    r.rc = atomic_load(&run.first_rc);
    f->in_handler = 0;
    f->crit = 1;                /* no stop now: only faults jump */
    if (sigsetjmp(f->env, 1) == 0) {
        f->armed = 1;
        hr_guard_msg_describe(&r, task, o, !r.nested, run.timeout_s,
                              since(&run.start), err);
    } else {
        hr_guard_msg_describe(&r, task, o, 0, run.timeout_s,
                              since(&run.start), err);
    }
    f->armed = 0;
}

/* Frees what the dead run allocated.  The task may have overwritten the
 * allocator's headers: then the rest is forgotten (a leak; a fault while
 * walking them is caught).  Returns nonzero then.  before: bytes in use
 * when the run began (a clean abort leaves no more). */
static int free_run_memory(struct frame *f, size_t before)
{
    volatile int bad = 0;

    f->in_handler = 0;
    f->crit = 1;
    if (sigsetjmp(f->env, 1) == 0) {
        f->armed = 1;
        hr_taskmem_run_abort();
    } else {
        bad = 1;
        hr_taskmem_run_end();
    }
    f->armed = 0;
    return bad || hr_taskmem_in_use() > before;
}

static int call_inproc(hr_task_fn fn, const struct hr_array *a,
                       const char *task, const struct hr_guard_opts *o,
                       double *result, struct hr_err *err)
{
    struct frame f;
    fenv_t fenv;
    volatile double res = 0;
    volatile int done = 0;
    volatile int rc = 0;
    int heap_bad = 0;
    size_t mem_before;
    int land;
    int none = 0;

    if (!atomic_compare_exchange_strong(&run.busy, &none, 1)) {
        hr_err_set(err, "%s: another task is running", task);
        return HR_EINVAL;
    }
    setup_thread();
    if (setup_timer() != 0 && o->timeout_s > 0) {
        hr_err_set(err, "%s: cannot set a timeout: %s", task,
                   strerror(errno));
        atomic_store(&run.busy, 0);
        return HR_ENOMEM;
    }
    run_reset(task, o->timeout_s, 0);
    frame_init(&f);
    fegetenv(&fenv);
    atomic_store(&run.active, 1);
    install();
    mem_before = hr_taskmem_in_use();
    hr_taskmem_run_begin();
    if (o->timeout_s > 0)
        timer_arm(o->timeout_s);
    top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        res = fn(a);
        done = 1;
        f.armed = 0;
    } else {
        f.armed = 0;
    }
    if (o->timeout_s > 0 || atomic_load(&run.stopping))
        timer_arm(0);
    if (done) {
        hr_taskmem_run_end();
        if (result != NULL)
            *result = res;
    } else {
        if (land != LAND_RAISE) {
            finish(&f.rep, land);
            publish(&f.rep);
        }
        heap_bad = free_run_memory(&f, mem_before);
        hr_guard_stdio_repair();
        rc = atomic_load(&run.first_rc);
        report_event(&f, task, o, err);
        if (heap_bad)
            hr_guard_msg_note(err, "the task overwrote its malloc() "
                              "blocks' headers (some memory leaked): use "
                              "--isolate");
    }
    fesetenv(&fenv);
    top = f.prev;
    uninstall();
    atomic_store(&run.active, 0);
    if (o->timeout_s > 0 || atomic_load(&run.stopping))
        timer_arm(0);   /* a Ctrl-C during the report started ticks */
    atomic_store(&run.busy, 0);
    return rc;
}

/* ---- isolated mode ---- */

struct child_report {
    int32_t rc;
    int32_t pad;
    double result;
    char msg[HR_ERR_MAX];
};

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void child_main(int fd, hr_task_fn fn, const struct hr_array *a,
                       const char *task, const struct hr_guard_opts *o)
{
    static struct child_report cr;
    static struct hr_err e;
    struct hr_guard_opts co = *o;
    double r = 0;

    atomic_store(&run.active, 0);   /* the parent's wait is not ours */
    atomic_store(&run.busy, 0);
    top = NULL;
    co.isolate = 0;
    e.msg[0] = '\0';
    cr.rc = call_inproc(fn, a, task, &co, &r, &e);
    cr.result = r;
    memcpy(cr.msg, e.msg, sizeof cr.msg);
    fflush(NULL);
    write_all(fd, &cr, sizeof cr);
    _exit(0);
}

/* Waits for the report; returns 0 with it in *cr, or HR_EINTR or
 * HR_ETIMEOUT (the child must be killed), or HR_ECRASH (no report). */
static int wait_report(int fd, double timeout_s, struct child_report *cr)
{
    struct pollfd pfd;
    sigset_t block;
    sigset_t orig;
    size_t got = 0;
    int rc = HR_ECRASH;

    pfd.fd = fd;
    pfd.events = POLLIN;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &orig);
    for (;;) {
        struct timespec ts;
        struct timespec *tsp = NULL;
        ssize_t n;
        int pr;

        if (atomic_load(&run.first_rc) == HR_EINTR) {
            rc = HR_EINTR;
            break;
        }
        if (timeout_s > 0) {
            double left = timeout_s + ISOLATE_GRACE_S - since(&run.start);

            if (left <= 0) {
                rc = HR_ETIMEOUT;
                break;
            }
            ts.tv_sec = (time_t)left;
            ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
            tsp = &ts;
        }
        pr = ppoll(&pfd, 1, tsp, &orig);
        if (pr <= 0)
            continue;   /* EINTR, a timeout: looked at above */
        n = read(fd, (char *)cr + got, sizeof *cr - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;      /* the child is gone without a report */
        got += (size_t)n;
        if (got == sizeof *cr) {
            rc = 0;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &orig, NULL);
    return rc;
}

static int call_isolated(hr_task_fn fn, const struct hr_array *a,
                         const char *task, const struct hr_guard_opts *o,
                         double *result, struct hr_err *err)
{
    static struct child_report cr;
    struct sigaction sa;
    int fds[2] = {-1, -1};
    int none = 0;
    int status = 0;
    int installed = 0;
    int rc;
    pid_t pid;

    if (!atomic_compare_exchange_strong(&run.busy, &none, 1)) {
        hr_err_set(err, "%s: another task is running", task);
        return HR_EINVAL;
    }
    setup_thread();
    if (pipe2(fds, O_CLOEXEC) != 0) {
        hr_err_set(err, "%s: cannot make a pipe: %s", task, strerror(errno));
        rc = HR_EIO;
        goto out;
    }
    /* Ctrl-C is ours from before the fork: it must not be missed */
    run_reset(task, o->timeout_s, 1);
    atomic_store(&run.active, 1);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_async;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_int);
    installed = 1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        hr_err_set(err, "%s: cannot fork: %s", task, strerror(errno));
        rc = HR_ENOMEM;
        goto out;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], fn, a, task, o);
    }
    close(fds[1]);
    fds[1] = -1;
    rc = wait_report(fds[0], o->timeout_s, &cr);
    if (rc == HR_EINTR || rc == HR_ETIMEOUT)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (rc == 0) {
        rc = cr.rc;
        if (rc == 0 && result != NULL)
            *result = cr.result;
        if (rc != 0)
            hr_err_set(err, "%s", cr.msg);
    } else if (rc == HR_EINTR) {
        hr_err_set(err, "interrupted (ctrl-c) in %s after %.1f s", task,
                   since(&run.start));
    } else if (rc == HR_ETIMEOUT) {
        hr_err_set(err, "timeout: %s ran past %g s", task, o->timeout_s);
    } else if (WIFSIGNALED(status)) {
        hr_err_set(err, "%s: child killed by signal %d%s", task,
                   WTERMSIG(status), WTERMSIG(status) == SIGKILL ?
                   " (out of memory?)" : "");
    } else {
        hr_err_set(err, "%s: child exited with status %d and no report",
                   task, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
out:
    if (installed)
        sigaction(SIGINT, &saved_int, NULL);
    atomic_store(&run.active, 0);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    atomic_store(&run.busy, 0);
    return rc;
}

/* ---- the contract ---- */

int hr_guard_call(hr_task_fn fn, const struct hr_array *a, const char *task,
                  const struct hr_guard_opts *opts, double *result,
                  struct hr_err *err)
{
    struct hr_guard_opts none;

    if (opts == NULL) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    if (task == NULL)
        task = "task";
    if (opts->isolate)
        return call_isolated(fn, a, task, opts, result, err);
    return call_inproc(fn, a, task, opts, result, err);
}

static void end_by_call(struct frame *f)
{
    f->armed = 0;
    f->in_handler = 1;
    siglongjmp(f->env, LAND_CALL);
}

void hr_guard_fail(const char *msg)
{
    struct frame *f = top;

    if (f == NULL || !f->armed)
        return;
    f->rep.rc = HR_EFAIL;
    snprintf(f->rep.msg, sizeof f->rep.msg, "%s",
             msg != NULL ? msg : "task failed");
    end_by_call(f);
}

void hr_guard_exit(int status)
{
    struct frame *f = top;

    if (f == NULL || !f->armed)
        return;
    f->rep.rc = HR_EEXIT;
    f->rep.status = status;
    end_by_call(f);
}

void hr_guard_assert_fail(const char *expr, const char *file, unsigned line,
                          const char *func)
{
    struct frame *f = top;

    (void)func;
    if (f == NULL || !f->armed)
        return;
    f->rep.rc = HR_EFAIL;
    snprintf(f->rep.msg, sizeof f->rep.msg,
             "assertion failed in %s: %s (%s:%u)", run.task,
             expr != NULL ? expr : "?", file != NULL ? file : "?", line);
    end_by_call(f);
}

/* ---- Ctrl-C at the prompt ---- */

static int idle_pipe[2] = {-1, -1};

static void on_idle_sigint(int sig)
{
    int saved_errno = errno;
    char c = 1;

    (void)sig;
    if (write(idle_pipe[1], &c, 1) < 0) {
        /* the pipe is full: the reader has Ctrl-Cs to see already */
    }
    errno = saved_errno;
}

int hr_guard_idle_sigint(void)
{
    struct sigaction sa;

    if (idle_pipe[0] >= 0)
        return idle_pipe[0];
    if (pipe2(idle_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        idle_pipe[0] = -1;
        idle_pipe[1] = -1;
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_idle_sigint;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    return idle_pipe[0];
}

int hr_guard_idle_sigint_take(void)
{
    char buf[64];
    ssize_t n = 1;
    int total = 0;

    if (idle_pipe[0] < 0)
        return 0;
    while (n > 0) {
        n = read(idle_pipe[0], buf, sizeof buf);
        if (n > 0)
            total += (int)n;
    }
    return total;
}

int hr_guard_active(void)
{
    return atomic_load(&run.active);
}

int hr_guard_worker(void (*fn)(void *arg), void *arg)
{
    struct frame f;
    volatile int slot = -1;
    int land;

    if (!atomic_load(&run.active) || run.isolated_parent) {
        fn(arg);
        return 0;
    }
    if (atomic_load(&run.stopping))
        return 1;
    setup_thread();
    frame_init(&f);
    slot = take_slot(my_tid());
    top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        fn(arg);
        f.armed = 0;
    } else {
        f.armed = 0;
        finish(&f.rep, land);
        if (land != LAND_STOP) {
            publish(&f.rep);
            arm_ticks();    /* the run's thread stops the others */
        }
    }
    top = f.prev;
    if (slot >= 0)
        atomic_store(&slots[slot], 0);
    return land != 0;
}

void hr_guard_raise(void)
{
    struct frame *f = top;

    if (f == NULL || atomic_load(&run.first_rc) == 0)
        return;
    f->armed = 0;
    siglongjmp(f->env, LAND_RAISE);
}

void hr_guard_enter(void)
{
    struct frame *f = top;

    if (f != NULL)
        f->crit++;
}

void hr_guard_leave(void)
{
    struct frame *f = top;

    if (f == NULL || f->crit == 0)
        return;
    f->crit--;
    if (f->crit == 0 && f->pending && f->armed &&
        atomic_load(&run.stopping)) {
        f->pending = 0;
        f->armed = 0;
        siglongjmp(f->env, LAND_STOP);
    }
}
