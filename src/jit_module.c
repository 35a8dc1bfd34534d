/* jit_module.c - a compiled module: its source, its tasks, its code
 *
 * The parts of jit.c that need no compiler: reading the task file,
 * collecting its tasks, giving its code back, finding and locating.
 */
#include "jit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coderange.h"
#include "fileio.h"
#include "jit_int.h"
#include "tier2.h"
#include "lines.h"

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

int hr_jit_read_source(const char *path, char **out, size_t *len,
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

/* NAME__combine and hr__combine_NAME say how a task's per-rank results
 * combine (hotrun.h): they are not tasks. */
static int is_combine(const char *name)
{
    size_t n = strlen(name);

    return strncmp(name, "hr__", 4) == 0 ||
           (n > 9 && strcmp(name + n - 9, "__combine") == 0);
}

void hr_jit_on_symbol(void *ctx, const char *name, const void *val)
{
    struct hr_jit_symlist *sl = ctx;
    struct hr_module *m = sl->m;
    uintptr_t a = (uintptr_t)val;
    struct hr_task *t = NULL;

    if (a < (uintptr_t)m->code || a >= m->text_end)
        return;
    if (name[0] == '_' || strchr(name, '@') != NULL ||
        is_bound(sl->opts, name) || is_combine(name))
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
    t->combine = 0;
    t->combine_fn = NULL;
    m->ntasks++;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)(const void *)((const struct hr_task *)a)->fn;
    uintptr_t y = (uintptr_t)(const void *)((const struct hr_task *)b)->fn;

    return x < y ? -1 : x > y;
}

void hr_jit_sort_tasks(struct hr_module *m)
{
    if (m->ntasks > 1)
        qsort(m->tasks, (size_t)m->ntasks, sizeof *m->tasks, by_address);
}

void hr_jit_reset_code(struct hr_module *m)
{
    int i;

    for (i = 0; i < m->ntasks; i++)
        free(m->tasks[i].name);
    free(m->tasks);
    m->tasks = NULL;
    m->ntasks = 0;
    for (i = 0; i < m->nothers; i++) {
        free(m->others[i].name);
        free(m->others[i].decl);
    }
    free(m->others);
    m->others = NULL;
    m->nothers = 0;
    if (m->code != NULL) {
        /* no reader may take it for task code once it is gone */
        hr_coderange_remove((uintptr_t)m->code, m->text_end);
        munmap(m->code, m->code_len);
    }
    m->code = NULL;
    m->code_len = 0;
    m->text_end = 0;
}

void hr_jit_free(struct hr_module *m)
{
    if (m == NULL)
        return;
    hr_tier2_module_free(m);
    hr_jit_reset_code(m);
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

const struct hr_nontask *hr_jit_find_other(const struct hr_module *m,
                                           const char *name)
{
    int i;

    for (i = 0; i < m->nothers; i++) {
        if (strcmp(m->others[i].name, name) == 0)
            return &m->others[i];
    }
    return NULL;
}

int hr_jit_sort_out(struct hr_module *m, const struct hr_sig_fn *fns,
                    int nfns)
{
    int n = 0;
    int i, k;

    for (i = 0; i < m->ntasks; i++)
        n += m->tasks[i].sig == 0;
    if (n == 0)
        return 0;
    m->others = calloc((size_t)n, sizeof *m->others);
    if (m->others == NULL)
        return HR_ENOMEM;
    for (i = 0, k = 0; i < m->ntasks; i++) {
        struct hr_task *t = &m->tasks[i];
        const char *decl = t->name;
        int line = 0;
        int j;

        if (t->sig != 0) {
            m->tasks[k++] = *t;
            continue;
        }
        for (j = 0; j < nfns; j++) {
            if (strcmp(fns[j].name, t->name) == 0) {
                decl = fns[j].decl;
                line = fns[j].line;
            }
        }
        m->others[m->nothers].name = t->name;   /* taken */
        m->others[m->nothers].decl = strdup(decl);
        m->others[m->nothers].line = line;
        if (m->others[m->nothers++].decl == NULL)
            return HR_ENOMEM;
    }
    m->ntasks = k;
    return 0;
}

int hr_jit_contains(const struct hr_module *m, uintptr_t pc)
{
    return (pc >= (uintptr_t)m->code && pc < m->text_end) ||
           hr_tier2_contains(m, pc);
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
    l = m->ntasks > 0 ? hr_jit_lines(m) : NULL;
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
