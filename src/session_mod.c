/* session_mod.c - the session's modules: reload, unload, finding tasks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "api.h"
#include "diag.h"
#include "sig.h"

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
    out->tier = m->tier == 2 ? 2 : 1;
    out->tier_fast = m->tier == 2 && m->t2_fast;
    out->tier_pending = hr_tier2_pending(m);
    out->tier_failed = m->t2_failed;
    out->tier_ready_at = m->t2_ready_at;
    out->tier_ready_ms = m->t2_ready_ms;
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
    struct hr_source src = { NULL, 0, NULL, NULL };
    struct hr_module *m = NULL;
    struct hr_module **grown = NULL;
    const char *notice = NULL;
    int i;
    int rc;

    jo.syms = hr_api_symbols(&jo.nsyms);
    jo.include_dir = s->include_dir;
    jo.tcc_dir = HR_TCC_LIBDIR;
    if (s->source_fn != NULL &&
        s->source_fn(s->source_ud, path, &src) == 0) {
        jo.source = src.text;
        jo.source_len = src.len;
        jo.realpath = src.realpath;
        jo.dir = src.dir;
    }
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
    /* tier 2 in the background; "no compiler" is said once */
    hr_tier2_start(s->tier2, m);
    notice = hr_tier2_notice(s->tier2);
    if (notice != NULL && s->hooks.notice != NULL)
        s->hooks.notice(s->hooks.ud, notice);
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

int hr_module_path_matches(const char *path, const char *realpath,
                           const char *file, size_t n)
{
    const char *base = strrchr(path, '/');
    size_t blen;

    base = base != NULL ? base + 1 : path;
    blen = strlen(base);
    if ((strlen(path) == n && strncmp(path, file, n) == 0) ||
        (strlen(realpath) == n && strncmp(realpath, file, n) == 0) ||
        (blen == n && strncmp(base, file, n) == 0))
        return 1;
    return blen > 2 && strcmp(base + blen - 2, ".c") == 0 && blen - 2 == n &&
           strncmp(base, file, n) == 0;
}

/* Does the n bytes of file name m: its path as given, its canonical
 * path, or its base name with or without ".c"? */
static int module_matches(const struct hr_module *m, const char *file,
                          size_t n)
{
    return hr_module_path_matches(m->path, m->realpath, file, n);
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
    for (i = 0; found_m < 0 && i < s->nmods; i++) {
        const struct hr_nontask *o = NULL;

        if (flen > 0 && !module_matches(s->mods[i], spec, flen))
            continue;
        o = hr_jit_find_other(s->mods[i], name);
        if (o == NULL)
            continue;
        hr_err_set(err, "run: '%s' is not a task: it is %s (%s:%d); a task "
                   "is %s", name, o->decl, s->mods[i]->path, o->line,
                   HR_SIG_FORMS);
        return HR_EINVAL;
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

