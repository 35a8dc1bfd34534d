/* tiercmd.c - the `tier` command and the words for a module's tier */
#include "tiercmd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "tier2.h"

static const char *const mode_names[] = { "auto", "wait", "off" };

const char *hr_tier_word(const struct hr_module *m)
{
    if (m->tier != 2)
        return "";
    return m->t2_fast ? "optimised, fast math" : "optimised";
}

void hr_tier_describe(const struct hr_module *m, char *buf, size_t len)
{
    struct tm tm;
    char when[32], t[32];

    if (m->tier == 2) {
        localtime_r(&m->t2_ready_at.tv_sec, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        hr_cmd_format_ms(m->t2_ready_ms, t, sizeof t);
        snprintf(buf, len, "%s %s, %s after the reload", hr_tier_word(m),
                 when, t);
    } else {
        snprintf(buf, len, "tier 1%s", hr_tier2_pending(m)
                 ? ", optimising" : m->t2_failed
                 ? " (tier 2 failed: tier -v says why)" : "");
    }
}

static void show(const struct hr_ctx *ctx)
{
    const struct hr_tier2 *t = ctx->tier2;
    char d[128];
    int i;

    printf("tier %s, %s math, compiler %s\n", mode_names[hr_tier2_mode(t)],
           hr_tier2_fast(t) ? "fast" : "exact", hr_tier2_cc(t));
    for (i = 0; i < ctx->nmods; i++) {
        hr_tier_describe(ctx->mods[i], d, sizeof d);
        printf("  %s: %s\n", ctx->mods[i]->path, d);
    }
}

/* After tier 2 is turned back on or its math changed: compile what is
 * not yet as it should be. */
static void restart(struct hr_ctx *ctx)
{
    int i;

    for (i = 0; i < ctx->nmods; i++)
        hr_tier2_start(ctx->tier2, ctx->mods[i]);
}

int hr_tier_cmd(struct hr_ctx *ctx, int argc, char **argv)
{
    const char *a = argc > 1 ? argv[1] : NULL;
    const char *log = NULL;
    int i;

    hr_tier2_poll(ctx->tier2);
    if (a == NULL) {
        show(ctx);
        return HR_CMD_OK;
    }
    if (argc > 2) {
        hr_cmd_error(ctx, "usage: tier [auto|wait|off|fast|exact|-v]");
        return HR_CMD_ERR;
    }
    if (strcmp(a, "-v") == 0) {
        log = hr_tier2_log(ctx->tier2);
        fputs(*log != '\0' ? log : "(no tier-2 compile yet)\n", stdout);
        return HR_CMD_OK;
    }
    for (i = 0; i < 3; i++) {
        if (strcmp(a, mode_names[i]) == 0) {
            int was_off = hr_tier2_mode(ctx->tier2) == HR_TIER2_OFF;

            hr_tier2_set_mode(ctx->tier2, (enum hr_tier2_mode)i);
            if (was_off)
                restart(ctx);
            return HR_CMD_OK;
        }
    }
    if (strcmp(a, "fast") == 0 || strcmp(a, "exact") == 0) {
        hr_tier2_set_fast(ctx->tier2, a[0] == 'f');
        restart(ctx);
        return HR_CMD_OK;
    }
    hr_cmd_error(ctx, "tier: '%s' is not auto, wait, off, fast, exact or "
                 "-v", a);
    return HR_CMD_ERR;
}
