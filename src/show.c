/* show.c - an array as text, the way NumPy 1.24's print(arr) shows it
 *
 * The shape of NumPy's arrayprint: a formatter is set up from the elements
 * that will be shown (FloatingFormat, IntegerFormat, BoolFormat,
 * ComplexFloatingFormat), then _formatArray's recursion lays the rows out,
 * wrapping each row's words at the line width and separating blocks of
 * higher axes by blank lines.
 */
#include "show.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "err.h"
#include "fltfmt.h"
#include "show_elem.h"

#define WORD_MAX (2 * HR_FLT_BUF + 8)

/* NumPy's FloatingFormat for one float part (a float, or the real or the
 * imaginary part of a complex). */
struct ffmt {
    int type;           /* HR_FLOAT16, HR_FLOAT32 or HR_FLOAT64 */
    int off;            /* byte offset of the part in the element */
    int sign;           /* '+' before positive values: imaginary parts */
    int exp_format;     /* scientific notation */
    int precision;
    int min_digits;
    int trim;
    int pad_left;
    int pad_right;
    int exp_size;
};

struct show {
    const struct hr_array *a;
    const struct hr_show_opts *o;
    struct hr_text *t;
    int summary;        /* more elements than the threshold */
    int64_t edge;
    const int64_t *n;   /* the shape shown: a's, or the whole array's
                         * when a holds only its corners */
    struct ffmt re, im;
    int int_width;
    int64_t idx[HR_MAX_NDIM];
};

/* max / min as NumPy divides two scalars of the type. */
static double ratio(int type, double max, double min)
{
    if (type == HR_FLOAT64)
        return max / min;
    if (type == HR_FLOAT32)
        return (float)max / (float)min;
    return hr_half_to_double(hr_flt_to_f16((float)max / (float)min));
}

/* ---- the elements shown ---- */

static int summarised(const struct show *sh, int axis)
{
    return sh->summary && 2 * sh->edge < sh->n[axis];
}

/* Calls fn on every element shown: all of them, or the corners left by
 * the summary (NumPy's _leading_trailing). */
/* Where index i of axis k of the shape shown lies in a: past the middle
 * that a summarised axis leaves out, when a holds only the corners. */
static int64_t phys(const struct show *sh, int k, int64_t i)
{
    int64_t cut = sh->n[k] - sh->a->shape[k];

    return cut > 0 && i >= sh->edge ? i - cut : i;
}

static void walk(struct show *sh, void (*fn)(struct show *, const char *,
                                             void *), void *ctx)
{
    const struct hr_array *a = sh->a;
    int64_t cnt[HR_MAX_NDIM];
    int64_t j[HR_MAX_NDIM];
    int64_t off;
    int64_t pos;
    int k;

    for (k = 0; k < a->ndim; k++) {
        cnt[k] = summarised(sh, k) ? 2 * sh->edge : sh->n[k];
        j[k] = 0;
    }
    for (;;) {
        off = 0;
        for (k = 0; k < a->ndim; k++) {
            pos = j[k] < cnt[k] / 2 || cnt[k] == sh->n[k] ? j[k] :
                  sh->n[k] - cnt[k] + j[k];
            off += phys(sh, k, pos) * a->strides[k];
        }
        fn(sh, (const char *)a->data + off, ctx);
        for (k = a->ndim - 1; k >= 0 && ++j[k] == cnt[k]; k--)
            j[k] = 0;
        if (k < 0)
            break;
    }
}

/* ---- FloatingFormat ---- */

struct range {
    const struct ffmt *f;
    int64_t finite;
    int64_t other;
    int neg_inf;
    double max;         /* of the nonzero finite magnitudes */
    double min;
    int64_t nonzero;
    int int_len;        /* widths of the first formatting pass */
    int frac_len;
    int exp_len;
};

static void scan_range(struct show *sh, const char *p, void *ctx)
{
    struct range *r = ctx;
    struct hr_flt v;
    double x = hr_show_part(p + r->f->off, r->f->type, &v);
    double m = fabs(x);

    (void)sh;
    if (!isfinite(x)) {
        r->other++;
        r->neg_inf |= isinf(x) && x < 0;
        return;
    }
    r->finite++;
    if (m == 0)
        return;
    r->max = r->nonzero == 0 || m > r->max ? m : r->max;
    r->min = r->nonzero == 0 || m < r->min ? m : r->min;
    r->nonzero++;
}

static void scan_widths(struct show *sh, const char *p, void *ctx)
{
    struct range *r = ctx;
    struct hr_flt_opts o;
    struct hr_flt v;
    char buf[HR_FLT_BUF];
    char *dot;
    char *e;
    double x = hr_show_part(p + r->f->off, r->f->type, &v);
    int n;

    if (!isfinite(x))
        return;
    hr_flt_opts_default(&o, r->f->exp_format);
    o.precision = sh->o->precision;
    o.trim = HR_TRIM_ZEROS;
    o.sign = r->f->sign;
    n = hr_flt_format(&v, &o, buf, sizeof buf);
    dot = strchr(buf, '.');
    if (n < 0 || dot == NULL)
        return;
    e = strchr(dot, 'e');
    if (e == NULL)
        e = buf + n;
    else if ((int)strlen(e + 1) > r->exp_len)
        r->exp_len = (int)strlen(e + 1);
    if (dot - buf > r->int_len)
        r->int_len = (int)(dot - buf);
    if (e - dot - 1 > r->frac_len)
        r->frac_len = (int)(e - dot - 1);
}

/* NumPy's FloatingFormat.fillFormat for maxprec, suppress=False. */
static void ffmt_fill(struct show *sh, struct ffmt *f)
{
    struct range r;
    int neg;

    memset(&r, 0, sizeof r);
    r.f = f;
    walk(sh, scan_range, &r);
    f->exp_format = r.nonzero > 0 &&
                    (r.max >= 1e8 || r.min < 0.0001 ||
                     ratio(f->type, r.max, r.min) > 1000.0);
    f->precision = sh->o->precision;
    f->trim = HR_TRIM_ZEROS;
    f->min_digits = -1;
    f->exp_size = -1;
    f->pad_left = 0;
    f->pad_right = 0;
    if (r.finite > 0) {
        walk(sh, scan_widths, &r);
        f->pad_left = r.int_len;
        if (f->exp_format) {
            f->exp_size = r.exp_len - 1;
            f->trim = HR_TRIM_KEEP;
            f->precision = r.frac_len;
            f->min_digits = r.frac_len;
            f->pad_right = f->exp_size + 2 + f->precision;
        } else {
            f->pad_right = r.frac_len;
            f->min_digits = 0;
        }
    }
    if (r.other > 0) {
        neg = f->sign || r.neg_inf;
        if (3 - (f->pad_right + 1) > f->pad_left)
            f->pad_left = 3 - (f->pad_right + 1);
        if (3 + neg - (f->pad_right + 1) > f->pad_left)
            f->pad_left = 3 + neg - (f->pad_right + 1);
    }
}

/* FloatingFormat.__call__ */
static int ffmt_word(const struct ffmt *f, const char *p, char *buf,
                     size_t cap)
{
    struct hr_flt_opts o;
    struct hr_flt v;
    char sp[8];
    int width = f->pad_left + f->pad_right + 1;

    hr_show_part(p + f->off, f->type, &v);
    if (v.kind != HR_FLT_FINITE) {
        snprintf(sp, sizeof sp, "%s%s",
                 v.kind == HR_FLT_NAN ? (f->sign ? "+" : "") :
                 v.neg ? "-" : f->sign ? "+" : "",
                 v.kind == HR_FLT_NAN ? "nan" : "inf");
        return snprintf(buf, cap, "%*s", width, sp);
    }
    hr_flt_opts_default(&o, f->exp_format);
    o.precision = f->precision;
    o.min_digits = f->min_digits;
    o.trim = f->trim;
    o.sign = f->sign;
    o.pad_left = f->pad_left;
    if (f->exp_format)
        o.exp_digits = f->exp_size;
    else
        o.pad_right = f->pad_right;
    return hr_flt_format(&v, &o, buf, cap);
}

/* ---- integers ---- */

static void scan_ints(struct show *sh, const char *p, void *ctx)
{
    char buf[32];
    int n = hr_show_int_text(sh->a->dtype, p, buf, sizeof buf);

    (void)ctx;
    if (n > sh->int_width)
        sh->int_width = n;
}

/* ---- words ---- */

/* The element at p as its column shows it. */
static int word(const struct show *sh, const char *p, char *buf, size_t cap)
{
    char num[32];
    char im[HR_FLT_BUF];
    int dtype = sh->a->dtype;
    int n;
    int sp;

    if (dtype == HR_BOOL)
        return snprintf(buf, cap, "%s", *p ? " True" : "False");
    if (hr_show_is_float(dtype))
        return ffmt_word(&sh->re, p, buf, cap);
    if (hr_show_is_complex(dtype)) {
        n = ffmt_word(&sh->re, p, buf, cap);
        if (n < 0 || ffmt_word(&sh->im, p, im, sizeof im) < 0)
            return -1;
        for (sp = (int)strlen(im); sp > 0 && im[sp - 1] == ' '; sp--)
            continue;
        return snprintf(buf + n, cap - (size_t)n, "%.*sj%s", sp, im,
                        im + sp) + n;
    }
    hr_show_int_text(dtype, p, num, sizeof num);
    return snprintf(buf, cap, "%*s", sh->int_width, num);
}

/* ---- layout: NumPy's _formatArray ---- */

static const char *elem_at(const struct show *sh)
{
    int64_t off = 0;
    int k;

    for (k = 0; k < sh->a->ndim; k++)
        off += phys(sh, k, sh->idx[k]) * sh->a->strides[k];
    return (const char *)sh->a->data + off;
}

/* _extendLine: a word on the current line, or on a new one when it would
 * pass the width (never on a line that holds only the indent). */
static void extend(struct show *sh, const char *w, int len, int *line,
                   int width, int hang)
{
    struct hr_text *t = sh->t;

    if (*line + len > width && *line > hang) {
        while (t->len > 0 && t->s[t->len - 1] == ' ')
            hr_text_truncate(t, t->len - 1);
        hr_text_puts(t, "\n");
        hr_text_repeat(t, " ", (size_t)hang);
        *line = hang;
    }
    hr_text_add(t, w, (size_t)len);
    *line += len;
}

static void row_word(struct show *sh, int axis, int64_t i, int *line,
                     int width, int hang)
{
    char buf[WORD_MAX];
    int n;

    sh->idx[axis] = i;
    n = word(sh, elem_at(sh), buf, sizeof buf);
    if (n < 0) {
        sh->t->oom = 1;
        return;
    }
    extend(sh, buf, n, line, width, hang);
}

/* Axis `axis` of the element block selected by sh->idx[0..axis); the
 * cursor stands where its '[' goes; hang is the hanging indent. */
static void layout(struct show *sh, int axis, int hang, int width)
{
    struct hr_text *t = sh->t;
    int64_t n = sh->n[axis];
    int left = sh->a->ndim - axis;
    int summ = summarised(sh, axis);
    int64_t lead = summ ? sh->edge : 0;
    int64_t trail = summ ? sh->edge : n;
    int64_t i;
    int line = hang;
    int first = 1;

    hr_text_puts(t, "[");
    if (left == 1) {
        for (i = 0; i < lead; i++) {
            row_word(sh, axis, i, &line, width - 1, hang);
            extend(sh, " ", 1, &line, 1 << 30, hang);
        }
        if (summ) {
            extend(sh, "...", 3, &line, width - 1, hang);
            extend(sh, " ", 1, &line, 1 << 30, hang);
        }
        for (i = trail; i > 1; i--) {
            row_word(sh, axis, n - i, &line, width - 1, hang);
            extend(sh, " ", 1, &line, 1 << 30, hang);
        }
        row_word(sh, axis, n - 1, &line, width - 1, hang);
        hr_text_puts(t, "]");
        return;
    }
    for (i = 0; i < n; i++) {
        if (summ && i == lead) {
            if (!first)
                hr_text_repeat(t, " ", (size_t)hang);
            hr_text_puts(t, "...");
            hr_text_repeat(t, "\n", (size_t)(left - 1));
            first = 0;
            i = n - trail;
        }
        if (!first)
            hr_text_repeat(t, " ", (size_t)hang);
        first = 0;
        sh->idx[axis] = i;
        layout(sh, axis + 1, hang + 1, width - 1);
        if (i < n - 1)
            hr_text_repeat(t, "\n", (size_t)(left - 1));
    }
    hr_text_puts(t, "]");
}

/* ---- the array ---- */

void hr_show_opts_default(struct hr_show_opts *o)
{
    o->edgeitems = 3;
    o->threshold = 1000;
    o->linewidth = 75;
    o->precision = 8;
}

void hr_show_header(const struct hr_array *a, struct hr_text *t)
{
    char sh[HR_SHAPE_TXT + 8];
    const char *layout = "";

    hr_shape_tuple(a->ndim, a->shape, sh, sizeof sh);
    if (hr_array_check(a) == 0 && !hr_array_is_contiguous(a, 0))
        layout = hr_array_is_contiguous(a, 1) ? ", Fortran order" :
                 ", strided view";
    hr_text_printf(t, "shape %s %s%s", sh, hr_dtype_name(a->dtype), layout);
}

/* The summary NumPy makes of an array of ndim axes of shape n: *edge
 * elements kept at each end of an axis it cuts; returns whether there is
 * one (more elements than the threshold). */
static int summary_of(int ndim, const int64_t *n, const struct hr_show_opts *o,
                      int64_t *edge)
{
    int64_t size = 0, nbytes = 0;

    if (hr_shape_bytes(ndim, n, 1, &size, &nbytes) != 0)
        size = INT64_MAX;       /* past any threshold */
    *edge = o->edgeitems < size ? o->edgeitems : size;
    return size > o->threshold;
}

void hr_show_corners(int ndim, const int64_t *full,
                     const struct hr_show_opts *o, int64_t *keep)
{
    int64_t edge = 0;
    int summary = summary_of(ndim, full, o, &edge);
    int k;

    for (k = 0; k < ndim; k++)
        keep[k] = summary && 2 * edge < full[k] ? edge : -1;
}

int hr_show_format(const struct hr_array *a, const struct hr_show_opts *o,
                   struct hr_text *t)
{
    return hr_show_format_corners(a, a->shape, o, t);
}

int hr_show_format_corners(const struct hr_array *a, const int64_t *full,
                           const struct hr_show_opts *o, struct hr_text *t)
{
    struct show sh;
    char buf[WORD_MAX];
    int64_t keep[HR_MAX_NDIM];
    int type;
    int k;

    if (hr_array_check(a) != 0 || o->edgeitems < 1 || o->precision < 0 ||
        o->precision > HR_SHOW_MAX_PRECISION)
        return HR_EINVAL;
    hr_show_corners(a->ndim, full, o, keep);
    for (k = 0; k < a->ndim; k++) {
        if (a->shape[k] != full[k] &&
            (keep[k] < 0 || a->shape[k] != 2 * keep[k]))
            return HR_EINVAL;
    }
    if (a->ndim == 0) {
        if (hr_show_scalar(a->dtype, a->data, buf, sizeof buf) < 0)
            return HR_ENOMEM;
        hr_text_printf(t, "%s\n", buf);
        return hr_text_ok(t);
    }
    if (a->size == 0) {
        hr_text_puts(t, "[]\n");
        return hr_text_ok(t);
    }
    memset(&sh, 0, sizeof sh);
    sh.a = a;
    sh.o = o;
    sh.t = t;
    sh.n = full;
    sh.summary = summary_of(a->ndim, full, o, &sh.edge);
    type = hr_show_part_type(a->dtype);
    sh.re.type = type;
    sh.im.type = type;
    sh.im.off = hr_dtype_size(type);
    sh.im.sign = 1;
    if (hr_show_is_float(a->dtype) || hr_show_is_complex(a->dtype))
        ffmt_fill(&sh, &sh.re);
    if (hr_show_is_complex(a->dtype))
        ffmt_fill(&sh, &sh.im);
    if (a->dtype != HR_BOOL && type == a->dtype && !hr_show_is_float(type))
        walk(&sh, scan_ints, NULL);
    layout(&sh, 0, 1, o->linewidth);
    hr_text_puts(t, "\n");
    return hr_text_ok(t);
}
