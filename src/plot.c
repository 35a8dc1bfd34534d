/* plot.c - pictures of an array: reading the data into the columns, bins
 * or cells a picture shows */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "pool.h"
#include "walk.h"

#define BLOCK 65536         /* elements per block of the range pass */
#define BUFN 512            /* elements converted at a time */
#define DEFAULT_BINS 10     /* np.histogram's default */

/* Finite extremes and the elements that are not finite. */
struct span {
    double lo, hi;      /* NaN while nothing finite was seen */
    int64_t nan, inf;
};

static void span_init(struct span *s)
{
    s->lo = NAN;
    s->hi = NAN;
    s->nan = 0;
    s->inf = 0;
}

static void span_add(struct span *s, const double *x, int64_t n)
{
    int64_t j;

    for (j = 0; j < n; j++) {
        if (isnan(x[j])) {
            s->nan++;
        } else if (isinf(x[j])) {
            s->inf++;
        } else {
            if (isnan(s->lo) || x[j] < s->lo)
                s->lo = x[j];
            if (isnan(s->hi) || x[j] > s->hi)
                s->hi = x[j];
        }
    }
}

static void span_merge(struct span *s, const struct span *o)
{
    s->nan += o->nan;
    s->inf += o->inf;
    if (!isnan(o->lo) && (isnan(s->lo) || o->lo < s->lo))
        s->lo = o->lo;
    if (!isnan(o->hi) && (isnan(s->hi) || o->hi > s->hi))
        s->hi = o->hi;
}

/* Adds C-order elements [begin, end) of a to s. */
static void span_scan(struct span *s, const struct hr_array *a,
                      int64_t begin, int64_t end)
{
    double buf[BUFN];
    struct hr_walk w;
    const char *p;
    int64_t st, n;

    hr_walk_start(&w, a, begin, end);
    while (hr_walk_next(&w, &p, &st, &n, BUFN)) {
        hr_walk_f64(a->dtype, p, st, n, buf);
        span_add(s, buf, n);
    }
}

/* ---- parallel passes ---- */

struct job {
    const struct hr_array *a;
    struct hr_plot *p;
    struct span *spans;         /* range pass: one per block */
    int64_t cols;               /* heat map: data columns */
    int ph_rows;                /* heat map: source rows per cell row */
    int min;                    /* heat map cells keep the minimum */
};

static void range_blocks(void *ctx, int64_t begin, int64_t end)
{
    struct job *j = ctx;
    int64_t b;

    for (b = begin; b < end; b++) {
        int64_t e = (b + 1) * BLOCK < j->a->size ? (b + 1) * BLOCK :
                    j->a->size;

        span_init(&j->spans[b]);
        span_scan(&j->spans[b], j->a, b * BLOCK, e);
    }
}

/* Start of part k of n things cut into parts pieces. */
static int64_t cut(int64_t n, int64_t parts, int64_t k)
{
    return (int64_t)((__int128)n * k / parts);
}

static void line_columns(void *ctx, int64_t begin, int64_t end)
{
    struct job *j = ctx;
    struct hr_plot *p = j->p;
    struct span s;
    int64_t c;

    for (c = begin; c < end; c++) {
        span_init(&s);
        span_scan(&s, j->a, cut(p->n, p->ncols, c), cut(p->n, p->ncols,
                                                         c + 1));
        p->cmin[c] = s.lo;
        p->cmax[c] = s.hi;
    }
}

/* Element x of a, between elements: the straight line between them
 * (NaN when either end is not finite). */
static double line_at(const struct hr_array *a, double x)
{
    int64_t i = (int64_t)x;
    double f = x - (double)i;
    double v0 = hr_array_at(a, i);
    double v1 = f > 0 ? hr_array_at(a, i + 1) : v0;

    return isfinite(v0) && isfinite(v1) ? v0 + (v1 - v0) * f : NAN;
}

static void keep(double v, double *lo, double *hi)
{
    if (!isfinite(v))
        return;
    if (isnan(*lo) || v < *lo)
        *lo = v;
    if (isnan(*hi) || v > *hi)
        *hi = v;
}

/* Fewer elements than columns: the points joined by straight lines; each
 * column holds the extremes of the line over its width, so every element
 * is in some column with its exact value. */
static void line_interpolated(const struct hr_array *a, struct hr_plot *p)
{
    double s = p->n > 1 ? (double)(p->n - 1) / (p->ncols - 1) : 0.0;
    double x0, x1, lo, hi;
    int64_t i;
    int c;

    for (c = 0; c < p->ncols; c++) {
        x0 = (c - 0.5) * s;
        x1 = (c + 0.5) * s;
        x0 = x0 < 0 ? 0 : x0;
        x1 = x1 > (double)(p->n - 1) ? (double)(p->n - 1) : x1;
        lo = NAN;
        hi = NAN;
        keep(line_at(a, x0), &lo, &hi);
        keep(line_at(a, x1), &lo, &hi);
        for (i = (int64_t)ceil(x0); (double)i <= x1; i++)
            keep(hr_array_at(a, i), &lo, &hi);
        p->cmin[c] = lo;
        p->cmax[c] = hi;
    }
}

static void heat_rows(void *ctx, int64_t begin, int64_t end)
{
    struct job *j = ctx;
    struct hr_plot *p = j->p;
    double buf[BUFN];
    struct hr_walk w;
    const char *src;
    int64_t r, r0, r1, cur, st, n, k, c1;
    int64_t i;
    int col;

    for (i = begin; i < end; i++) {
        double *row = p->cell + i * p->pc;
        double v;

        for (col = 0; col < p->pc; col++)
            row[col] = NAN;
        r0 = cut(p->rows, p->pr, i);
        r1 = cut(p->rows, p->pr, i + 1);
        for (r = r0; r < r1; r++) {
            hr_walk_start(&w, j->a, r * j->cols, (r + 1) * j->cols);
            col = 0;
            cur = 0;
            c1 = cut(j->cols, p->pc, 1);
            while (hr_walk_next(&w, &src, &st, &n, c1 - cur < BUFN ?
                                c1 - cur : BUFN)) {
                hr_walk_f64(j->a->dtype, src, st, n, buf);
                for (k = 0; k < n; k++) {
                    v = buf[k];
                    if (isfinite(v) && (isnan(row[col]) ||
                        (j->min ? v < row[col] : v > row[col])))
                        row[col] = v;
                }
                cur += n;
                if (cur == c1 && col + 1 < p->pc) {
                    col++;
                    c1 = cut(j->cols, p->pc, col + 1);
                }
            }
        }
    }
}

/* ---- the kinds ---- */

void hr_plot_label(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.4g", v);
}

static int label_width(double a, double b)
{
    char x[32], y[32];

    hr_plot_label(a, x, sizeof x);
    hr_plot_label(b, y, sizeof y);
    return (int)(strlen(x) > strlen(y) ? strlen(x) : strlen(y));
}

static int int_width(int64_t v)
{
    char x[32];

    return snprintf(x, sizeof x, "%lld", (long long)v);
}

/* HR_EINVAL when the labels leave no room for the picture. */
static int area_ok(const struct hr_plot *p, const struct hr_plot_opts *o,
                   struct hr_err *err)
{
    if (p->area_w >= 2 && p->area_h >= 2)
        return 0;
    hr_err_set(err, "plot: %d x %d leaves no room beside labels %d wide",
               o->width, o->height, p->label_w);
    return HR_EINVAL;
}

static int build_line(const struct hr_array *a, const struct hr_plot_opts *o,
                      struct hr_plot *p, struct job *j, struct hr_err *err)
{
    int c;

    p->label_w = label_width(p->hi, p->lo);
    p->area_w = o->width - p->label_w - 1;
    p->area_h = o->height - 3;
    if (area_ok(p, o, err) != 0)
        return HR_EINVAL;
    p->ncols = 2 * p->area_w;
    p->cmin = malloc((size_t)p->ncols * sizeof *p->cmin);
    p->cmax = malloc((size_t)p->ncols * sizeof *p->cmax);
    if (p->cmin == NULL || p->cmax == NULL)
        return HR_ENOMEM;
    if (p->n == 0) {
        for (c = 0; c < p->ncols; c++)
            p->cmin[c] = p->cmax[c] = NAN;
    } else if (p->n >= p->ncols) {
        hr_pool_for(p->ncols, 1, line_columns, j);
        if (p->n > p->ncols)
            snprintf(p->note, sizeof p->note, "min and max of %.3g "
                     "elements per column", (double)p->n / p->ncols);
    } else {
        line_interpolated(a, p);
    }
    return 0;
}

static int build_hist(const struct hr_array *a, const struct hr_plot_opts *o,
                      struct hr_plot *p, struct hr_err *err)
{
    int64_t k;

    p->nbins = o->bins > 0 ? o->bins : DEFAULT_BINS;
    p->edge_lo = isnan(p->lo) ? 0.0 : p->lo;
    p->edge_hi = isnan(p->hi) ? 1.0 : p->hi;
    if (p->edge_lo == p->edge_hi) {
        p->edge_lo -= 0.5;
        p->edge_hi += 0.5;
    }
    /* the widest label a count can need, until the counts are known */
    p->label_w = int_width(p->n);
    p->area_w = o->width - p->label_w - 1;
    p->area_h = o->height - 3;
    if (area_ok(p, o, err) != 0)
        return HR_EINVAL;
    if (p->nbins > p->area_w) {
        hr_err_set(err, "plot: %lld bins do not fit in %d columns (make "
                   "the plot wider or ask for fewer bins)",
                   (long long)p->nbins, p->area_w);
        return HR_EINVAL;
    }
    p->counts = calloc((size_t)p->nbins, sizeof *p->counts);
    if (p->counts == NULL)
        return HR_ENOMEM;
    if (!isnan(p->lo))
        hr_histogram(a, p->edge_lo, p->edge_hi, p->nbins, p->counts);
    for (k = 0; k < p->nbins; k++)
        p->maxcount = p->counts[k] > p->maxcount ? p->counts[k] :
                      p->maxcount;
    p->label_w = int_width(p->maxcount);
    p->area_w = o->width - p->label_w - 1;
    snprintf(p->note, sizeof p->note, "histogram, %lld bins of width %.4g",
             (long long)p->nbins,
             (p->edge_hi - p->edge_lo) / (double)p->nbins);
    return 0;
}

static int build_heat(const struct hr_plot_opts *o, struct hr_plot *p,
                      struct job *j, struct hr_err *err)
{
    int ph, pw, k, z;

    p->rows = j->a->ndim > 0 ? j->a->shape[0] : 1;
    p->cols = p->rows > 0 ? p->n / p->rows : 0;
    p->label_w = int_width(p->rows > 0 ? p->rows - 1 : 0);
    p->area_w = o->width - p->label_w - 1;
    p->area_h = o->height - 4;
    p->zx = 1;
    p->zy = 1;
    if (area_ok(p, o, err) != 0)
        return HR_EINVAL;
    if (p->n == 0)
        return 0;
    pw = p->area_w;
    ph = o->color == HR_PLOT_MONO ? p->area_h : 2 * p->area_h;
    if (p->rows <= ph && p->cols <= pw) {
        /* a character is about twice as high as wide: without colour a
         * cell is a whole character, so two of them make it square */
        k = o->color == HR_PLOT_MONO && 2 * p->cols <= pw ? 2 : 1;
        z = ph / (int)p->rows;
        if (z > pw / (k * (int)p->cols))
            z = pw / (k * (int)p->cols);
        p->zy = z;
        p->zx = k * z;
        p->pr = (int)p->rows;
        p->pc = (int)p->cols;
    } else {
        p->pr = p->rows < ph ? (int)p->rows : ph;
        p->pc = p->cols < pw ? (int)p->cols : pw;
        snprintf(p->note, sizeof p->note, "%s of %.3g x %.3g elements per "
                 "cell", o->cell == HR_PLOT_CELL_MIN ? "min" : "max",
                 (double)p->rows / p->pr, (double)p->cols / p->pc);
    }
    p->cell = malloc((size_t)p->pr * (size_t)p->pc * sizeof *p->cell);
    if (p->cell == NULL)
        return HR_ENOMEM;
    j->cols = p->cols;
    j->min = o->cell == HR_PLOT_CELL_MIN;
    hr_pool_for(p->pr, 1, heat_rows, j);
    return 0;
}

/* ---- building ---- */

void hr_plot_opts_default(struct hr_plot_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 80;
    o->height = 24;
    o->color = HR_PLOT_MONO;
    o->cell = HR_PLOT_CELL_MAX;
}

static void make_title(const struct hr_array *a, struct hr_plot *p)
{
    char shape[HR_SHAPE_TXT + 8];

    hr_shape_tuple(a->ndim, a->shape, shape, sizeof shape);
    snprintf(p->title, sizeof p->title, "%.200s  shape %s %s%s",
             a->name != NULL ? a->name : "array", shape,
             hr_dtype_name(a->dtype),
             a->dtype == HR_COMPLEX64 || a->dtype == HR_COMPLEX128 ?
             " (real part)" : "");
}

int hr_plot_build(const struct hr_array *a, const struct hr_plot_opts *o,
                  struct hr_plot **out, struct hr_err *err)
{
    struct hr_plot *p = NULL;
    struct span all;
    struct job j;
    int64_t nb, b;
    int rc = HR_EINVAL;

    *out = NULL;
    if (hr_array_check(a) != 0) {
        hr_err_set(err, "plot: not a sound array");
        return HR_EINVAL;
    }
    if (o->width < HR_PLOT_MIN_WIDTH || o->height < HR_PLOT_MIN_HEIGHT) {
        hr_err_set(err, "plot: %d x %d is too small (at least %d x %d)",
                   o->width, o->height, HR_PLOT_MIN_WIDTH,
                   HR_PLOT_MIN_HEIGHT);
        return HR_EINVAL;
    }
    if (a->ndim == 0 && !o->hist) {
        hr_err_set(err, "plot: '%s' is a 0-d array, a single value: "
                   "nothing to draw", a->name != NULL ? a->name : "array");
        return HR_EINVAL;
    }
    memset(&j, 0, sizeof j);
    p = calloc(1, sizeof *p);
    nb = (a->size + BLOCK - 1) / BLOCK;
    j.spans = calloc((size_t)(nb > 0 ? nb : 1), sizeof *j.spans);
    if (p == NULL || j.spans == NULL) {
        rc = HR_ENOMEM;
        goto out;
    }
    j.a = a;
    j.p = p;
    p->kind = o->hist ? HR_PLOT_HIST : a->ndim == 1 ? HR_PLOT_LINE :
              HR_PLOT_HEAT;
    p->color = o->color;
    p->n = a->size;
    make_title(a, p);
    hr_pool_for(nb, 1, range_blocks, &j);
    span_init(&all);
    for (b = 0; b < nb; b++)
        span_merge(&all, &j.spans[b]);
    p->lo = all.lo;
    p->hi = all.hi;
    p->nan = all.nan;
    p->inf = all.inf;
    if (p->kind == HR_PLOT_LINE)
        rc = build_line(a, o, p, &j, err);
    else if (p->kind == HR_PLOT_HIST)
        rc = build_hist(a, o, p, err);
    else
        rc = build_heat(o, p, &j, err);
out:
    if (rc == HR_ENOMEM)
        hr_err_set(err, "plot: out of memory");
    free(j.spans);
    if (rc != 0)
        hr_plot_free(p);
    else
        *out = p;
    return rc;
}

void hr_plot_free(struct hr_plot *p)
{
    if (p == NULL)
        return;
    free(p->cmin);
    free(p->cmax);
    free(p->counts);
    free(p->cell);
    free(p);
}
