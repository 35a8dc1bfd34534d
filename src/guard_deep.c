/* guard_deep.c - the compiler's thread: a big stack, overflows and stops
 *
 * One thread, made at the first hr_guard_deep_call() and reused, runs the
 * calls one at a time while the caller waits.  Its stack is one mapping,
 * reserved (MAP_NORESERVE) and committed only as it is touched; after each
 * call all but the top MiB is given back (MADV_DONTNEED).  From the bottom:
 *
 *   [hard guard, 64 KiB] [reserve: 16 steps of 64 KiB, each topped by a
 *   guard page] [usable stack, HR_GUARD_DEEP_STACK] (top)
 *
 * A fault on the first guard page is the overflow.  The handler ends the
 * call there only when the pc is outside shared libraries: the code there
 * (libtcc, hotrun's callbacks) holds no lock of the C library.  When the
 * pc is inside one (malloc, memcpy) the handler opens that guard page and
 * returns: the library function finishes on the reserve, and the next
 * guard page further down catches the overflow again, sooner or later
 * outside.  The hard guard ends the process, as an overflow always did.
 *
 * Stops: a timeout, a Ctrl-C seen by the prompt's handler or
 * hr_guard_deep_cancel() first only set a flag (hr_guard_deep_stopping(),
 * for the callee's safe points); a second later the waiting thread sends
 * SIG_ASYNC every 10 ms and the handler ends the call when the pc is
 * outside shared libraries.  After five seconds more the caller gives up:
 * the thread is abandoned and later calls fail at once.
 *
 * After a call was ended, recover(arg) runs on the thread in a frame of its
 * own; if that faults too, the thread is marked unusable.
 */
#include "guard_int.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define HARD_GUARD ((size_t)64 * 1024)
#define STEP ((size_t)64 * 1024)
#define NSTEPS 16
#define KEEP_HOT ((size_t)1 << 20)
#define KICK_AFTER_S 1.0
#define GIVE_UP_S 6.0
#define WAIT_NS 10000000L

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    pid_t pid;                  /* the process that made the thread */
    int started;
    int broken;                 /* recover() faulted */
    int lost;                   /* a call never ended */
    atomic_int tid;
    char *base;                 /* the stack mapping */
    size_t len;
    uintptr_t usable_lo;
    /* the call in progress */
    void (*fn)(void *arg);
    void (*recover)(void *arg);
    void *arg;
    int have_job;
    int done;
    int result;
    struct hr_run_event ev;
    atomic_int stop;            /* 0 or HR_ETIMEOUT, HR_EINTR, HR_ECANCEL */
    atomic_int kick;            /* the handler may end the call */
    atomic_uint opened;         /* guard pages opened during the call */
} d = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0,
        0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0, { 0 }, 0, 0, 0 };

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

static uintptr_t guard_page(int k)
{
    return d.usable_lo - PAGE - (uintptr_t)k * STEP;
}

/* ---- called by the handlers (guard.c): async-signal-safe ---- */

int hr_guard_deep_fault(struct frame *f, int sig, siginfo_t *si,
                        uintptr_t pc, int *pass)
{
    uintptr_t addr = (uintptr_t)si->si_addr;
    int lib = hr_guard_in_library(pc);
    int k;

    if (sig == SIGSEGV && addr >= (uintptr_t)d.base &&
        addr < d.usable_lo) {
        f->rep.overflow = 1;
        if (!lib)
            return 0;
        for (k = 0; k < NSTEPS; k++) {
            uintptr_t g = guard_page(k);

            if (addr >= g && addr < g + PAGE &&
                !(atomic_load(&d.opened) & (1u << k)) &&
                mprotect((void *)g, PAGE, PROT_READ | PROT_WRITE) == 0) {
                atomic_fetch_or(&d.opened, 1u << k);
                return 1;
            }
        }
        *pass = 1;      /* the hard guard, inside a library */
        return 0;
    }
    if (lib && sig != SIGABRT)
        *pass = 1;
    return 0;
}

int hr_guard_deep_kick_due(uintptr_t pc)
{
    return atomic_load(&d.kick) && atomic_load(&d.tid) == hr_guard_tid() &&
           !hr_guard_in_library(pc);
}

/* ---- the thread ---- */

static void close_guards(void)
{
    unsigned opened = atomic_exchange(&d.opened, 0);
    int k;

    for (k = 0; k < NSTEPS; k++) {
        if (opened & (1u << k))
            mprotect((void *)guard_page(k), PAGE, PROT_NONE);
    }
}

/* Gives the stack below the top MiB back when the call went that deep
 * (the page just below it is committed). */
static void give_back(void)
{
    uintptr_t keep = (uintptr_t)d.base + d.len - KEEP_HOT;
    unsigned char in = 0;

    if (mincore((void *)(keep - PAGE), PAGE, &in) == 0 && !(in & 1))
        return;
    madvise((void *)d.usable_lo, keep - d.usable_lo, MADV_DONTNEED);
}

static int run_job(void)
{
    struct frame f;
    volatile int rc = 0;
    int land;

    hr_guard_frame_init(&f, FRAME_DEEP);
    hr_guard_top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        d.fn(d.arg);
        f.armed = 0;
    } else {
        f.armed = 0;
        atomic_store(&d.kick, 0);
        memcpy(&d.ev, &f.rep, sizeof d.ev);
        rc = land == LAND_STOP ? atomic_load(&d.stop) : HR_ECRASH;
        if (rc == 0)
            rc = HR_ECANCEL;
        f.in_handler = 0;
        if (sigsetjmp(f.env, 1) == 0) {
            f.armed = 1;
            d.recover(d.arg);
            f.armed = 0;
        } else {
            f.armed = 0;
            d.broken = 1;
        }
    }
    hr_guard_top = f.prev;
    close_guards();
    give_back();
    return rc;
}

static void *deep_main(void *unused)
{
    (void)unused;
    hr_guard_thread_init();
    atomic_store(&d.tid, hr_guard_tid());
    pthread_mutex_lock(&d.lock);
    for (;;) {
        int rc;

        while (!d.have_job)
            pthread_cond_wait(&d.cv, &d.lock);
        d.have_job = 0;
        pthread_mutex_unlock(&d.lock);
        rc = run_job();
        pthread_mutex_lock(&d.lock);
        d.result = rc;
        d.done = 1;
        pthread_cond_broadcast(&d.cv);
    }
    return NULL;
}

static int start(void)
{
    pthread_attr_t attr;
    size_t len = HARD_GUARD + NSTEPS * STEP + HR_GUARD_DEEP_STACK;
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int k;
    int rc;

    if (base == MAP_FAILED)
        return HR_ENOMEM;
    d.base = base;
    d.len = len;
    d.usable_lo = (uintptr_t)base + HARD_GUARD + NSTEPS * STEP;
    mprotect(base, HARD_GUARD, PROT_NONE);
    for (k = 0; k < NSTEPS; k++)
        mprotect((void *)guard_page(k), PAGE, PROT_NONE);
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, base, len);
    rc = pthread_create((pthread_t[1]){0}, &attr, deep_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        munmap(base, len);
        d.base = NULL;
        return HR_ENOMEM;
    }
    d.started = 1;
    d.pid = getpid();
    return 0;
}

/* In a forked child there is no thread: start over. */
static void forget_if_forked(void)
{
    if (!d.started || d.pid == getpid())
        return;
    munmap(d.base, d.len);
    d.base = NULL;
    d.started = 0;
    d.broken = 0;
    d.lost = 0;
    d.have_job = 0;
    atomic_store(&d.tid, 0);
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cv, NULL);
}

static void describe(int rc, struct hr_err *err)
{
    switch (rc) {
    case HR_ECRASH:
        if (d.ev.overflow)
            hr_err_set(err, "ran out of stack (nested too deeply?)");
        else
            hr_err_set(err, "crashed (signal %d at 0x%lx)", d.ev.sig,
                       (unsigned long)d.ev.pc);
        return;
    case HR_ETIMEOUT:
        hr_err_set(err, "ran out of time");
        return;
    case HR_EINTR:
        hr_err_set(err, "interrupted (ctrl-c)");
        return;
    case HR_ECANCEL:
        hr_err_set(err, "cancelled");
        return;
    }
}

static void stop_with(int rc)
{
    int none = 0;

    atomic_compare_exchange_strong(&d.stop, &none, rc);
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits for the call, asking it to stop when due.  Caller holds d.lock. */
static void wait_done(double timeout_s)
{
    double t0 = now_s();
    double t_stop = 0;
    int idle0 = hr_guard_idle_count();

    while (!d.done) {
        struct timespec ts;
        double now;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WAIT_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d.cv, &d.lock, &ts);
        if (d.done)
            break;
        now = now_s() - t0;
        if (timeout_s > 0 && now >= timeout_s)
            stop_with(HR_ETIMEOUT);
        if (hr_guard_idle_count() != idle0)
            stop_with(HR_EINTR);
        if (atomic_load(&d.stop) != 0 && t_stop == 0)
            t_stop = now;
        if (t_stop > 0 && now - t_stop >= KICK_AFTER_S) {
            atomic_store(&d.kick, 1);
            syscall(SYS_tgkill, getpid(), atomic_load(&d.tid),
                    hr_guard_sig_async);
        }
        if (t_stop > 0 && now - t_stop >= GIVE_UP_S) {
            d.lost = 1;
            return;
        }
    }
}

int hr_guard_deep_call(void (*fn)(void *arg), void (*recover)(void *arg),
                       void *arg, double timeout_s, struct hr_err *err)
{
    int rc = 0;
    int stop;

    pthread_mutex_lock(&call_lock);
    hr_guard_setup_thread();
    forget_if_forked();
    if (d.broken || d.lost) {
        hr_err_set(err, "is unusable after an earlier failure (%s): "
                   "restart hotrun", d.broken ? "a crash while "
                   "recovering" : "a compile that did not stop");
        pthread_mutex_unlock(&call_lock);
        return HR_EIO;
    }
    if (!d.started && start() != 0) {
        hr_err_set(err, "cannot start a thread: %s", strerror(errno));
        pthread_mutex_unlock(&call_lock);
        return HR_ENOMEM;
    }
    hr_guard_handlers_hold();
    atomic_store(&d.stop, 0);
    atomic_store(&d.kick, 0);
    pthread_mutex_lock(&d.lock);
    d.fn = fn;
    d.recover = recover;
    d.arg = arg;
    d.done = 0;
    d.have_job = 1;
    pthread_cond_broadcast(&d.cv);
    wait_done(timeout_s);
    if (d.done)
        rc = d.result;
    pthread_mutex_unlock(&d.lock);
    stop = atomic_load(&d.stop);
    if (d.lost) {
        hr_err_set(err, "did not stop: reloads are disabled (restart "
                   "hotrun)");
        rc = HR_EIO;    /* the thread may still fault: keep the handlers */
    } else {
        hr_guard_handlers_release();
        if (rc == 0 && stop != 0)
            rc = stop;
        describe(rc, err);
    }
    pthread_mutex_unlock(&call_lock);
    return rc;
}

int hr_guard_deep_stopping(void)
{
    return atomic_load_explicit(&d.stop, memory_order_relaxed);
}

void hr_guard_deep_cancel(void)
{
    stop_with(HR_ECANCEL);
}
