/* test_kern.c - native kernels against long double references */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotrun.h"
#include "pool.h"

enum layout { L_C, L_F, L_STRIDED, L_NEG, NLAYOUTS };

static const char *layout_names[NLAYOUTS] = { "C", "F", "strided", "neg" };

static const int64_t itemsize[HR_NDTYPES] = {
    1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16
};

/* An array built by hand: a view over owned memory, and the value of each
 * element in C order as the kernels must read it. */
struct tarr {
    struct hr_array a;
    char *mem;                  /* owned backing store */
    double *val;                /* owned, a.size entries */
};

/* ---- hr_fail: the host's lives in api.c; this one records ---- */

static char fail_msg[1024];
static int fail_count;
static jmp_buf *fail_jmp;       /* set: hr_fail() jumps there */

void hr_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fail_msg, sizeof fail_msg, fmt, ap);
    va_end(ap);
    fail_count++;
    if (fail_jmp != NULL)
        longjmp(*fail_jmp, 1);
}

static void fail_reset(void)
{
    fail_msg[0] = '\0';
    fail_count = 0;
}

/* ---- random values ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t r)
{
    return (double)(r >> 11) * 0x1p-53;
}

/* A half's value by arithmetic, independent of kern.c's bit assembly. */
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    double m = h & 0x3ff;
    double v;

    if (e == 31)
        v = m == 0 ? INFINITY : NAN;
    else if (e == 0)
        v = ldexp(m, -24);
    else
        v = ldexp(1024 + m, e - 25);
    return h & 0x8000 ? -v : v;
}

/* The half that holds v exactly (NaN, infinities, zero, or a normal with
 * at most 11 significant bits); other values are a test bug. */
static uint16_t half_bits(double v)
{
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double m;
    int e;

    if (isnan(v))
        return 0x7e00;
    if (isinf(v))
        return sign | 0x7c00;
    if (v == 0)
        return sign;
    m = frexp(fabs(v), &e);             /* v = m * 2^e, m in [0.5, 1) */
    assert_true(e >= -13 && e <= 16 && ldexp(m, 11) == floor(ldexp(m, 11)));
    return sign | (uint16_t)((e + 14) << 10) |
           (uint16_t)(ldexp(m, 11) - 1024);
}

/* Writes an element of dtype at p made from v (a double the caller chose)
 * or, when raw, from random bits r; returns its value as the kernels must
 * see it (converted here independently of kern.c). */
static double put(int dtype, char *p, uint64_t r, int raw, double v)
{
    union {
        uint8_t u8;
        int8_t i8;
        int16_t i16;
        uint16_t u16;
        int32_t i32;
        uint32_t u32;
        int64_t i64;
        uint64_t u64;
        float f[2];
        double d[2];
    } e;
    double out = 0.0;

    memset(&e, 0, sizeof e);
    if (!raw && dtype < HR_FLOAT16)
        r = (uint64_t)(int64_t)v;
    switch (dtype) {
    case HR_BOOL: e.u8 = r & 1; out = e.u8; break;
    case HR_INT8: e.i8 = (int8_t)r; out = e.i8; break;
    case HR_INT16: e.i16 = (int16_t)r; out = e.i16; break;
    case HR_INT32: e.i32 = (int32_t)r; out = e.i32; break;
    case HR_INT64: e.i64 = (int64_t)r; out = (double)e.i64; break;
    case HR_UINT8: e.u8 = (uint8_t)r; out = e.u8; break;
    case HR_UINT16: e.u16 = (uint16_t)r; out = e.u16; break;
    case HR_UINT32: e.u32 = (uint32_t)r; out = e.u32; break;
    case HR_UINT64: e.u64 = r; out = (double)e.u64; break;
    case HR_FLOAT16:
        if (raw) {
            e.u16 = (uint16_t)r;
            if ((e.u16 & 0x7c00) == 0x7c00)
                e.u16 &= 0xbfff;        /* finite: no inf or NaN */
        } else {
            e.u16 = half_bits(v);
        }
        out = half_value(e.u16);
        break;
    case HR_FLOAT32:
        e.f[0] = raw ? (float)(uniform(r) * 2 - 1) : (float)v;
        out = e.f[0];
        break;
    case HR_FLOAT64:
        e.d[0] = raw ? uniform(r) * 2 - 1 : v;
        out = e.d[0];
        break;
    case HR_COMPLEX64:
        e.f[0] = raw ? (float)(uniform(r) * 2 - 1) : (float)v;
        e.f[1] = NAN;                   /* the imaginary part is ignored */
        out = e.f[0];
        break;
    case HR_COMPLEX128:
        e.d[0] = raw ? uniform(r) * 2 - 1 : v;
        e.d[1] = NAN;
        out = e.d[0];
        break;
    }
    memcpy(p, &e, (size_t)itemsize[dtype]);
    return out;
}

/* ---- building arrays ---- */

static int64_t product(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    int k;

    for (k = 0; k < ndim; k++)
        n *= shape[k];
    return n;
}

static int64_t offset_of(const struct hr_array *a, int64_t i)
{
    int64_t off = 0;
    int k;

    for (k = a->ndim - 1; k >= 0; k--) {
        off += i % a->shape[k] * a->strides[k];
        i /= a->shape[k];
    }
    return off;
}

/* An array of dtype and shape in the given layout: L_STRIDED takes every
 * other element of the last axis of a padded parent, L_NEG is C order with
 * the first axis reversed.  The gaps hold 0xff bytes (NaN for floats).
 * Elements come from gen(i) when gen is not NULL, else random bits. */
static struct tarr *make(int dtype, int ndim, const int64_t *shape,
                         enum layout layout, double (*gen)(int64_t))
{
    struct tarr *t = calloc(1, sizeof *t);
    int64_t isz = itemsize[dtype];
    int64_t n = product(ndim, shape);
    int64_t span = 1;
    int64_t i;
    int k;

    assert_non_null(t);
    t->a.dtype = dtype;
    t->a.ndim = ndim;
    t->a.size = n;
    t->a.itemsize = isz;
    t->a.nbytes = n * isz;
    t->a.name = "test";
    for (k = 0; k < ndim; k++)
        t->a.shape[k] = shape[k];
    if (layout == L_F) {
        for (k = 0; k < ndim; k++) {
            t->a.strides[k] = span * isz;
            span *= shape[k];
        }
    } else {
        for (k = ndim - 1; k >= 0; k--) {
            int64_t ext = shape[k];

            if (layout == L_STRIDED)
                ext = k == ndim - 1 ? 2 * shape[k] : shape[k] + 1;
            t->a.strides[k] = span * isz * (layout == L_STRIDED &&
                                            k == ndim - 1 ? 2 : 1);
            span *= ext;
        }
    }
    t->mem = malloc((size_t)(span * isz + 16));
    t->val = malloc((size_t)(n + 1) * sizeof *t->val);
    assert_non_null(t->mem);
    assert_non_null(t->val);
    memset(t->mem, 0xff, (size_t)(span * isz + 16));
    t->a.data = t->mem;
    if (layout == L_NEG && ndim > 0 && shape[0] > 0) {
        t->a.data = t->mem + (shape[0] - 1) * t->a.strides[0];
        t->a.strides[0] = -t->a.strides[0];
    }
    if (layout == L_C || ndim <= 1)
        t->a.flags |= HR_C_CONTIGUOUS;
    if (layout == L_F || ndim <= 1)
        t->a.flags |= HR_F_CONTIGUOUS;
    if (layout == L_STRIDED || layout == L_NEG)
        t->a.flags = 0;
    for (i = 0; i < n; i++) {
        char *p = (char *)t->a.data + offset_of(&t->a, i);

        if (gen != NULL)
            t->val[i] = put(dtype, p, 0, 0, gen(i));
        else
            t->val[i] = put(dtype, p, rnd(), 1, 0.0);
    }
    return t;
}

static void tfree(struct tarr *t)
{
    if (t == NULL)
        return;
    free(t->mem);
    free(t->val);
    free(t);
}

/* A view of existing doubles: C order, or with the given strides. */
static struct hr_array view_f64(const double *x, int ndim,
                                const int64_t *shape, const int64_t *strides)
{
    struct hr_array a;
    int64_t span = 8;
    int k;

    memset(&a, 0, sizeof a);
    a.data = x;
    a.dtype = HR_FLOAT64;
    a.ndim = ndim;
    a.itemsize = 8;
    a.size = product(ndim, shape);
    a.nbytes = a.size * 8;
    for (k = ndim - 1; k >= 0; k--) {
        a.shape[k] = shape[k];
        a.strides[k] = strides != NULL ? strides[k] : span;
        span *= shape[k];
    }
    a.flags = strides == NULL ? HR_C_CONTIGUOUS : 0;
    a.name = "view";
    return a;
}

/* ---- references ---- */

static void assert_near(double got, long double want, long double tol,
                        const char *what)
{
    if (isnan((double)want) && isnan(got))
        return;
    if (fabsl((long double)got - want) > tol) {
        print_error("%s: got %.17g, want %.17Lg (tolerance %Lg)\n", what, got,
                    want, tol);
        fail();
    }
}

static void assert_same(double got, double want, const char *what)
{
    if (isnan(want) && isnan(got))
        return;
    if (!(got == want)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

static double edge_ref(double lo, double hi, int64_t nbins, int64_t k)
{
    double step = (hi - lo) / (double)nbins;

    return k == nbins ? hi : (double)k * step + lo;
}

/* numpy.histogram's bins, by binary search over the edges */
static int64_t hist_ref(const double *v, int64_t n, double lo, double hi,
                        int64_t nbins, int64_t *counts)
{
    int64_t got = 0;
    int64_t i;

    memset(counts, 0, (size_t)nbins * sizeof *counts);
    for (i = 0; i < n; i++) {
        int64_t a = 0;
        int64_t b = nbins;

        if (!(v[i] >= lo && v[i] <= hi))
            continue;
        /* largest a with edge(a) <= v, capped at the last bin */
        while (b - a > 1) {
            int64_t m = (a + b) / 2;

            if (edge_ref(lo, hi, nbins, m) <= v[i])
                a = m;
            else
                b = m;
        }
        counts[a]++;
        got++;
    }
    return got;
}

static int64_t rows_of(const struct hr_array *a)
{
    return a->ndim >= 2 ? a->shape[0] : 1;
}

static int64_t cols_of(const struct hr_array *a)
{
    if (a->ndim == 0)
        return 1;
    if (a->ndim == 1)
        return a->shape[0];
    return product(a->ndim - 1, a->shape + 1);
}

/* Every full reduction of t against a long double reference. */
static void check_full(const struct tarr *t, const char *what)
{
    int64_t n = t->a.size;
    long double s = 0;
    long double sq = 0;
    long double sabs = 0;
    long double ssd = 0;
    long double mean;
    double mn = INFINITY;
    double mx = -INFINITY;
    char msg[160];
    int64_t i;

    for (i = 0; i < n; i++) {
        long double v = t->val[i];

        s += v;
        sq += v * v;
        sabs += fabsl(v);
        mn = t->val[i] < mn || isnan(t->val[i]) ? t->val[i] : mn;
        mx = t->val[i] > mx || isnan(t->val[i]) ? t->val[i] : mx;
    }
    mean = n > 0 ? s / n : NAN;
    for (i = 0; i < n; i++)
        ssd += (t->val[i] - mean) * (t->val[i] - mean);
    snprintf(msg, sizeof msg, "%s sum", what);
    assert_near(hr_sum(&t->a), s, 1e-12L * sabs, msg);
    snprintf(msg, sizeof msg, "%s sumsq", what);
    assert_near(hr_sumsq(&t->a), sq, 1e-12L * sq, msg);
    snprintf(msg, sizeof msg, "%s dot self", what);
    assert_near(hr_dot(&t->a, &t->a), sq, 1e-12L * sq, msg);
    snprintf(msg, sizeof msg, "%s mean", what);
    assert_near(hr_mean(&t->a), mean, n > 0 ? 1e-12L * sabs / n : 0, msg);
    snprintf(msg, sizeof msg, "%s var", what);
    assert_near(hr_var(&t->a), n > 0 ? ssd / n : NAN,
                n > 0 ? 1e-10L * (ssd / n) + 1e-12L * mean * mean : 0, msg);
    snprintf(msg, sizeof msg, "%s min", what);
    assert_same(hr_min(&t->a), n > 0 ? mn : NAN, msg);
    snprintf(msg, sizeof msg, "%s max", what);
    assert_same(hr_max(&t->a), n > 0 ? mx : NAN, msg);
}

/* The eight row and column forms of t against references. */
static void check_axes(const struct tarr *t, const char *what)
{
    int64_t nr = rows_of(&t->a);
    int64_t nc = cols_of(&t->a);
    int64_t len = (nr > nc ? nr : nc) + 1;
    double *out = malloc((size_t)len * sizeof *out);
    long double *s = calloc((size_t)len, sizeof *s);
    long double *sa = calloc((size_t)len, sizeof *sa);
    double *mn = malloc((size_t)len * sizeof *mn);
    double *mx = malloc((size_t)len * sizeof *mx);
    char msg[160];
    int by_row;
    int64_t i;
    int64_t j;

    assert_true(out != NULL && s != NULL && sa != NULL && mn != NULL &&
                mx != NULL);
    assert_int_equal(hr_rows(&t->a), nr);
    assert_int_equal(hr_cols(&t->a), nc);
    for (by_row = 0; by_row < 2; by_row++) {
        int64_t no = by_row ? nr : nc;
        int64_t cnt = by_row ? nc : nr;

        for (i = 0; i < no; i++) {
            s[i] = 0;
            sa[i] = 0;
            mn[i] = cnt > 0 ? INFINITY : NAN;
            mx[i] = cnt > 0 ? -INFINITY : NAN;
        }
        for (i = 0; i < nr; i++) {
            for (j = 0; j < nc; j++) {
                double v = t->val[i * nc + j];
                int64_t o = by_row ? i : j;

                s[o] += v;
                sa[o] += fabsl((long double)v);
                mn[o] = v < mn[o] || isnan(v) ? v : mn[o];
                mx[o] = v > mx[o] || isnan(v) ? v : mx[o];
            }
        }
        for (i = 0; i < no; i++)
            out[i] = -12345.0;
        (by_row ? hr_row_sums : hr_col_sums)(&t->a, out);
        for (i = 0; i < no; i++) {
            snprintf(msg, sizeof msg, "%s %s sum %lld", what,
                     by_row ? "row" : "col", (long long)i);
            assert_near(out[i], s[i], 1e-12L * sa[i], msg);
        }
        (by_row ? hr_row_means : hr_col_means)(&t->a, out);
        for (i = 0; i < no; i++) {
            snprintf(msg, sizeof msg, "%s %s mean %lld", what,
                     by_row ? "row" : "col", (long long)i);
            assert_near(out[i], cnt > 0 ? s[i] / cnt : NAN,
                        cnt > 0 ? 1e-12L * sa[i] / cnt : 0, msg);
        }
        (by_row ? hr_row_mins : hr_col_mins)(&t->a, out);
        for (i = 0; i < no; i++) {
            snprintf(msg, sizeof msg, "%s %s min %lld", what,
                     by_row ? "row" : "col", (long long)i);
            assert_same(out[i], mn[i], msg);
        }
        (by_row ? hr_row_maxs : hr_col_maxs)(&t->a, out);
        for (i = 0; i < no; i++) {
            snprintf(msg, sizeof msg, "%s %s max %lld", what,
                     by_row ? "row" : "col", (long long)i);
            assert_same(out[i], mx[i], msg);
        }
    }
    free(out);
    free(s);
    free(sa);
    free(mn);
    free(mx);
}

static void check_hist(const struct tarr *t, double lo, double hi,
                       int64_t nbins, const char *what)
{
    int64_t *got = malloc((size_t)nbins * sizeof *got);
    int64_t *want = malloc((size_t)nbins * sizeof *want);
    int64_t k;

    assert_true(got != NULL && want != NULL);
    for (k = 0; k < nbins; k++)
        got[k] = 777;
    if (hr_histogram(&t->a, lo, hi, nbins, got) !=
        hist_ref(t->val, t->a.size, lo, hi, nbins, want)) {
        print_error("%s: histogram total differs\n", what);
        fail();
    }
    for (k = 0; k < nbins; k++) {
        if (got[k] != want[k]) {
            print_error("%s: bin %lld has %lld, want %lld\n", what,
                        (long long)k, (long long)got[k],
                        (long long)want[k]);
            fail();
        }
    }
    free(got);
    free(want);
}

static void check_all(const struct tarr *t, const char *what)
{
    double lo = hr_min(&t->a);
    double hi = hr_max(&t->a);
    char msg[200];

    check_full(t, what);
    check_axes(t, what);
    if (t->a.size > 0 && lo < hi) {
        snprintf(msg, sizeof msg, "%s hist", what);
        check_hist(t, lo, hi, 7, msg);
        check_hist(t, lo + (hi - lo) / 10, hi - (hi - lo) / 3, 64, msg);
    }
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    return hr_pool_start(0);
}

static int group_teardown(void **state)
{
    (void)state;
    hr_pool_stop();
    return 0;
}

/* ---- tests ---- */

static const int64_t shapes[][4] = {
    /* ndim, shape... */
    { 0 }, { 1, 1000 }, { 2, 37, 53 }, { 3, 4, 5, 6 }, { 2, 300, 700 },
    { 2, 1, 17 }, { 2, 19, 1 },
};

static void test_kern_every_dtype_and_layout_matches_reference(void **state)
{
    size_t s;
    int dtype;
    int layout;

    (void)state;
    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (dtype = 0; dtype < HR_NDTYPES; dtype++) {
            for (layout = 0; layout < NLAYOUTS; layout++) {
                int ndim = (int)shapes[s][0];
                struct tarr *t = make(dtype, ndim, shapes[s] + 1, layout,
                                      NULL);
                char what[120];

                snprintf(what, sizeof what, "dtype %d %s ndim %d shape %lld",
                         dtype, layout_names[layout], ndim,
                         (long long)shapes[s][1]);
                check_all(t, what);
                tfree(t);
            }
        }
    }
}

/* Shapes that take the parallel and blocked paths of the axis forms: long
 * rows, long columns, many outputs, partial results per block of rows. */
static void test_kern_large_shapes_match_reference(void **state)
{
    static const int64_t big[][3] = {
        { 3, 300000 }, { 300000, 3 }, { 2000, 600 }, { 40, 20000 },
        { 17, 70001 }, { 1100, 1000 },
    };
    static const int dtypes[] = { HR_FLOAT64, HR_FLOAT32, HR_INT16 };
    size_t s;
    size_t d;
    int layout;

    (void)state;
    for (s = 0; s < sizeof big / sizeof big[0]; s++) {
        for (d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
            for (layout = 0; layout < NLAYOUTS; layout++) {
                struct tarr *t = make(dtypes[d], 2, big[s], layout, NULL);
                char what[120];

                snprintf(what, sizeof what, "dtype %d %s %lldx%lld",
                         dtypes[d], layout_names[layout],
                         (long long)big[s][0], (long long)big[s][1]);
                check_full(t, what);
                check_axes(t, what);
                tfree(t);
            }
        }
    }
}

static double gen_uniform(int64_t i)
{
    (void)i;
    return uniform(rnd());
}

static void test_kern_sum_accurate_on_1e6_uniform(void **state)
{
    const int64_t shape[1] = { 1000000 };
    struct tarr *t = make(HR_FLOAT64, 1, shape, L_C, gen_uniform);
    long double s = 0;
    long double sq = 0;
    long double ssd = 0;
    long double mean;
    int64_t i;

    (void)state;
    for (i = 0; i < shape[0]; i++) {
        s += t->val[i];
        sq += (long double)t->val[i] * t->val[i];
    }
    mean = s / shape[0];
    for (i = 0; i < shape[0]; i++)
        ssd += (t->val[i] - mean) * (t->val[i] - mean);
    assert_near(hr_sum(&t->a), s, 1e-12L * s, "sum");
    assert_near(hr_sumsq(&t->a), sq, 1e-12L * sq, "sumsq");
    assert_near(hr_mean(&t->a), mean, 1e-12L * mean, "mean");
    assert_near(hr_var(&t->a), ssd / shape[0], 1e-12L * ssd / shape[0],
                "var");
    tfree(t);
}

static void test_kern_dot_matches_reference(void **state)
{
    static const int64_t sa[2] = { 300, 701 };
    static const int64_t sb[3] = { 3, 701, 100 };
    int da;
    int db;

    (void)state;
    for (da = 0; da < HR_NDTYPES; da += 3) {
        for (db = 1; db < HR_NDTYPES; db += 4) {
            struct tarr *a = make(da, 2, sa, da % 2 ? L_F : L_STRIDED, NULL);
            struct tarr *b = make(db, 3, sb, db % 2 ? L_NEG : L_C, NULL);
            long double want = 0;
            long double tol = 0;
            int64_t i;

            for (i = 0; i < a->a.size; i++) {
                want += (long double)a->val[i] * b->val[i];
                tol += fabsl((long double)a->val[i] * b->val[i]);
            }
            assert_near(hr_dot(&a->a, &b->a), want, 1e-12L * tol, "dot");
            assert_near(hr_dot(&b->a, &a->a), want, 1e-12L * tol, "dot");
            tfree(a);
            tfree(b);
        }
    }
}

static void test_kern_nan_propagates(void **state)
{
    static const int64_t shape[2] = { 600, 500 };
    static const int dtypes[] = {
        HR_FLOAT64, HR_FLOAT32, HR_FLOAT16, HR_COMPLEX128
    };
    static const int64_t where[] = { 0, 1234, 299999 };
    size_t d;
    size_t w;
    int layout;

    (void)state;
    for (d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
        for (w = 0; w < sizeof where / sizeof where[0]; w++) {
            for (layout = 0; layout < NLAYOUTS; layout++) {
                struct tarr *t = make(dtypes[d], 2, shape, layout, NULL);
                int64_t i = where[w];
                char *p = (char *)t->a.data + offset_of(&t->a, i);
                double out[600];
                int64_t k;

                t->val[i] = put(dtypes[d], p, 0, 0, NAN);
                assert_true(isnan(hr_sum(&t->a)));
                assert_true(isnan(hr_min(&t->a)));
                assert_true(isnan(hr_max(&t->a)));
                assert_true(isnan(hr_mean(&t->a)));
                assert_true(isnan(hr_var(&t->a)));
                check_hist(t, -2, 2, 4, "nan");     /* NaN not counted */
                check_axes(t, "nan");
                hr_row_mins(&t->a, out);
                for (k = 0; k < shape[0]; k++)
                    assert_int_equal(isnan(out[k]) != 0, k == i / shape[1]);
                hr_col_maxs(&t->a, out);
                for (k = 0; k < shape[1]; k++)
                    assert_int_equal(isnan(out[k]) != 0, k == i % shape[1]);
                tfree(t);
            }
        }
    }
}

static double gen_inf(int64_t i)
{
    return i == 5 ? -INFINITY : i == 77777 ? INFINITY : (double)(i % 100);
}

static void test_kern_infinities_are_not_nan(void **state)
{
    static const int64_t shape[2] = { 400, 300 };
    struct tarr *t = make(HR_FLOAT64, 2, shape, L_F, gen_inf);
    double out[400];

    (void)state;
    assert_true(hr_min(&t->a) == -INFINITY);
    assert_true(hr_max(&t->a) == INFINITY);
    assert_true(isnan(hr_sum(&t->a)));     /* inf - inf */
    hr_row_mins(&t->a, out);
    assert_true(out[0] == -INFINITY);
    assert_true(out[1] == 0.0);
    check_axes(t, "inf");
    tfree(t);
}

static void test_kern_empty_arrays(void **state)
{
    static const int64_t shapes0[][4] = {
        { 1, 0 }, { 2, 0, 5 }, { 2, 5, 0 }, { 3, 2, 0, 3 },
    };
    size_t s;

    (void)state;
    for (s = 0; s < sizeof shapes0 / sizeof shapes0[0]; s++) {
        struct tarr *t = make(HR_FLOAT64, (int)shapes0[s][0], shapes0[s] + 1,
                              L_C, NULL);
        int64_t counts[3] = { 9, 9, 9 };
        double out[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };
        int64_t nr = hr_rows(&t->a);
        int64_t nc = hr_cols(&t->a);
        int64_t i;

        assert_true(hr_sum(&t->a) == 0.0);
        assert_true(hr_sumsq(&t->a) == 0.0);
        assert_true(hr_dot(&t->a, &t->a) == 0.0);
        assert_true(isnan(hr_min(&t->a)));
        assert_true(isnan(hr_max(&t->a)));
        assert_true(isnan(hr_mean(&t->a)));
        assert_true(isnan(hr_var(&t->a)));
        assert_int_equal(hr_histogram(&t->a, 0, 1, 3, counts), 0);
        assert_true(counts[0] == 0 && counts[1] == 0 && counts[2] == 0);
        hr_row_sums(&t->a, out);
        for (i = 0; i < nr; i++)
            assert_true(out[i] == 0.0);
        hr_row_means(&t->a, out);
        for (i = 0; i < nr; i++)
            assert_true(isnan(out[i]));
        hr_col_mins(&t->a, out);
        for (i = 0; i < nc; i++)
            assert_true(isnan(out[i]));
        for (i = nr > nc ? nr : nc; i < 8; i++)
            assert_true(out[i] == 7);       /* nothing written past */
        check_axes(t, "empty");
        tfree(t);
    }
}

struct results {
    double sum, var, dot, min;
    double rows[1500];
    double cols[2000];
    int64_t hist[50];
};

static void results_of(const struct tarr *t, const struct tarr *f,
                       struct results *r)
{
    r->sum = hr_sum(&t->a);
    r->var = hr_var(&t->a);
    r->dot = hr_dot(&t->a, &f->a);
    r->min = hr_min(&t->a);
    hr_row_sums(&t->a, r->rows);
    hr_col_means(&t->a, r->cols);
    hr_histogram(&t->a, -0.5, 0.5, 50, r->hist);
}

static void test_kern_results_deterministic(void **state)
{
    static const int64_t shape[2] = { 1500, 2000 };
    struct tarr *t = make(HR_FLOAT64, 2, shape, L_C, NULL);
    struct tarr *f = make(HR_FLOAT32, 2, shape, L_F, NULL);
    struct results *r = calloc(3, sizeof *r);
    int i;

    (void)state;
    assert_non_null(r);
    assert_true(hr_pool_nthreads() >= 1);
    results_of(t, f, &r[0]);
    results_of(t, f, &r[1]);
    assert_memory_equal(&r[0], &r[1], sizeof r[0]);
    hr_pool_stop();
    assert_int_equal(hr_pool_nthreads(), 1);
    results_of(t, f, &r[2]);
    assert_memory_equal(&r[0], &r[2], sizeof r[0]);
    assert_int_equal(hr_pool_start(2), 0);
    assert_int_equal(hr_pool_nthreads(), 2);
    for (i = 0; i < 5; i++) {
        results_of(t, f, &r[1]);
        assert_memory_equal(&r[0], &r[1], sizeof r[0]);
    }
    free(r);
    tfree(t);
    tfree(f);
}

static void test_kern_histogram_edges(void **state)
{
    static const double v[] = {
        0.0, 1.0, 0.5, 0.3, 0.1, 0.7, 0.9999999999999999, -1e-300,
        1.0000000000000002, NAN, INFINITY, -INFINITY, 0.2, 0.6,
    };
    const int64_t shape[1] = { sizeof v / sizeof v[0] };
    struct hr_array a = view_f64(v, 1, shape, NULL);
    int64_t c[10];
    int64_t want[10];
    int64_t one[1];

    (void)state;
    assert_int_equal(hr_histogram(&a, 0.0, 1.0, 10, c), 9);
    assert_int_equal(c[0], 1);         /* 0.0 */
    assert_int_equal(c[9], 2);         /* 1.0 (closed) and 0.99... */
    assert_int_equal(hist_ref(v, shape[0], 0.0, 1.0, 10, want), 9);
    assert_memory_equal(c, want, sizeof c);
    /* numpy: 0.3 < 3 * 0.1 = 0.30000000000000004, so bin 2 */
    assert_int_equal(c[2], 2);
    assert_int_equal(c[3], 0);
    assert_int_equal(c[5], 2);         /* 0.5 and 0.6 < 6 * 0.1 */
    assert_int_equal(c[6], 1);         /* 0.7 < 7 * 0.1 */
    assert_int_equal(hr_histogram(&a, 0.0, 1.0, 1, one), 9);
    assert_int_equal(one[0], 9);
    assert_int_equal(hr_histogram(&a, 0.25, 0.75, 2, c), 4);
    assert_int_equal(c[0], 1);         /* 0.3 */
    assert_int_equal(c[1], 3);         /* 0.5, 0.6, 0.7 */
    /* many bins: each value in the bin that the edges give */
    {
        static const int64_t shape2[1] = { 100000 };
        struct tarr *t = make(HR_FLOAT64, 1, shape2, L_STRIDED, NULL);

        check_hist(t, -0.9, 0.7, 100003, "many bins");
        check_hist(t, -1.0, 1.0, 3, "few bins");
        check_hist(t, 0.1, 0.1000001, 5, "narrow");
        tfree(t);
    }
}

static double *edge_values;

static double gen_edge(int64_t i)
{
    return edge_values[i];
}

/* Values on every edge and one ulp either side, for ranges whose edges
 * carry rounding error: each must land where the edges say. */
static void test_kern_histogram_values_on_edges(void **state)
{
    static const double ranges[][3] = {
        /* lo, hi, nbins */
        { 0.0, 1.0, 10 }, { -1.0, 2.0, 7 }, { 0.1, 0.7, 1000 },
        { 1e6, 1e6 + 1e-3, 99 }, { -3e-5, -1e-5, 12345 },
        { 1.0, 1.0000000000000004, 2 },
    };
    size_t r;

    (void)state;
    for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        double lo = ranges[r][0];
        double hi = ranges[r][1];
        int64_t nbins = (int64_t)ranges[r][2];
        int64_t shape[1] = { 3 * (nbins + 1) };
        struct tarr *t;
        int64_t k;

        edge_values = malloc((size_t)shape[0] * sizeof *edge_values);
        assert_non_null(edge_values);
        for (k = 0; k <= nbins; k++) {
            double e = edge_ref(lo, hi, nbins, k);

            edge_values[3 * k] = e;
            edge_values[3 * k + 1] = nextafter(e, -INFINITY);
            edge_values[3 * k + 2] = nextafter(e, INFINITY);
        }
        t = make(HR_FLOAT64, 1, shape, L_C, gen_edge);
        check_hist(t, lo, hi, nbins, "edges");
        tfree(t);
        free(edge_values);
        edge_values = NULL;
    }
}

/* The fast paths of hr_histogram: bins whose width is a power of two from
 * 0 (floor alone decides), float32 read in place, many values over
 * several groups and sub-histograms, in every layout, values on the
 * edges included: each bin as the edges give it. */
static void test_kern_histogram_fast_paths_match_reference(void **state)
{
    static const double ranges[][3] = {
        { 0.0, 1.0, 256 }, { 0.0, 2.0, 4 }, { 0.0, 0.375, 3 },
        { 0.0, 1.0, 200 }, { 0.05, 0.95, 200 }, { -1.0, 1.0, 1 },
        { 0.0, 1.0, 16384 }, { 0.0, 1.0, 16385 }, { 0.25, 0.75, 64 },
        { -0.5, 0.5, 10 },
    };
    static const double exact[][3] = {
        { 0.0, 1.0, 256 }, { 2.0, 3.0, 64 }, { -4.0, 4.0, 64 },
        { 0.0, 255.0, 256 }, { 0.0, 1.0, 10 }, { 0.1, 0.7, 1000 },
        /* exact bins, but (next(hi) - lo) * norm rounds below 1 */
        { -0.018100000000000002, 0.054300000000000001, 1 },
    };
    static const int dtypes[] = { HR_FLOAT32, HR_FLOAT64 };
    const int64_t shape[2] = { 700, 450 };
    size_t r, d;
    int layout;

    (void)state;
    for (d = 0; d < 2; d++) {
        for (layout = 0; layout < NLAYOUTS; layout++) {
            struct tarr *t = make(dtypes[d], 2, shape, layout,
                                  gen_uniform);
            char what[120];

            for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
                snprintf(what, sizeof what, "dtype %d %s [%g, %g) %g bins",
                         dtypes[d], layout_names[layout], ranges[r][0],
                         ranges[r][1], ranges[r][2]);
                check_hist(t, ranges[r][0], ranges[r][1],
                           (int64_t)ranges[r][2], what);
            }
            tfree(t);
        }
    }
    /* values on and beside every edge of ranges whose bins the estimate
     * alone may decide (and two whose it may not), as float32 too */
    for (r = 0; r < sizeof exact / sizeof exact[0]; r++) {
        double lo = exact[r][0];
        double hi = exact[r][1];
        int64_t nbins = (int64_t)exact[r][2];
        int64_t one[1] = { 3 * (nbins + 1) + 3 };
        int64_t k;

        edge_values = malloc((size_t)one[0] * sizeof *edge_values);
        assert_non_null(edge_values);
        for (k = 0; k <= nbins; k++) {
            double e = edge_ref(lo, hi, nbins, k);

            edge_values[3 * k] = e;
            edge_values[3 * k + 1] = nextafter(e, -INFINITY);
            edge_values[3 * k + 2] = nextafter(e, INFINITY);
        }
        edge_values[one[0] - 3] = -0.0;
        edge_values[one[0] - 2] = NAN;
        edge_values[one[0] - 1] = 1e300;
        for (d = 0; d < 2; d++) {
            struct tarr *t = make(dtypes[d], 1, one, L_C, gen_edge);

            check_hist(t, lo, hi, nbins, "edges");
            tfree(t);
        }
        free(edge_values);
        edge_values = NULL;
    }
}

static void test_kern_histogram_rejects_bad_args(void **state)
{
    static const double v[4] = { 1, 2, 3, 4 };
    const int64_t shape[1] = { 4 };
    struct hr_array a = view_f64(v, 1, shape, NULL);
    int64_t c[4] = { 5, 5, 5, 5 };

    (void)state;
    fail_reset();
    assert_int_equal(hr_histogram(&a, 0, 1, 0, c), 0);
    assert_int_equal(fail_count, 1);
    assert_non_null(strstr(fail_msg, "nbins"));
    fail_reset();
    assert_int_equal(hr_histogram(&a, 1, 1, 4, c), 0);
    assert_int_equal(fail_count, 1);
    assert_non_null(strstr(fail_msg, "range"));
    fail_reset();
    assert_int_equal(hr_histogram(&a, 2, 1, 4, c), 0);
    assert_int_equal(fail_count, 1);
    fail_reset();
    assert_int_equal(hr_histogram(&a, NAN, 1, 4, c), 0);
    assert_int_equal(fail_count, 1);
    fail_reset();
    assert_int_equal(hr_histogram(&a, 0, INFINITY, 4, c), 0);
    assert_int_equal(fail_count, 1);
    fail_reset();
    assert_int_equal(hr_histogram(&a, 0, 1, 4, NULL), 0);
    assert_int_equal(fail_count, 1);
    fail_reset();
}

static void test_kern_dot_rejects_size_mismatch(void **state)
{
    static const double v[6] = { 1, 2, 3, 4, 5, 6 };
    const int64_t s6[1] = { 6 };
    const int64_t s5[1] = { 5 };
    const int64_t s23[2] = { 2, 3 };
    struct hr_array a = view_f64(v, 1, s6, NULL);
    struct hr_array b = view_f64(v, 1, s5, NULL);
    struct hr_array c = view_f64(v, 2, s23, NULL);

    (void)state;
    fail_reset();
    assert_true(isnan(hr_dot(&a, &b)));
    assert_int_equal(fail_count, 1);
    assert_string_equal(fail_msg, "hr_dot: sizes differ (6 vs 5)");
    fail_reset();
    /* same size, other shape: element i of each in C order */
    assert_true(hr_dot(&a, &c) == 91.0);
    assert_int_equal(fail_count, 0);
}

static void test_kern_rejects_bad_arrays(void **state)
{
    static const double v[4] = { 1, 2, 3, 4 };
    const int64_t shape[1] = { 4 };
    struct hr_array a = view_f64(v, 1, shape, NULL);
    struct hr_array bad;
    double out[4] = { 0 };

    (void)state;
    fail_reset();
    assert_true(isnan(hr_sum(NULL)));
    assert_int_equal(fail_count, 1);
    assert_non_null(strstr(fail_msg, "hr_sum"));
    bad = a;
    bad.dtype = HR_NDTYPES;
    fail_reset();
    assert_true(isnan(hr_max(&bad)));
    assert_non_null(strstr(fail_msg, "dtype"));
    bad = a;
    bad.ndim = HR_MAX_NDIM + 1;
    fail_reset();
    assert_true(isnan(hr_var(&bad)));
    assert_int_equal(fail_count, 1);
    bad = a;
    bad.shape[0] = -1;
    fail_reset();
    hr_row_sums(&bad, out);
    assert_int_equal(fail_count, 1);
    bad = a;
    bad.itemsize = 4;
    fail_reset();
    assert_true(isnan(hr_mean(&bad)));
    assert_int_equal(fail_count, 1);
    bad = a;
    bad.data = NULL;
    fail_reset();
    assert_true(isnan(hr_min(&bad)));
    assert_int_equal(fail_count, 1);
    fail_reset();
    hr_col_sums(&a, NULL);
    assert_int_equal(fail_count, 1);
    assert_non_null(strstr(fail_msg, "hr_col_sums"));
    fail_reset();
    assert_int_equal(hr_rows(NULL), 0);
    assert_int_equal(fail_count, 1);
    fail_reset();
}

/* The host's hr_fail() ends the run with a longjmp: nothing may be left
 * allocated or locked (the sanitizer build checks for leaks). */
static void test_kern_fail_can_longjmp(void **state)
{
    static const double v[4] = { 1, 2, 3, 4 };
    const int64_t s4[1] = { 4 };
    const int64_t s3[1] = { 3 };
    struct hr_array a = view_f64(v, 1, s4, NULL);
    struct hr_array b = view_f64(v, 1, s3, NULL);
    jmp_buf jb;
    int64_t c[2];

    (void)state;
    fail_reset();
    fail_jmp = &jb;
    if (setjmp(jb) == 0) {
        hr_dot(&a, &b);
        fail_jmp = NULL;
        fail();
    }
    if (setjmp(jb) == 0) {
        hr_histogram(&a, 0, 1, -3, c);
        fail_jmp = NULL;
        fail();
    }
    fail_jmp = NULL;
    assert_int_equal(fail_count, 2);
    assert_true(hr_sum(&a) == 10.0);    /* the pool still works */
    fail_reset();
}

static void test_kern_float16_exact(void **state)
{
    const int64_t shape[2] = { 65536, 1 };
    uint16_t *h = malloc(65536 * sizeof *h);
    double *out = malloc(65536 * sizeof *out);
    struct hr_array a;
    int64_t i;

    (void)state;
    assert_true(h != NULL && out != NULL);
    for (i = 0; i < 65536; i++)
        h[i] = (uint16_t)i;
    memset(&a, 0, sizeof a);
    a.data = h;
    a.dtype = HR_FLOAT16;
    a.ndim = 2;
    a.shape[0] = shape[0];
    a.shape[1] = shape[1];
    a.strides[0] = 2;
    a.strides[1] = 2;
    a.size = 65536;
    a.itemsize = 2;
    a.nbytes = 2 * 65536;
    a.flags = HR_C_CONTIGUOUS;
    hr_row_mins(&a, out);
    for (i = 0; i < 65536; i++) {
        double want = half_value(h[i]);

#ifdef __FLT16_MAX__
        {
            _Float16 f;     /* the compiler's own conversion agrees */

            memcpy(&f, &h[i], sizeof f);
            assert_true((double)f == want || (isnan(want) && f != f));
        }
#endif
        if (isnan(want)) {
            assert_true(isnan(out[i]));
            continue;
        }
        if (out[i] != want || signbit(out[i]) != signbit(want)) {
            print_error("half 0x%04llx: got %a, want %a\n", (long long)i,
                        out[i], want);
            fail();
        }
    }
    free(h);
    free(out);
}

static void test_kern_complex_uses_real_part(void **state)
{
    double z[8] = { 1, 100, 2, 200, 3, NAN, -4, 400 };
    float zf[8] = { 1, 100, 2, 200, 3, NAN, -4, 400 };
    const int64_t shape[2] = { 2, 2 };
    struct hr_array a = view_f64(z, 2, shape, NULL);
    double out[2];

    (void)state;
    a.dtype = HR_COMPLEX128;
    a.itemsize = 16;
    a.strides[0] = 32;
    a.strides[1] = 16;
    assert_true(hr_sum(&a) == 2.0);
    assert_true(hr_min(&a) == -4.0);
    assert_true(hr_max(&a) == 3.0);
    assert_true(hr_sumsq(&a) == 30.0);
    hr_col_sums(&a, out);
    assert_true(out[0] == 4.0 && out[1] == -2.0);
    a.data = zf;
    a.dtype = HR_COMPLEX64;
    a.itemsize = 8;
    a.strides[0] = 16;
    a.strides[1] = 8;
    assert_true(hr_sum(&a) == 2.0);
    hr_row_maxs(&a, out);
    assert_true(out[0] == 2.0 && out[1] == 3.0);
}

/* Float64 that may not be aligned: a view at mem + shift whose rows are
 * pitch bytes apart, against references read with memcpy. */
static void check_unaligned(int64_t shift, int64_t pitch)
{
    const int64_t shape[2] = { 300, 301 };
    const int64_t strides[2] = { pitch, 8 };
    char *mem = malloc((size_t)(shape[0] * pitch + 16));
    long double want = 0;
    long double col[301] = { 0 };
    double out[301];
    struct hr_array a;
    int64_t i;
    int64_t j;

    assert_non_null(mem);
    for (i = 0; i < shape[0]; i++) {
        for (j = 0; j < shape[1]; j++) {
            double v = (double)((i * 7 + j) % 1000) - 300.5;

            memcpy(mem + shift + i * pitch + j * 8, &v, 8);
            want += v;
            col[j] += v;
        }
    }
    a = view_f64((const double *)(const void *)(mem + shift), 2, shape,
                 strides);
    assert_near(hr_sum(&a), want, 1e-9L, "unaligned sum");
    assert_true(hr_min(&a) == -300.5);
    assert_near(hr_dot(&a, &a), hr_sumsq(&a), 1e-3L, "unaligned dot");
    hr_col_sums(&a, out);
    for (j = 0; j < shape[1]; j++)
        assert_near(out[j], col[j], 1e-9L, "unaligned col sum");
    hr_row_maxs(&a, out);
    assert_true(out[0] == -0.5);
    free(mem);
}

static void test_kern_unaligned_data(void **state)
{
    (void)state;
    check_unaligned(1, 301 * 8);        /* every element misaligned */
    check_unaligned(0, 301 * 8 + 4);    /* every other row */
    check_unaligned(3, 301 * 8 + 5);
}

static void test_kern_broadcast_and_odd_strides(void **state)
{
    static double row[1000];
    const int64_t shape[2] = { 400, 1000 };
    const int64_t bstride[2] = { 0, 8 };
    const int64_t rstride[2] = { 0, -8 };
    struct hr_array a = view_f64(row, 2, shape, bstride);
    struct hr_array r = view_f64(row + 999, 2, shape, rstride);
    static double out[1000];
    long double s = 0;
    int64_t i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        row[i] = (double)i * 0.25;
        s += row[i];
    }
    assert_near(hr_sum(&a), 400 * s, 1e-6L, "broadcast sum");
    assert_near(hr_sum(&r), 400 * s, 1e-6L, "reversed sum");
    hr_row_sums(&a, out);
    for (i = 0; i < 400; i++)
        assert_true(out[i] == (double)s);
    hr_col_means(&r, out);
    for (i = 0; i < 1000; i++)
        assert_true(out[i] == row[999 - i]);
    assert_near(hr_dot(&a, &r), 400 * 0.0625L * 166167000, 1e-3L, "dot");
}

static void test_kern_rows_and_cols(void **state)
{
    static const double v[1] = { 0 };
    const int64_t s0[1] = { 0 };
    const int64_t s1[1] = { 7 };
    const int64_t s2[2] = { 3, 4 };
    const int64_t s3[3] = { 2, 3, 5 };
    struct hr_array a;

    (void)state;
    a = view_f64(v, 0, s0, NULL);
    assert_int_equal(hr_rows(&a), 1);
    assert_int_equal(hr_cols(&a), 1);
    a = view_f64(v, 1, s1, NULL);
    assert_int_equal(hr_rows(&a), 1);
    assert_int_equal(hr_cols(&a), 7);
    a = view_f64(v, 2, s2, NULL);
    assert_int_equal(hr_rows(&a), 3);
    assert_int_equal(hr_cols(&a), 4);
    a = view_f64(v, 3, s3, NULL);
    assert_int_equal(hr_rows(&a), 2);
    assert_int_equal(hr_cols(&a), 15);
}

static void test_kern_bool_reads_nonzero_as_one(void **state)
{
    static const uint8_t b[6] = { 0, 1, 7, 255, 0, 2 };
    const int64_t shape[1] = { 6 };
    struct hr_array a = view_f64((const double *)(const void *)b, 1, shape,
                                 NULL);

    (void)state;
    a.dtype = HR_BOOL;
    a.itemsize = 1;
    a.strides[0] = 1;
    a.nbytes = 6;
    assert_true(hr_sum(&a) == 4.0);
    assert_true(hr_max(&a) == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kern_every_dtype_and_layout_matches_reference),
        cmocka_unit_test(test_kern_large_shapes_match_reference),
        cmocka_unit_test(test_kern_sum_accurate_on_1e6_uniform),
        cmocka_unit_test(test_kern_dot_matches_reference),
        cmocka_unit_test(test_kern_nan_propagates),
        cmocka_unit_test(test_kern_infinities_are_not_nan),
        cmocka_unit_test(test_kern_empty_arrays),
        cmocka_unit_test(test_kern_results_deterministic),
        cmocka_unit_test(test_kern_histogram_edges),
        cmocka_unit_test(test_kern_histogram_values_on_edges),
        cmocka_unit_test(test_kern_histogram_fast_paths_match_reference),
        cmocka_unit_test(test_kern_histogram_rejects_bad_args),
        cmocka_unit_test(test_kern_dot_rejects_size_mismatch),
        cmocka_unit_test(test_kern_rejects_bad_arrays),
        cmocka_unit_test(test_kern_fail_can_longjmp),
        cmocka_unit_test(test_kern_float16_exact),
        cmocka_unit_test(test_kern_complex_uses_real_part),
        cmocka_unit_test(test_kern_unaligned_data),
        cmocka_unit_test(test_kern_broadcast_and_odd_strides),
        cmocka_unit_test(test_kern_rows_and_cols),
        cmocka_unit_test(test_kern_bool_reads_nonzero_as_one),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
