/* plot_svg.c - pictures of an array as SVG documents: the same columns,
 * bins and cells as the text picture, drawn as polylines and rectangles */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "plot_color.h"

#define CW 8            /* pixels per character column */
#define CH 16           /* pixels per character row */
#define TOP 28          /* the title's band */

/* The plot area in pixels. */
struct box {
    double x, y, w, h;
};

/* Appends s with XML's five special characters escaped. */
static void xml_text(struct hr_text *t, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': hr_text_puts(t, "&amp;"); break;
        case '<': hr_text_puts(t, "&lt;"); break;
        case '>': hr_text_puts(t, "&gt;"); break;
        case '"': hr_text_puts(t, "&quot;"); break;
        case '\'': hr_text_puts(t, "&apos;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                hr_text_add(t, s, 1);
            break;
        }
    }
}

static void label(struct hr_text *t, double x, double y, const char *anchor,
                  const char *s)
{
    hr_text_printf(t, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y,
                   anchor);
    xml_text(t, s);
    hr_text_puts(t, "</text>\n");
}

static double ypos(const struct hr_plot *p, const struct box *b, double v)
{
    if (!(p->hi > p->lo))
        return b->y + b->h / 2;
    return b->y + b->h - (v - p->lo) / (p->hi - p->lo) * b->h;
}

/* One polyline per stretch of columns with something to draw; each column
 * adds its minimum and maximum, nearest to the previous point first. */
static void svg_line(const struct hr_plot *p, const struct box *b,
                     struct hr_text *t)
{
    double x, ylo, yhi, prev = 0;
    int open = 0;
    int c;

    for (c = 0; c <= p->ncols; c++) {
        if (c == p->ncols || isnan(p->cmin[c])) {
            if (open)
                hr_text_puts(t, "\"/>\n");
            open = 0;
            continue;
        }
        x = b->x + (c + 0.5) * b->w / p->ncols;
        ylo = ypos(p, b, p->cmin[c]);
        yhi = ypos(p, b, p->cmax[c]);
        if (!open)
            hr_text_puts(t, "<polyline class=\"data\" fill=\"none\" "
                         "stroke=\"#1f77b4\" stroke-width=\"1.2\" "
                         "points=\"");
        if (ylo == yhi) {
            hr_text_printf(t, "%.2f,%.2f ", x, ylo);
            prev = ylo;
        } else if (open && fabs(prev - yhi) < fabs(prev - ylo)) {
            hr_text_printf(t, "%.2f,%.2f %.2f,%.2f ", x, yhi, x, ylo);
            prev = ylo;
        } else {
            hr_text_printf(t, "%.2f,%.2f %.2f,%.2f ", x, ylo, x, yhi);
            prev = yhi;
        }
        open = 1;
    }
}

static void svg_hist(const struct hr_plot *p, const struct box *b,
                     struct hr_text *t)
{
    double bw = b->w / (double)p->nbins;
    double h;
    int64_t k;

    for (k = 0; k < p->nbins; k++) {
        if (p->counts[k] == 0)
            continue;
        h = (double)p->counts[k] / (double)p->maxcount * b->h;
        hr_text_printf(t, "<rect class=\"data\" x=\"%.2f\" y=\"%.2f\" "
                       "width=\"%.2f\" height=\"%.2f\" fill=\"#1f77b4\" "
                       "stroke=\"white\" stroke-width=\"0.5\"/>\n",
                       b->x + (double)k * bw, b->y + b->h - h, bw, h);
    }
}

static void fill_of(const struct hr_plot *p, double v, char *buf,
                    size_t cap)
{
    int r, g, bl;

    hr_plot_ramp(p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0.5, &r,
                 &g, &bl);
    snprintf(buf, cap, "#%02x%02x%02x", r, g, bl);
}

static void svg_heat(const struct hr_plot *p, const struct box *b,
                     struct hr_text *t)
{
    double cw = b->w / p->pc;
    double ch = b->h / p->pr;
    char fill[16];
    int i, j;

    for (i = 0; i < p->pr; i++) {
        for (j = 0; j < p->pc; j++) {
            double v = p->cell[i * p->pc + j];

            if (isnan(v))
                continue;
            fill_of(p, v, fill, sizeof fill);
            hr_text_printf(t, "<rect class=\"data\" x=\"%.2f\" y=\"%.2f\" "
                           "width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
                           b->x + j * cw, b->y + i * ch, cw + 0.05,
                           ch + 0.05, fill);
        }
    }
}

static void svg_legend(const struct hr_plot *p, double x, double y,
                       struct hr_text *t)
{
    char lo[32], hi[32], fill[16];
    int k;

    if (isnan(p->lo))
        return;
    hr_plot_label(p->lo, lo, sizeof lo);
    hr_plot_label(p->hi, hi, sizeof hi);
    label(t, x, y + 11, "start", lo);
    x += CW * ((double)strlen(lo) + 1);
    for (k = 0; k < 32; k++) {
        fill_of(p, p->lo + (p->hi - p->lo) * (k + 0.5) / 32, fill,
                sizeof fill);
        hr_text_printf(t, "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" "
                       "width=\"4.05\" height=\"12\" fill=\"%s\"/>\n",
                       x + 4 * k, y, fill);
    }
    label(t, x + 4 * 32 + CW, y + 11, "start", hi);
}

/* The two y labels and two x labels of each kind. */
static void axis_labels(const struct hr_plot *p, const struct box *b,
                        struct hr_text *t)
{
    char top[32], bottom[32], left[32], right[32];
    double xr = b->x + b->w;

    if (p->kind == HR_PLOT_LINE) {
        hr_plot_label(p->hi, top, sizeof top);
        hr_plot_label(p->lo, bottom, sizeof bottom);
        snprintf(left, sizeof left, "0");
        snprintf(right, sizeof right, "%lld",
                 (long long)(p->n > 0 ? p->n - 1 : 0));
    } else if (p->kind == HR_PLOT_HIST) {
        snprintf(top, sizeof top, "%lld", (long long)p->maxcount);
        snprintf(bottom, sizeof bottom, "0");
        hr_plot_label(p->edge_lo, left, sizeof left);
        hr_plot_label(p->edge_hi, right, sizeof right);
    } else {
        snprintf(top, sizeof top, "0");
        snprintf(bottom, sizeof bottom, "%lld",
                 (long long)(p->rows > 0 ? p->rows - 1 : 0));
        snprintf(left, sizeof left, "0");
        snprintf(right, sizeof right, "%lld",
                 (long long)(p->cols > 0 ? p->cols - 1 : 0));
    }
    label(t, b->x - 4, b->y + 10, "end", top);
    label(t, b->x - 4, b->y + b->h, "end", bottom);
    label(t, b->x, b->y + b->h + 14, "start", left);
    label(t, xr, b->y + b->h + 14, "end", right);
}

int hr_plot_svg(const struct hr_plot *p, struct hr_text *t)
{
    struct box b;
    double width, height;
    char head[2000];

    b.x = (p->label_w + 1) * CW + 8;
    b.y = TOP;
    b.w = p->area_w * CW;
    b.h = p->area_h * CH;
    if (p->kind == HR_PLOT_HEAT && p->pr > 0) {
        /* the cells as the terminal draws them: zx characters wide, zy
         * half rows high in colour, zy rows without */
        b.w = p->pc * p->zx * CW;
        b.h = p->pr * p->zy * (p->color == HR_PLOT_MONO ? CH : CH / 2);
    }
    width = b.x + (p->area_w * CW > b.w ? p->area_w * CW : b.w) + 16;
    height = b.y + b.h + 24 + (p->kind == HR_PLOT_HEAT ? 24 : 0);
    hr_text_printf(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                   "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                   "font-family=\"monospace\" font-size=\"12\">\n"
                   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                   width, height, width, height);
    snprintf(head, sizeof head, "%s%s%s", p->title, p->note[0] ? "  " : "",
             p->note);
    if (p->nan > 0 || p->inf > 0)
        snprintf(head + strlen(head), sizeof head - strlen(head),
                 "  (%lld nan, %lld inf not drawn)", (long long)p->nan,
                 (long long)p->inf);
    hr_text_puts(t, "<title>");
    xml_text(t, head);
    hr_text_puts(t, "</title>\n");
    label(t, 4, 16, "start", head);
    if (p->kind == HR_PLOT_LINE)
        svg_line(p, &b, t);
    else if (p->kind == HR_PLOT_HIST)
        svg_hist(p, &b, t);
    else if (p->pr > 0)
        svg_heat(p, &b, t);
    hr_text_printf(t, "<path class=\"axis\" d=\"M%.1f,%.1f V%.1f H%.1f\" "
                   "stroke=\"black\" fill=\"none\"/>\n", b.x, b.y,
                   b.y + b.h, b.x + b.w);
    axis_labels(p, &b, t);
    if (p->kind == HR_PLOT_HEAT)
        svg_legend(p, b.x, b.y + b.h + 24, t);
    hr_text_puts(t, "</svg>\n");
    return hr_text_ok(t);
}

int hr_plot_svg_save(const struct hr_plot *p, const char *path,
                     struct hr_err *err)
{
    struct hr_text t = HR_TEXT_INIT;
    int rc = hr_plot_svg(p, &t);

    if (rc != 0)
        hr_err_set(err, "%s: out of memory", path);
    else
        rc = hr_atomic_write(path, t.s, t.len, err);
    hr_text_free(&t);
    return rc;
}
