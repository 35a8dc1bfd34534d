/* session_run.c - running a task of the session under the guard */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "api.h"
#include "guard.h"
#include "run.h"

/* ---- runs ---- */

static const struct hr_array *lookup(void *ud, const char *name)
{
    struct hr_session *s = ud;
    int i = hr_session_find_array(s, name);

    return i >= 0 ? &s->arrays[i].r->view : NULL;
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
    go.locate = locate;
    go.array_at = array_at;
    go.ud = s;
    t0 = hr_session_now_ms();
    rc = hr_guard_call(&run, task->fn, &arr->view, &go, &value, err);
    res->ms = hr_session_now_ms() - t0;
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
