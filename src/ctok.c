/* ctok.c - C source text as tokens with their line and column */
#include "ctok.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int add_tok(struct hr_toks *t, int *cap, size_t off, size_t len,
                   int line, int col)
{
    if (t->n == *cap) {
        int ncap = *cap ? *cap * 2 : 256;
        struct hr_tok *g = realloc(t->v, (size_t)ncap * sizeof *g);

        if (g == NULL)
            return -1;
        t->v = g;
        *cap = ncap;
    }
    t->v[t->n].off = off;
    t->v[t->n].len = len;
    t->v[t->n].line = line;
    t->v[t->n].col = col;
    t->n++;
    return 0;
}

static int is_idch(int c)
{
    return isalnum(c) || c == '_' || c == '$';
}

static int split(const char *t, size_t n, struct hr_toks *out)
{
    size_t i = 0;
    size_t bol = 0;             /* start of the current line */
    int line = 1;
    int cap = 0;
    int line_start = 1;         /* only blanks so far on this line */

    while (i < n) {
        size_t start = i;
        int col = (int)(i - bol) + 1;
        char c = t[i];

        if (c == '\n') {
            i++;
            line++;
            bol = i;
            line_start = 1;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
            continue;
        }
        if (c == '#' && line_start) {
            /* a directive, continued lines included */
            while (i < n && t[i] != '\n') {
                if (t[i] == '\\' && i + 1 < n && t[i + 1] == '\n') {
                    i++;
                    line++;
                    bol = i + 1;
                }
                i++;
            }
            continue;
        }
        line_start = 0;
        if (c == '/' && i + 1 < n && t[i + 1] == '/') {
            while (i < n && t[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && i + 1 < n && t[i + 1] == '*') {
            i += 2;
            while (i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/')) {
                if (t[i] == '\n') {
                    line++;
                    bol = i + 1;
                }
                i++;
            }
            i = i < n ? i + 2 : n;
            continue;
        }
        if (c == '"' || c == '\'') {
            int sl = line;

            i++;
            while (i < n && t[i] != c && t[i] != '\n') {
                if (t[i] == '\\' && i + 1 < n)
                    i++;
                i++;
            }
            if (i < n && t[i] == c)
                i++;
            if (add_tok(out, &cap, start, i - start, sl, col) != 0)
                return -1;
            continue;
        }
        if (is_idch((unsigned char)c)) {
            while (i < n && (is_idch((unsigned char)t[i]) ||
                             (t[i] == '.' && isdigit((unsigned char)c))))
                i++;
        } else {
            i++;
        }
        if (add_tok(out, &cap, start, i - start, line, col) != 0)
            return -1;
    }
    return 0;
}

int hr_ctok_split(const char *text, size_t len, struct hr_toks *out)
{
    out->v = NULL;
    out->n = 0;
    if (split(text, len, out) != 0) {
        hr_ctok_free(out);
        return HR_ENOMEM;
    }
    return 0;
}

void hr_ctok_free(struct hr_toks *t)
{
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

int hr_ctok_is(const char *text, const struct hr_tok *k, const char *word,
               size_t wlen)
{
    return k->len == wlen && memcmp(text + k->off, word, wlen) == 0;
}
