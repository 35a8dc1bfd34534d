/* guard_call.c - guarded runs: in-process, in a forked child, host calls
 *
 * In-process: hr_guard_call() makes the run current, installs the fault
 * handlers and the stop handler for SIGINT for the length of the call only
 * (and puts the previous ones back after it: readline keeps its own SIGINT
 * handler at the prompt), arms the timer, and calls the task inside a
 * frame.  After the task returned or the frame was jumped to, the run is
 * ended (its allocations kept or freed), every handler is back, and only
 * then is the first event described: naming code and arrays may compile
 * and take locks.
 *
 * Isolated: forks; the child runs the same in-process guard and sends
 * {rc, result, raw event} back through a pipe; the parent describes the
 * event itself (so line tables are built, and kept, in the parent).  The
 * parent waits with the timeout (plus 1 s, then SIGKILL) and kills the
 * child on Ctrl-C or hr_guard_cancel().  The resident arrays are mappings,
 * inherited without a copy.
 *
 * Cost of an in-process run: 14 sigaction() calls and one sigprocmask()
 * (sigsetjmp), two timer_settime() with a timeout; nothing else enters the
 * kernel.  A guarded parallel loop adds one sigprocmask() per thread.
 */
#include "guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard_msg.h"
#include "guard_stdio.h"

#define ISOLATE_GRACE_S 1.0

static const char *task_name(const struct hr_run *r)
{
    return r->task != NULL ? r->task : "task";
}

/* Claims the region for the calling thread; HR_EINVAL when one is busy. */
static int region_enter(struct hr_run *r, double timeout_s, int isolated,
                        struct hr_err *err)
{
    int none = 0;

    if (!atomic_compare_exchange_strong(&hr_guard_g.busy, &none, 1)) {
        hr_err_set(err, "%s: another task is running", task_name(r));
        return HR_EINVAL;
    }
    hr_guard_setup_thread();
    r->tid = hr_guard_tid();
    r->timeout_s = timeout_s;
    r->isolated = isolated;
    if (hr_run_begin(r) != 0) {
        hr_err_set(err, "%s: another task is running", task_name(r));
        atomic_store(&hr_guard_g.busy, 0);
        return HR_EINVAL;
    }
    return 0;
}

/* Ends the run with rc; returns nonzero when its memory was damaged. */
static int region_leave(struct hr_run *r, int rc)
{
    int damaged;

    atomic_store(&hr_guard_g.active, 0);
    damaged = hr_run_end(r, rc);
    atomic_store(&hr_guard_g.busy, 0);
    return damaged;
}

static void describe(struct hr_run *r, int rc,
                     const struct hr_guard_opts *o, double timeout_s,
                     struct hr_err *err)
{
    r->first.rc = rc;
    hr_guard_msg_describe(&r->first, task_name(r), o, !r->first.nested,
                          timeout_s, hr_run_elapsed(r), err);
}

/* Set in the child of an isolated run (fork()), which is single-threaded
 * and must not wait for what the parent's other threads held. */
static int in_forked_child;

/* ---- in-process mode ---- */

/* Runs the task; r->first gets the raw event.  The message is made only
 * when err is not NULL. */
static int call_inproc(struct hr_run *r, hr_task_fn fn,
                       const struct hr_array *a,
                       const struct hr_guard_opts *o, double *result,
                       struct hr_err *err, int *damaged_out)
{
    struct frame f;
    fenv_t fenv;
    volatile double res = 0;
    volatile int done = 0;
    int damaged;
    int land;
    int rc;

    rc = region_enter(r, o->timeout_s, 0, err);
    if (rc != 0)
        return rc;
    if (hr_guard_timer_setup() != 0 && o->timeout_s > 0) {
        hr_err_set(err, "%s: cannot set a timeout: %s", task_name(r),
                   strerror(errno));
        region_leave(r, HR_ENOMEM);
        return HR_ENOMEM;
    }
    hr_guard_frame_init(&f, FRAME_TASK);
    fegetenv(&fenv);
    atomic_store(&hr_guard_g.active, 1);
    hr_guard_handlers_hold();
    hr_guard_sigint_take();
    if (o->timeout_s > 0)
        hr_guard_timer_arm(o->timeout_s);
    hr_guard_top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        res = fn(a);
        f.armed = 0;
        done = 1;
    } else {
        f.armed = 0;
        if (land != LAND_RAISE) {
            hr_guard_finish(&f.rep, land);
            hr_guard_publish(r, &f.rep);
        }
    }
    if (o->timeout_s > 0 || atomic_load(&r->stop))
        hr_guard_timer_arm(0);
    /* a stop that came first wins, whatever the task did after it */
    rc = done ? hr_run_close(r) : atomic_load(&r->first_rc);
    if (rc >= 0 && !done)
        rc = HR_ECRASH;     /* cannot happen: a jump without an event */
    fesetenv(&fenv);
    hr_guard_top = f.prev;
    hr_guard_sigint_give_back();
    hr_guard_handlers_release();
    /* a forked child (--isolate) starts no thread: the probe would need
     * locks another thread of the parent may have held at the fork */
    if (!done && !in_forked_child)
        hr_guard_stdio_repair();
    if (o->timeout_s > 0 || atomic_load(&r->stop))
        hr_guard_timer_arm(0);  /* a stop during the above restarted ticks */
    damaged = region_leave(r, rc);
    if (damaged_out != NULL)
        *damaged_out = damaged;
    if (rc == 0) {
        if (result != NULL)
            *result = res;
        return 0;
    }
    if (err != NULL) {
        describe(r, rc, o, o->timeout_s, err);
        if (damaged)
            hr_guard_msg_note(err, "the task overwrote its malloc() "
                              "blocks' headers (some memory leaked): use "
                              "--isolate");
    }
    return rc;
}

/* ---- isolated mode ---- */

struct child_report {
    int32_t rc;
    int32_t damaged;
    double result;
    struct hr_run_event ev;
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

static void child_main(int fd, struct hr_run *r, hr_task_fn fn,
                       const struct hr_array *a,
                       const struct hr_guard_opts *o)
{
    static struct child_report cr;
    struct hr_guard_opts co = *o;
    double res = 0;
    int damaged = 0;

    in_forked_child = 1;
    atomic_store(&hr_guard_g.active, 0);    /* the parent's wait */
    atomic_store(&hr_guard_g.busy, 0);      /* (run.c forgot its run) */
    hr_guard_top = NULL;
    co.isolate = 0;

    cr.rc = call_inproc(r, fn, a, &co, &res, NULL, &damaged);
    cr.damaged = damaged;
    cr.result = res;
    memcpy(&cr.ev, &r->first, sizeof cr.ev);
    /* the task's output, without the streams' locks: a crashed task or a
     * thread of the parent at the fork may have left one held */
    __fsetlocking(stdout, FSETLOCKING_BYCALLER);
    __fsetlocking(stderr, FSETLOCKING_BYCALLER);
    fflush(NULL);
    write_all(fd, &cr, sizeof cr);
    _exit(0);
}

/* Waits for the report; returns 0 with it in *cr, or the code of a stop
 * (the child must be killed), or HR_ECRASH (no report). */
static int wait_report(int fd, struct hr_run *r, double timeout_s,
                       struct child_report *cr)
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
    sigaddset(&block, hr_guard_sig_async);
    pthread_sigmask(SIG_BLOCK, &block, &orig);
    for (;;) {
        struct timespec ts;
        struct timespec *tsp = NULL;
        ssize_t n;
        int pr;

        if (atomic_load(&r->stop)) {
            rc = atomic_load(&r->first_rc);
            break;
        }
        if (timeout_s > 0) {
            double left = timeout_s + ISOLATE_GRACE_S - hr_run_elapsed(r);

            if (left <= 0) {
                hr_run_claim(r, HR_ETIMEOUT);
                rc = atomic_load(&r->first_rc);
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

static int call_isolated(struct hr_run *r, hr_task_fn fn,
                         const struct hr_array *a,
                         const struct hr_guard_opts *o, double *result,
                         struct hr_err *err)
{
    static struct child_report cr;
    int fds[2] = {-1, -1};
    int status = 0;
    int explain = 0;    /* the run's event needs describing */
    int rc;
    pid_t pid;

    rc = region_enter(r, o->timeout_s, 1, err);
    if (rc != 0)
        return rc;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        hr_err_set(err, "%s: cannot make a pipe: %s", task_name(r),
                   strerror(errno));
        region_leave(r, HR_EIO);
        return HR_EIO;
    }
    memset(&cr, 0, offsetof(struct child_report, ev));
    /* Ctrl-C is ours from before the fork: it must not be missed */
    atomic_store(&hr_guard_g.active, 1);
    hr_guard_sigint_take();
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], r, fn, a, o);
    }
    close(fds[1]);
    if (pid < 0) {
        hr_err_set(err, "%s: cannot fork: %s", task_name(r),
                   strerror(errno));
        rc = HR_ENOMEM;
        goto out;
    }
    rc = wait_report(fds[0], r, o->timeout_s, &cr);
    if (rc != 0 && rc != HR_ECRASH) {
        kill(pid, SIGKILL);     /* stopped: by Ctrl-C, timeout, cancel */
        explain = 1;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (rc == 0) {
        rc = cr.rc;
        memcpy(&r->first, &cr.ev, sizeof r->first);
        explain = rc != 0;
    } else if (!explain && WIFSIGNALED(status)) {
        hr_err_set(err, "%s: child killed by signal %d%s", task_name(r),
                   WTERMSIG(status), WTERMSIG(status) == SIGKILL ?
                   " (out of memory?)" : "");
    } else if (!explain) {
        hr_err_set(err, "%s: child exited with status %d and no report",
                   task_name(r), WIFEXITED(status) ? WEXITSTATUS(status)
                   : -1);
    }
out:
    close(fds[0]);
    hr_guard_sigint_give_back();
    region_leave(r, rc);
    if (rc == 0) {
        if (result != NULL)
            *result = cr.result;
        return 0;
    }
    if (explain)
        describe(r, rc, o, o->timeout_s, err);
    if (cr.damaged)
        hr_guard_msg_note(err, "the task overwrote its malloc() blocks' "
                          "headers (some memory leaked)");
    return rc;
}

/* ---- the contract ---- */

int hr_guard_call(struct hr_run *r, hr_task_fn fn, const struct hr_array *a,
                  const struct hr_guard_opts *opts, double *result,
                  struct hr_err *err)
{
    struct hr_guard_opts none;
    struct hr_run blank;

    if (opts == NULL) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    if (r == NULL) {
        memset(&blank, 0, sizeof blank);
        r = &blank;
    }
    if (opts->isolate)
        return call_isolated(r, fn, a, opts, result, err);
    return call_inproc(r, fn, a, opts, result, err, NULL);
}

int hr_guard_host(const char *what, void (*fn)(void *arg), void *arg,
                  struct hr_err *err)
{
    struct hr_run hr;
    struct frame f;
    int land;
    int rc;

    memset(&hr, 0, sizeof hr);
    hr.task = what != NULL ? what : "host";
    rc = region_enter(&hr, 0, 0, err);
    if (rc != 0)
        return rc;
    hr_guard_frame_init(&f, FRAME_HOST);
    atomic_store(&hr_guard_g.active, 1);
    hr_guard_handlers_hold();
    hr_guard_top = &f;
    land = sigsetjmp(f.env, 1);
    if (land == 0) {
        f.armed = 1;
        fn(arg);
        f.armed = 0;
        rc = hr_run_close(&hr);
    } else {
        f.armed = 0;
        if (land != LAND_RAISE) {
            hr_guard_finish(&f.rep, land);
            hr_guard_publish(&hr, &f.rep);
        }
        rc = atomic_load(&hr.first_rc);
        if (rc >= 0)
            rc = HR_ECRASH;
    }
    hr_guard_top = f.prev;
    hr_guard_handlers_release();
    region_leave(&hr, rc);
    if (rc != 0) {
        hr.first.rc = rc;
        hr_guard_msg_host(&hr.first, hr.task, err);
    }
    return rc;
}
