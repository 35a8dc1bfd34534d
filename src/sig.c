/* sig.c - what a task file's functions return and take */
#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctok.h"
#include "err.h"

static const char *const ret_c[HR_NRETS] = {
    NULL, "double", "float", "void", "_Bool", "char", "signed char",
    "unsigned char", "short", "unsigned short", "int", "unsigned int",
    "long", "unsigned long", "long long", "unsigned long long"
};

const char *hr_sig_ret_name(enum hr_ret r)
{
    return r > HR_RET_NONE && r < HR_NRETS ? ret_c[r] : "?";
}

void hr_sig_symbol(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "__hr_sig_%s", name);
}

void hr_sig_free(struct hr_sig_fn *f, int n)
{
    int i;

    for (i = 0; f != NULL && i < n; i++) {
        free(f[i].name);
        free(f[i].decl);
    }
    free(f);
}

static int is_ident(const char *text, const struct hr_tok *k)
{
    char c = text[k->off];

    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int punct(const char *text, const struct hr_tok *k, char c)
{
    return k->len == 1 && text[k->off] == c;
}

/* text from token a to token b (inclusive), blanks collapsed */
static char *span(const char *text, const struct hr_tok *a,
                  const struct hr_tok *b)
{
    size_t n = b->off + b->len - a->off;
    char *s = malloc(n + 1);
    size_t i, j = 0;
    int blank = 0;

    if (s == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = text[a->off + i];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = 1;
            continue;
        }
        if (blank && j > 0)
            s[j++] = ' ';
        blank = 0;
        s[j++] = c;
    }
    s[j] = '\0';
    return s;
}

static int add(struct hr_sig_fn **out, int *n, char *name, char *decl,
               int line)
{
    struct hr_sig_fn *g = realloc(*out, (size_t)(*n + 1) * sizeof *g);

    if (g == NULL || name == NULL || decl == NULL) {
        free(name);
        free(decl);
        if (g != NULL)
            *out = g;
        return HR_ENOMEM;
    }
    *out = g;
    g[*n].name = name;
    g[*n].decl = decl;
    g[*n].line = line;
    (*n)++;
    return 0;
}

int hr_sig_scan(const char *text, size_t len, struct hr_sig_fn **out,
                int *n)
{
    struct hr_toks t = { NULL, 0 };
    int depth = 0;              /* of (), [] and {} together */
    int start = 0;              /* first token of the declaration at hand */
    int i;
    int rc;

    *out = NULL;
    *n = 0;
    rc = hr_ctok_split(text, len, &t);
    for (i = 0; rc == 0 && i < t.n; i++) {
        const struct hr_tok *k = &t.v[i];
        int close, j, is_static = 0;

        if (depth > 0) {
            if (punct(text, k, '(') || punct(text, k, '[') ||
                punct(text, k, '{'))
                depth++;
            else if (punct(text, k, ')') || punct(text, k, ']') ||
                     punct(text, k, '}'))
                depth--;
            if (depth == 0 && punct(text, k, '}'))
                start = i + 1;          /* after a body or an initialiser */
            continue;
        }
        if (punct(text, k, ';')) {
            start = i + 1;
            continue;
        }
        if (!punct(text, k, '(') && !punct(text, k, '[') &&
            !punct(text, k, '{')) {
            continue;
        }
        depth = 1;
        if (!punct(text, k, '(') || i == 0 || !is_ident(text, &t.v[i - 1]))
            continue;
        /* NAME ( ... ) { : a definition */
        for (close = i + 1, j = 1; close < t.n && j > 0; close++) {
            if (punct(text, &t.v[close], '('))
                j++;
            else if (punct(text, &t.v[close], ')'))
                j--;
        }
        if (j != 0 || close >= t.n || !punct(text, &t.v[close], '{'))
            continue;
        for (j = start; j < i - 1; j++) {
            if (hr_ctok_is(text, &t.v[j], "static", 6))
                is_static = 1;
        }
        if (is_static || i - 1 == start)
            continue;               /* static, or no return type */
        rc = add(out, n, strndup(text + t.v[i - 1].off, t.v[i - 1].len),
                 span(text, &t.v[start], &t.v[close - 1]),
                 t.v[i - 1].line);
    }
    hr_ctok_free(&t);
    if (rc != 0) {
        hr_sig_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

char *hr_sig_probes(const struct hr_sig_fn *fns, int n)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    int i, r;

    if (f == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        char sym[256];

        hr_sig_symbol(fns[i].name, sym, sizeof sym);
        fprintf(f, "const int %s = _Generic(&%s", sym, fns[i].name);
        for (r = HR_RET_DOUBLE; r < HR_NRETS; r++)
            fprintf(f, ", %s (*)(const struct hr_array *): %d, "
                    "%s (*)(void): %d", ret_c[r], HR_SIG_CODE(r, 1),
                    ret_c[r], HR_SIG_CODE(r, 0));
        fprintf(f, ", default: 0);\n");
    }
    if (fclose(f) != 0) {
        free(s);
        return NULL;
    }
    return s;
}
