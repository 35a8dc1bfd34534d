/* fltdig.c - the decimal digits of float16, float32 and float64 values:
 * shortest unique or exact, with NumPy's Dragon4 cutoffs and rounding */
#include "fltfmt.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define BIG_BLOCKS 48       /* 1536 bits: float64 needs about 1140 */
#define DIGITS_MAX HR_FLT_DIGITS

/* ---- unsigned big integers, just what digit generation needs ---- */

struct big {
    int n;                  /* blocks in use; no zero block on top */
    uint32_t b[BIG_BLOCKS]; /* least significant first */
};

static void big_set(struct big *a, uint64_t v)
{
    a->n = 0;
    while (v != 0) {
        a->b[a->n++] = (uint32_t)v;
        v >>= 32;
    }
}

static void big_shl(struct big *a, int k)
{
    int words = k / 32;
    int bits = k % 32;
    int i;

    if (a->n == 0 || k == 0)
        return;
    assert(a->n + words + 1 <= BIG_BLOCKS);
    a->b[a->n + words] = 0;
    for (i = a->n - 1; i >= 0; i--) {
        uint64_t w = (uint64_t)a->b[i] << bits;

        a->b[i + words + 1] |= (uint32_t)(w >> 32);
        a->b[i + words] = (uint32_t)w;
    }
    for (i = 0; i < words; i++)
        a->b[i] = 0;
    a->n += words + 1;
    while (a->n > 0 && a->b[a->n - 1] == 0)
        a->n--;
}

static void big_pow2(struct big *a, int k)
{
    big_set(a, 1);
    big_shl(a, k);
}

static void big_mul_small(struct big *a, uint32_t m)
{
    uint64_t carry = 0;
    int i;

    for (i = 0; i < a->n; i++) {
        uint64_t w = (uint64_t)a->b[i] * m + carry;

        a->b[i] = (uint32_t)w;
        carry = w >> 32;
    }
    if (carry != 0) {
        assert(a->n < BIG_BLOCKS);
        a->b[a->n++] = (uint32_t)carry;
    }
}

static void big_mul_pow10(struct big *a, int k)
{
    static const uint32_t p10[10] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
        1000000000
    };

    for (; k >= 9; k -= 9)
        big_mul_small(a, p10[9]);
    if (k > 0)
        big_mul_small(a, p10[k]);
}

static int big_cmp(const struct big *a, const struct big *b)
{
    int i;

    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--) {
        if (a->b[i] != b->b[i])
            return a->b[i] < b->b[i] ? -1 : 1;
    }
    return 0;
}

static void big_add(struct big *r, const struct big *a, const struct big *b)
{
    const struct big *lo = a->n < b->n ? a : b;
    const struct big *hi = a->n < b->n ? b : a;
    uint64_t carry = 0;
    int i;

    for (i = 0; i < hi->n; i++) {
        uint64_t w = (uint64_t)hi->b[i] + carry;

        if (i < lo->n)
            w += lo->b[i];
        r->b[i] = (uint32_t)w;
        carry = w >> 32;
    }
    r->n = hi->n;
    if (carry != 0) {
        assert(r->n < BIG_BLOCKS);
        r->b[r->n++] = (uint32_t)carry;
    }
}

/* a -= b, where a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    int i;

    for (i = 0; i < a->n; i++) {
        int64_t w = (int64_t)a->b[i] - borrow - (i < b->n ? b->b[i] : 0);

        borrow = w < 0;
        a->b[i] = (uint32_t)(w + (borrow << 32));
    }
    while (a->n > 0 && a->b[a->n - 1] == 0)
        a->n--;
}

/* q = r / s for r < 10 s; r becomes the remainder */
static int big_digit(struct big *r, const struct big *s)
{
    int q = 0;

    while (big_cmp(r, s) >= 0) {
        big_sub(r, s);
        q++;
    }
    assert(q <= 9);
    return q;
}

/* ---- splitting values ---- */

static void split(uint64_t frac, int bexp, int fbits, int bias, int emax,
                  int neg, struct hr_flt *out)
{
    memset(out, 0, sizeof *out);
    out->neg = neg;
    if (bexp == emax) {
        out->kind = frac == 0 ? HR_FLT_INF : HR_FLT_NAN;
        return;
    }
    if (bexp == 0) {
        out->mant = frac;
        out->exp = 1 - bias - fbits;
    } else {
        out->mant = frac | (uint64_t)1 << fbits;
        out->exp = bexp - bias - fbits;
        out->unequal = frac == 0 && bexp > 1;
    }
}

void hr_flt_from_f64(double v, struct hr_flt *out)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    split(u & (((uint64_t)1 << 52) - 1), (int)(u >> 52 & 0x7ff), 52, 1023,
          0x7ff, (int)(u >> 63), out);
}

void hr_flt_from_f32(float v, struct hr_flt *out)
{
    uint32_t u;

    memcpy(&u, &v, sizeof u);
    split(u & 0x7fffff, (int)(u >> 23 & 0xff), 23, 127, 0xff,
          (int)(u >> 31), out);
}

void hr_flt_from_f16(uint16_t bits, struct hr_flt *out)
{
    split(bits & 0x3ff, bits >> 10 & 0x1f, 10, 15, 0x1f, bits >> 15, out);
}

uint16_t hr_flt_to_f16(double v)
{
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double a = fabs(v);
    double m;
    int e;

    if (isnan(v))
        return sign | 0x7e00;
    if (a >= 65520.0)           /* 65504 + half its gap: rounds to inf */
        return sign | 0x7c00;
    if (a < 0x1p-14) {          /* subnormal: units of 2^-24 */
        m = nearbyint(a * 0x1p24);
        return sign | (uint16_t)m;  /* 1024 becomes the smallest normal */
    }
    m = frexp(a, &e);           /* a = m 2^e, m in [0.5, 1) */
    m = nearbyint(m * 2048.0);  /* 11 bits, ties to even */
    if (m == 2048.0) {
        m = 1024.0;
        e++;
    }
    return sign | (uint16_t)((e + 14) << 10) | (uint16_t)((int)m - 1024);
}

/* ---- digit generation ---- */

int hr_flt_digits(const struct hr_flt *v, int unique, int frac,
                      int cut_max, int cut_min, char *dig, int *exp10)
{
    struct big r, s, mlo, mhi, t;
    int even = (v->mant & 1) == 0;
    int low = 0;
    int high = 0;
    int down;
    int k, kmax, kmin;
    int mbit = 63 - __builtin_clzll(v->mant | 1);
    int d;
    int n = 0;

    if (v->mant == 0) {
        dig[0] = '0';
        *exp10 = 0;
        return 1;
    }
    /* value = r / s, the half-gaps to the neighbours mlo / s and mhi / s,
     * all scaled by 4 so that the smaller half-gap is a whole number */
    big_set(&r, v->mant);
    if (v->exp >= 0) {
        big_shl(&r, v->exp + 2);
        big_set(&s, 4);
        big_pow2(&mhi, v->exp + 1);
        big_pow2(&mlo, v->unequal ? v->exp : v->exp + 1);
    } else {
        big_shl(&r, 2);
        big_pow2(&s, 2 - v->exp);
        big_set(&mhi, 2);
        big_set(&mlo, v->unequal ? 1 : 2);
    }
    /* k: 10^(k-1) <= value < 10^k, estimated low by at most one */
    k = (int)ceil((double)(mbit + v->exp) * 0.30102999566398119521 - 0.69);
    if (frac && cut_max >= 0 && k <= -cut_max)
        k = -cut_max + 1;
    if (k > 0) {
        big_mul_pow10(&s, k);
    } else if (k < 0) {
        big_mul_pow10(&r, -k);
        big_mul_pow10(&mlo, -k);
        big_mul_pow10(&mhi, -k);
    }
    if (big_cmp(&r, &s) >= 0) {
        k++;
    } else {
        big_mul_small(&r, 10);
        big_mul_small(&mlo, 10);
        big_mul_small(&mhi, 10);
    }
    kmax = k - DIGITS_MAX;
    if (cut_max >= 0 && (frac ? -cut_max : k - cut_max) > kmax)
        kmax = frac ? -cut_max : k - cut_max;
    kmin = k;
    if (cut_min >= 0 && (frac ? -cut_min : k - cut_min) < kmin)
        kmin = frac ? -cut_min : k - cut_min;
    *exp10 = k - 1;
    for (;;) {
        k--;
        d = big_digit(&r, &s);
        if (unique) {
            big_add(&t, &r, &mhi);
            low = even ? big_cmp(&r, &mlo) <= 0 : big_cmp(&r, &mlo) < 0;
            high = even ? big_cmp(&t, &s) >= 0 : big_cmp(&t, &s) > 0;
            if (((low || high) && k <= kmin) || k == kmax)
                break;
        } else if (r.n == 0 || k == kmax) {
            break;
        }
        dig[n++] = (char)('0' + d);
        big_mul_small(&r, 10);
        if (unique) {
            big_mul_small(&mlo, 10);
            big_mul_small(&mhi, 10);
        }
    }
    /* the last digit: towards the side within the margin, else nearest
     * with ties to an even digit */
    down = low;
    if (low == high) {
        big_add(&t, &r, &r);
        down = big_cmp(&t, &s) < 0 || (big_cmp(&t, &s) == 0 && d % 2 == 0);
    }
    if (down || d < 9) {
        dig[n++] = (char)('0' + d + !down);
        return n;
    }
    while (n > 0 && dig[n - 1] == '9')
        n--;
    if (n == 0) {
        dig[n++] = '1';
        (*exp10)++;
    } else {
        dig[n - 1]++;
    }
    return n;
}
