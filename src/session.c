/* session.c - the engine's session: opening, closing, settings */
#include "libhotrun.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "api.h"
#include "guard.h"
#include "pool.h"

double hr_session_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void hr_session_notice(struct hr_session *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (s->hooks.notice == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->hooks.notice(s->hooks.ud, buf);
}

/* Tier 2 as the environment says: HOTRUN_CC names the compiler,
 * HOTRUN_TIER=wait|off|auto the mode.  Returns 0 or HR_ENOMEM. */
static int tier2_open(struct hr_session *s)
{
    struct hr_tier2_opts to = { 0 };
    const char *tier = getenv("HOTRUN_TIER");

    to.cc = getenv("HOTRUN_CC");
    to.syms = hr_api_symbols(&to.nsyms);
    to.mode = tier != NULL && strcmp(tier, "wait") == 0 ? HR_TIER2_WAIT
            : tier != NULL && strcmp(tier, "off") == 0 ? HR_TIER2_OFF
            : HR_TIER2_AUTO;
    return hr_tier2_new(&to, &s->tier2);
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
    s->ro = hr_runout_new();
    if (s->ro == NULL || tier2_open(s) != 0) {
        hr_runout_free(s->ro);
        free(s);
        return HR_ENOMEM;
    }
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
    for (i = 0; i < s->narrays; i++) {
        hr_array_free(s->arrays[i].r);
        free(s->arrays[i].made_by);
    }
    for (i = 0; i < s->nmods; i++)
        hr_jit_free(s->mods[i]);
    hr_tier2_free(s->tier2);        /* after the modules: it kills their
                                       compiles still running */
    for (i = 0; i < s->noutputs; i++)
        free(s->outputs[i]);
    free(s->outputs);
    hr_session_keeps_free(s);
    hr_runout_free(s->ro);
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

