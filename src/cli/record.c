/* record.c - what one command did: the record, its text, its JSON form */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libhotrun.h"
#include "out.h"

/* ---- the record ---- */

void hr_record_init(struct hr_record *r, const struct hr_where *where,
                    int argc, char **argv)
{
    memset(r, 0, sizeof *r);
    r->where = where;
    r->argc = argc;
    r->argv = argv;
    r->command = NULL;
    r->ok = 1;
    r->compile_ms = -1;
    r->run_ms = -1;
}

void hr_record_fini(struct hr_record *r)
{
    const struct hr_where *where = r->where;
    const char *command = r->command;
    int argc = r->argc;
    char **argv = r->argv;
    int quiet = r->quiet;
    int i;

    for (i = 0; i < r->noutputs; i++)
        free(r->outputs[i]);
    free(r->outputs);
    free(r->file);
    free(r->function);
    free(r->timing);
    free(r->error);
    free(r->note);
    free(r->warnings);
    hr_record_parts_free(r);
    hr_text_free(&r->text);
    hr_record_init(r, where, argc, argv);
    r->command = command;
    r->quiet = quiet;
}

void hr_record_parts_free(struct hr_record *r)
{
    int i;

    for (i = 0; i < r->nranks; i++)
        free(r->parts[i].error);
    free(r->parts);
    r->parts = NULL;
    r->nranks = 0;
}

void hr_record_set(char **field, const char *s)
{
    char *c = s != NULL ? strdup(s) : NULL;

    free(*field);
    *field = c;
}

static void set_vf(char **field, const char *fmt, va_list ap)
{
    char *s = NULL;

    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    free(*field);
    *field = s;
}

void hr_record_error(struct hr_record *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_vf(&r->error, fmt, ap);
    va_end(ap);
    r->ok = 0;
}

void hr_record_input_error(struct hr_record *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_vf(&r->error, fmt, ap);
    va_end(ap);
    r->ok = 0;
    r->input_error = 1;
}

void hr_record_note(struct hr_record *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_vf(&r->note, fmt, ap);
    va_end(ap);
}

void hr_record_result_text(const struct hr_record *r, char *buf,
                           size_t len)
{
    switch (r->result_kind) {
    case HR_RESULT_INT:
        snprintf(buf, len, "%lld", (long long)r->iresult);
        break;
    case HR_RESULT_UINT:
        snprintf(buf, len, "%llu", (unsigned long long)r->uresult);
        break;
    case HR_RESULT_VOID:
        snprintf(buf, len, "done");
        break;
    default:
        hr_out_format_value(r->result, buf, len);
    }
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    uint32_t cp;
    size_t len, i;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    if (s == NULL) {
        fputs("null", f);
        return;
    }
    n = strlen(s);
    fputc('"', f);
    while (n > 0) {
        size_t k = utf8_len(p, n);

        if (k == 0) {
            fprintf(f, "\\u%04x", *p);
            k = 1;
        } else if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p == '\t') {
            fputs("\\t", f);
        } else if (*p == '\r') {
            fputs("\\r", f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fwrite(p, 1, k, f);
        }
        p += k;
        n -= k;
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v, int present)
{
    char buf[64];

    if (!present || v != v || v - v != 0) {
        fputs("null", f);
        return;
    }
    hr_out_format_value(v, buf, sizeof buf);
    fputs(buf, f);
}

void hr_record_json(const struct hr_record *r, FILE *f)
{
    const struct hr_where *w = r->where;
    int argc = r->kind == HR_REC_RUN ? r->targc : r->argc - 1;
    char **argv = r->kind == HR_REC_RUN ? r->targv : NULL;
    int i;

    /* a line that did not split has no words at all */
    if (r->kind != HR_REC_RUN && r->argv != NULL)
        argv = r->argv + 1;

    fputs("{\"source\": ", f);
    json_str(f, w != NULL ? w->source : NULL);
    fputs(", \"line\": ", f);
    if (w != NULL && w->line > 0)
        fprintf(f, "%d", w->line);
    else
        fputs("null", f);
    fputs(", \"command\": ", f);
    json_str(f, r->command);
    fputs(", \"file\": ", f);
    json_str(f, r->file);
    fputs(", \"function\": ", f);
    json_str(f, r->function);
    fputs(", \"args\": [", f);
    for (i = 0; argv != NULL && i < argc; i++) {
        if (i > 0)
            fputs(", ", f);
        json_str(f, argv[i]);
    }
    fprintf(f, "], \"ok\": %s, \"result\": ", r->ok ? "true" : "false");
    if (r->ok && r->has_result && r->result_kind == HR_RESULT_INT)
        fprintf(f, "%lld", (long long)r->iresult);
    else if (r->ok && r->has_result && r->result_kind == HR_RESULT_UINT)
        fprintf(f, "%llu", (unsigned long long)r->uresult);
    else
        json_num(f, r->result, r->ok && r->has_result &&
                               r->result_kind != HR_RESULT_VOID);
    fputs(", \"outputs\": [", f);
    for (i = 0; r->ok && i < r->noutputs; i++) {
        if (i > 0)
            fputs(", ", f);
        json_str(f, r->outputs[i]);
    }
    fputs("]", f);
    fputs(", \"bytes\": ", f);
    json_num(f, r->bytes, r->ok && r->kind == HR_REC_RUN && r->has_result);
    fputs(", \"tier\": ", f);
    if (r->kind == HR_REC_RUN && r->tier > 0)
        fprintf(f, "%d", r->tier);
    else
        fputs("null", f);
    fputs(", \"compile_ms\": ", f);
    json_num(f, r->compile_ms, r->compile_ms >= 0);
    fputs(", \"run_ms\": ", f);
    json_num(f, r->run_ms, r->run_ms >= 0);
    fputs(", \"error\": ", f);
    json_str(f, r->ok ? NULL : r->error);
    if (r->text.len > 0) {
        fputs(", \"output\": ", f);
        json_str(f, r->text.s);
    }
    if (r->nranks > 0) {
        fputs(", \"ranks\": [", f);
        for (i = 0; i < r->nranks; i++) {
            const struct hr_part *p = &r->parts[i];

            fprintf(f, "%s{\"rank\": %d, \"ok\": %s, \"result\": ",
                    i > 0 ? ", " : "", i, p->ok ? "true" : "false");
            if (p->ok && p->has_result && p->result_kind == HR_RESULT_INT)
                fprintf(f, "%lld", (long long)p->iresult);
            else if (p->ok && p->has_result &&
                     p->result_kind == HR_RESULT_UINT)
                fprintf(f, "%llu", (unsigned long long)p->uresult);
            else
                json_num(f, p->result, p->ok && p->has_result &&
                                       p->result_kind != HR_RESULT_VOID);
            fputs(", \"run_ms\": ", f);
            json_num(f, p->run_ms, p->run_ms >= 0);
            fputs(", \"error\": ", f);
            json_str(f, p->ok ? NULL : p->error);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputs("}\n", f);
    fflush(f);
}
