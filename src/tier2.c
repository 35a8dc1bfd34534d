/* tier2.c - background gcc compiles of loaded modules, swapped in between
 * runs
 *
 * The engine keeps the compiles under way (jobs), its settings and a log.
 * A job is one compiler process group (tier2_cc.c: files, command line,
 * start); the end of each shows on its pipe, and all the pipes sit in one
 * epoll descriptor that a front end can poll().  Ending a job links its
 * object and switches its module's tasks (tier2_code.c).
 */
#include "tier2.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "tier2_cc.h"
#include "tier2_code.h"
#include "tier2log.h"

struct hr_tier2_job {
    struct hr_tier2 *t;
    struct hr_module *m;        /* borrowed; NULL once cancelled */
    char *path;                 /* owned copy of m->path, for the log */
    struct hr_tier2_proc proc;  /* the compiler and its files */
    int fast;
    double t0;                  /* CLOCK_MONOTONIC ms at the start */
    struct timespec started;    /* CLOCK_REALTIME */
    struct hr_tier2_job *next;
};

struct hr_tier2 {
    char *cc;                   /* owned: as given */
    char *path;                 /* owned: found on $PATH, or NULL */
    const struct hr_sym *syms;  /* borrowed */
    size_t nsyms;
    enum hr_tier2_mode mode;
    int fast;
    int missing;                /* the compiler could not be started */
    int notice_due;
    char notice[256];
    int epfd;
    struct hr_tier2_job *jobs;  /* owned list */
    struct hr_tier2_starter *starter;   /* owned, made on the first start */
    struct hr_tier2log log;
};

/* One line of the log: "HH:MM:SS.mmm PATH: what". */
static void log_line(struct hr_tier2 *t, const char *path, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void log_line(struct hr_tier2 *t, const char *path, const char *fmt,
                     ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hr_tier2log_add(&t->log, path, msg);
}

static double mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double real_ms(const struct timespec *ts)
{
    return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

const char *hr_tier2_log(const struct hr_tier2 *t)
{
    return hr_tier2log_text(&t->log);
}

const char *hr_tier2_notice(struct hr_tier2 *t)
{
    if (!t->notice_due)
        return NULL;
    t->notice_due = 0;
    return t->notice;
}

/* ---- the engine ---- */

int hr_tier2_new(const struct hr_tier2_opts *opts, struct hr_tier2 **out)
{
    struct hr_tier2 *t = calloc(1, sizeof *t);

    if (t == NULL)
        return HR_ENOMEM;
    t->cc = strdup(opts->cc != NULL && opts->cc[0] != '\0' ? opts->cc
                                                           : "gcc");
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (t->cc == NULL) {
        hr_tier2_free(t);
        return HR_ENOMEM;
    }
    t->syms = opts->syms;
    t->nsyms = opts->nsyms;
    t->mode = opts->mode;
    t->fast = opts->fast;
    *out = t;
    return 0;
}

static void job_free(struct hr_tier2_job *j)
{
    if (j->m != NULL)
        j->m->t2_job = NULL;
    if (j->proc.done_fd >= 0)
        epoll_ctl(j->t->epfd, EPOLL_CTL_DEL, j->proc.done_fd, NULL);
    hr_tier2_cc_close(&j->proc);
    free(j->path);
    free(j);
}

static void unlink_job(struct hr_tier2 *t, struct hr_tier2_job *j)
{
    struct hr_tier2_job **pp = &t->jobs;

    while (*pp != NULL && *pp != j)
        pp = &(*pp)->next;
    if (*pp == j)
        *pp = j->next;
}

/* Kills j's process group; the job stays listed until it is reaped. */
static void cancel(struct hr_tier2_job *j, const char *why)
{
    if (j->m == NULL)
        return;
    hr_tier2_cc_cancel(&j->proc);
    j->m->t2_job = NULL;
    j->m = NULL;
    log_line(j->t, j->path, "cancelled (%s)", why);
}

/* Waits for j's compiler (it has exited, or was killed) and unlists j.
 * Returns 0, or the errno value of a compiler that could not start. */
static int reap(struct hr_tier2 *t, struct hr_tier2_job *j, int *status)
{
    unlink_job(t, j);
    return hr_tier2_cc_join(&j->proc, status);
}

void hr_tier2_free(struct hr_tier2 *t)
{
    if (t == NULL)
        return;
    while (t->jobs != NULL) {
        struct hr_tier2_job *j = t->jobs;
        int status;

        cancel(j, "hotrun ends");
        reap(t, j, &status);
        job_free(j);
    }
    hr_tier2_starter_free(t->starter);
    if (t->epfd >= 0)
        close(t->epfd);
    free(t->cc);
    free(t->path);
    hr_tier2log_free(&t->log);
    free(t);
}

void hr_tier2_set_mode(struct hr_tier2 *t, enum hr_tier2_mode mode)
{
    struct hr_tier2_job *j;

    t->mode = mode;
    if (mode != HR_TIER2_OFF)
        return;
    for (j = t->jobs; j != NULL; j = j->next)
        cancel(j, "tier off");
}

enum hr_tier2_mode hr_tier2_mode(const struct hr_tier2 *t)
{
    return t->mode;
}

void hr_tier2_set_fast(struct hr_tier2 *t, int fast)
{
    t->fast = fast != 0;
}

int hr_tier2_fast(const struct hr_tier2 *t)
{
    return t->fast;
}

const char *hr_tier2_cc(const struct hr_tier2 *t)
{
    return t->cc;
}

int hr_tier2_fd(const struct hr_tier2 *t)
{
    return t->epfd;
}

int hr_tier2_pending(const struct hr_module *m)
{
    return m->t2_job != NULL;
}

int hr_tier2_jobs(const struct hr_tier2 *t)
{
    const struct hr_tier2_job *j;
    int n = 0;

    for (j = t->jobs; j != NULL; j = j->next)
        n++;
    return n;
}

/* "#pragma hotrun fast_math" alone on a line (spaces allowed). */
int hr_tier2_source_fast(const struct hr_module *m)
{
    static const char *const words[] = { "#", "pragma", "hotrun",
                                         "fast_math" };
    const char *p = m->source;
    const char *end = m->source + m->source_len;

    while (p < end) {
        const char *q = p;
        size_t w;

        for (w = 0; w < 4; w++) {
            size_t n = strlen(words[w]);

            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if ((size_t)(end - q) < n || memcmp(q, words[w], n) != 0)
                break;
            q += n;
        }
        while (w == 4 && q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (w == 4 && (q == end || *q == '\n' || *q == '/'))
            return 1;
        p = memchr(p, '\n', (size_t)(end - p));
        if (p == NULL)
            break;
        p++;
    }
    return 0;
}

static void no_compiler(struct hr_tier2 *t, const char *path, int e)
{
    char why[128];

    t->missing = 1;
    t->notice_due = 1;
    hr_fileio_errtext(e, why, sizeof why);
    snprintf(t->notice, sizeof t->notice, "tier 2: cannot run the "
             "compiler '%s' (%s): tier 1 only (set HOTRUN_CC to a gcc)",
             t->cc, why);
    log_line(t, path, "cannot run '%s' (%s): tier 2 is off for the "
             "session", t->cc, why);
}

int hr_tier2_start(struct hr_tier2 *t, struct hr_module *m)
{
    struct hr_tier2_job *j = NULL;
    struct epoll_event ev;
    int fast;
    int e;

    hr_tier2_poll(t);           /* reap what has ended */
    fast = t->fast || hr_tier2_source_fast(m);
    if (m->t2_job != NULL && m->t2_job->fast == fast &&
        t->mode != HR_TIER2_OFF)
        return 0;               /* the right compile is under way */
    if (m->t2_job != NULL)
        cancel(m->t2_job, "restarted");
    if (t->mode == HR_TIER2_OFF || t->missing || m->ntasks == 0 ||
        (m->tier == 2 && m->t2_fast == fast))
        return 0;
    if (t->path == NULL) {
        t->path = hr_tier2_cc_find(t->cc);
        if (t->path == NULL) {
            no_compiler(t, m->path, errno);
            return 0;
        }
    }
    j = calloc(1, sizeof *j);
    if (j == NULL)
        return HR_ENOMEM;
    j->t = t;
    j->fast = fast;
    j->proc.done_fd = -1;
    j->proc.obj_fd = -1;
    j->proc.log_fd = -1;
    j->proc.done_w = -1;
    j->t0 = mono_ms();
    clock_gettime(CLOCK_REALTIME, &j->started);
    j->path = strdup(m->path);
    if (j->path == NULL) {
        job_free(j);
        return HR_ENOMEM;
    }
    /* under `tier wait` the next run waits anyway: no delay */
    e = t->starter == NULL ? hr_tier2_starter_new(&t->starter) : 0;
    if (e == 0)
        e = hr_tier2_cc_start(t->starter, t->path, m, fast,
                              t->mode == HR_TIER2_WAIT ? 0
                                                       : HR_TIER2_DELAY_MS,
                              &j->proc);
    if (e != 0) {
        log_line(t, m->path, "cannot start a compile (%s)",
                 e == HR_ENOMEM ? "out of memory" : strerror(e));
        job_free(j);
        return 0;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = j;
    if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, j->proc.done_fd, &ev) != 0)
        log_line(t, m->path, "cannot watch the compile (%s)",
                 strerror(errno));
    j->m = m;
    m->t2_job = j;
    j->next = t->jobs;
    t->jobs = j;
    log_line(t, m->path, "compiling with %s%s (set up in %.2f ms)",
             t->path, fast ? ", fast math" : "", mono_ms() - j->t0);
    return 0;
}

/* ---- finishing a compile ---- */

/* When tier 2 became ready: the end of the compile (the object's last
 * write, kept by the kernel with a clock tick's precision) plus the link,
 * or now, whichever is earlier - a front end may poll late. */
static void mark_ready(struct hr_module *m, const struct hr_tier2_job *j,
                       double link_ms)
{
    struct timespec now;
    struct stat st;
    double at;
    double start = real_ms(&j->started);

    clock_gettime(CLOCK_REALTIME, &now);
    at = real_ms(&now);
    if (fstat(hr_tier2_cc_obj_fd(&j->proc), &st) == 0 &&
        real_ms(&st.st_mtim) + link_ms < at &&
        real_ms(&st.st_mtim) >= start)
        at = real_ms(&st.st_mtim) + link_ms;
    m->t2_ready_ms = at - start;
    m->t2_ready_at.tv_sec = (time_t)(at / 1e3);
    m->t2_ready_at.tv_nsec = (long)((at - (double)m->t2_ready_at.tv_sec *
                                     1e3) * 1e6);
}

/* Links j's object and switches its module to it.  Returns 1 when it
 * did. */
static int swap_in(struct hr_tier2 *t, struct hr_tier2_job *j)
{
    struct hr_module *m = j->m;
    struct hr_tier2_code *code = NULL;
    struct hr_err err = { { 0 } };
    hr_task_fn *fns = calloc((size_t)m->ntasks, sizeof *fns);
    double compile_ms = mono_ms() - j->t0;
    int i;
    int rc = HR_ENOMEM;

    if (fns != NULL)
        rc = hr_tier2_code_link(m, hr_tier2_cc_obj_fd(&j->proc), t->syms,
                                t->nsyms, fns, &code, &err);
    if (rc != 0) {
        log_line(t, j->path, "link failed, tier 1 stays: %s",
                 rc == HR_ENOMEM ? "out of memory" : err.msg);
        free(fns);
        return 0;
    }
    /* between runs: nothing runs the old code (tier 1, or tier 2 of
     * the other math) now */
    hr_tier2_code_free(m->t2);
    m->t2 = code;
    for (i = 0; i < m->ntasks; i++)
        m->tasks[i].fn = fns[i];
    m->tier = 2;
    m->t2_fast = j->fast;
    mark_ready(m, j, hr_tier2_code_link_ms(code));
    log_line(t, j->path, "tier 2 in %.1f ms (compile and wait %.1f ms, "
             "link %.2f ms, %zu bytes%s)", m->t2_ready_ms, compile_ms,
             hr_tier2_code_link_ms(code), hr_tier2_code_size(code),
             j->fast ? ", fast math" : "");
    free(fns);
    return 1;
}

/* j's compile has ended (or was killed): reap it, swap its module in if
 * it succeeded, drop it.  Returns 1 when a module was switched. */
static int finish(struct hr_tier2 *t, struct hr_tier2_job *j)
{
    int status = 0;
    int swapped = 0;
    int e = reap(t, j, &status);

    if (j->m == NULL) {
        job_free(j);
        return 0;
    }
    if (e == ENOENT || e == EACCES || e == ENOEXEC) {
        no_compiler(t, j->path, e);
    } else if (e != 0) {
        log_line(t, j->path, "cannot start '%s' (%s), tier 1 stays", t->cc,
                 strerror(e));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        swapped = swap_in(t, j);
    } else {
        if (WIFEXITED(status))
            log_line(t, j->path, "compile failed (exit status %d), tier 1 "
                     "stays:", WEXITSTATUS(status));
        else
            log_line(t, j->path, "compile died (%s), tier 1 stays:",
                     strsignal(WTERMSIG(status)));
        hr_tier2log_output(&t->log, hr_tier2_cc_log_fd(&j->proc));
    }
    j->m->t2_failed = !swapped;
    job_free(j);
    return swapped;
}

int hr_tier2_poll(struct hr_tier2 *t)
{
    struct epoll_event ev[16];
    int swapped = 0;
    int n;
    int i;

    if (t == NULL || t->jobs == NULL)
        return 0;
    do {
        n = epoll_wait(t->epfd, ev, 16, 0);
        for (i = 0; i < n; i++)
            swapped += finish(t, ev[i].data.ptr);
    } while (n == 16);
    return swapped;
}

int hr_tier2_wait(struct hr_tier2 *t, const struct hr_module *m,
                  int stop_fd, struct hr_err *err)
{
    struct hr_tier2_job *j = m->t2_job;
    struct pollfd fds[2];

    if (j == NULL)
        return 0;
    fds[0].fd = j->proc.done_fd;
    fds[0].events = POLLIN;
    fds[1].fd = stop_fd;
    fds[1].events = POLLIN;
    for (;;) {
        int r;

        fds[0].revents = 0;
        fds[1].revents = 0;
        r = poll(fds, stop_fd >= 0 ? 2 : 1, -1);
        if (r < 0 && errno != EINTR)
            return 0;
        if (stop_fd >= 0 && (fds[1].revents & POLLIN)) {
            hr_err_set(err, "tier wait: interrupted (the tier-2 compile of "
                       "%s goes on)", m->path);
            return HR_EINTR;
        }
        if (fds[0].revents != 0)
            break;
    }
    finish(t, j);
    return 0;
}

/* ---- the module's side (jit.c) ---- */

void hr_tier2_module_free(struct hr_module *m)
{
    if (m->t2_job != NULL)
        cancel(m->t2_job, "the module was replaced or unloaded");
    hr_tier2_code_free(m->t2);
    m->t2 = NULL;
}

int hr_tier2_contains(const struct hr_module *m, uintptr_t pc)
{
    return m->t2 != NULL && hr_tier2_code_contains(m->t2, pc);
}

int hr_tier2_locate(struct hr_module *m, uintptr_t pc, char *buf,
                    size_t len)
{
    if (!hr_tier2_contains(m, pc)) {
        if (len > 0)
            buf[0] = '\0';
        return HR_ENOENT;
    }
    return hr_tier2_code_locate(m->t2, m->path, pc, buf, len);
}
