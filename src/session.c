/* session.c - the engine's session: resident arrays, modules and runs
 * behind the public API of libhotrun.h */
#include "libhotrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "array.h"
#include "diag.h"
#include "guard.h"
#include "jit.h"
#include "pool.h"

struct slot {
    struct hr_resident *r;          /* owned */
    double load_ms;
};

struct hr_session {
    struct slot *arrays;            /* owned */
    int narrays;
    int current;                    /* index of the default array, or -1 */
    struct hr_module **mods;        /* owned, in load order */
    int nmods;
    enum hr_load_mode load;
    double timeout_s;               /* 0: none */
    int isolate;
    struct hr_session_hooks hooks;
    const char *include_dir;        /* static */
    const char *progress_label;     /* borrowed for a load */
};

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int hr_session_open(const struct hr_session_hooks *hooks,
                    struct hr_session **out)
{
    struct hr_session *s = calloc(1, sizeof *s);

    *out = NULL;
    if (s == NULL)
        return HR_ENOMEM;
    s->current = -1;
    s->include_dir = HR_INCLUDE_DIR;
    hr_pool_start(0);
    if (hooks != NULL)
        s->hooks = *hooks;
    *out = s;
    return 0;
}

void hr_session_close(struct hr_session *s)
{
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < s->narrays; i++)
        hr_array_free(s->arrays[i].r);
    for (i = 0; i < s->nmods; i++)
        hr_jit_free(s->mods[i]);
    free(s->arrays);
    free(s->mods);
    free(s);
}

/* ---- settings ---- */

int hr_session_set_timeout(struct hr_session *s, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e9)
        return HR_EINVAL;
    s->timeout_s = seconds;
    return 0;
}

double hr_session_timeout(const struct hr_session *s)
{
    return s->timeout_s;
}

void hr_session_set_isolate(struct hr_session *s, int on)
{
    s->isolate = on != 0;
}

int hr_session_isolate(const struct hr_session *s)
{
    return s->isolate;
}

void hr_session_set_load_mode(struct hr_session *s, enum hr_load_mode mode)
{
    s->load = mode;
}

enum hr_load_mode hr_session_load_mode(const struct hr_session *s)
{
    return s->load;
}

const char *hr_session_include_dir(const struct hr_session *s)
{
    return s->include_dir;
}

/* ---- arrays ---- */

int hr_load_args_dtype(struct hr_load_args *args, const char *s)
{
    return hr_dtype_parse(s, &args->dtype, &args->big_endian);
}

int hr_load_args_shape(struct hr_load_args *args, const char *s)
{
    struct hr_raw_spec raw = { 0 };

    if (hr_shape_parse(s, &raw) != 0)
        return HR_EINVAL;
    args->ndim = raw.ndim;
    memcpy(args->shape, raw.shape, sizeof args->shape);
    return 0;
}

int hr_session_find_array(const struct hr_session *s, const char *name)
{
    int i;

    if (name == NULL)
        return s->current;
    for (i = 0; i < s->narrays; i++) {
        if (strcmp(s->arrays[i].r->name, name) == 0)
            return i;
    }
    return -1;
}

int hr_session_narrays(const struct hr_session *s)
{
    return s->narrays;
}

int hr_session_array_info(const struct hr_session *s, int i,
                          struct hr_array_info *out)
{
    const struct hr_resident *r = NULL;

    if (i < 0 || i >= s->narrays)
        return HR_ENOENT;
    r = s->arrays[i].r;
    out->name = r->name;
    out->path = r->path;
    out->how = r->how;
    out->view = &r->view;
    out->is_default = i == s->current;
    out->load_ms = s->arrays[i].load_ms;
    return 0;
}

static int valid_name(const char *p, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        char c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static void load_progress(void *ud, int64_t done, int64_t total)
{
    struct hr_session *s = ud;

    if (s->hooks.progress != NULL)
        s->hooks.progress(s->hooks.ud, s->progress_label, done, total);
}

/* Puts r in the session under its name; takes r.  Returns its index or
 * HR_ENOMEM. */
static int keep_array(struct hr_session *s, struct hr_resident *r,
                      double ms)
{
    struct slot *grown = NULL;
    int i = hr_session_find_array(s, r->name);

    if (i >= 0) {
        hr_array_free(s->arrays[i].r);
        s->arrays[i].r = r;
        s->arrays[i].load_ms = ms;
        return i;
    }
    grown = realloc(s->arrays, (size_t)(s->narrays + 1) * sizeof *grown);
    if (grown == NULL) {
        hr_array_free(r);
        return HR_ENOMEM;
    }
    s->arrays = grown;
    i = s->narrays++;
    s->arrays[i].r = r;
    s->arrays[i].load_ms = ms;
    if (s->current < 0)
        s->current = i;
    return i;
}

int hr_session_load(struct hr_session *s, const char *spec,
                    const struct hr_load_args *args, int *index,
                    struct hr_err *err)
{
    struct hr_load_opts lo = { 0 };
    struct hr_raw_spec raw = { 0 };
    struct hr_resident *r = NULL;
    const char *eq = strchr(spec, '=');
    const char *path = spec;
    char *name = NULL;
    double t0 = now_ms();
    int rc;

    if (eq != NULL && valid_name(spec, (size_t)(eq - spec))) {
        name = strndup(spec, (size_t)(eq - spec));
        if (name == NULL)
            return HR_ENOMEM;
        path = eq + 1;
    }
    if (args != NULL && args->raw) {
        raw.dtype = args->dtype;
        raw.big_endian = args->big_endian;
        raw.ndim = args->ndim;
        memcpy(raw.shape, args->shape, sizeof raw.shape);
        raw.fortran = args->fortran;
        lo.raw = &raw;
    }
    lo.mode = s->load;
    lo.progress = load_progress;
    lo.progress_ud = s;
    s->progress_label = path;
    rc = hr_array_load(path, name, &lo, &r, err);
    load_progress(s, 0, 0);
    s->progress_label = NULL;
    free(name);
    if (rc != 0)
        return rc;
    rc = keep_array(s, r, now_ms() - t0);
    if (rc < 0)
        return rc;
    if (index != NULL)
        *index = rc;
    return 0;
}

int hr_session_use(struct hr_session *s, const char *name,
                   struct hr_err *err)
{
    int i = hr_session_find_array(s, name);

    if (i < 0) {
        hr_err_set(err, "use: no array named '%s' (see 'arrays')", name);
        return HR_ENOENT;
    }
    s->current = i;
    return 0;
}

int hr_session_checksum(struct hr_session *s, const char *name,
                        uint64_t *sum, struct hr_err *err)
{
    int i = hr_session_find_array(s, name);
    const struct hr_resident *r = NULL;

    if (i < 0) {
        if (name != NULL)
            hr_err_set(err, "checksum: no array named '%s' (see 'arrays')",
                       name);
        else
            hr_err_set(err, "checksum: no array is loaded");
        return HR_ENOENT;
    }
    r = s->arrays[i].r;
    *sum = hr_hash(r->view.data, r->view.data != NULL ?
                   (size_t)r->view.nbytes : 0);
    return 0;
}

/* ---- modules ---- */

int hr_session_nmodules(const struct hr_session *s)
{
    return s->nmods;
}

int hr_session_find_module(const struct hr_session *s, const char *path)
{
    char *real = realpath(path, NULL);
    int i;
    int found = -1;

    for (i = 0; i < s->nmods && found < 0; i++) {
        if (strcmp(s->mods[i]->path, path) == 0 ||
            (real != NULL && strcmp(s->mods[i]->realpath, real) == 0))
            found = i;
    }
    free(real);
    return found;
}

int hr_session_module_info(const struct hr_session *s, int i,
                           struct hr_module_info *out)
{
    const struct hr_module *m = NULL;

    if (i < 0 || i >= s->nmods)
        return HR_ENOENT;
    m = s->mods[i];
    out->path = m->path;
    out->realpath = m->realpath;
    out->ntasks = m->ntasks;
    out->compile_ms = m->compile_ms;
    out->compiled_at = m->compiled_at;
    out->hash = m->hash;
    out->uses_libc = m->uses_libc_fallback;
    out->warnings = m->warnings;
    return 0;
}

const char *hr_session_task_name(const struct hr_session *s, int m, int t)
{
    if (m < 0 || m >= s->nmods || t < 0 || t >= s->mods[m]->ntasks)
        return NULL;
    return s->mods[m]->tasks[t].name;
}

int hr_session_reload(struct hr_session *s, const char *path, int *index,
                      struct hr_err *err)
{
    struct hr_jit_opts jo = { 0 };
    struct hr_module *m = NULL;
    struct hr_module **grown = NULL;
    int i;
    int rc;

    jo.syms = hr_api_symbols(&jo.nsyms);
    jo.include_dir = s->include_dir;
    jo.tcc_dir = HR_TCC_LIBDIR;
    rc = hr_jit_compile(path, &jo, &m, err);
    if (rc == HR_ECOMPILE)
        hr_diag_explain(err);
    if (rc != 0)
        return rc;
    if (m->warnings != NULL) {
        char *w = hr_diag_annotate(m->warnings);

        if (w != NULL) {
            free(m->warnings);
            m->warnings = w;
        }
    }
    i = hr_session_find_module(s, path);
    if (i >= 0) {
        hr_jit_free(s->mods[i]);
        s->mods[i] = m;
    } else {
        grown = realloc(s->mods, (size_t)(s->nmods + 1) * sizeof *grown);
        if (grown == NULL) {
            hr_jit_free(m);
            return HR_ENOMEM;
        }
        s->mods = grown;
        i = s->nmods++;
        s->mods[i] = m;
    }
    if (index != NULL)
        *index = i;
    return 0;
}

int hr_session_unload(struct hr_session *s, const char *path,
                      struct hr_err *err)
{
    int i = hr_session_find_module(s, path);

    if (i < 0) {
        hr_err_set(err, "unload: no module loaded from '%s'", path);
        return HR_ENOENT;
    }
    hr_jit_free(s->mods[i]);
    memmove(s->mods + i, s->mods + i + 1,
            (size_t)(s->nmods - i - 1) * sizeof *s->mods);
    s->nmods--;
    return 0;
}

static int is_ident(const char *p)
{
    if (*p == '\0' || (*p >= '0' && *p <= '9'))
        return 0;
    for (; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    }
    return 1;
}

void hr_task_spec(const char *spec, size_t *file_len, const char **task)
{
    const char *colon = strrchr(spec, ':');

    if (colon != NULL && colon > spec && is_ident(colon + 1)) {
        *file_len = (size_t)(colon - spec);
        *task = colon + 1;
    } else {
        *file_len = 0;
        *task = spec;
    }
}

/* Does the n bytes of file name m: its path as given, its canonical
 * path, or its base name with or without ".c"? */
static int module_matches(const struct hr_module *m, const char *file,
                          size_t n)
{
    const char *base = strrchr(m->path, '/');
    size_t blen;

    base = base != NULL ? base + 1 : m->path;
    blen = strlen(base);
    if ((strlen(m->path) == n && strncmp(m->path, file, n) == 0) ||
        (strlen(m->realpath) == n && strncmp(m->realpath, file, n) == 0) ||
        (blen == n && strncmp(base, file, n) == 0))
        return 1;
    return blen > 2 && strcmp(base + blen - 2, ".c") == 0 && blen - 2 == n &&
           strncmp(base, file, n) == 0;
}

int hr_session_module_matches(const struct hr_session *s, int m,
                              const char *file, size_t n)
{
    return m >= 0 && m < s->nmods && module_matches(s->mods[m], file, n);
}

int hr_session_find_task(const struct hr_session *s, const char *spec,
                         int *mod, int *task, struct hr_err *err)
{
    const char *name = NULL;
    size_t flen = 0;
    int found_m = -1, found_t = -1;
    int i;

    hr_task_spec(spec, &flen, &name);
    for (i = 0; i < s->nmods; i++) {
        const struct hr_task *t = NULL;

        if (flen > 0 && !module_matches(s->mods[i], spec, flen))
            continue;
        t = hr_jit_find(s->mods[i], name);
        if (t == NULL)
            continue;
        if (found_m >= 0) {
            hr_err_set(err, "run: '%s' is defined by both %s and %s (say "
                       "which: run %s:%s)", name, s->mods[found_m]->path,
                       s->mods[i]->path, s->mods[i]->path, name);
            return HR_EAMBIG;
        }
        found_m = i;
        found_t = (int)(t - s->mods[i]->tasks);
    }
    if (found_m < 0) {
        if (s->nmods == 0)
            hr_err_set(err, "run: no task '%s': no task file is loaded (try "
                       "'reload FILE')", name);
        else if (flen > 0)
            hr_err_set(err, "run: no task '%s' in a module loaded from "
                       "'%.*s' (see 'list')", name, (int)flen, spec);
        else
            hr_err_set(err, "run: no task '%s' in the loaded modules (see "
                       "'list')", name);
        return HR_ENOENT;
    }
    *mod = found_m;
    *task = found_t;
    return 0;
}

/* ---- runs ---- */

static const struct hr_array *lookup(void *ud, const char *name)
{
    struct hr_session *s = ud;
    int i = hr_session_find_array(s, name);

    return i >= 0 ? &s->arrays[i].r->view : NULL;
}

static void locate(void *ud, uintptr_t pc, char *buf, size_t len)
{
    const struct hr_session *s = ud;
    int i;

    buf[0] = '\0';
    for (i = 0; i < s->nmods; i++) {
        if (hr_jit_contains(s->mods[i], pc)) {
            hr_jit_locate(s->mods[i], pc, buf, len);
            return;
        }
    }
}

static const char *array_at(void *ud, uintptr_t addr)
{
    const struct hr_session *s = ud;
    int i;

    for (i = 0; i < s->narrays; i++) {
        if (hr_array_contains(s->arrays[i].r, addr))
            return s->arrays[i].r->name;
    }
    return NULL;
}

static void task_progress(void *ud, int64_t done, int64_t total)
{
    struct hr_session *s = ud;

    if (s->hooks.progress != NULL)
        s->hooks.progress(s->hooks.ud, NULL, done, total);
}

int hr_session_run(struct hr_session *s, const char *spec, int argc,
                   char *const *argv, struct hr_run_result *res,
                   struct hr_err *err)
{
    struct hr_run_env env = { 0 };
    struct hr_guard_opts go = { 0 };
    const struct hr_resident *arr = NULL;
    const struct hr_task *task = NULL;
    double value = 0;
    double t0;
    int m = -1, t = -1;
    int rc = hr_session_find_task(s, spec, &m, &t, err);

    memset(res, 0, sizeof *res);
    if (rc != 0)
        return rc;
    task = &s->mods[m]->tasks[t];
    res->task = task->name;
    res->module = m;
    if (s->current < 0) {
        hr_err_set(err, "run: no array is loaded (give one on the command "
                   "line or 'load FILE')");
        return HR_ENOENT;
    }
    arr = s->arrays[s->current].r;
    env.task = task->name;
    env.argc = argc;
    env.argv = (char **)argv;
    env.lookup = lookup;
    env.progress = task_progress;
    env.ud = s;
    go.timeout_s = s->timeout_s;
    go.isolate = s->isolate;
    go.locate = locate;
    go.array_at = array_at;
    go.ud = s;
    hr_api_begin(&env);
    t0 = now_ms();
    rc = hr_guard_call(task->fn, &arr->view, task->name, &go, &value, err);
    res->ms = now_ms() - t0;
    hr_api_end();
    task_progress(s, 0, 0);
    res->value = value;
    res->bytes = (double)arr->view.nbytes;
    return rc;
}

/* ---- Ctrl-C between runs ---- */

int hr_sigint_fd(void)
{
    return hr_guard_idle_sigint();
}

int hr_sigint_take(void)
{
    return hr_guard_idle_sigint_take();
}
