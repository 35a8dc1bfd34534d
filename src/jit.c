/* jit.c - compile a task file into memory with libtcc */
#include "jit.h"

#include "fileio.h"
#include "lines.h"
#include "tier2.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libtcc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_UNDEF 64

/* What the compiler said during one compile. */
struct diag {
    struct hr_err *err;         /* errors go here */
    char *warnings;             /* owned, grows */
    size_t wlen;
    int nerrors;
    char *undef[MAX_UNDEF];     /* owned: names the linker could not bind */
    int nundef;
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

static void add_warning(struct diag *d, const char *msg)
{
    size_t n = strlen(msg);
    char *w = realloc(d->warnings, d->wlen + n + 2);

    if (w == NULL)
        return;
    d->warnings = w;
    memcpy(w + d->wlen, msg, n);
    d->wlen += n;
    w[d->wlen++] = '\n';
    w[d->wlen] = '\0';
}

/* libtcc reports "tcc: error: undefined symbol 'x'" without a location. */
static int take_undefined(struct diag *d, const char *msg)
{
    const char *p = strstr(msg, "undefined symbol '");
    const char *q = NULL;

    if (p == NULL)
        return 0;
    p += strlen("undefined symbol '");
    q = strchr(p, '\'');
    if (q == NULL || d->nundef == MAX_UNDEF)
        return 0;
    d->undef[d->nundef] = strndup(p, (size_t)(q - p));
    if (d->undef[d->nundef] != NULL)
        d->nundef++;
    return 1;
}

static void on_diag(void *opaque, const char *msg)
{
    struct diag *d = opaque;

    if (strstr(msg, ": warning: ") != NULL) {
        add_warning(d, msg);
        return;
    }
    d->nerrors++;
    if (take_undefined(d, msg))
        return;
    if (strncmp(msg, "tcc: ", 5) == 0)
        msg += 5;
    hr_err_append(d->err, "%s", msg);
}

static void diag_clear(struct diag *d)
{
    int i;

    for (i = 0; i < d->nundef; i++)
        free(d->undef[i]);
    d->nundef = 0;
    d->nerrors = 0;
    free(d->warnings);
    d->warnings = NULL;
    d->wlen = 0;
}

static int read_source(const char *path, char **out, size_t *len,
                       struct hr_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = HR_EIO;

    if (fd < 0) {
        hr_err_set(err, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? HR_ENOENT : HR_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        hr_err_set(err, "%s: not a regular file", path);
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
    got = (size_t)n;
    buf[got] = '\0';
    *out = buf;
    *len = got;
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

/* Compiles m's source text into a new state s (output type and options
 * as given) under the file's own name.  Returns 0, HR_ENOMEM or
 * HR_ECOMPILE; *out is set either way and is owned (tcc_delete()). */
static int compile_source(struct hr_module *m, const char *tcc_dir,
                          const char *options, int output, struct diag *d,
                          TCCState **out)
{
    TCCState *s = tcc_new();
    char *text = NULL;
    size_t tlen = strlen(m->path) * 2 + m->source_len + 32;
    int rc = HR_ECOMPILE;

    *out = s;
    if (s == NULL)
        return HR_ENOMEM;
    tcc_set_error_func(s, d, on_diag);
    if (tcc_dir != NULL)
        tcc_set_lib_path(s, tcc_dir);
    tcc_set_options(s, options);
    tcc_set_output_type(s, output);
    if (m->include_dir != NULL)
        tcc_add_include_path(s, m->include_dir);
    tcc_add_include_path(s, m->dir);
    /* the text we read (and hashed), under the file's own name */
    text = malloc(tlen);
    if (text == NULL)
        return HR_ENOMEM;
    snprintf(text, tlen, "#line 1 \"%s\"\n", m->path);
    memcpy(text + strlen(text), m->source, m->source_len + 1);
    if (tcc_compile_string(s, text) == 0)
        rc = 0;
    free(text);
    return rc;
}

/* One compile of m into memory; binds extra names found by dlsym. */
static int compile_once(struct hr_module *m, const struct hr_jit_opts *opts,
                        struct diag *d, int bind_undef)
{
    TCCState *s = NULL;
    struct symlist sl = { m, opts, 0, 0 };
    size_t i;
    int size;
    int rc = compile_source(m, opts->tcc_dir, "-nostdlib",
                            TCC_OUTPUT_MEMORY, d, &s);
    void *mem = MAP_FAILED;
    void *etext = NULL;

    if (rc != 0)
        goto out;
    rc = HR_ECOMPILE;
    for (i = 0; i < opts->nsyms; i++)
        tcc_add_symbol(s, opts->syms[i].name, opts->syms[i].addr);
    for (i = 0; bind_undef && i < (size_t)d->nundef; i++)
        tcc_add_symbol(s, d->undef[i], dlsym(RTLD_DEFAULT, d->undef[i]));
    size = tcc_relocate(s, NULL);
    if (size < 0)
        goto out;
    mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        rc = HR_ENOMEM;
        goto out;
    }
    if (tcc_relocate(s, mem) < 0)
        goto out;
    m->code = mem;
    m->code_len = (size_t)size;
    mem = MAP_FAILED;
    etext = tcc_get_symbol(s, "_etext");
    m->text_end = etext != NULL ? (uintptr_t)etext
                                : (uintptr_t)m->code + m->code_len;
    tcc_list_symbols(s, &sl, on_symbol);
    if (sl.failed) {
        rc = HR_ENOMEM;
        goto out;
    }
    if (m->ntasks > 1)
        qsort(m->tasks, (size_t)m->ntasks, sizeof *m->tasks, by_address);
    rc = 0;
out:
    if (mem != MAP_FAILED)
        munmap(mem, (size_t)size);
    if (s != NULL)
        tcc_delete(s);
    return rc;
}

/* After a failed link: can every missing name come from the host process
 * (libc, libm, ...)?  Then a second compile binds them. */
static int resolvable(const struct diag *d)
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

static void report_undefined(const struct hr_module *m, struct diag *d,
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

static void module_reset_code(struct hr_module *m)
{
    int i;

    for (i = 0; i < m->ntasks; i++)
        free(m->tasks[i].name);
    free(m->tasks);
    m->tasks = NULL;
    m->ntasks = 0;
    if (m->code != NULL)
        munmap(m->code, m->code_len);
    m->code = NULL;
    m->code_len = 0;
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
    struct diag d = { 0 };
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

    rc = compile_once(m, opts, &d, 0);
    if (rc == HR_ECOMPILE && d.nerrors == d.nundef && resolvable(&d)) {
        /* only names outside hotrun.h's subset were missing: bind them
         * from the host process, as a libc-linked task would get them */
        module_reset_code(m);
        free(d.warnings);
        d.warnings = NULL;
        d.wlen = 0;
        d.nerrors = 0;
        m->uses_libc_fallback = 1;
        rc = compile_once(m, opts, &d, 1);
    }
    if (rc == HR_ECOMPILE)
        report_undefined(m, &d, err);
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
    m->tier = 1;
    m->compile_ms = elapsed_ms(&t0);
    clock_gettime(CLOCK_REALTIME, &m->compiled_at);
    *out = m;
    m = NULL;
out:
    diag_clear(&d);
    hr_jit_free(m);
    return rc;
}

void hr_jit_free(struct hr_module *m)
{
    if (m == NULL)
        return;
    hr_tier2_module_free(m);
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
    return (pc >= (uintptr_t)m->code && pc < m->text_end) ||
           hr_tier2_contains(m, pc);
}

/* The line table of m: its source recompiled with -g into an object in
 * an anonymous memory file, then parsed.  NULL when that fails. */
static struct hr_lines *module_lines(struct hr_module *m)
{
    struct diag d = { 0 };
    TCCState *s = NULL;
    struct stat st;
    char path[64];
    void *obj = MAP_FAILED;
    int fd = -1;

    if (m->lines != NULL)
        return m->lines;
    fd = memfd_create("hotrun-debug", MFD_CLOEXEC);
    if (fd < 0)
        goto out;
    /* the same options as the in-memory compile (-D__TCC_RUN__ is what
     * memory output predefines), so that the code has the same layout */
    if (compile_source(m, NULL, "-nostdlib -g -D__TCC_RUN__",
                       TCC_OUTPUT_OBJ, &d, &s) != 0)
        goto out;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (tcc_output_file(s, path) != 0 || fstat(fd, &st) != 0 ||
        st.st_size <= 0)
        goto out;
    obj = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (obj == MAP_FAILED)
        goto out;
    if (hr_lines_parse(obj, (size_t)st.st_size, &m->lines, NULL) != 0)
        m->lines = NULL;
out:
    if (obj != MAP_FAILED)
        munmap(obj, (size_t)st.st_size);
    if (s != NULL)
        tcc_delete(s);
    if (fd >= 0)
        close(fd);
    diag_clear(&d);
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

    if (hr_tier2_locate(m, pc, buf, len) == 0)
        return;
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

/* ---- linking a compiled object (tier 2, tier2.c) ---- */

/* Collects what libtcc says while linking an object. */
static void on_link_diag(void *opaque, const char *msg)
{
    struct hr_err *err = opaque;

    if (strstr(msg, ": warning: ") != NULL)
        return;
    if (strncmp(msg, "tcc: ", 5) == 0)
        msg += 5;
    hr_err_append(err, "%s", msg);
}

int hr_jit_link(const char *obj_path, const struct hr_sym *syms,
                size_t nsyms, const char *const *names, int nnames,
                void **addrs, void **mem, size_t *len, struct hr_err *err)
{
    TCCState *s = tcc_new();
    void *block = MAP_FAILED;
    size_t i;
    int size = 0;
    int k;
    int rc = HR_ECOMPILE;

    if (s == NULL)
        return HR_ENOMEM;
    tcc_set_error_func(s, err, on_link_diag);
    /* -xb: an object, whatever its name (/proc/self/fd/N has no .o) */
    tcc_set_options(s, "-nostdlib -xb");
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    if (tcc_add_file(s, obj_path) != 0)
        goto out;
    for (i = 0; i < nsyms; i++)
        tcc_add_symbol(s, syms[i].name, syms[i].addr);
    size = tcc_relocate(s, NULL);
    if (size <= 0)
        goto out;
    block = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
        rc = HR_ENOMEM;
        goto out;
    }
    if (tcc_relocate(s, block) < 0)
        goto out;
    for (k = 0; k < nnames; k++)
        addrs[k] = tcc_get_symbol(s, names[k]);
    *mem = block;
    *len = (size_t)size;
    block = MAP_FAILED;
    rc = 0;
out:
    if (block != MAP_FAILED)
        munmap(block, (size_t)size);
    tcc_delete(s);
    return rc;
}
