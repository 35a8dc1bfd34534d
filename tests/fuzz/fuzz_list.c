/* fuzz_list.c - libFuzzer target: batch-list lines into JSON records
 *
 * Each line of the input is split as a batch list line is, and the record
 * the executor would make of it (a run of `do FILE [TASK [ARGS...]]`, or
 * the error of a line that does not split) is written as JSON.  Whatever
 * the bytes (not UTF-8, NUL, control characters, quotes), every record
 * must be one line of valid JSON text in valid UTF-8, checked here by a
 * strict validator.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "words.h"

/* ---- a strict JSON validator (RFC 8259), UTF-8 checked ---- */

struct in {
    const unsigned char *p, *end;
    int depth;
};

static int value(struct in *s);

static void ws(struct in *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
                             *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int lit(struct in *s, const char *w)
{
    size_t n = strlen(w);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

static int utf8(struct in *s)
{
    const unsigned char *p = s->p;
    unsigned cp;
    int len, i;

    if (*p < 0x80)
        len = 1, cp = *p;
    else if (*p >= 0xc2 && *p <= 0xdf)
        len = 2, cp = *p & 0x1f;
    else if (*p >= 0xe0 && *p <= 0xef)
        len = 3, cp = *p & 0x0f;
    else if (*p >= 0xf0 && *p <= 0xf4)
        len = 4, cp = *p & 0x07;
    else
        return 0;
    if (s->end - p < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    s->p += len;
    return 1;
}

static int string(struct in *s)
{
    if (!lit(s, "\""))
        return 0;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p < 0x20)
            return 0;
        if (*s->p == '\\') {
            s->p++;
            if (s->p >= s->end)
                return 0;
            if (*s->p == 'u') {
                int i;

                for (i = 1; i <= 4; i++) {
                    if (s->p + i >= s->end ||
                        !strchr("0123456789abcdefABCDEF", s->p[i]) ||
                        s->p[i] == '\0')
                        return 0;
                }
                s->p += 5;
            } else if (strchr("\"\\/bfnrt", *s->p) && *s->p != '\0') {
                s->p++;
            } else {
                return 0;
            }
        } else if (!utf8(s)) {
            return 0;
        }
    }
    return lit(s, "\"");
}

static int number(struct in *s)
{
    const unsigned char *p = s->p;

    if (p < s->end && *p == '-')
        p++;
    if (p >= s->end || *p < '0' || *p > '9')
        return 0;
    if (*p == '0')
        p++;
    else
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    if (p < s->end && *p == '.') {
        p++;
        if (p >= s->end || *p < '0' || *p > '9')
            return 0;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < s->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= s->end || *p < '0' || *p > '9')
            return 0;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    s->p = p;
    return 1;
}

static int list(struct in *s, char close, int keys)
{
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 1;
    }
    for (;;) {
        ws(s);
        if (keys) {
            if (!string(s))
                return 0;
            ws(s);
            if (!lit(s, ":"))
                return 0;
        }
        if (!value(s))
            return 0;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        return s->p < s->end && *s->p++ == close;
    }
}

static int value(struct in *s)
{
    int ok;

    ws(s);
    if (s->p >= s->end || ++s->depth > 64)
        return 0;
    if (*s->p == '{')
        s->p++, ok = list(s, '}', 1);
    else if (*s->p == '[')
        s->p++, ok = list(s, ']', 0);
    else if (*s->p == '"')
        ok = string(s);
    else if (lit(s, "true") || lit(s, "false") || lit(s, "null"))
        ok = 1;
    else
        ok = number(s);
    s->depth--;
    return ok;
}

static void check_json_line(const char *text, size_t len)
{
    struct in s = { (const unsigned char *)text,
                    (const unsigned char *)text + len, 0 };

    /* one object, then the newline that ends the line, nothing else */
    if (len == 0 || text[len - 1] != '\n' ||
        memchr(text, '\n', len - 1) != NULL)
        __builtin_trap();
    if (s.p >= s.end || *s.p != '{' || !value(&s))
        __builtin_trap();
    ws(&s);
    if (s.p != s.end)
        __builtin_trap();
}

/* ---- the list ---- */

static void one_line(const char *line, size_t len, int lineno)
{
    struct hr_where where = { "list.txt", lineno };
    struct hr_record rec;
    struct hr_err err = { { 0 } };
    char *argv_do[66];
    char **argv = NULL;
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = NULL;
    int argc = hr_words_split(line, len, &argv, &err);
    int i;

    if (argc == 0) {
        hr_words_free(argc, argv);
        return;
    }
    if (argc < 0) {
        hr_record_init(&rec, &where, 0, NULL);
        hr_record_input_error(&rec, "%s", err.msg);
    } else {
        argv_do[0] = "do";
        for (i = 0; i < argc && i < 64; i++)
            argv_do[i + 1] = argv[i];
        hr_record_init(&rec, &where, i + 1, argv_do);
        rec.command = "do";
        rec.kind = HR_REC_RUN;
        hr_record_set(&rec.file, argv[0]);
        hr_record_set(&rec.function, argc > 1 ? argv[1] : NULL);
        rec.targc = argc > 2 ? i - 2 : 0;
        rec.targv = argv + 2;
        rec.has_result = 1;
        rec.result = argc * 0.5;
        rec.compile_ms = 0.25;
        rec.run_ms = 1e-3;
        if (argc % 2)
            hr_record_error(&rec, "%s: no task '%s' in %s", where.source,
                            argc > 1 ? argv[1] : "", argv[0]);
        else
            hr_text_printf(&rec.text, "%s\n", argv[argc - 1]);
    }
    f = open_memstream(&text, &tlen);
    if (f != NULL) {
        hr_record_json(&rec, f);
        fclose(f);
        check_json_line(text, tlen);
        free(text);
    }
    hr_record_fini(&rec);
    if (argc > 0)
        hr_words_free(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *end = p + size;
    int lineno = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

        one_line(p, n, ++lineno);
        p += n;
    }
    return 0;
}
