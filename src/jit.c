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
#include "fileio.h"
#include "guard.h"
#include "jit_diag.h"
#include "jit_tcc.h"
#include "lines.h"
#include "srcscan.h"

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
};

/* Symbols found after relocation. */
struct symlist {
    struct hr_module *m;
    const struct hr_jit_opts *opts;
    int cap;
    int failed;
};

uint64_t hr_hash(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int read_source(const char *path, char **out, size_t *len,
                       struct hr_err *err)
{
    struct stat st;
    char *buf = NULL;
    ssize_t n;
    int fd = hr_fileio_open_regular(path, &st);
    int rc = HR_EIO;

    if (fd < 0 && errno == EISDIR) {
        hr_err_set(err, "%s: is a directory", path);
        return HR_EIO;
    }
    if (fd < 0 && errno == EINVAL) {
        hr_err_set(err, "%s: not a regular file (%s)", path,
                   hr_fileio_kind(st.st_mode));
        return HR_EIO;
    }
    if (fd < 0) {
        hr_err_set(err, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? HR_ENOENT : HR_EIO;
    }
    if ((long long)st.st_size > HR_JIT_MAX_FILE) {
        hr_err_set(err, "%s: too large to compile (%lld MB; the limit is "
                   "%lld MB)", path, (long long)(st.st_size >> 20),
                   HR_JIT_MAX_FILE >> 20);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = HR_ENOMEM;
        goto out;
    }
    n = hr_fileio_pread_full(fd, buf, (size_t)st.st_size, 0);
    if (n < 0) {
        hr_err_set(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = (size_t)n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

static int is_bound(const struct hr_jit_opts *opts, const char *name)
{
    size_t i;

    for (i = 0; i < opts->nsyms; i++) {
        if (strcmp(opts->syms[i].name, name) == 0)
            return 1;
    }
    return 0;
}

static void on_symbol(void *ctx, const char *name, const void *val)
{
    struct symlist *sl = ctx;
    struct hr_module *m = sl->m;
    uintptr_t a = (uintptr_t)val;
    struct hr_task *t = NULL;

    if (a < (uintptr_t)m->code || a >= m->text_end)
        return;
    if (name[0] == '_' || strchr(name, '@') != NULL ||
        is_bound(sl->opts, name))
        return;
    if (m->ntasks == sl->cap) {
        int cap = sl->cap ? sl->cap * 2 : 8;

        t = realloc(m->tasks, (size_t)cap * sizeof *t);
        if (t == NULL) {
            sl->failed = 1;
            return;
        }
        m->tasks = t;
        sl->cap = cap;
    }
    t = &m->tasks[m->ntasks];
    t->name = strdup(name);
    if (t->name == NULL) {
        sl->failed = 1;
        return;
    }
    t->fn = (hr_task_fn)val;
    m->ntasks++;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)(const void *)((const struct hr_task *)a)->fn;
    uintptr_t y = (uintptr_t)(const void *)((const struct hr_task *)b)->fn;

    return x < y ? -1 : x > y;
}

/* Compiles m's source text into a new state j->s (output type and options
 * as given) under the file's own name.  Returns 0, HR_ENOMEM or
 * HR_ECOMPILE. */
static int compile_source(struct job *j, const char *tcc_dir,
                          const char *options, int output)
{
    struct hr_module *m = j->m;
    size_t tlen = strlen(m->path) * 2 + m->source_len + 32;
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
    snprintf(j->text, tlen, "#line 1 \"%s\"\n", m->path);
    memcpy(j->text + strlen(j->text), m->source, m->source_len + 1);
    if (tcc_compile_string(j->s, j->text) == 0)
        rc = 0;
    free(j->text);
    j->text = NULL;
    return rc;
}

static void module_reset_code(struct hr_module *m)
{
    int i;

    for (i = 0; i < m->ntasks; i++)
        free(m->tasks[i].name);
    free(m->tasks);
    m->tasks = NULL;
    m->ntasks = 0;
    if (m->code != NULL) {
        /* no reader may take it for task code once it is gone */
        hr_coderange_remove((uintptr_t)m->code, m->text_end);
        munmap(m->code, m->code_len);
    }
    m->code = NULL;
    m->code_len = 0;
    m->text_end = 0;
}

/* One compile of m into memory; binds extra names found by dlsym. */
static int compile_once(struct job *j, int bind_undef)
{
    struct hr_module *m = j->m;
    const struct hr_jit_opts *opts = j->opts;
    struct symlist sl = { m, opts, 0, 0 };
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
    tcc_list_symbols(j->s, &sl, on_symbol);
    if (sl.failed) {
        rc = HR_ENOMEM;
        goto out;
    }
    if (m->ntasks > 1)
        qsort(m->tasks, (size_t)m->ntasks, sizeof *m->tasks, by_address);
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

static void job_compile(struct job *j)
{
    struct hr_module *m = j->m;
    int rc = compile_once(j, 0);

    if (rc == HR_ECOMPILE && hr_tcc_sandbox_note() == NULL &&
        j->d->nerrors == j->d->nundef && resolvable(j->d)) {
        /* only names outside hotrun.h's subset were missing: bind them
         * from the host process, as a libc-linked task would get them */
        module_reset_code(m);
        hr_jit_diag_restart(j->d);
        m->uses_libc_fallback = 1;
        rc = compile_once(j, 1);
    }
    if (rc == HR_ECOMPILE)
        report_undefined(m, j->d, j->err);
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
    if (j->mem != NULL)
        munmap(j->mem, j->mem_len);
    j->mem = NULL;
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if (j->kind == JOB_COMPILE)
        module_reset_code(j->m);
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
            module_reset_code(j->m);
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
    m->dir = strdup(path);
    m->include_dir = opts->include_dir;
    if (m->path == NULL || m->dir == NULL)
        goto out;
    rc = read_source(path, &m->source, &m->source_len, err);
    if (rc != 0)
        goto out;
    rc = hr_srcscan_check(path, m->source, m->source_len,
                          HR_SRCSCAN_MAX_DEPTH, err);
    if (rc != 0)
        goto out;
    m->realpath = realpath(path, NULL);
    if (m->realpath == NULL) {
        rc = HR_ENOMEM;
        goto out;
    }
    m->hash = hr_hash(m->source, m->source_len);
    slash = strrchr(m->dir, '/');
    if (slash == NULL)
        strcpy(m->dir, ".");
    else if (slash == m->dir)
        m->dir[1] = '\0';
    else
        *slash = '\0';

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
        hr_err_set(err, "%s: defines no task (a task is a non-static "
                   "function: double NAME(const struct hr_array *a))", path);
        rc = HR_ECOMPILE;
        goto out;
    }
    m->warnings = d.warnings;
    d.warnings = NULL;
    m->compile_ms = elapsed_ms(&t0);
    clock_gettime(CLOCK_REALTIME, &m->compiled_at);
    *out = m;
    m = NULL;
out:
    hr_jit_diag_clear(&d);
    hr_jit_free(m);
    return rc;
}

void hr_jit_free(struct hr_module *m)
{
    if (m == NULL)
        return;
    module_reset_code(m);
    free(m->path);
    free(m->realpath);
    free(m->source);
    free(m->warnings);
    free(m->dir);
    hr_lines_free(m->lines);
    free(m);
}

const struct hr_task *hr_jit_find(const struct hr_module *m,
                                  const char *name)
{
    int i;

    for (i = 0; i < m->ntasks; i++) {
        if (strcmp(m->tasks[i].name, name) == 0)
            return &m->tasks[i];
    }
    return NULL;
}

int hr_jit_contains(const struct hr_module *m, uintptr_t pc)
{
    return pc >= (uintptr_t)m->code && pc < m->text_end;
}

/* m's line table, built on the first call (NULL when that fails, and
 * then not tried again). */
static struct hr_lines *module_lines(struct hr_module *m)
{
    static const struct hr_jit_opts none;
    struct hr_jit_diag d = { 0 };
    struct hr_err quiet;
    struct job j;

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
    if (run_job(&j, m->path, &quiet) != 0) {
        hr_lines_free(m->lines);
        m->lines = NULL;
        m->lines_failed = 1;
    }
    hr_jit_diag_clear(&d);
    return m->lines;
}

void hr_jit_locate(struct hr_module *m, uintptr_t pc, char *buf,
                   size_t len)
{
    const struct hr_task *best = NULL;
    struct hr_lines *l = NULL;
    const char *func = NULL, *file = NULL;
    uint64_t off = 0, foff = 0;
    int line = 0;
    int i;

    buf[0] = '\0';
    if (!hr_jit_contains(m, pc))
        return;
    l = m->ntasks > 0 ? module_lines(m) : NULL;
    if (l != NULL &&
        hr_lines_func_offset(l, m->tasks[0].name, &off, NULL) == 0 &&
        hr_lines_lookup(l, pc - ((uintptr_t)(const void *)m->tasks[0].fn -
                                 off), &func, &foff, &file, &line) == 0) {
        if (file != NULL && line > 0)
            snprintf(buf, len, "%s+0x%llx (%s:%d)", func,
                     (unsigned long long)foff, file, line);
        else
            snprintf(buf, len, "%s+0x%llx (%s)", func,
                     (unsigned long long)foff, m->path);
        return;
    }
    /* no line table: the nearest task before pc */
    for (i = 0; i < m->ntasks; i++) {
        if ((uintptr_t)(const void *)m->tasks[i].fn <= pc)
            best = &m->tasks[i];
    }
    if (best == NULL)
        snprintf(buf, len, "%s+0x%lx", m->path,
                 (unsigned long)(pc - (uintptr_t)m->code));
    else
        snprintf(buf, len, "%s+0x%lx (%s)", best->name,
                 (unsigned long)(pc - (uintptr_t)(const void *)best->fn),
                 m->path);
}
