/* ctx.c - the session: resident arrays, loaded modules, runs */
#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "guard.h"
#include "progress.h"
#include "tier2.h"
#include "watch.h"

int hr_ctx_open(struct hr_ctx **out)
{
    struct hr_ctx *ctx = calloc(1, sizeof *ctx);
    /* tier 2 (hook): HOTRUN_CC names the compiler, HOTRUN_TIER=wait|off */
    struct hr_tier2_opts to = { 0 };
    const char *tier = getenv("HOTRUN_TIER");

    if (ctx == NULL)
        return HR_ENOMEM;
    ctx->current = -1;
    ctx->include_dir = HR_INCLUDE_DIR;
    ctx->bar = hr_progress_new(2);
    to.cc = getenv("HOTRUN_CC");
    to.syms = hr_api_symbols(&to.nsyms);
    to.mode = tier != NULL && strcmp(tier, "wait") == 0 ? HR_TIER2_WAIT
              : tier != NULL && strcmp(tier, "off") == 0 ? HR_TIER2_OFF
              : HR_TIER2_AUTO;
    if (hr_tier2_new(&to, &ctx->tier2) != 0) {
        hr_progress_free(ctx->bar);
        free(ctx);
        return HR_ENOMEM;
    }
    *out = ctx;
    return 0;
}

void hr_ctx_close(struct hr_ctx *ctx)
{
    int i;

    if (ctx == NULL)
        return;
    for (i = 0; i < ctx->narrays; i++)
        hr_array_free(ctx->arrays[i]);
    for (i = 0; i < ctx->nmods; i++)
        hr_jit_free(ctx->mods[i]);
    hr_tier2_free(ctx->tier2);      /* after the modules (hook) */
    free(ctx->arrays);
    free(ctx->mods);
    free(ctx->last_reload);
    free(ctx->last_run);
    hr_watch_free(ctx->watch);
    hr_progress_free(ctx->bar);
    free(ctx);
}

static int find_array(const struct hr_ctx *ctx, const char *name)
{
    int i;

    for (i = 0; i < ctx->narrays; i++) {
        if (strcmp(ctx->arrays[i]->name, name) == 0)
            return i;
    }
    return -1;
}

static int valid_name(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

int hr_ctx_load(struct hr_ctx *ctx, const char *spec,
                const struct hr_raw_spec *raw, struct hr_err *err)
{
    struct hr_load_opts lo = { 0 };
    struct hr_resident *r = NULL;
    struct hr_resident **grown = NULL;
    const char *eq = strchr(spec, '=');
    const char *path = spec;
    char *name = NULL;
    struct timespec t0, t1;
    int i;
    int rc;

    if (eq != NULL && valid_name(spec, (size_t)(eq - spec))) {
        name = strndup(spec, (size_t)(eq - spec));
        if (name == NULL)
            return HR_ENOMEM;
        path = eq + 1;
    }
    lo.mode = ctx->load;
    lo.raw = raw;
    lo.progress = hr_progress_update;
    lo.progress_ud = ctx->bar;
    hr_progress_label(ctx->bar, path);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = hr_array_load(path, name, &lo, &r, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    hr_progress_done(ctx->bar);
    hr_progress_label(ctx->bar, NULL);
    free(name);
    if (rc != 0)
        return rc;
    ctx->last_load_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                        (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ctx->last_loaded = r;
    i = find_array(ctx, r->name);
    if (i >= 0) {
        hr_array_free(ctx->arrays[i]);
        ctx->arrays[i] = r;
        return 0;
    }
    grown = realloc(ctx->arrays, (size_t)(ctx->narrays + 1) * sizeof *grown);
    if (grown == NULL) {
        ctx->last_loaded = NULL;
        hr_array_free(r);
        return HR_ENOMEM;
    }
    ctx->arrays = grown;
    ctx->arrays[ctx->narrays++] = r;
    if (ctx->current < 0)
        ctx->current = 0;
    return 0;
}

struct hr_resident *hr_ctx_array(const struct hr_ctx *ctx, const char *name)
{
    int i;

    if (name == NULL)
        return ctx->current >= 0 ? ctx->arrays[ctx->current] : NULL;
    i = find_array(ctx, name);
    return i >= 0 ? ctx->arrays[i] : NULL;
}

int hr_ctx_use(struct hr_ctx *ctx, const char *name, struct hr_err *err)
{
    int i = find_array(ctx, name);

    if (i < 0) {
        hr_err_set(err, "use: no array named '%s' (see 'arrays')", name);
        return HR_ENOENT;
    }
    ctx->current = i;
    return 0;
}

static int find_module(const struct hr_ctx *ctx, const char *path)
{
    char *real = realpath(path, NULL);
    int i;
    int found = -1;

    for (i = 0; i < ctx->nmods && found < 0; i++) {
        if (strcmp(ctx->mods[i]->path, path) == 0 ||
            (real != NULL && strcmp(ctx->mods[i]->realpath, real) == 0))
            found = i;
    }
    free(real);
    return found;
}

struct hr_module *hr_ctx_module(const struct hr_ctx *ctx, const char *path)
{
    int i = find_module(ctx, path);

    return i >= 0 ? ctx->mods[i] : NULL;
}

int hr_ctx_reload(struct hr_ctx *ctx, const char *path,
                  struct hr_module **out, struct hr_err *err)
{
    struct hr_jit_opts jo = { 0 };
    struct hr_module *m = NULL;
    struct hr_module **grown = NULL;
    int i;
    int rc;

    jo.syms = hr_api_symbols(&jo.nsyms);
    jo.include_dir = ctx->include_dir;
    jo.tcc_dir = HR_TCC_LIBDIR;
    rc = hr_jit_compile(path, &jo, &m, err);
    if (rc != 0)
        return rc;
    i = find_module(ctx, path);
    if (i >= 0) {
        hr_jit_free(ctx->mods[i]);
        ctx->mods[i] = m;
    } else {
        grown = realloc(ctx->mods, (size_t)(ctx->nmods + 1) * sizeof *grown);
        if (grown == NULL) {
            hr_jit_free(m);
            return HR_ENOMEM;
        }
        ctx->mods = grown;
        ctx->mods[ctx->nmods++] = m;
    }
    hr_tier2_start(ctx->tier2, m);  /* tier 2 in the background (hook) */
    if (out != NULL)
        *out = m;
    return 0;
}

int hr_ctx_unload(struct hr_ctx *ctx, const char *path, struct hr_err *err)
{
    int i = find_module(ctx, path);

    if (i < 0) {
        hr_err_set(err, "unload: no module loaded from '%s'", path);
        return HR_ENOENT;
    }
    hr_jit_free(ctx->mods[i]);
    memmove(ctx->mods + i, ctx->mods + i + 1,
            (size_t)(ctx->nmods - i - 1) * sizeof *ctx->mods);
    ctx->nmods--;
    return 0;
}

int hr_ctx_module_matches(const struct hr_module *m, const char *file,
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

int hr_ctx_find(const struct hr_ctx *ctx, const char *spec,
                const struct hr_module **mod, const struct hr_task **task,
                struct hr_err *err)
{
    const char *colon = strrchr(spec, ':');
    const char *name = colon != NULL ? colon + 1 : spec;
    const struct hr_module *found_mod = NULL;
    const struct hr_task *found = NULL;
    int i;

    for (i = 0; i < ctx->nmods; i++) {
        const struct hr_task *t = NULL;

        if (colon != NULL &&
            !hr_ctx_module_matches(ctx->mods[i], spec,
                                   (size_t)(colon - spec)))
            continue;
        t = hr_jit_find(ctx->mods[i], name);
        if (t == NULL)
            continue;
        if (found != NULL) {
            hr_err_set(err, "run: '%s' is defined by both %s and %s (say "
                       "which: run %s:%s)", name, found_mod->path,
                       ctx->mods[i]->path, ctx->mods[i]->path, name);
            return HR_EAMBIG;
        }
        found = t;
        found_mod = ctx->mods[i];
    }
    if (found == NULL) {
        if (ctx->nmods == 0)
            hr_err_set(err, "run: no task '%s': no task file is loaded (try "
                       "'reload FILE')", name);
        else if (colon != NULL)
            hr_err_set(err, "run: no task '%s' in a module loaded from "
                       "'%.*s' (see 'list')", name, (int)(colon - spec),
                       spec);
        else
            hr_err_set(err, "run: no task '%s' in the loaded modules (see "
                       "'list')", name);
        return HR_ENOENT;
    }
    *mod = found_mod;
    *task = found;
    return 0;
}

/* ---- runs ---- */

static const struct hr_array *lookup(void *ud, const char *name)
{
    struct hr_resident *r = hr_ctx_array(ud, name);

    return r != NULL ? &r->view : NULL;
}

static void locate(void *ud, uintptr_t pc, char *buf, size_t len)
{
    const struct hr_ctx *ctx = ud;
    int i;

    buf[0] = '\0';
    for (i = 0; i < ctx->nmods; i++) {
        if (hr_jit_contains(ctx->mods[i], pc)) {
            hr_jit_locate(ctx->mods[i], pc, buf, len);
            return;
        }
    }
}

static const char *array_at(void *ud, uintptr_t addr)
{
    const struct hr_ctx *ctx = ud;
    int i;

    for (i = 0; i < ctx->narrays; i++) {
        if (hr_array_contains(ctx->arrays[i], addr))
            return ctx->arrays[i]->name;
    }
    return NULL;
}

static void progress(void *ud, int64_t done, int64_t total)
{
    const struct hr_ctx *ctx = ud;

    hr_progress_update(ctx->bar, done, total);
}

int hr_ctx_run(struct hr_ctx *ctx, const struct hr_module *mod,
               const struct hr_task *task, const struct hr_resident *arr,
               int argc, char **argv, struct hr_result *res,
               struct hr_err *err)
{
    struct hr_run_env env = { 0 };
    struct hr_guard_opts go = { 0 };
    struct timespec t0, t1;
    double value = 0;
    int rc;

    if (arr == NULL)
        arr = hr_ctx_array(ctx, NULL);
    if (arr == NULL) {
        hr_err_set(err, "run: no array is loaded (give one on the command "
                   "line or 'load FILE')");
        return HR_ENOENT;
    }
    /* tier 2 (hook): wait for it under `tier wait`, then switch every
     * module whose compile has ended - between runs, never during one */
    if (hr_tier2_mode(ctx->tier2) == HR_TIER2_WAIT) {
        rc = hr_tier2_wait(ctx->tier2, mod,
                           ctx->interactive ? hr_guard_idle_sigint() : -1,
                           err);
        if (rc == HR_EINTR && ctx->interactive)
            hr_guard_idle_sigint_take();
        if (rc != 0)
            return rc;
    }
    hr_tier2_poll(ctx->tier2);
    env.task = task->name;
    env.argc = argc;
    env.argv = argv;
    env.lookup = lookup;
    env.progress = progress;
    env.ud = ctx;
    go.timeout_s = ctx->timeout_s;
    go.isolate = ctx->isolate;
    go.locate = locate;
    go.array_at = array_at;
    go.ud = ctx;
    hr_api_begin(&env);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = hr_guard_call(task->fn, &arr->view, task->name, &go, &value, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    hr_api_end();
    hr_progress_done(ctx->bar);
    res->value = value;
    res->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    res->task = task->name;
    res->module = mod;
    return rc;
}

uint64_t hr_ctx_checksum(const struct hr_resident *r)
{
    return hr_hash(r->view.data, r->view.data != NULL ?
                   (size_t)r->view.nbytes : 0);
}
