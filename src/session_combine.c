/* session_combine.c - the session over MPI ranks: shards, task text from
 * the front end, and combining per-rank results on rank 0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "api.h"
#include "guard.h"
#include "run.h"

int hr_session_set_shard(struct hr_session *s, int rank, int nranks,
                         int64_t halo)
{
    if (nranks < 1 || rank < 0 || rank >= nranks || halo < 0)
        return HR_EINVAL;
    s->shard.rank = rank;
    s->shard.nranks = nranks;
    s->shard.halo = halo;
    return 0;
}

void hr_session_set_gather(struct hr_session *s, const struct hr_gather *g)
{
    if (g != NULL)
        s->gather = *g;
    else
        memset(&s->gather, 0, sizeof s->gather);
}

void hr_session_set_source(struct hr_session *s,
                           int (*fn)(void *ud, const char *path,
                                     struct hr_source *out),
                           void *ud)
{
    s->source_fn = fn;
    s->source_ud = ud;
}

int64_t hr_array_owned(const struct hr_array *a)
{
    int64_t n;
    int k = a->split_axis;

    if (a->nranks > 1 && k < 0)
        return a->rank == 0 ? a->size : 0;     /* 0-d: rank 0 counts */
    if (k < 0 || k >= a->ndim || a->shape[k] == 0)
        return a->size;
    n = a->shape[k];
    return a->size / n * (n - a->halo_before - a->halo_after);
}

int hr_session_task_combine(const struct hr_session *s, int m, int t)
{
    const struct hr_task *task = NULL;

    if (m < 0 || m >= s->nmods || t < 0 || t >= s->mods[m]->ntasks)
        return 0;
    task = &s->mods[m]->tasks[t];
    if (task->combine_fn != NULL)
        return HR_COMBINE_OWN;
    return task->combine;
}

/* ---- folding ---- */

static double fold_kind(int kind, int n, const double *v, const double *w,
                        const int *use)
{
    double acc = NAN, wsum = 0;
    int first = 1;
    int r;

    for (r = 0; r < n; r++) {
        if (!use[r])
            continue;
        if (kind == HR_MEAN) {
            acc = first ? w[r] * v[r] : acc + w[r] * v[r];
            wsum += w[r];
        } else if (first || kind == HR_LAST) {
            acc = v[r];
        } else if (kind == HR_SUM) {
            acc += v[r];
        } else if (kind == HR_PROD) {
            acc *= v[r];
        } else if (kind == HR_MIN) {
            acc = isnan(acc) || isnan(v[r]) ? NAN : v[r] < acc ? v[r] : acc;
        } else if (kind == HR_MAX) {
            acc = isnan(acc) || isnan(v[r]) ? NAN : v[r] > acc ? v[r] : acc;
        }
        first = 0;
    }
    if (kind == HR_MEAN)
        return wsum > 0 ? acc / wsum : NAN;
    return acc;
}

/* The task's own fold runs as a guarded "task": this trampoline is what
 * the guard calls (one fold at a time: one thread drives a session). */
static struct {
    hr_combine_fn fn;
    int n;
    const double *v;
    const int *use;
} fold;

static double fold_own(const struct hr_array *unused)
{
    double acc = 0;
    int first = 1;
    int r;

    (void)unused;
    for (r = 0; r < fold.n; r++) {
        if (!fold.use[r])
            continue;
        acc = first ? fold.v[r] : fold.fn(acc, fold.v[r]);
        first = 0;
    }
    return acc;
}

int hr_session_combine(struct hr_session *s, int m, int t, int n,
                       const double *values, const double *weights,
                       double *out, struct hr_err *err)
{
    static const struct hr_array none;
    struct hr_run run = { 0 };
    struct hr_guard_opts go = { 0 };
    const struct hr_task *task = NULL;
    char name[512];
    int kind = hr_session_task_combine(s, m, t);
    int *use = NULL;
    int any = 0;
    int rc = 0;
    int r;

    *out = NAN;
    if (kind == 0) {
        hr_err_set(err, "run: '%s' does not say how its ranks' results "
                   "combine (HR_COMBINE(%s, HR_SUM) or %s__combine)",
                   hr_session_task_name(s, m, t),
                   hr_session_task_name(s, m, t),
                   hr_session_task_name(s, m, t));
        return HR_ENOENT;
    }
    if (kind != HR_COMBINE_OWN &&
        (kind < HR_SUM || kind >= HR_COMBINE_NKINDS)) {
        hr_err_set(err, "run: HR_COMBINE(%s, %d): not a kind hotrun.h "
                   "names (HR_SUM, HR_PROD, HR_MIN, HR_MAX, HR_MEAN, "
                   "HR_FIRST, HR_LAST)", hr_session_task_name(s, m, t), kind);
        return HR_EINVAL;
    }
    use = calloc((size_t)(n > 0 ? n : 1), sizeof *use);
    if (use == NULL)
        return HR_ENOMEM;
    for (r = 0; r < n; r++) {
        use[r] = weights == NULL || weights[r] > 0;
        any |= use[r];
    }
    for (r = 0; !any && r < n; r++)
        use[r] = 1;             /* an empty array: every rank counts */
    if (kind != HR_COMBINE_OWN) {
        *out = fold_kind(kind, n, values, weights, use);
        goto out;
    }
    task = &s->mods[m]->tasks[t];
    fold.fn = task->combine_fn;
    fold.n = n;
    fold.v = values;
    fold.use = use;
    snprintf(name, sizeof name, "%s__combine", task->name);
    run.task = name;
    go.timeout_s = s->timeout_s;
    go.isolate = s->isolate;
    go.locate = hr_session_locate;
    go.ud = s;
    rc = hr_guard_call(&run, fold_own, &none, &go, out, err);
out:
    free(use);
    return rc;
}
