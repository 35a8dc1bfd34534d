/* plot_text.c - pictures of an array drawn with Unicode characters:
 * braille line plots, block histograms, half-block or shaded heat maps */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_color.h"

static const char *const shades[5] = { " ", "░", "▒", "▓", "█" };
static const char *const eighths[9] = {
    " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"
};

/* Ends a line: trailing blanks dropped. */
static void end_line(struct hr_text *t)
{
    while (t->len > 0 && t->s[t->len - 1] == ' ')
        hr_text_truncate(t, t->len - 1);
    hr_text_puts(t, "\n");
}

/* The y label column and the axis of a plot row: label right-aligned,
 * '┤' when there is one, '│' otherwise. */
static void row_start(struct hr_text *t, const struct hr_plot *p,
                      const char *label)
{
    hr_text_printf(t, "%*s%s", p->label_w, label != NULL ? label : "",
                   label != NULL ? "┤" : "│");
}

static void title(struct hr_text *t, const struct hr_plot *p)
{
    hr_text_puts(t, p->title);
    if (p->note[0] != '\0')
        hr_text_printf(t, "  %s", p->note);
    if (p->nan > 0 || p->inf > 0)
        hr_text_printf(t, "  (%lld nan, %lld inf not drawn)",
                       (long long)p->nan, (long long)p->inf);
    end_line(t);
}

/* The x axis and, under the two ends of the first `width` columns, the
 * labels left and right. */
static void x_axis(struct hr_text *t, const struct hr_plot *p, int width,
                   const char *left, const char *right)
{
    int room = width - (int)strlen(left);

    hr_text_repeat(t, " ", (size_t)p->label_w);
    hr_text_puts(t, "└");
    hr_text_repeat(t, "─", (size_t)p->area_w);
    end_line(t);
    hr_text_repeat(t, " ", (size_t)p->label_w + 1);
    hr_text_puts(t, left);
    if (room > (int)strlen(right))
        hr_text_printf(t, "%*s", room, right);
    else
        hr_text_printf(t, " %s", right);
    end_line(t);
}

/* ---- line plot: braille, 2 x 4 dots per character ---- */

static int dot_row(const struct hr_plot *p, double v, int rows)
{
    if (!(p->hi > p->lo))
        return (rows - 1) / 2;
    return (int)lround((v - p->lo) / (p->hi - p->lo) * (rows - 1));
}

/* Sets dot (r from the bottom, c from the left) in the grid of bits. */
static void set_dot(unsigned char *bits, const struct hr_plot *p, int r,
                    int c)
{
    int q = 4 * p->area_h - 1 - r;      /* from the top */
    int y = q / 4;
    int sub = c % 2;
    int k = q % 4;
    int bit = k < 3 ? k + 3 * sub : 6 + sub;

    bits[y * p->area_w + c / 2] |= (unsigned char)(1u << bit);
}

static int draw_line(const struct hr_plot *p, struct hr_text *t)
{
    unsigned char *bits = calloc((size_t)p->area_w * (size_t)p->area_h, 1);
    int rows = 4 * p->area_h;
    int have = 0, plo = 0, phi = 0;
    int c, r, lo, hi, y, x;
    char top[32], bottom[32], right[32];

    if (bits == NULL)
        return HR_ENOMEM;
    for (c = 0; c < p->ncols; c++) {
        if (isnan(p->cmin[c])) {
            have = 0;
            continue;
        }
        lo = dot_row(p, p->cmin[c], rows);
        hi = dot_row(p, p->cmax[c], rows);
        /* join the previous column: reach the dot next to its span */
        r = lo;
        if (have && phi < lo)
            lo = phi + 1;
        if (have && plo > hi)
            hi = plo - 1;
        plo = r;
        phi = dot_row(p, p->cmax[c], rows);
        have = 1;
        for (r = lo; r <= hi; r++)
            set_dot(bits, p, r, c);
    }
    hr_plot_label(p->hi, top, sizeof top);
    hr_plot_label(p->lo, bottom, sizeof bottom);
    for (y = 0; y < p->area_h; y++) {
        row_start(t, p, y == 0 ? top : y == p->area_h - 1 ? bottom : NULL);
        for (x = 0; x < p->area_w; x++) {
            unsigned b = bits[y * p->area_w + x];
            char u[4] = { (char)0xe2, (char)(0xa0 | b >> 6),
                          (char)(0x80 | (b & 0x3f)), 0 };

            hr_text_puts(t, b == 0 ? " " : u);
        }
        end_line(t);
    }
    free(bits);
    snprintf(right, sizeof right, "%lld",
             (long long)(p->n > 0 ? p->n - 1 : 0));
    x_axis(t, p, p->area_w, "0", right);
    return 0;
}

/* ---- histogram: bars of eighth blocks ---- */

static void draw_hist(const struct hr_plot *p, struct hr_text *t)
{
    int bw = p->area_w / (int)p->nbins;
    char top[32], left[32], right[32];
    int64_t b;
    int y, e, k;

    snprintf(top, sizeof top, "%lld", (long long)p->maxcount);
    for (y = 0; y < p->area_h; y++) {
        row_start(t, p, y == 0 ? top : y == p->area_h - 1 ? "0" : NULL);
        for (b = 0; b < p->nbins; b++) {
            e = 0;
            if (p->counts[b] > 0) {
                e = (int)lround((double)p->counts[b] /
                                (double)p->maxcount * p->area_h * 8);
                e = e < 1 ? 1 : e;
            }
            k = e - 8 * (p->area_h - 1 - y);
            k = k < 0 ? 0 : k > 8 ? 8 : k;
            hr_text_repeat(t, eighths[k], (size_t)bw);
        }
        end_line(t);
    }
    hr_plot_label(p->edge_lo, left, sizeof left);
    hr_plot_label(p->edge_hi, right, sizeof right);
    x_axis(t, p, bw * (int)p->nbins, left, right);
}

/* ---- heat map ---- */

/* Cell value at picture row py, column px (zoomed); NaN outside. */
static double cell_at(const struct hr_plot *p, int py, int px)
{
    if (py >= p->pr * p->zy)
        return NAN;
    return p->cell[(py / p->zy) * p->pc + px / p->zx];
}

static double unit(const struct hr_plot *p, double v)
{
    return p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0.5;
}

/* The colours set on the terminal while a row is drawn; -1: default. */
struct pen {
    int fg, bg;
};

/* Sets the pen to fg and bg (-1: the terminal's default), writing only
 * what changes. */
static void pen_to(const struct hr_plot *p, struct hr_text *t,
                   struct pen *pen, int fg, int bg)
{
    if ((fg < 0 && pen->fg >= 0) || (bg < 0 && pen->bg >= 0)) {
        hr_text_puts(t, "\x1b[0m");
        pen->fg = -1;
        pen->bg = -1;
    }
    if (fg >= 0 && fg != pen->fg)
        hr_plot_color_set(t, p->color, 0, fg);
    if (bg >= 0 && bg != pen->bg)
        hr_plot_color_set(t, p->color, 1, bg);
    pen->fg = fg;
    pen->bg = bg;
}

static void heat_char(const struct hr_plot *p, struct hr_text *t,
                      struct pen *pen, int y, int x)
{
    double up, down;
    int k;

    if (p->color == HR_PLOT_MONO) {
        up = cell_at(p, y, x);
        if (isnan(up)) {
            hr_text_puts(t, "·");
            return;
        }
        k = (int)(unit(p, up) * 5);
        hr_text_puts(t, shades[k < 0 ? 0 : k > 4 ? 4 : k]);
        return;
    }
    /* the upper cell in the foreground of '▀', the lower one behind it */
    up = cell_at(p, 2 * y, x);
    down = cell_at(p, 2 * y + 1, x);
    if (isnan(up) && isnan(down)) {
        pen_to(p, t, pen, -1, -1);
        hr_text_puts(t, " ");
    } else if (isnan(up)) {
        pen_to(p, t, pen, hr_plot_color_key(p->color, unit(p, down)), -1);
        hr_text_puts(t, "▄");
    } else {
        pen_to(p, t, pen, hr_plot_color_key(p->color, unit(p, up)),
               isnan(down) ? -1 : hr_plot_color_key(p->color,
                                                      unit(p, down)));
        hr_text_puts(t, "▀");
    }
}

static void legend(const struct hr_plot *p, struct hr_text *t)
{
    char lo[32], hi[32];
    int k;

    hr_text_repeat(t, " ", (size_t)p->label_w + 1);
    if (isnan(p->lo)) {
        hr_text_puts(t, "no finite values");
        end_line(t);
        return;
    }
    hr_plot_label(p->lo, lo, sizeof lo);
    hr_plot_label(p->hi, hi, sizeof hi);
    hr_text_printf(t, "%s ", lo);
    if (p->color == HR_PLOT_MONO) {
        hr_text_puts(t, "[ ░▒▓█]");
    } else {
        for (k = 0; k < 16; k++) {
            hr_plot_color_set(t, p->color, 0,
                              hr_plot_color_key(p->color, (k + 0.5) / 16));
            hr_text_puts(t, "█");
        }
        hr_text_puts(t, "\x1b[0m");
    }
    hr_text_printf(t, " %s", hi);
    end_line(t);
}

static void draw_heat(const struct hr_plot *p, struct hr_text *t)
{
    int per = p->color == HR_PLOT_MONO ? 1 : 2;
    int h = (p->pr * p->zy + per - 1) / per;  /* character rows used */
    int w = p->pc * p->zx;
    char last[32], right[32];
    int y, x;

    snprintf(last, sizeof last, "%lld",
             (long long)(p->rows > 0 ? p->rows - 1 : 0));
    for (y = 0; y < p->area_h; y++) {
        struct pen pen = { -1, -1 };

        row_start(t, p, y == 0 ? "0" : y == h - 1 ? last : NULL);
        for (x = 0; y < h && x < w; x++)
            heat_char(p, t, &pen, y, x);
        pen_to(p, t, &pen, -1, -1);
        end_line(t);
    }
    snprintf(right, sizeof right, "%lld",
             (long long)(p->cols > 0 ? p->cols - 1 : 0));
    x_axis(t, p, w > 0 ? w : p->area_w, "0", right);
    legend(p, t);
}

int hr_plot_text(const struct hr_plot *p, struct hr_text *t)
{
    title(t, p);
    if (p->kind == HR_PLOT_LINE) {
        if (draw_line(p, t) != 0)
            return HR_ENOMEM;
    } else if (p->kind == HR_PLOT_HIST) {
        draw_hist(p, t);
    } else {
        draw_heat(p, t);
    }
    return hr_text_ok(t);
}
