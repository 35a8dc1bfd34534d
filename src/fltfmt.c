/* fltfmt.c - decimal text of float16, float32 and float64 values, digit for
 * digit as NumPy prints them */
#include "fltfmt.h"

#include <string.h>

#define DIGITS_MAX HR_FLT_DIGITS

/* ---- text ---- */

/* Appends to buf[*pos..cap), keeping one byte for the NUL. */
struct out {
    char *buf;
    size_t cap;
    size_t pos;
    int cut;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->cap)
        o->buf[o->pos++] = c;
    else
        o->cut = 1;
}

static void put_n(struct out *o, const char *s, int n)
{
    int i;

    for (i = 0; i < n; i++)
        put(o, s[i]);
}

static int finish(struct out *o)
{
    if (o->cap > 0)
        o->buf[o->pos < o->cap ? o->pos : o->cap - 1] = '\0';
    return o->cut ? -1 : (int)o->pos;
}

/* Drops trailing zeros after the point as the trim mode says; frac is the
 * count of digits after the point. */
static void trim_zeros(struct out *o, int *frac, int trim, int positional)
{
    if (trim == HR_TRIM_KEEP || *frac == 0)
        return;
    while (o->pos > 0 && o->buf[o->pos - 1] == '0') {
        o->pos--;
        (*frac)--;
    }
    if (o->pos > 0 && o->buf[o->pos - 1] == '.') {
        if (trim == HR_TRIM_ONE_ZERO) {
            put(o, '0');
            (*frac)++;
        } else if (trim == HR_TRIM_POINT && positional) {
            o->pos--;
        }
    }
}

static int positional(const struct hr_flt *v, const struct hr_flt_opts *op,
                      char sign, struct out *o)
{
    char dig[DIGITS_MAX + 2];
    int has_sign = sign != 0;
    int n, e, whole, frac = 0, want, add, i;

    if (sign)
        put(o, sign);
    n = hr_flt_digits(v, op->unique, op->fractional, op->precision,
                   op->min_digits, dig, &e);
    if (e >= 0) {
        whole = e + 1;
        put_n(o, dig, n < whole ? n : whole);
        for (i = n; i < whole; i++)
            put(o, '0');
        if (n > whole) {
            put(o, '.');
            put_n(o, dig + whole, n - whole);
            frac = n - whole;
        }
    } else {
        whole = 1;
        put(o, '0');
        put(o, '.');
        for (i = 0; i < -(e + 1); i++)
            put(o, '0');
        put_n(o, dig, n);
        frac = -(e + 1) + n;
    }
    if (op->trim != HR_TRIM_POINT && frac == 0)
        put(o, '.');
    add = op->unique ? op->min_digits : op->precision;
    want = add < 0 ? 0 : add;
    if (!op->fractional)
        want = add - whole;
    if (op->trim == HR_TRIM_ONE_ZERO && frac == 0) {
        put(o, '0');
        frac++;
    } else if (op->trim == HR_TRIM_KEEP) {
        for (; frac < want; frac++)
            put(o, '0');
    }
    trim_zeros(o, &frac, op->trim, 1);
    if (op->pad_right >= frac) {
        if (op->trim == HR_TRIM_POINT && frac == 0)
            put(o, ' ');
        for (i = frac; i < op->pad_right; i++)
            put(o, ' ');
    }
    if (op->pad_left > whole + has_sign && !o->cut) {
        int shift = op->pad_left - (whole + has_sign);
        int len = (int)o->pos;

        if (o->pos + (size_t)shift + 1 > o->cap) {
            o->cut = 1;
            return finish(o);
        }
        memmove(o->buf + shift, o->buf, (size_t)len);
        memset(o->buf, ' ', (size_t)shift);
        o->pos += (size_t)shift;
    }
    return finish(o);
}

static int scientific(const struct hr_flt *v, const struct hr_flt_opts *op,
                      char sign, struct out *o)
{
    char dig[DIGITS_MAX + 2];
    char ex[8];
    int n, e, frac, add, i, ne;
    int lead = 1 + (sign != 0);

    for (i = lead; i < op->pad_left; i++)
        put(o, ' ');
    if (sign)
        put(o, sign);
    n = hr_flt_digits(v, op->unique, 0,
                   op->precision < 0 ? -1 : op->precision + 1,
                   op->min_digits < 0 ? -1 : op->min_digits + 1, dig, &e);
    put(o, dig[0]);
    frac = n - 1;
    if (frac > 0) {
        put(o, '.');
        put_n(o, dig + 1, frac);
    }
    if (op->trim != HR_TRIM_POINT && frac == 0)
        put(o, '.');
    add = op->unique ? op->min_digits : op->precision;
    add = add < 0 ? 0 : add;
    if (op->trim == HR_TRIM_ONE_ZERO && frac == 0) {
        put(o, '0');
        frac++;
    } else if (op->trim == HR_TRIM_KEEP) {
        for (; frac < add; frac++)
            put(o, '0');
    }
    trim_zeros(o, &frac, op->trim, 0);
    ne = op->exp_digits < 0 ? 2 : op->exp_digits > 5 ? 5 : op->exp_digits;
    put(o, 'e');
    put(o, e < 0 ? '-' : '+');
    e = e < 0 ? -e : e;
    for (i = 0; i < 5; i++) {
        ex[i] = (char)('0' + e % 10);
        e /= 10;
    }
    for (i = 5; i > ne && ex[i - 1] == '0'; i--)
        continue;
    for (; i > 0; i--)
        put(o, ex[i - 1]);
    return finish(o);
}

void hr_flt_opts_default(struct hr_flt_opts *o, int scientific)
{
    o->scientific = scientific;
    o->unique = 1;
    o->fractional = 1;
    o->precision = -1;
    o->min_digits = -1;
    o->trim = HR_TRIM_KEEP;
    o->sign = 0;
    o->pad_left = -1;
    o->pad_right = -1;
    o->exp_digits = -1;
}

int hr_flt_format(const struct hr_flt *v, const struct hr_flt_opts *op,
                  char *buf, size_t cap)
{
    struct out o = { buf, cap, 0, 0 };
    char sign = v->neg ? '-' : op->sign ? '+' : 0;

    if (v->kind != HR_FLT_FINITE) {
        /* NumPy signs inf but never nan */
        if (v->kind == HR_FLT_INF && sign)
            put(&o, sign);
        put_n(&o, v->kind == HR_FLT_INF ? "inf" : "nan", 3);
        return finish(&o);
    }
    if (op->scientific)
        return scientific(v, op, sign, &o);
    return positional(v, op, sign, &o);
}
