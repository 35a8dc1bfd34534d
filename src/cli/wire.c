/* wire.c - records and session state as JSON lines between the MPI job
 * and the front end (cJSON: a maintained Debian library rather than one
 * more hand-written parser; both sides are ours, so the format can be
 * rich while the user's --json stays as it was) */
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- small helpers ---- */

static void put_str(cJSON *o, const char *key, const char *s)
{
    if (s != NULL)
        cJSON_AddStringToObject(o, key, s);
}

/* A double exactly, NaN and infinities included (JSON numbers lack
 * them): "%.17g" text. */
static void put_exact(cJSON *o, const char *key, double v)
{
    char buf[40];

    snprintf(buf, sizeof buf, "%.17g", v);
    cJSON_AddStringToObject(o, key, buf);
}

/* The kind of a result and its exact integer, as text. */
static void put_kind(cJSON *o, int kind, int64_t i, uint64_t u)
{
    char buf[32];

    cJSON_AddNumberToObject(o, "rkind", kind);
    if (kind == HR_RESULT_INT)
        snprintf(buf, sizeof buf, "%lld", (long long)i);
    else
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
    cJSON_AddStringToObject(o, "rint", buf);
}

static const char *get_str(const cJSON *o, const char *key);

static void get_kind(const cJSON *o, int *kind, int64_t *i, uint64_t *u)
{
    const char *s = get_str(o, "rint");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "rkind");

    *kind = cJSON_IsNumber(k) ? (int)k->valuedouble : HR_RESULT_DOUBLE;
    *i = s != NULL ? strtoll(s, NULL, 10) : 0;
    *u = s != NULL ? strtoull(s, NULL, 10) : 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static char *dup_str(const cJSON *o, const char *key)
{
    const char *s = get_str(o, key);

    return s != NULL ? strdup(s) : NULL;
}

static double get_num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(i) ? i->valuedouble : dflt;
}

static double get_exact(const cJSON *o, const char *key)
{
    const char *s = get_str(o, key);

    return s != NULL ? strtod(s, NULL) : NAN;
}

static int get_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static char *print_free(cJSON *o)
{
    char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

    cJSON_Delete(o);
    return s;
}

/* ---- records ---- */

char *hr_wire_record(const struct hr_record *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *parts = NULL;
    int targ0 = 0;
    int i;

    if (o == NULL)
        return NULL;
    if (r->targv != NULL && r->argv != NULL && r->targv >= r->argv &&
        r->targv <= r->argv + r->argc)
        targ0 = (int)(r->targv - r->argv);
    cJSON_AddNumberToObject(o, "kind", r->kind);
    cJSON_AddBoolToObject(o, "ok", r->ok);
    cJSON_AddBoolToObject(o, "input_error", r->input_error);
    put_str(o, "file", r->file);
    put_str(o, "function", r->function);
    cJSON_AddNumberToObject(o, "targ0", targ0);
    cJSON_AddNumberToObject(o, "targc", targ0 > 0 ? r->targc : 0);
    cJSON_AddBoolToObject(o, "has_result", r->has_result);
    put_exact(o, "result", r->result);
    put_kind(o, r->result_kind, r->iresult, r->uresult);
    cJSON_AddBoolToObject(o, "show_file", r->show_file);
    cJSON_AddNumberToObject(o, "compile_ms", r->compile_ms);
    cJSON_AddNumberToObject(o, "run_ms", r->run_ms);
    put_str(o, "timing", r->timing);
    cJSON_AddNumberToObject(o, "bytes", r->bytes);
    cJSON_AddNumberToObject(o, "weight", r->weight);
    put_str(o, "error", r->error);
    put_str(o, "note", r->note);
    put_str(o, "warnings", r->warnings);
    put_str(o, "output", r->text.s);
    if (r->nranks > 0)
        parts = cJSON_AddArrayToObject(o, "parts");
    for (i = 0; parts != NULL && i < r->nranks; i++) {
        cJSON *p = cJSON_CreateObject();

        if (p == NULL)
            break;
        cJSON_AddBoolToObject(p, "ok", r->parts[i].ok);
        cJSON_AddBoolToObject(p, "has_result", r->parts[i].has_result);
        put_exact(p, "result", r->parts[i].result);
        put_kind(p, r->parts[i].result_kind, r->parts[i].iresult,
                 r->parts[i].uresult);
        cJSON_AddNumberToObject(p, "run_ms", r->parts[i].run_ms);
        put_str(p, "error", r->parts[i].error);
        cJSON_AddItemToArray(parts, p);
    }
    return print_free(o);
}

int hr_wire_parse_record(const char *text, struct hr_record *r)
{
    cJSON *o = cJSON_Parse(text);
    const cJSON *parts = NULL;
    const char *out = NULL;
    int targ0, targc, n, i;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return HR_EFORMAT;
    }
    r->kind = (enum hr_rec_kind)get_num(o, "kind", HR_REC_PLAIN);
    r->ok = get_bool(o, "ok");
    r->input_error = get_bool(o, "input_error");
    r->file = dup_str(o, "file");
    r->function = dup_str(o, "function");
    targ0 = (int)get_num(o, "targ0", 0);
    targc = (int)get_num(o, "targc", 0);
    if (targ0 > 0 && r->argv != NULL && targc >= 0 &&
        targ0 + targc <= r->argc) {
        r->targv = r->argv + targ0;
        r->targc = targc;
    }
    r->has_result = get_bool(o, "has_result");
    r->result = get_exact(o, "result");
    get_kind(o, &r->result_kind, &r->iresult, &r->uresult);
    r->show_file = get_bool(o, "show_file");
    r->compile_ms = get_num(o, "compile_ms", -1);
    r->run_ms = get_num(o, "run_ms", -1);
    r->timing = dup_str(o, "timing");
    r->bytes = get_num(o, "bytes", 0);
    r->weight = get_num(o, "weight", 0);
    r->error = dup_str(o, "error");
    r->note = dup_str(o, "note");
    r->warnings = dup_str(o, "warnings");
    out = get_str(o, "output");
    if (out != NULL)
        hr_text_add(&r->text, out, strlen(out));
    parts = cJSON_GetObjectItemCaseSensitive(o, "parts");
    n = cJSON_IsArray(parts) ? cJSON_GetArraySize(parts) : 0;
    if (n > 0)
        r->parts = calloc((size_t)n, sizeof *r->parts);
    for (i = 0; r->parts != NULL && i < n; i++) {
        const cJSON *p = cJSON_GetArrayItem(parts, i);

        r->parts[i].ok = get_bool(p, "ok");
        r->parts[i].has_result = get_bool(p, "has_result");
        r->parts[i].result = get_exact(p, "result");
        get_kind(p, &r->parts[i].result_kind, &r->parts[i].iresult,
                 &r->parts[i].uresult);
        r->parts[i].run_ms = get_num(p, "run_ms", -1);
        r->parts[i].error = dup_str(p, "error");
        r->nranks = i + 1;
    }
    cJSON_Delete(o);
    return 0;
}

/* ---- state ---- */

static cJSON *array_json(const struct hr_array_info *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *shape = NULL;
    int k;

    if (o == NULL)
        return NULL;
    put_str(o, "name", a->name);
    put_str(o, "path", a->path);
    put_str(o, "how", a->how);
    cJSON_AddNumberToObject(o, "dtype", a->view->dtype);
    cJSON_AddNumberToObject(o, "flags", a->view->flags);
    cJSON_AddNumberToObject(o, "itemsize", (double)a->view->itemsize);
    cJSON_AddBoolToObject(o, "default", a->is_default);
    cJSON_AddNumberToObject(o, "load_ms", a->load_ms);
    shape = cJSON_AddArrayToObject(o, "shape");
    for (k = 0; shape != NULL && k < a->view->ndim; k++)
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(
            (double)a->view->global_shape[k]));
    return o;
}

static cJSON *module_json(const struct hr_session *s, int m)
{
    struct hr_module_info info;
    cJSON *o = cJSON_CreateObject();
    cJSON *tasks = NULL;
    char hash[20];
    int t;

    if (o == NULL || hr_session_module_info(s, m, &info) != 0)
        return o;
    put_str(o, "path", info.path);
    put_str(o, "realpath", info.realpath);
    put_str(o, "warnings", info.warnings);
    cJSON_AddNumberToObject(o, "compile_ms", info.compile_ms);
    cJSON_AddNumberToObject(o, "at_s", (double)info.compiled_at.tv_sec);
    cJSON_AddNumberToObject(o, "at_ns", (double)info.compiled_at.tv_nsec);
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)info.hash);
    put_str(o, "hash", hash);
    cJSON_AddBoolToObject(o, "uses_libc", info.uses_libc);
    tasks = cJSON_AddArrayToObject(o, "tasks");
    for (t = 0; tasks != NULL && t < info.ntasks; t++)
        cJSON_AddItemToArray(tasks, cJSON_CreateString(
            hr_session_task_name(s, m, t)));
    return o;
}

char *hr_wire_state(const struct hr_session *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arrays = NULL, *mods = NULL;
    int i;

    if (o == NULL)
        return NULL;
    arrays = cJSON_AddArrayToObject(o, "arrays");
    for (i = 0; arrays != NULL && i < hr_session_narrays(s); i++) {
        struct hr_array_info a;

        if (hr_session_array_info(s, i, &a) == 0)
            cJSON_AddItemToArray(arrays, array_json(&a));
    }
    mods = cJSON_AddArrayToObject(o, "modules");
    for (i = 0; mods != NULL && i < hr_session_nmodules(s); i++)
        cJSON_AddItemToArray(mods, module_json(s, i));
    return print_free(o);
}

void hr_wire_state_free(struct hr_wire_state *st)
{
    int i, t;

    for (i = 0; i < st->narrays; i++) {
        free(st->arrays[i].name);
        free(st->arrays[i].path);
        free(st->arrays[i].how);
    }
    for (i = 0; i < st->nmods; i++) {
        free(st->mods[i].path);
        free(st->mods[i].realpath);
        free(st->mods[i].warnings);
        for (t = 0; t < st->mods[i].ntasks; t++)
            free(st->mods[i].tasks[t]);
        free(st->mods[i].tasks);
    }
    free(st->arrays);
    free(st->mods);
    memset(st, 0, sizeof *st);
}

static void parse_array(const cJSON *o, struct hr_wire_array *a)
{
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(o, "shape");
    struct hr_array *v = &a->view;
    int64_t sd;
    int k;

    a->name = dup_str(o, "name");
    a->path = dup_str(o, "path");
    a->how = dup_str(o, "how");
    a->is_default = get_bool(o, "default");
    a->load_ms = get_num(o, "load_ms", 0);
    v->dtype = (int)get_num(o, "dtype", 0);
    v->flags = (int)get_num(o, "flags", 0);
    v->ndim = cJSON_IsArray(shape) ? cJSON_GetArraySize(shape) : 0;
    if (v->ndim > HR_MAX_NDIM)
        v->ndim = HR_MAX_NDIM;
    v->itemsize = (int64_t)get_num(o, "itemsize", 1);
    v->size = 1;
    for (k = 0; k < v->ndim; k++) {
        v->shape[k] = (int64_t)cJSON_GetArrayItem(shape, k)->valuedouble;
        v->global_shape[k] = v->shape[k];
        v->size *= v->shape[k];
    }
    sd = v->itemsize;
    for (k = v->ndim - 1; k >= 0; k--) {
        v->strides[k] = sd;
        sd *= v->shape[k] > 0 ? v->shape[k] : 1;
    }
    v->nbytes = v->size * v->itemsize;
    v->name = a->name;
    v->nranks = 1;
    v->split_axis = -1;
}

static void parse_module(const cJSON *o, struct hr_wire_module *m)
{
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
    const char *hash = get_str(o, "hash");
    int n = cJSON_IsArray(tasks) ? cJSON_GetArraySize(tasks) : 0;
    int t;

    m->path = dup_str(o, "path");
    m->realpath = dup_str(o, "realpath");
    m->warnings = dup_str(o, "warnings");
    m->compile_ms = get_num(o, "compile_ms", 0);
    m->compiled_at.tv_sec = (time_t)get_num(o, "at_s", 0);
    m->compiled_at.tv_nsec = (long)get_num(o, "at_ns", 0);
    m->hash = hash != NULL ? strtoull(hash, NULL, 16) : 0;
    m->uses_libc = get_bool(o, "uses_libc");
    m->tasks = calloc((size_t)(n > 0 ? n : 1), sizeof *m->tasks);
    for (t = 0; m->tasks != NULL && t < n; t++) {
        const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(tasks,
                                                                   t));

        m->tasks[t] = strdup(name != NULL ? name : "?");
        m->ntasks = t + 1;
    }
}

int hr_wire_parse_state(const char *text, struct hr_wire_state *st)
{
    cJSON *o = cJSON_Parse(text);
    const cJSON *arrays = NULL, *mods = NULL;
    int i;

    hr_wire_state_free(st);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return HR_EFORMAT;
    }
    arrays = cJSON_GetObjectItemCaseSensitive(o, "arrays");
    mods = cJSON_GetObjectItemCaseSensitive(o, "modules");
    st->narrays = cJSON_IsArray(arrays) ? cJSON_GetArraySize(arrays) : 0;
    st->nmods = cJSON_IsArray(mods) ? cJSON_GetArraySize(mods) : 0;
    st->arrays = calloc((size_t)st->narrays + 1, sizeof *st->arrays);
    st->mods = calloc((size_t)st->nmods + 1, sizeof *st->mods);
    if (st->arrays == NULL || st->mods == NULL) {
        cJSON_Delete(o);
        hr_wire_state_free(st);
        return HR_ENOMEM;
    }
    for (i = 0; i < st->narrays; i++)
        parse_array(cJSON_GetArrayItem(arrays, i), &st->arrays[i]);
    for (i = 0; i < st->nmods; i++)
        parse_module(cJSON_GetArrayItem(mods, i), &st->mods[i]);
    cJSON_Delete(o);
    return 0;
}
