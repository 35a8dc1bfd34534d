/* npyhdr.c - parse the dict literal of a .npy header */
#include "npyhdr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The text being parsed, and why it failed. */
struct hdr {
    const char *s;
    size_t n;
    size_t i;
    int code;           /* HR_EFORMAT or HR_EUNSUPPORTED after a failure */
    char msg[256];
};

static const char *const npy_keys[] = { "descr", "fortran_order", "shape" };

static int peek(const struct hdr *h)
{
    return h->i < h->n ? (unsigned char)h->s[h->i] : -1;
}

static void skip_ws(struct hdr *h)
{
    int c = peek(h);

    while (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v') {
        h->i++;
        c = peek(h);
    }
}

/* A syntax error at the current position, quoting the text there. */
static int syntax(struct hdr *h, const char *what)
{
    char near[24];
    size_t k;
    unsigned char c;

    for (k = 0; k + 1 < sizeof near && h->i + k < h->n; k++) {
        c = (unsigned char)h->s[h->i + k];
        near[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    near[k] = '\0';
    h->code = HR_EFORMAT;
    if (k == 0)
        snprintf(h->msg, sizeof h->msg, "malformed header: %s at its end",
                 what);
    else
        snprintf(h->msg, sizeof h->msg, "malformed header: %s near \"%s\"",
                 what, near);
    return -1;
}

static int semantic(struct hdr *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int semantic(struct hdr *h, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof h->msg, fmt, ap);
    va_end(ap);
    h->code = code;
    return -1;
}

/* A Python string literal ('...' or "...", optionally u/b prefixed). */
static int parse_str(struct hdr *h, char *buf, size_t cap)
{
    size_t len = 0;
    int escaped;
    int q;
    int c;

    c = peek(h);
    if ((c == 'u' || c == 'b') && h->i + 1 < h->n &&
        (h->s[h->i + 1] == '\'' || h->s[h->i + 1] == '"'))
        h->i++;
    q = peek(h);
    if (q != '\'' && q != '"')
        return syntax(h, "expected a quoted string");
    h->i++;
    for (;;) {
        c = peek(h);
        escaped = c == '\\';
        if (escaped) {
            h->i++;
            c = peek(h);
        }
        if (c < 0x20 || c == 0x7f)
            return syntax(h, "unterminated string");
        h->i++;
        if (c == q && !escaped)
            break;
        if (len + 1 >= cap)
            return syntax(h, "string too long");
        buf[len++] = (char)c;
    }
    buf[len] = '\0';
    return 0;
}

/* A Python int literal; Python 2 wrote longs with an 'L' suffix. */
static int parse_int(struct hdr *h, int64_t *v)
{
    uint64_t x = 0;
    int neg = 0;
    int digits = 0;
    int c;

    c = peek(h);
    if (c == '-' || c == '+') {
        neg = c == '-';
        h->i++;
        skip_ws(h);
    }
    for (c = peek(h); c >= '0' && c <= '9'; c = peek(h)) {
        if (x > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            return syntax(h, "integer too large");
        x = x * 10 + (uint64_t)(c - '0');
        digits++;
        h->i++;
    }
    if (digits == 0)
        return syntax(h, "expected an integer");
    if (x > (uint64_t)INT64_MAX + (uint64_t)neg)
        return syntax(h, "integer too large");
    if (c == 'L' || c == 'l')
        h->i++;
    *v = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

static int parse_bool(struct hdr *h, int *v)
{
    static const char *const words[] = { "False", "True" };
    size_t len;
    int k;
    int next;

    for (k = 0; k < 2; k++) {
        len = strlen(words[k]);
        if (h->n - h->i < len || memcmp(h->s + h->i, words[k], len) != 0)
            continue;
        next = h->i + len < h->n ? (unsigned char)h->s[h->i + len] : ' ';
        if (isalnum(next) || next == '_')
            continue;
        h->i += len;
        *v = k;
        return 0;
    }
    return syntax(h, "expected True or False");
}

/* A shape tuple: (), (5,), (3, 4), (3, 4,); (5) is taken as (5,). */
static int parse_shape(struct hdr *h, int *ndim, int64_t *shape)
{
    int64_t v = 0;
    int nd = 0;

    if (peek(h) != '(')
        return syntax(h, "expected a shape tuple");
    h->i++;
    skip_ws(h);
    while (peek(h) != ')') {
        if (parse_int(h, &v) < 0)
            return -1;
        if (v < 0)
            return semantic(h, HR_EFORMAT, "negative dimension %lld in shape",
                            (long long)v);
        if (nd == HR_MAX_NDIM)
            return semantic(h, HR_EUNSUPPORTED, "shape has more than %d "
                            "dimensions, hotrun's limit", HR_MAX_NDIM);
        shape[nd++] = v;
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            skip_ws(h);
        } else if (peek(h) != ')') {
            return syntax(h, "expected ',' or ')' in shape");
        }
    }
    h->i++;
    *ndim = nd;
    return 0;
}

static int parse_value(struct hdr *h, int key, struct hr_npyhdr *out)
{
    if (key == 0 && peek(h) == '[')
        return semantic(h, HR_EUNSUPPORTED, "structured arrays (a dtype "
                        "with named fields) are not supported: hotrun "
                        "needs plain numbers");
    if (key == 0)
        return parse_str(h, out->descr, sizeof out->descr);
    if (key == 1)
        return parse_bool(h, &out->fortran);
    return parse_shape(h, &out->ndim, out->shape);
}

/* {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } in any key
 * order, with any whitespace, with or without the trailing comma. */
static int parse_dict(struct hdr *h, struct hr_npyhdr *out)
{
    char key[64];
    int seen = 0;
    int k;

    skip_ws(h);
    if (peek(h) != '{')
        return syntax(h, "expected '{'");
    h->i++;
    skip_ws(h);
    while (peek(h) != '}') {
        if (parse_str(h, key, sizeof key) < 0)
            return -1;
        for (k = 0; k < 3 && strcmp(key, npy_keys[k]) != 0; k++)
            continue;
        if (k == 3)
            return semantic(h, HR_EFORMAT, "unexpected key '%s' in header",
                            key);
        if (seen & 1 << k)
            return semantic(h, HR_EFORMAT, "key '%s' appears twice in "
                            "header", key);
        seen |= 1 << k;
        skip_ws(h);
        if (peek(h) != ':')
            return syntax(h, "expected ':' after a key");
        h->i++;
        skip_ws(h);
        if (parse_value(h, k, out) < 0)
            return -1;
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            skip_ws(h);
        } else if (peek(h) != '}') {
            return syntax(h, "expected ',' or '}'");
        }
    }
    h->i++;
    skip_ws(h);
    if (h->i < h->n)
        return syntax(h, "unexpected text after the dict");
    for (k = 0; k < 3; k++) {
        if (!(seen & 1 << k))
            return semantic(h, HR_EFORMAT, "header has no '%s' key",
                            npy_keys[k]);
    }
    return 0;
}

int hr_npyhdr_parse(const char *path, const char *text, size_t n,
                    struct hr_npyhdr *out, struct hr_err *err)
{
    struct hdr h;

    memset(out, 0, sizeof *out);
    memset(&h, 0, sizeof h);
    h.s = text;
    h.n = n;
    if (parse_dict(&h, out) < 0) {
        hr_err_set(err, "%s: %s", path, h.msg);
        return h.code;
    }
    return 0;
}
