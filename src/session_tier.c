/* session_tier.c - tier 2 behind the session API: settings, the log, the
 * background work a front end polls */
#include <stdio.h>
#include <string.h>

#include "session.h"

static const enum hr_tier2_mode to_engine[] = {
    HR_TIER2_AUTO, HR_TIER2_WAIT, HR_TIER2_OFF
};

/* Starts the tier-2 compiles that are due (after tier 2 was turned back
 * on or its math changed). */
static void restart(struct hr_session *s)
{
    int i;

    for (i = 0; i < s->nmods; i++)
        hr_tier2_start(s->tier2, s->mods[i]);
}

void hr_session_set_tier(struct hr_session *s, enum hr_tier_mode mode)
{
    int was_off = hr_tier2_mode(s->tier2) == HR_TIER2_OFF;

    if ((int)mode < 0 || mode > HR_TIER_OFF)
        return;
    hr_tier2_set_mode(s->tier2, to_engine[mode]);
    if (was_off && mode != HR_TIER_OFF)
        restart(s);
}

enum hr_tier_mode hr_session_tier(const struct hr_session *s)
{
    switch (hr_tier2_mode(s->tier2)) {
    case HR_TIER2_WAIT:
        return HR_TIER_WAIT;
    case HR_TIER2_OFF:
        return HR_TIER_OFF;
    default:
        return HR_TIER_AUTO;
    }
}

void hr_session_set_tier_fast(struct hr_session *s, int on)
{
    hr_tier2_set_fast(s->tier2, on != 0);
    restart(s);
}

int hr_session_tier_fast(const struct hr_session *s)
{
    return hr_tier2_fast(s->tier2);
}

const char *hr_session_tier_cc(const struct hr_session *s)
{
    return hr_tier2_cc(s->tier2);
}

const char *hr_session_tier_log(const struct hr_session *s)
{
    return hr_tier2_log(s->tier2);
}

int hr_session_poll_fd(const struct hr_session *s)
{
    return hr_tier2_jobs(s->tier2) > 0 ? hr_tier2_fd(s->tier2) : -1;
}

int hr_session_service(struct hr_session *s)
{
    return hr_tier2_poll(s->tier2);
}
