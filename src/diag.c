/* diag.c - compile errors with a column, the source line and a caret */
#include "diag.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctok.h"
#include "fileio.h"

#define MAX_SOURCE (16 * 1024 * 1024)

struct source {
    char *text;                 /* owned, NUL-terminated */
    size_t len;
    struct hr_toks toks;        /* owned */
};

/* A growing output string. */
struct out {
    char *s;
    size_t len, cap;
    int failed;
};

static void put(struct out *o, const char *p, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *g = realloc(o->s, cap);

        if (g == NULL) {
            o->failed = 1;
            return;
        }
        o->s = g;
        o->cap = cap;
    }
    memcpy(o->s + o->len, p, n);
    o->len += n;
    o->s[o->len] = '\0';
}

static void puts_(struct out *o, const char *p)
{
    put(o, p, strlen(p));
}

/* ---- reading and tokenising a file ---- */

static int read_file(const char *path, struct source *src)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > MAX_SOURCE) {
        close(fd);
        return -1;
    }
    src->text = malloc((size_t)st.st_size + 1);
    if (src->text == NULL) {
        close(fd);
        return -1;
    }
    n = hr_fileio_pread_full(fd, src->text, (size_t)st.st_size, 0);
    close(fd);
    if (n < 0) {
        free(src->text);
        src->text = NULL;
        return -1;
    }
    src->len = (size_t)n;
    src->text[src->len] = '\0';
    return 0;
}

static void source_free(struct source *src)
{
    free(src->text);
    hr_ctok_free(&src->toks);
}

/* ---- finding the place ---- */

static int tok_is(const struct source *src, const struct hr_tok *k,
                  const char *word, size_t wlen)
{
    return hr_ctok_is(src->text, k, word, wlen);
}

/* The first token equal to word on line, else the last one before it;
 * -1 when none. */
static int find_near(const struct source *src, const char *word,
                     size_t wlen, int line)
{
    int best = -1;
    int i;

    for (i = 0; i < src->toks.n && src->toks.v[i].line <= line; i++) {
        if (!tok_is(src, &src->toks.v[i], word, wlen))
            continue;
        if (src->toks.v[i].line == line)
            return i;
        best = i;
    }
    return best;
}

static int first_on_line(const struct source *src, int line)
{
    int i;

    for (i = 0; i < src->toks.n; i++) {
        if (src->toks.v[i].line == line)
            return i;
        if (src->toks.v[i].line > line)
            break;
    }
    return -1;
}

static int first_use(const struct source *src, const char *word, size_t wlen)
{
    int i;

    for (i = 0; i < src->toks.n; i++) {
        if (tok_is(src, &src->toks.v[i], word, wlen))
            return i;
    }
    return -1;
}

/* The text between the first pair of quotes q after key in msg. */
static int quoted(const char *msg, const char *key, char q, const char **w,
                  size_t *wlen)
{
    const char *p = strstr(msg, key);
    const char *e = NULL;

    if (p == NULL)
        return 0;
    p += strlen(key);
    e = strchr(p, q);
    if (e == NULL || e == p)
        return 0;
    *w = p;
    *wlen = (size_t)(e - p);
    return 1;
}

/* Where a message about line points: *line and *col (1-based). */
static void place(const struct source *src, const char *msg, int *line,
                  int *col)
{
    const char *w = NULL;
    size_t wlen = 0;
    int k = -1;

    if (quoted(msg, "(got \"", '"', &w, &wlen))
        k = find_near(src, w, wlen, *line);
    else if (quoted(msg, "'", '\'', &w, &wlen))
        k = find_near(src, w, wlen, *line);
    if (k > 0 && strncmp(msg, "';' expected", 12) == 0) {
        /* just after the token before the one found */
        const struct hr_tok *p = &src->toks.v[k - 1];
        const char *nl = memchr(src->text + p->off, '\n', p->len);

        *line = p->line;
        *col = p->col + (int)p->len;
        if (nl != NULL)     /* a token over lines: not worth the care */
            *col = p->col;
        return;
    }
    if (k < 0)
        k = first_on_line(src, *line);
    if (k >= 0) {
        *line = src->toks.v[k].line;
        *col = src->toks.v[k].col;
    } else {
        *col = 1;
    }
}

/* "    5 |     text" and "      |     ^" */
/* Length of the valid UTF-8 character at p (before end), or 0. */
static size_t utf8_char(const unsigned char *p, const unsigned char *end)
{
    size_t n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 :
               *p >= 0xc2 && *p <= 0xdf ? 2 : 0;
    size_t i;

    if (n == 0 || (size_t)(end - p) < n || *p > 0xf4)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

/* text[0..n) as it can go to a terminal: control characters and bytes
 * that are not UTF-8 become '?' (a file of junk must not drive the
 * terminal), tabs stay for the caret's alignment. */
static void put_printable(struct out *o, const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + n;

    while (p < end) {
        size_t k = *p >= 0x80 ? utf8_char(p, end) : 1;

        if (*p >= 0x80 && k > 0) {
            put(o, (const char *)p, k);
        } else if (*p == '\t' || (*p >= 0x20 && *p < 0x7f)) {
            put(o, (const char *)p, 1);
        } else {
            put(o, "?", 1);
            k = 1;
        }
        p += k;
    }
}

#define SHOW_WIDTH 240          /* of a long line, the part around col */

/* "    5 |     text" and "      |     ^" */
static void show_line(struct out *o, const struct source *src, int line,
                      int col)
{
    const char *p = src->text;
    const char *end = NULL;
    char num[32];
    size_t from = 0, to;
    int l = 1;
    size_t i;

    while (l < line && *p != '\0') {
        if (*p++ == '\n')
            l++;
    }
    if (l != line || *p == '\0')
        return;
    end = strchr(p, '\n');
    if (end == NULL)
        end = p + strlen(p);
    if (end > p && end[-1] == '\r')
        end--;
    to = (size_t)(end - p);
    if (col > SHOW_WIDTH / 2)
        from = (size_t)col - SHOW_WIDTH / 2;
    if (from > to)
        from = to;
    if (to - from > SHOW_WIDTH)
        to = from + SHOW_WIDTH;
    snprintf(num, sizeof num, "%5d | ", line);
    puts_(o, num);
    if (from > 0)
        puts_(o, "...");
    put_printable(o, p + from, to - from);
    if (p + to < end)
        puts_(o, "...");
    puts_(o, "\n      | ");
    if (from > 0)
        puts_(o, "   ");
    for (i = from + 1; i < (size_t)col && p + i - 1 < end; i++)
        put(o, p[i - 1] == '\t' ? "\t" : " ", 1);
    puts_(o, "^\n");
}

/* ---- messages ---- */

/* One message line: "FILE:LINE: kind: what" or "FILE: error: undefined
 * symbol 'X' ...".  Appends the annotated form to o. */
static void annotate(struct out *o, const char *msg, size_t len)
{
    struct source src = { 0 };
    char *m = strndup(msg, len);
    char *colon = NULL;
    char *what = NULL;
    char num[48];
    const char *w = NULL;
    size_t wlen = 0;
    int line = 0, col = 0;

    if (m == NULL)
        goto plain;
    colon = strstr(m, ": ");
    if (colon == NULL)
        goto plain;
    *colon = '\0';
    what = colon + 2;
    {
        char *c2 = strrchr(m, ':');
        char *end = NULL;
        long v = 0;

        if (c2 != NULL) {
            v = strtol(c2 + 1, &end, 10);
            if (end != c2 + 1 && *end == '\0' && v > 0) {
                *c2 = '\0';
                line = (int)v;
            }
        }
    }
    if (read_file(m, &src) != 0 ||
        hr_ctok_split(src.text, src.len, &src.toks) != 0)
        goto plain;
    if (line == 0) {
        int k = -1;

        if (strstr(what, "undefined symbol '") != NULL &&
            quoted(what, "undefined symbol '", '\'', &w, &wlen))
            k = first_use(&src, w, wlen);
        if (k < 0)
            goto plain;
        line = src.toks.v[k].line;
        col = src.toks.v[k].col;
    } else {
        const char *kind = strstr(what, ": ");

        place(&src, kind != NULL ? kind + 2 : what, &line, &col);
    }
    puts_(o, m);
    snprintf(num, sizeof num, ":%d:%d: ", line, col);
    puts_(o, num);
    puts_(o, what);
    puts_(o, "\n");
    show_line(o, &src, line, col);
    source_free(&src);
    free(m);
    return;
plain:
    source_free(&src);
    free(m);
    put(o, msg, len);
    puts_(o, "\n");
}

char *hr_diag_annotate(const char *text)
{
    struct out o = { NULL, 0, 0, 0 };
    const char *p = text;

    if (text == NULL)
        return NULL;
    puts_(&o, "");
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

        if (n > 0)
            annotate(&o, p, n);
        p += n + (nl != NULL);
    }
    if (o.failed) {
        free(o.s);
        return NULL;
    }
    return o.s;
}

void hr_diag_explain(struct hr_err *err)
{
    char *s = NULL;
    size_t n;

    if (err == NULL || err->msg[0] == '\0')
        return;
    s = hr_diag_annotate(err->msg);
    if (s == NULL)
        return;
    n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = '\0';
    if (n >= sizeof err->msg) {
        /* keep whole messages: cut at the last line start that fits */
        char *cut = s + sizeof err->msg - 1;

        *cut = '\0';
        cut = strrchr(s, '\n');
        while (cut != NULL && cut > s && cut[1] == ' ') {
            *cut = '\0';
            cut = strrchr(s, '\n');
        }
        if (cut != NULL)
            *cut = '\0';
    }
    snprintf(err->msg, sizeof err->msg, "%s", s);
    free(s);
}
