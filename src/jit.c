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
 */
#include "jit.h"

#include "coderange.h"
#include "guard.h"
#include "jit_diag.h"
#include "jit_int.h"
#include "jit_tcc.h"
#include "lines.h"
#include "sig.h"
#include "srcscan.h"
#include "tier2.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libtcc.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

enum { JOB_COMPILE, JOB_LINES };

/* One use of libtcc on the compiler's thread. */
struct job {
    int kind;
    struct hr_module *m;
    const struct hr_jit_opts *opts;
    struct hr_jit_diag *d;
    struct hr_err *err;
    TCCState *s;                /* the state in use, or NULL */
    char *text;                 /* the text being compiled, or NULL */
    void *mem;                  /* code mapped, not yet the module's */
    size_t mem_len;
    int fd;                     /* JOB_LINES: the object's memfd, or -1 */
    int rc;
    int exited;                 /* libtcc called exit() */
    int refused;                /* the sandbox refused (jit_tcc.h) */
    char note[600];
    jmp_buf exit_to;
    const char *probes;         /* compiled after the file (sig.h), or NULL */
    char *probe_text;           /* owned: the probes of the scan */
    struct hr_sig_fn *fns;      /* owned: the scan of the file (sig.h) */
    int nfns;
};

/* The name the signature probes are compiled under: an error there is
 * hotrun's, not the file's. */
#define PROBE_FILE "<hotrun signature probes>"

/* Reads each task's HR_COMBINE object and NAME__combine function (they
 * say how a task's per-rank results combine: hotrun.h). */
static void find_combines(TCCState *s, struct hr_module *m)
{
    char buf[512];
    const int *kind = NULL;
    int i;

    for (i = 0; i < m->ntasks; i++) {
        snprintf(buf, sizeof buf, "hr__combine_%s", m->tasks[i].name);
        kind = tcc_get_symbol(s, buf);
        m->tasks[i].combine = kind != NULL ? *kind : 0;
        snprintf(buf, sizeof buf, "%s__combine", m->tasks[i].name);
        m->tasks[i].combine_fn = (hr_combine_fn)tcc_get_symbol(s, buf);
    }
}

/* Reads each task's signature probe (sig.h); -1 when it has none (the
 * scan did not see the function: a macro made it, say). */
static void find_signatures(TCCState *s, struct hr_module *m)
{
    char buf[512];
    const int *code = NULL;
    int i;

    for (i = 0; i < m->ntasks; i++) {
        hr_sig_symbol(m->tasks[i].name, buf, sizeof buf);
        code = tcc_get_symbol(s, buf);
        m->tasks[i].sig = code != NULL ? *code : -1;
    }
}

/* Writes '#line 1 "path"' and a newline into buf (room for twice path's
 * length and 16 more): a '"' or '\\' in the path is escaped as in a C
 * string, so that any file name compiles under its own name. */
static void line_directive(char *buf, const char *path)
{
    char *e = buf + strlen(strcpy(buf, "#line 1 \""));

    for (; *path != '\0'; path++) {
        if (*path == '"' || *path == '\\')
            *e++ = '\\';
        *e++ = *path;
    }
    strcpy(e, "\"\n");
}

/* Compiles m's source text into a new state j->s (output type and options
 * as given) under the file's own name.  Returns 0, HR_ENOMEM or
 * HR_ECOMPILE. */
static int compile_source(struct job *j, const char *tcc_dir,
                          const char *options, int output)
{
    struct hr_module *m = j->m;
    size_t plen = j->probes != NULL ? strlen(j->probes) : 0;
    size_t tlen = strlen(m->path) * 2 + m->source_len + plen + 64;
    int rc = HR_ECOMPILE;

    j->s = tcc_new();
    if (j->s == NULL)
        return HR_ENOMEM;
    tcc_set_error_func(j->s, j->d, hr_jit_diag_on);
    if (tcc_dir != NULL)
        tcc_set_lib_path(j->s, tcc_dir);
    tcc_set_options(j->s, options);
    tcc_set_output_type(j->s, output);
    if (m->include_dir != NULL)
        tcc_add_include_path(j->s, m->include_dir);
    tcc_add_include_path(j->s, m->dir);
    /* the text we read (and hashed), under the file's own name */
    j->text = malloc(tlen);
    if (j->text == NULL)
        return HR_ENOMEM;
    line_directive(j->text, m->path);
    memcpy(j->text + strlen(j->text), m->source, m->source_len + 1);
    if (j->probes != NULL && output == TCC_OUTPUT_MEMORY) {
        strcat(j->text, "\n#line 1 \"" PROBE_FILE "\"\n");
        strcat(j->text, j->probes);
    }
    if (tcc_compile_string(j->s, j->text) == 0)
        rc = 0;
    free(j->text);
    j->text = NULL;
    return rc;
}

/* One compile of m into memory; binds extra names found by dlsym. */
static int compile_once(struct job *j, int bind_undef)
{
    struct hr_module *m = j->m;
    const struct hr_jit_opts *opts = j->opts;
    struct hr_jit_symlist sl = { m, opts, 0, 0 };
    size_t i;
    int size;
    int rc = compile_source(j, opts->tcc_dir, "-nostdlib",
                            TCC_OUTPUT_MEMORY);
    void *etext = NULL;

    if (rc != 0)
        goto out;
    rc = HR_ECOMPILE;
    for (i = 0; i < opts->nsyms; i++)
        tcc_add_symbol(j->s, opts->syms[i].name, opts->syms[i].addr);
    for (i = 0; bind_undef && i < (size_t)j->d->nundef; i++)
        tcc_add_symbol(j->s, j->d->undef[i],
                       dlsym(RTLD_DEFAULT, j->d->undef[i]));
    size = tcc_relocate(j->s, NULL);
    if (size < 0)
        goto out;
    j->mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (j->mem == MAP_FAILED) {
        j->mem = NULL;
        rc = HR_ENOMEM;
        goto out;
    }
    j->mem_len = (size_t)size;
    if (tcc_relocate(j->s, j->mem) < 0)
        goto out;
    etext = tcc_get_symbol(j->s, "_etext");
    m->text_end = etext != NULL ? (uintptr_t)etext
                                : (uintptr_t)j->mem + j->mem_len;
    m->code = j->mem;
    m->code_len = j->mem_len;
    j->mem = NULL;
    /* task code from now on: stops may jump out of it */
    hr_coderange_add((uintptr_t)m->code, m->text_end);
    tcc_list_symbols(j->s, &sl, hr_jit_on_symbol);
    if (sl.failed) {
        rc = HR_ENOMEM;
        goto out;
    }
    hr_jit_sort_tasks(m);
    find_combines(j->s, m);
    find_signatures(j->s, m);
    rc = 0;
out:
    if (j->mem != NULL)
        munmap(j->mem, j->mem_len);
    j->mem = NULL;
    if (j->s != NULL)
        tcc_delete(j->s);
    j->s = NULL;
    return rc;
}

/* After a failed link: can every missing name come from the host process
 * (libc, libm, ...)?  Then a second compile binds them. */
static int resolvable(const struct hr_jit_diag *d)
{
    int i;

    if (d->nundef == 0)
        return 0;
    for (i = 0; i < d->nundef; i++) {
        if (dlsym(RTLD_DEFAULT, d->undef[i]) == NULL)
            return 0;
    }
    return 1;
}

static void report_undefined(const struct hr_module *m,
                             const struct hr_jit_diag *d,
                             struct hr_err *err)
{
    int i;

    for (i = 0; i < d->nundef; i++) {
        if (dlsym(RTLD_DEFAULT, d->undef[i]) != NULL)
            continue;
        hr_err_append(err, "%s: error: undefined symbol '%s' (not defined "
                      "in the file, hotrun.h or the C library)", m->path,
                      d->undef[i]);
    }
}

/* Did the last compile fail in the probes rather than in the file? */
static int probes_failed(const struct job *j)
{
    return j->probes != NULL && j->err != NULL &&
           strstr(j->err->msg, PROBE_FILE) != NULL;
}

/* Compiles the file with the probes; when they do not compile (the scan
 * named something that is not a function after preprocessing), without
 * them: the signatures are then asked for by name (sig_again()). */
static int compile_probed(struct job *j, int bind_undef)
{
    int rc = compile_once(j, bind_undef);

    if (rc == HR_ECOMPILE && probes_failed(j)) {
        hr_jit_reset_code(j->m);
        hr_jit_diag_restart(j->d);
        if (j->err != NULL)
            j->err->msg[0] = '\0';
        j->probes = NULL;
        rc = compile_once(j, bind_undef);
    }
    return rc;
}

/* Tasks whose signature is unknown (no probe: the scan missed them, or
 * the probes were dropped): compile once more with a probe for each by
 * name.  Returns 0 or a compile's code. */
static int sig_again(struct job *j, int bind_undef)
{
    struct hr_module *m = j->m;
    struct hr_sig_fn *fns = NULL;
    char *probes = NULL;
    int n = 0;
    int i;
    int rc = 0;

    for (i = 0; i < m->ntasks; i++)
        n += m->tasks[i].sig < 0;
    if (n == 0)
        return 0;
    fns = calloc((size_t)n, sizeof *fns);
    if (fns == NULL)
        return HR_ENOMEM;
    for (i = 0, n = 0; i < m->ntasks; i++) {
        if (m->tasks[i].sig < 0)
            fns[n++].name = m->tasks[i].name;     /* borrowed */
    }
    probes = hr_sig_probes(fns, n);
    free(fns);
    if (probes == NULL)
        return HR_ENOMEM;
    hr_jit_reset_code(m);
    hr_jit_diag_restart(j->d);
    /* the job owns them: an abandoned compile frees them (release()) */
    free(j->probe_text);
    j->probe_text = probes;
    j->probes = probes;
    rc = compile_once(j, bind_undef);
    if (rc == HR_ECOMPILE && probes_failed(j)) {
        /* cannot be asked: take them for double NAME(const struct
         * hr_array *), as hotrun always did */
        hr_jit_reset_code(m);
        hr_jit_diag_restart(j->d);
        if (j->err != NULL)
            j->err->msg[0] = '\0';
        j->probes = NULL;
        rc = compile_once(j, bind_undef);
        for (i = 0; rc == 0 && i < m->ntasks; i++)
            m->tasks[i].sig = HR_SIG_CODE(HR_RET_DOUBLE, 1);
    }
    j->probes = NULL;
    return rc;
}

/* Frees what job_compile() made for the probes (also after a job was
 * abandoned half way). */
static void free_probes(struct job *j)
{
    free(j->probe_text);
    j->probe_text = NULL;
    hr_sig_free(j->fns, j->nfns);
    j->fns = NULL;
    j->nfns = 0;
    j->probes = NULL;
}

static void job_compile(struct job *j)
{
    struct hr_module *m = j->m;
    int bind = 0;
    int rc;

    if (hr_sig_scan(m->source, m->source_len, &j->fns, &j->nfns) == 0)
        j->probe_text = hr_sig_probes(j->fns, j->nfns);
    j->probes = j->probe_text;
    rc = compile_probed(j, 0);

    if (rc == HR_ECOMPILE && hr_tcc_sandbox_note() == NULL &&
        j->d->nerrors == j->d->nundef && resolvable(j->d)) {
        /* only names outside hotrun.h's subset were missing: bind them
         * from the host process, as a libc-linked task would get them */
        hr_jit_reset_code(m);
        hr_jit_diag_restart(j->d);
        m->uses_libc_fallback = 1;
        bind = 1;
        j->probes = j->probe_text;
        rc = compile_probed(j, 1);
    }
    if (rc == 0)
        rc = sig_again(j, bind);
    if (rc == 0)
        rc = hr_jit_sort_out(m, j->fns, j->nfns);
    if (rc == HR_ECOMPILE)
        report_undefined(m, j->d, j->err);
    free_probes(j);
    j->rc = rc;
}

/* The line table of m: its source recompiled with -g into an object in
 * an anonymous memory file, then parsed. */
static void job_lines(struct job *j)
{
    struct hr_module *m = j->m;
    struct stat st;
    char path[64];
    void *obj = MAP_FAILED;

    j->rc = HR_EIO;
    j->fd = memfd_create("hotrun-debug", MFD_CLOEXEC);
    if (j->fd < 0)
        return;
    /* the same options as the in-memory compile (-D__TCC_RUN__ is what
     * memory output predefines), so that the code has the same layout */
    if (compile_source(j, NULL, "-nostdlib -g -D__TCC_RUN__",
                       TCC_OUTPUT_OBJ) != 0)
        goto out;
    snprintf(path, sizeof path, "/proc/self/fd/%d", j->fd);
    if (tcc_output_file(j->s, path) != 0 || fstat(j->fd, &st) != 0 ||
        st.st_size <= 0)
        goto out;
    obj = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, j->fd, 0);
    if (obj == MAP_FAILED)
        goto out;
    if (hr_lines_parse(obj, (size_t)st.st_size, &m->lines, NULL) == 0)
        j->rc = 0;
    else
        m->lines = NULL;
out:
    if (obj != MAP_FAILED)
        munmap(obj, (size_t)st.st_size);
    if (j->s != NULL)
        tcc_delete(j->s);
    j->s = NULL;
    close(j->fd);
    j->fd = -1;
}

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
    free_probes(j);
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
            job_compile(j);
        else
            job_lines(j);
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
