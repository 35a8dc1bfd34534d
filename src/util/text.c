/* text.c - a growable text buffer that engine modules write into */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libhotrun.h"

/* Makes room for n more bytes and the NUL; 0 or -1 (then t->oom). */
static int reserve(struct hr_text *t, size_t n)
{
    size_t want;
    size_t cap;
    char *p;

    if (t->oom)
        return -1;
    if (n > (size_t)-1 / 2 - t->len) {
        t->oom = 1;
        return -1;
    }
    want = t->len + n + 1;
    if (want <= t->cap)
        return 0;
    cap = t->cap < 256 ? 256 : t->cap;
    while (cap < want)
        cap *= 2;
    p = realloc(t->s, cap);
    if (p == NULL) {
        t->oom = 1;
        return -1;
    }
    t->s = p;
    t->cap = cap;
    return 0;
}

void hr_text_add(struct hr_text *t, const char *s, size_t n)
{
    if (reserve(t, n) != 0)
        return;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void hr_text_puts(struct hr_text *t, const char *s)
{
    hr_text_add(t, s, strlen(s));
}

void hr_text_repeat(struct hr_text *t, const char *s, size_t n)
{
    size_t k = strlen(s);
    size_t i;

    if (k == 0 || n == 0 || n > ((size_t)-1 / 2) / k || reserve(t, n * k))
        return;
    for (i = 0; i < n; i++) {
        memcpy(t->s + t->len, s, k);
        t->len += k;
    }
    t->s[t->len] = '\0';
}

void hr_text_printf(struct hr_text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = 1;
        return;
    }
    if (reserve(t, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void hr_text_truncate(struct hr_text *t, size_t len)
{
    if (t->s == NULL || len > t->len)
        return;
    t->len = len;
    t->s[len] = '\0';
}

int hr_text_ok(const struct hr_text *t)
{
    return t->oom ? HR_ENOMEM : 0;
}

void hr_text_free(struct hr_text *t)
{
    if (t == NULL)
        return;
    free(t->s);
    memset(t, 0, sizeof *t);
}
