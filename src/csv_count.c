/* csv_count.c - CSV pass 1 (records per chunk) and the first lines:
 * delimiter, header, splitting one record */
#include "csv_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "err.h"
#include "numparse.h"

#define BLOCK ((size_t)1 << 30)   /* counted with 32-bit sums */
#define SNIFF_BYTES ((size_t)64 << 10)
#define SNIFF_LINES 32

static const char *const na_words[] = {
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
    "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
    "nan", "null",
};

int hr_csv_is_na(const char *s, size_t n)
{
    size_t k;

    for (k = 0; k < sizeof na_words / sizeof na_words[0]; k++) {
        if (strlen(na_words[k]) == n && memcmp(na_words[k], s, n) == 0)
            return 1;
    }
    return 0;
}

/* ---- pass 1 ---- */

/* Pass 1 with quotes in the chunk: a state machine from one hypothesis. */
static void count_quoted(const struct hr_csv_fmt *f, const char *b,
                         const char *e, int quoted, struct hr_csv_count *out)
{
    const char *p = b;
    int start = 1;
    int q = quoted;
    int c;

    while (p < e) {
        if (start && !q) {
            if (!hr_csv_record_at(f, p)) {
                p = hr_csv_next_line(p, e);
                out->lines += p[-1] == '\n';
                continue;
            }
            out->records++;
        }
        start = 0;
        c = *p++;
        if (c == f->quote) {
            q = !q;
        } else if (c == '\n') {
            out->lines++;
            start = !q;
        }
    }
    out->end_quoted = q;
}

/* Could a line starting with c be blank or a comment?  (A superset: the
 * control characters and '#'; written so that the loop vectorises.) */
static inline unsigned char maybe_skipped(unsigned char c)
{
    return (c <= ' ') | (c == '#');
}

/* '\n' in s[0..n), those followed by what maybe_skipped() flags (s[n]
 * is read), and quote characters. */
static void count_newlines(const unsigned char *s, size_t n,
                           unsigned char quote, int64_t *nl, int64_t *odd,
                           int64_t *quotes)
{
    uint32_t a = 0;
    uint32_t b = 0;
    uint32_t c = 0;
    unsigned char is_nl;
    size_t i;

    for (i = 0; i < n; i++) {
        is_nl = s[i] == '\n';
        a += is_nl;
        b += is_nl & maybe_skipped(s[i + 1]);
        c += s[i] == quote;
    }
    *nl += a;
    *odd += b;
    *quotes += c;
}

/* Pass 1 without quotes: every line start is a record unless blank or a
 * comment.  Counted in one vectorisable loop; only lines that may be
 * blank or comments are looked at one by one.  Returns 0, or -1 when the
 * chunk has a quote character after all (nothing counted). */
static int count_plain(const struct hr_csv_fmt *f, const char *b,
                       const char *e, struct hr_csv_count *out)
{
    const unsigned char *s = (const unsigned char *)b;
    size_t n = (size_t)(e - b);
    int64_t nl = 0;
    int64_t starts = 0;
    int64_t odd = 0;
    int64_t quotes = 0;
    const char *p;
    size_t step;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i + 1 < n; i += step) {
        step = n - 1 - i < BLOCK ? n - 1 - i : BLOCK;
        count_newlines(s + i, step, (unsigned char)f->quote, &nl, &odd,
                       &quotes);
    }
    if (f->quote != 0 && (quotes > 0 || s[n - 1] == f->quote))
        return -1;
    starts = nl;                        /* '\n' before the last byte */
    nl += s[n - 1] == '\n';
    out->lines = nl;
    out->records = hr_csv_record_at(f, b) + starts;
    for (p = b; odd > 0; p++) {
        p = memchr(p, '\n', (size_t)(e - p - 1));
        if (p == NULL)
            break;
        if (maybe_skipped((unsigned char)p[1])) {
            odd--;
            out->records -= !hr_csv_record_at(f, p + 1);
        }
    }
    return 0;
}

void hr_csv_count(const struct hr_csv_fmt *f, const char *b, const char *e,
                  struct hr_csv_count out[2])
{
    memset(out, 0, 2 * sizeof *out);
    if (count_plain(f, b, e, &out[0]) != 0) {
        memset(out, 0, 2 * sizeof *out);
        count_quoted(f, b, e, 0, &out[0]);
        count_quoted(f, b, e, 1, &out[1]);
        return;
    }
    /* no quote: a chunk that starts inside a quoted field ends in it */
    out[1].lines = out[0].lines;
    out[1].end_quoted = 1;
}

/* The end of the record at p: its '\n' outside quotes (or the end). */
const char *hr_csv_record_end(const struct hr_csv_fmt *f, const char *p,
                              int64_t *lines)
{
    int q = 0;

    for (; p < f->end; p++) {
        if (*p == f->quote)
            q = !q;
        else if (*p == '\n' && !q)
            return p;
        else if (*p == '\n')
            (*lines)++;
    }
    return p;
}

/* ---- splitting one record into strings (the header) ---- */

struct split {
    char **fields;
    int n;
    int nomem;
};

static void split_field(void *s, size_t n, void *ud)
{
    struct split *sp = ud;
    char **grown = NULL;
    char *t = NULL;

    if (sp->nomem)
        return;
    t = strndup(s, n);
    if (t != NULL)
        grown = realloc(sp->fields, (size_t)(sp->n + 1) * sizeof *grown);
    if (grown == NULL) {
        free(t);
        sp->nomem = 1;
        return;
    }
    sp->fields = grown;
    sp->fields[sp->n++] = t;
}

static void split_row(int c, void *ud)
{
    (void)c;
    (void)ud;
}

static void split_blanks(const struct hr_csv_fmt *f, const char *p,
                         const char *re, struct split *sp)
{
    const char *s;

    while (p < re) {
        while (p < re && hr_csv_blank(*p))
            p++;
        s = p;
        while (p < re && !hr_csv_blank(*p))
            p++;
        if (p > s)
            split_field((void *)s, (size_t)(p - s), sp);
    }
    (void)f;
}

int hr_csv_split(const struct hr_csv_fmt *f, const char *p, char ***fields,
                 int *n, const char **next, char *msg, size_t len)
{
    struct split sp = { NULL, 0, 0 };
    struct csv_parser cp;
    int64_t inner = 0;
    const char *re = f->quote != 0 ? hr_csv_record_end(f, p, &inner)
                                   : hr_csv_next_line(p, f->end);
    size_t rn;
    int rc = 0;

    if (re > p && re[-1] == '\n' && f->quote == 0)
        re--;
    rn = (size_t)(re - p);
    if (rn > 0 && p[rn - 1] == '\r')
        rn--;
    *next = re < f->end ? re + 1 : re;
    if (f->delim == ' ') {
        split_blanks(f, p, p + rn, &sp);
    } else if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI |
                        CSV_APPEND_NULL) != 0) {
        sp.nomem = 1;
    } else {
        csv_set_delim(&cp, (unsigned char)f->delim);
        if (f->quote != 0)
            csv_set_quote(&cp, (unsigned char)f->quote);
        if (csv_parse(&cp, p, rn, split_field, split_row, &sp) != rn ||
            csv_fini(&cp, split_field, split_row, &sp) != 0) {
            snprintf(msg, len, "malformed quoting: a quote inside an "
                     "unquoted field, or a quoted field not closed");
            rc = HR_EFORMAT;
        }
        csv_free(&cp);
    }
    if (sp.nomem)
        rc = HR_ENOMEM;
    if (rc != 0) {
        while (sp.n > 0)
            free(sp.fields[--sp.n]);
        free(sp.fields);
        sp.fields = NULL;
    }
    *fields = sp.fields;
    *n = sp.n;
    return rc;
}

/* ---- the first lines ---- */

/* Blank runs between words in the record at p? */
static int has_words(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        p++;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p < end && *p != '\n' && *p != '\r';
}

/* How many of each candidate delimiter the record at p has outside
 * quotes; returns the next line start, or NULL when the sample ends. */
static const char *count_delims(const char *p, const char *end,
                                const char *cand, int *counts)
{
    int q = 0;
    int k;

    memset(counts, 0, 4 * sizeof *counts);
    for (; p < end; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '\n' && !q)
            return p + 1;
        for (k = 0; k < 4 && !q; k++)
            counts[k] += *p == cand[k];
    }
    return NULL;
}

int hr_csv_sniff(const struct hr_csv_fmt *f, const char *p)
{
    static const char cand[4] = { ',', '\t', ';', '|' };
    const char *end = f->end - p > (ptrdiff_t)SNIFF_BYTES
                      ? p + SNIFF_BYTES : f->end;
    int first[4] = { 0 };
    int counts[4];
    int same[4] = { 1, 1, 1, 1 };
    int lines = 0;
    const char *next;
    const char *s;
    const char *first_rec = p;
    int best = -1;
    int k;

    while (p < end && lines < SNIFF_LINES) {
        if (!hr_csv_record_at(f, p)) {
            s = memchr(p, '\n', (size_t)(end - p));
            p = s != NULL ? s + 1 : end;
            continue;
        }
        next = count_delims(p, end, cand, counts);
        if (next == NULL && end < f->end)
            break;      /* a record cut by the sample's end */
        for (k = 0; k < 4; k++) {
            if (lines == 0)
                first[k] = counts[k];
            else if (counts[k] != first[k])
                same[k] = 0;
        }
        lines++;
        p = next != NULL ? next : end;
    }
    for (k = 0; k < 4; k++) {
        if (same[k] && first[k] > 0)
            return cand[k];
        if (first[k] > 0 && (best < 0 || first[k] > first[best]))
            best = k;
    }
    if (best >= 0)
        return cand[best];
    return has_words(first_rec, f->end) ? ' ' : ',';
}

int hr_csv_is_name(const char *s)
{
    size_t n = strlen(s);
    double v;

    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || hr_csv_is_na(s, n))
        return 0;
    return hr_numparse_f64(s, s + n, &v) != s + n;
}

void hr_csv_trim(char **names, int n)
{
    size_t len;
    size_t k;
    int i;

    for (i = 0; i < n; i++) {
        for (k = 0; names[i][k] == ' ' || names[i][k] == '\t'; k++)
            continue;
        memmove(names[i], names[i] + k, strlen(names[i] + k) + 1);
        len = strlen(names[i]);
        while (len > 0 && (names[i][len - 1] == ' ' ||
                           names[i][len - 1] == '\t'))
            names[i][--len] = '\0';
    }
}
