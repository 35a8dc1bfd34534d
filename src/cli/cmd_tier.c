/* cmd_tier.c - the `tier` command and the words for a module's tier */
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "out.h"

static const char *const mode_names[] = { "auto", "wait", "off" };

const char *hr_cmd_tier_word(int tier, int fast)
{
    if (tier != 2)
        return "";
    return fast ? "optimised, fast math" : "optimised";
}

void hr_cmd_tier_describe(const struct hr_module_info *m, char *buf,
                          size_t len)
{
    struct tm tm;
    char when[32], t[32];

    if (m->tier == 2) {
        localtime_r(&m->tier_ready_at.tv_sec, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        hr_out_format_ms(m->tier_ready_ms, t, sizeof t);
        snprintf(buf, len, "%s %s, %s after the reload",
                 hr_cmd_tier_word(m->tier, m->tier_fast), when, t);
    } else {
        snprintf(buf, len, "tier 1%s", m->tier_pending ? ", optimising"
                 : m->tier_failed ? " (tier 2 failed: tier -v says why)"
                 : "");
    }
}

static void show(const struct hr_cli *cli, struct hr_record *rec)
{
    int n = hr_session_nmodules(cli->s);
    char d[160];
    int i;

    hr_text_printf(&rec->text, "tier %s, %s math, compiler %s\n",
                   mode_names[hr_session_tier(cli->s)],
                   hr_session_tier_fast(cli->s) ? "fast" : "exact",
                   hr_session_tier_cc(cli->s));
    for (i = 0; i < n; i++) {
        struct hr_module_info m;

        hr_session_module_info(cli->s, i, &m);
        hr_cmd_tier_describe(&m, d, sizeof d);
        hr_text_printf(&rec->text, "  %s: %s\n", m.path, d);
    }
}

int hr_cmd_tier(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    const char *a = argc > 1 ? argv[1] : NULL;
    const char *log = NULL;
    int i;

    hr_session_service(cli->s);
    if (a == NULL) {
        show(cli, rec);
        return HR_CMD_OK;
    }
    if (argc > 2) {
        hr_record_input_error(rec, "usage: tier [auto|wait|off|fast|exact|"
                              "-v]");
        return HR_CMD_ERR;
    }
    if (strcmp(a, "-v") == 0) {
        log = hr_session_tier_log(cli->s);
        hr_text_puts(&rec->text, *log != '\0' ? log
                                              : "(no tier-2 compile yet)\n");
        return HR_CMD_OK;
    }
    for (i = 0; i < 3; i++) {
        if (strcmp(a, mode_names[i]) == 0) {
            hr_session_set_tier(cli->s, (enum hr_tier_mode)i);
            return HR_CMD_OK;
        }
    }
    if (strcmp(a, "fast") == 0 || strcmp(a, "exact") == 0) {
        hr_session_set_tier_fast(cli->s, a[0] == 'f');
        return HR_CMD_OK;
    }
    hr_record_input_error(rec, "tier: '%s' is not auto, wait, off, fast, "
                          "exact or -v", a);
    return HR_CMD_ERR;
}
