/* jit.c - compile a task file into memory with libtcc
 *
 * libtcc is used only on the compiler's thread (hr_guard_deep_call()),
 * inside jit_tcc's sandbox, one job at a time: a job compiles a module
 * (twice when names must come from the C library) or builds its line
 * table.  When the deep call ended a job early (a stack overflow, a crash,
 * a stop that libtcc never reached a safe point for) or libtcc called
 * exit(), release() puts libtcc back in order: if its lock is still held
 * (tcc_state is set: the job was inside tcc_compile()), it runs what
 * tcc_compile()'s own error path runs after its setjmp - tccgen_finish(),
 * preprocess_end(), tcc_exit_state() (which posts the lock), then
 * tccelf_end_file() - and then deletes the state and unmaps code not yet
 * handed to a module.  Those are libtcc internals that libtcc.a
 * 0.9.27+git20200814 (Debian) exports; tests/test_jit.c proves that a
 * compile after such a failure works.  libtcc holds no memory between
 * compiles (tested), so after each job whatever it still holds was
 * abandoned by a longjmp - its own error path's or ours - and is freed
 * (hr_tcc_reclaim()).
 *
 * jit_build.c has the jobs' own work (a module's code, its line table);
 * this file runs them and gives the modules out.
 */
#include "jit.h"

#include "guard.h"
#include "jit_diag.h"
#include "jit_int.h"
#include "jit_tcc.h"
#include "lines.h"
#include "sig.h"
#include "srcscan.h"
#include "tier2.h"

#include <errno.h>
#include <fcntl.h>
#include <libtcc.h>
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libtcc internals (see above) */
extern TCCState *tcc_state;
void tccgen_finish(TCCState *s1);
void preprocess_end(TCCState *s1);
void tcc_exit_state(void);
void tccelf_end_file(TCCState *s1);

#define DEFAULT_TIMEOUT_S 10.0
#define DEFAULT_MAX_MEM ((size_t)512 << 20)
#define MAX_OPENS 4096

/* Puts libtcc back in order after a job that did not end by itself. */
static void release(struct job *j)
{
    TCCState *s = tcc_state;

    if (s != NULL) {
        /* tcc_compile()'s clean-up after its setjmp, in its order */
        tccgen_finish(s);
        preprocess_end(s);
        tcc_exit_state();
        tccelf_end_file(s);
    }
    if (j->s != NULL)
        tcc_delete(j->s);
    j->s = NULL;
    hr_tcc_reclaim();   /* what the abandoned frames held */
    free(j->text);
    j->text = NULL;
    hr_jit_job_free_probes(j);
    if (j->mem != NULL)
        munmap(j->mem, j->mem_len);
    j->mem = NULL;
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if (j->kind == JOB_COMPILE)
        hr_jit_reset_code(j->m);
}

static void job_run(void *arg)
{
    struct job *j = arg;
    struct hr_tcc_limits lim;

    lim.max_mem = j->opts->max_mem > 0 ? j->opts->max_mem
                                       : DEFAULT_MAX_MEM;
    lim.max_file = (off_t)HR_JIT_MAX_FILE;
    lim.max_opens = MAX_OPENS;
    hr_tcc_sandbox_begin(&lim, &j->exit_to);
    if (setjmp(j->exit_to) == 0) {
        if (j->kind == JOB_COMPILE)
            hr_jit_job_compile(j);
        else
            hr_jit_job_lines(j);
    } else {
        j->exited = 1;
        j->rc = HR_ECOMPILE;
        release(j);
    }
    /* libtcc's own error path (a longjmp) abandons what its frames held:
     * with every state deleted, whatever it still holds is that */
    hr_tcc_reclaim();
    j->refused = hr_tcc_sandbox_end(j->note, sizeof j->note);
}

/* After the deep call ended job_run() early. */
static void job_recover(void *arg)
{
    struct job *j = arg;

    release(j);
    j->refused = hr_tcc_sandbox_end(j->note, sizeof j->note);
    j->rc = HR_ECOMPILE;
}

/* Runs job j on the compiler's thread; on failure err says why. */
static int run_job(struct job *j, const char *path, struct hr_err *err)
{
    struct hr_err why;
    double timeout = j->opts->timeout_s > 0 ? j->opts->timeout_s
                                            : DEFAULT_TIMEOUT_S;
    int rc;

    why.msg[0] = '\0';
    j->fd = -1;
    j->note[0] = '\0';
    rc = hr_guard_deep_call(job_run, job_recover, j, timeout, &why);
    switch (rc) {
    case 0:
        break;
    case HR_ETIMEOUT:
        hr_err_set(err, "%s: error: compiling took longer than %g s (a "
                   "macro that expands too much?)", path, timeout);
        return HR_ETIMEOUT;
    case HR_EINTR:
        hr_err_set(err, "%s: compiling interrupted (ctrl-c)", path);
        return HR_EINTR;
    case HR_ECANCEL:
        hr_err_set(err, "%s: compiling cancelled", path);
        return HR_ECANCEL;
    case HR_ECRASH:
        hr_err_set(err, "%s: error: the compiler %s", path, why.msg);
        return HR_ECOMPILE;
    default:
        hr_err_set(err, "%s: error: the compiler %s", path, why.msg);
        return rc;
    }
    if (j->rc == 0 && j->refused != 0) {
        if (j->kind == JOB_COMPILE)     /* refused, even if libtcc went on */
            hr_jit_reset_code(j->m);
        j->rc = HR_ECOMPILE;
        hr_err_set(err, "%s: error: %s", path, j->note);
        return j->rc;
    }
    if (j->exited && j->rc != 0)
        hr_err_append(err, "%s: error: the compiler gave up", path);
    if (j->rc != 0 && j->note[0] != '\0' &&
        (err == NULL || strstr(err->msg, j->note) == NULL))
        hr_err_append(err, "%s", j->note);
    return j->rc;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int hr_jit_compile(const char *path, const struct hr_jit_opts *opts,
                   struct hr_module **out, struct hr_err *err)
{
    struct hr_module *m = NULL;
    struct hr_jit_diag d = { 0 };
    struct job j;
    struct timespec t0;
    char *slash = NULL;
    int rc = HR_ENOMEM;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (err != NULL)
        err->msg[0] = '\0';
    d.err = err;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        goto out;
    m->path = strdup(path);
    m->dir = strdup(opts->dir != NULL ? opts->dir : path);
    m->include_dir = opts->include_dir;
    if (m->path == NULL || m->dir == NULL)
        goto out;
    if (opts->source != NULL) {
        m->source = malloc(opts->source_len + 1);
        rc = m->source != NULL ? 0 : HR_ENOMEM;
        if (m->source != NULL) {
            memcpy(m->source, opts->source, opts->source_len);
            m->source[opts->source_len] = '\0';
            m->source_len = opts->source_len;
        }
    } else {
        rc = hr_jit_read_source(path, &m->source, &m->source_len, err);
    }
    if (rc == 0)
        rc = hr_srcscan_check(path, m->source, m->source_len,
                              HR_SRCSCAN_MAX_DEPTH, err);
    if (rc != 0)
        goto out;
    m->realpath = opts->realpath != NULL ? strdup(opts->realpath)
                                         : realpath(path, NULL);
    if (m->realpath == NULL) {
        rc = HR_ENOMEM;
        goto out;
    }
    m->hash = hr_hash(m->source, m->source_len);
    slash = strrchr(m->dir, '/');
    if (opts->dir == NULL) {
        if (slash == NULL)
            strcpy(m->dir, ".");
        else if (slash == m->dir)
            m->dir[1] = '\0';
        else
            *slash = '\0';
    }

    memset(&j, 0, sizeof j);
    j.kind = JOB_COMPILE;
    j.m = m;
    j.opts = opts;
    j.d = &d;
    j.err = err;
    rc = run_job(&j, path, err);
    if (rc != 0)
        goto out;
    if (m->ntasks == 0) {
        if (m->nothers > 0)
            hr_err_set(err, "%s: defines no task: %s (line %d) is not one "
                       "(a task is a non-static function: %s)", path,
                       m->others[0].decl, m->others[0].line, HR_SIG_FORMS);
        else
            hr_err_set(err, "%s: defines no task (a task is a non-static "
                       "function: %s)", path, HR_SIG_FORMS);
        rc = HR_ECOMPILE;
        goto out;
    }
    m->warnings = d.warnings;
    d.warnings = NULL;
    m->tier = 1;
    m->compile_ms = elapsed_ms(&t0);
    clock_gettime(CLOCK_REALTIME, &m->compiled_at);
    *out = m;
    m = NULL;
out:
    hr_jit_diag_clear(&d);
    hr_jit_free(m);
    return rc;
}

struct hr_lines *hr_jit_lines(struct hr_module *m)
{
    static const struct hr_jit_opts none;
    struct hr_jit_diag d = { 0 };
    struct hr_err quiet;
    struct job j;
    int rc;

    if (m->lines != NULL || m->lines_failed)
        return m->lines;
    memset(&j, 0, sizeof j);
    quiet.msg[0] = '\0';
    d.err = &quiet;
    j.kind = JOB_LINES;
    j.m = m;
    j.opts = &none;
    j.d = &d;
    j.err = &quiet;
    rc = run_job(&j, m->path, &quiet);
    if (rc != 0) {
        hr_lines_free(m->lines);
        m->lines = NULL;
        /* a Ctrl-C or cancel says nothing about the next try */
        m->lines_failed = rc != HR_EINTR && rc != HR_ECANCEL;
    }
    hr_jit_diag_clear(&d);
    return m->lines;
}
