/* session_run.c - running a task of the session under the guard */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "api.h"
#include "guard.h"
#include "invoke.h"
#include "run.h"
#include "sig.h"

/* ---- runs ---- */

static const struct hr_array *lookup(void *ud, const char *name)
{
    struct hr_session *s = ud;
    int i = hr_session_find_array(s, name);

    if (i < 0)
        return NULL;
    hr_runout_read(s->ro, i);     /* its bytes count in the run's GB/s */
    return &s->arrays[i].r->view;
}

/* The bytes of the arrays the run read: the default one when the task
 * takes it (current, else -1) and those it got by name (the arrays it
 * made are added after). */
static double bytes_read(const struct hr_session *s, int current)
{
    double b = 0;
    int i;

    for (i = 0; i < s->narrays; i++) {
        if (i == current || (i < HR_RUNOUT_READS && s->ro->read[i]))
            b += (double)s->arrays[i].r->view.nbytes;
    }
    return b;
}

/* The resident behind a view a task holds (hr_col_index()). */
static const struct hr_resident *resident(void *ud,
                                          const struct hr_array *view)
{
    const struct hr_session *s = ud;
    int i;

    for (i = 0; view != NULL && i < s->narrays; i++) {
        const struct hr_resident *r = s->arrays[i].r;

        if (&r->view == view || (r->view.data == view->data &&
                                 r->view.name == view->name))
            return r;
    }
    return NULL;
}

void hr_session_locate(void *ud, uintptr_t pc, char *buf, size_t len)
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
    struct hr_run run = { 0 };
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
    /* a file written under a mapped array: say so before the run */
    hr_session_check_arrays(s);
    /* tier 2: under `tier wait` wait for it (Ctrl-C at the prompt stops
     * waiting), then switch every module whose compile ended - between
     * runs, never during one */
    if (hr_tier2_mode(s->tier2) == HR_TIER2_WAIT) {
        int stop_fd = hr_guard_idle_sigint_peek();

        rc = hr_tier2_wait(s->tier2, s->mods[m], stop_fd, err);
        if (rc == HR_EINTR && stop_fd >= 0)
            hr_guard_idle_sigint_take();
        if (rc != 0)
            return rc;
    }
    hr_tier2_poll(s->tier2);
    res->tier = s->mods[m]->tier == 2 ? 2 : 1;
    res->tier_fast = s->mods[m]->tier == 2 && s->mods[m]->t2_fast;
    arr = s->arrays[s->current].r;
    run.task = task->name;
    run.argc = argc;
    run.argv = (char **)argv;
    run.lookup = lookup;
    run.resident = resident;
    run.progress = task_progress;
    run.ud = s;
    go.timeout_s = s->timeout_s;
    go.isolate = s->isolate;
    go.locate = hr_session_locate;
    go.array_at = array_at;
    go.ud = s;
    run.keep = hr_session_keep_fn;
    run.out = s->ro;
    if (hr_runout_begin(s->ro, s->isolate) != 0) {
        hr_err_set(err, "run: %s: no memory for what an isolated run "
                   "makes", task->name);
        return HR_ENOMEM;
    }
    hr_invoke_set(task);
    t0 = hr_session_now_ms();
    rc = hr_guard_call(&run, hr_invoke_task, &arr->view, &go, &value, err);
    res->ms = hr_session_now_ms() - t0;
    hr_invoke_set(NULL);
    task_progress(s, 0, 0);
    if (rc == 0) {
        struct hr_value v;

        hr_invoke_value(task->sig, value, &v);
        res->kind = v.kind == HR_VALUE_INT ? HR_RESULT_INT
                  : v.kind == HR_VALUE_UINT ? HR_RESULT_UINT
                  : v.kind == HR_VALUE_VOID ? HR_RESULT_VOID
                  : HR_RESULT_DOUBLE;
        res->value = v.f;
        res->ivalue = v.i;
        res->uvalue = v.u;
    }
    res->bytes = bytes_read(s, HR_SIG_TAKES_ARRAY(task->sig) ? s->current
                                                             : -1);
    res->unused_from = -1;
    if (rc == 0 && !s->ro->nargs_asked && s->ro->args_read < argc)
        res->unused_from = s->ro->args_read;
    hr_session_made_end(s, rc, task->name, &res->bytes);
    res->noutputs = s->noutputs;
    res->outputs = (const char *const *)s->outputs;
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

int hr_session_cancel(void)
{
    return hr_guard_cancel();
}
