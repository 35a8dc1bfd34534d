/* guard_setup.c - the guard's handlers, threads, timer and idle Ctrl-C
 *
 * Installs and restores the signal handlers that guard.c implements, gives
 * each thread that may run task code an alternate signal stack, makes the
 * run thread's timer, finds where the shared libraries' code lies, and
 * turns Ctrl-C at the prompt into a byte on a self-pipe.
 */
#include "guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ALT_STACK_EXTRA (64 * 1024)     /* plus SIGSTKSZ */
#define ALT_STACK_KEEP (32 * 1024)      /* an existing one this big stays */
#define TICK_NS 10000000L       /* 10 ms between stop attempts */
#define MAX_LIBS 256

const int hr_guard_fault_sigs[HR_GUARD_NFAULT] = {
    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP
};
struct sigaction hr_guard_saved_fault[HR_GUARD_NFAULT];
int hr_guard_sig_async;
_Thread_local uintptr_t hr_guard_stack_lo;

static struct sigaction saved_int;
static int holds;               /* hr_guard_handlers_hold() count */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static timer_t timer;
static pid_t timer_tid;         /* 0: no timer */
static pid_t timer_pid;         /* the process that made it */
static struct { uintptr_t lo, hi; } libs[MAX_LIBS];
static int nlibs;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int idle_count;

static _Thread_local int thread_ready;
static _Thread_local void *alt_mem;
static _Thread_local size_t alt_len;
static _Thread_local stack_t alt_old;

/* Cached: a system call costs more than the rest of a guarded call.  A
 * forked child's thread has a new id: fork_tid_reset() clears the cache. */
static _Thread_local pid_t tid_cache;

pid_t hr_guard_tid(void)
{
    if (tid_cache == 0)
        tid_cache = (pid_t)syscall(SYS_gettid);
    return tid_cache;
}

static void fork_tid_reset(void)
{
    tid_cache = 0;
}

double hr_guard_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int hr_guard_in_library(uintptr_t pc)
{
    int i;

    for (i = 0; i < nlibs; i++) {
        if (pc >= libs[i].lo && pc < libs[i].hi)
            return 1;
    }
    return 0;
}

void hr_guard_arm_ticks(void)
{
    struct itimerspec its = {{0, TICK_NS}, {0, TICK_NS}};
    struct hr_run *r = hr_run_current();

    if (r != NULL && timer_tid != 0 && timer_tid == r->tid &&
        !r->isolated)
        timer_settime(timer, 0, &its, NULL);
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

static void async_handler(int restart)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = hr_guard_on_async;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (restart ? SA_RESTART : 0);
    sigemptyset(&sa.sa_mask);
    sigaction(hr_guard_sig_async, &sa, NULL);
}

static void setup_once(void)
{
    int seen = 0;

    dl_iterate_phdr(lib_cb, &seen);
    pthread_atfork(NULL, NULL, fork_tid_reset);
    hr_guard_sig_async = SIGRTMIN + 4;
    async_handler(1);   /* for good: a late tick must not kill us */
}

void hr_guard_setup_thread(void)
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
            hr_guard_stack_lo = (uintptr_t)addr;
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

    hr_guard_setup_thread();
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

int hr_guard_timer_setup(void)
{
    struct sigevent sev;
    pid_t tid = hr_guard_tid();

    if (timer_tid == tid && timer_pid == getpid())
        return 0;
    if (timer_tid != 0 && timer_pid == getpid())
        timer_delete(timer);    /* a forked child has none to delete */
    timer_tid = 0;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = hr_guard_sig_async;
    sev._sigev_un._tid = tid;
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
        return -1;
    timer_tid = tid;
    timer_pid = getpid();
    return 0;
}

void hr_guard_timer_arm(double s)
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

void hr_guard_handlers_hold(void)
{
    struct sigaction sa;
    int i;

    pthread_once(&once, setup_once);
    pthread_mutex_lock(&hold_lock);
    if (holds++ == 0) {
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = hr_guard_on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, hr_guard_sig_async);
        for (i = 0; i < HR_GUARD_NFAULT; i++)
            sigaction(hr_guard_fault_sigs[i], &sa, &hr_guard_saved_fault[i]);
    }
    pthread_mutex_unlock(&hold_lock);
}

void hr_guard_handlers_release(void)
{
    int i;

    pthread_mutex_lock(&hold_lock);
    if (holds > 0 && --holds == 0) {
        for (i = 0; i < HR_GUARD_NFAULT; i++)
            sigaction(hr_guard_fault_sigs[i], &hr_guard_saved_fault[i], NULL);
    }
    pthread_mutex_unlock(&hold_lock);
}

void hr_guard_sigint_take(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = hr_guard_on_async;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved_int);
    async_handler(0);   /* blocked system calls return EINTR */
}

void hr_guard_sigint_give_back(void)
{
    async_handler(1);
    sigaction(SIGINT, &saved_int, NULL);
}

/* ---- Ctrl-C at the prompt ---- */

static int idle_pipe[2] = {-1, -1};

static void on_idle_sigint(int sig)
{
    int saved_errno = errno;
    char c = 1;

    (void)sig;
    atomic_fetch_add(&idle_count, 1);
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

int hr_guard_idle_sigint_peek(void)
{
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

int hr_guard_idle_count(void)
{
    return atomic_load(&idle_count);
}
