/* report.c - the reporter: records rendered as text or JSON lines */
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "out.h"

/* Does msg start with "FILE:LINE:" (a location of its own)? */
static int has_location(const char *msg)
{
    const char *p = msg;

    while (*p != '\0' && *p != ':' && *p != ' ' && *p != '\n')
        p++;
    if (*p != ':' || p == msg || !isdigit((unsigned char)p[1]))
        return 0;
    p++;
    while (isdigit((unsigned char)*p))
        p++;
    return *p == ':';
}

static void report_error(const struct hr_cli *cli, const struct hr_record *r)
{
    const struct hr_where *w = r->where;
    const char *msg = r->error != NULL ? r->error : "failed";

    if (w != NULL && w->source != NULL && w->line > 0 &&
        !has_location(msg))
        hr_out_error(cli->color, "%s:%d: %s", w->source, w->line, msg);
    else
        hr_out_error(cli->color, "%s", msg);
}

/* A run over MPI ranks whose task says nothing of combining: each rank's
 * value, in rank order, and no combined number. */
static void report_parts(const struct hr_cli *cli, const char *prefix,
                         const struct hr_record *r)
{
    struct hr_text t = HR_TEXT_INIT;
    char v[64];
    int i;

    hr_text_printf(&t, "[");
    for (i = 0; i < r->nranks; i++) {
        const struct hr_part *p = &r->parts[i];

        if (p->result_kind == HR_RESULT_INT)
            snprintf(v, sizeof v, "%lld", (long long)p->iresult);
        else if (p->result_kind == HR_RESULT_UINT)
            snprintf(v, sizeof v, "%llu", (unsigned long long)p->uresult);
        else
            hr_out_format_value(p->result, v, sizeof v);
        hr_text_printf(&t, "%s%s", i > 0 ? ", " : "", v);
    }
    hr_text_printf(&t, "] by rank, not combined (the task has no "
                   "HR_COMBINE)");
    hr_out_result_text(cli->color, prefix, r->function,
                       t.s != NULL ? t.s : "[]",
                       r->timing != NULL ? r->timing : "");
    hr_text_free(&t);
}

void hr_report(const struct hr_cli *cli, const struct hr_record *r)
{
    hr_out_warnings(cli->color, r->warnings);
    if (cli->json) {
        hr_out_fresh_line();
        hr_record_json(r, hr_out_json());
        return;
    }
    if (r->note != NULL)
        hr_out_note(cli->color, "%s", r->note);
    if (r->text.len > 0) {
        hr_out_fresh_line();
        fputs(r->text.s, stdout);
        fflush(stdout);
    }
    if (!r->ok) {
        report_error(cli, r);
        return;
    }
    if (r->kind == HR_REC_RUN && (r->has_result || r->nranks > 0)) {
        char prefix[4096];

        prefix[0] = '\0';
        if (r->show_file && r->file != NULL)
            snprintf(prefix, sizeof prefix, "%s: ", r->file);
        if (r->has_result && r->result_kind == HR_RESULT_VOID)
            hr_out_done(cli->color, prefix, r->function,
                        r->timing != NULL ? r->timing : "");
        else if (r->has_result) {
            char v[64];

            hr_record_result_text(r, v, sizeof v);
            hr_out_result_text(cli->color, prefix, r->function, v,
                               r->timing != NULL ? r->timing : "");
        } else
            report_parts(cli, prefix, r);
    }
}

void hr_report_notice(const struct hr_cli *cli, const char *text)
{
    if (cli->json) {
        hr_out_fresh_line();
        fprintf(stderr, "%s\n", text);
        fflush(stderr);
        return;
    }
    hr_out_note(cli->color, "%s", text);
}
