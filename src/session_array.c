/* session_array.c - the session's resident arrays */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "guard.h"

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
    out->note = r->note;
    out->view = &r->view;
    out->is_default = i == s->current;
    out->load_ms = s->arrays[i].load_ms;
    out->made_by = s->arrays[i].made_by;
    out->made_at = s->arrays[i].made_at;
    out->format = r->format != NULL ? r->format : "npy";
    out->origin = r->origin;
    out->ncolumns = r->ncolumns;
    out->columns = (const char *const *)r->columns;
    out->nattrs = r->nattrs;
    out->attrs = (const char *const *)r->attrs;
    return 0;
}

static void load_progress(void *ud, int64_t done, int64_t total)
{
    struct hr_session *s = ud;

    if (s->hooks.progress != NULL)
        s->hooks.progress(s->hooks.ud, s->progress_label, done, total);
}

int hr_session_keep_array(struct hr_session *s, struct hr_resident *r,
                          double ms)
{
    int i = hr_session_find_array(s, r->name);

    if (i >= 0) {
        hr_array_free(s->arrays[i].r);
        free(s->arrays[i].made_by);
    } else {
        i = s->narrays++;
        if (s->current < 0)
            s->current = i;
    }
    s->arrays[i].r = r;
    s->arrays[i].told = 0;
    s->arrays[i].load_ms = ms;
    s->arrays[i].made_by = NULL;
    s->arrays[i].unsettled = 0;
    memset(&s->arrays[i].made_at, 0, sizeof s->arrays[i].made_at);
    return i;
}

int hr_load_args_delimiter(struct hr_load_args *args, const char *s)
{
    return hr_csv_parse_delimiter(s, &args->delimiter) != 0 ? HR_EINVAL : 0;
}

int hr_session_reserve(struct hr_session *s, int n)
{
    struct slot *grown = realloc(s->arrays, (size_t)(s->narrays + n) *
                                 sizeof *grown);

    if (grown == NULL)
        return HR_ENOMEM;
    s->arrays = grown;
    return 0;
}

int hr_session_load(struct hr_session *s, const char *spec,
                    const struct hr_load_args *args, int **indexes, int *n,
                    struct hr_err *err)
{
    struct hr_load_opts lo = { 0 };
    struct hr_raw_spec raw = { 0 };
    struct hr_csv_opts csv = { 0, -1, 0 };
    struct hr_array_list l = { NULL, 0 };
    const char *eq = strchr(spec, '=');
    const char *path = spec;
    char *name = NULL;
    int *idx = NULL;
    double t0 = hr_session_now_ms();
    double ms;
    int rc;
    int i;

    if (indexes != NULL)
        *indexes = NULL;
    if (n != NULL)
        *n = 0;
    if (eq != NULL && hr_name_valid(spec, (size_t)(eq - spec))) {
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
    if (args != NULL) {
        csv.delimiter = args->delimiter;
        csv.dtype = args->csv_dtype_set ? args->csv_dtype : -1;
        csv.lenient = args->lenient;
    }
    lo.csv = &csv;
    lo.mode = s->load;
    lo.shard = s->shard.nranks > 1 ? &s->shard : NULL;
    lo.progress = load_progress;
    lo.progress_ud = s;
    s->progress_label = path;
    rc = hr_array_load_all(path, name, &lo, &l, err);
    load_progress(s, 0, 0);
    s->progress_label = NULL;
    free(name);
    if (rc != 0)
        return rc;
    ms = hr_session_now_ms() - t0;
    idx = calloc((size_t)l.n, sizeof *idx);
    if (idx == NULL || hr_session_reserve(s, l.n) != 0) {
        free(idx);
        hr_array_list_free(&l);
        hr_err_set(err, "%s: out of memory", path);
        return HR_ENOMEM;
    }
    for (i = 0; i < l.n; i++) {
        /* "mapped, not copied: ...", "copied on 4 KiB pages ..." */
        if (l.items[i]->note[0] != '\0')
            hr_session_notice(s, "note: %s", l.items[i]->note);
        idx[i] = hr_session_keep_array(s, l.items[i], ms);
        l.items[i] = NULL;          /* taken */
    }
    hr_array_list_free(&l);
    if (n != NULL)
        *n = i;
    if (indexes != NULL)
        *indexes = idx;
    else
        free(idx);
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

struct checksum_job {
    const struct hr_resident *r;
    uint64_t sum;
};

static void checksum_job(void *arg)
{
    struct checksum_job *j = arg;

    j->sum = hr_hash(j->r->view.data, j->r->view.data != NULL ?
                     (size_t)j->r->view.nbytes : 0);
}

int hr_session_checksum(struct hr_session *s, const char *name,
                        uint64_t *sum, struct hr_err *err)
{
    int i = hr_session_find_array(s, name);
    const struct hr_resident *r = NULL;
    struct checksum_job job = { NULL, 0 };
    int rc;

    if (i < 0) {
        if (name != NULL)
            hr_err_set(err, "checksum: no array named '%s' (see 'arrays')",
                       name);
        else
            hr_err_set(err, "checksum: no array is loaded");
        return HR_ENOENT;
    }
    r = s->arrays[i].r;
    rc = hr_session_readable(r, "checksum", err);
    if (rc != 0)
        return rc;
    /* guarded all the same: the file may shrink while it is read */
    job.r = r;
    rc = hr_guard_host("checksum", checksum_job, &job, err);
    *sum = job.sum;
    return rc;
}

int hr_session_readable(const struct hr_resident *r, const char *what,
                        struct hr_err *err)
{
    if (!hr_array_truncated(r))
        return 0;
    hr_err_set(err, "%s: %s: %s shrank since it was loaded and the array "
               "is mapped from it: its data past the new end is gone; load "
               "it again", what, r->name, r->path);
    return HR_EIO;
}

int hr_session_check_arrays(struct hr_session *s)
{
    char why[1024];
    uint64_t h;
    int changed = 0;
    int i;
    int c;

    for (i = 0; i < s->narrays; i++) {
        c = hr_array_changed(s->arrays[i].r, why, sizeof why);
        if (c == HR_ARRAY_CHANGED)
            changed++;
        /* each new state of the file is told once */
        h = c == HR_ARRAY_SAME ? 0 : hr_hash(why, strlen(why)) | 1;
        if (h == s->arrays[i].told)
            continue;
        s->arrays[i].told = h;
        if (c == HR_ARRAY_CHANGED)
            hr_session_notice(s, "warning: %s", why);
        else if (c == HR_ARRAY_STALE)
            hr_session_notice(s, "note: %s", why);
    }
    return changed;
}

