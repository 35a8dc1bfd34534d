/* plot.h - pictures of an array for a terminal or an SVG file: a line plot
 * of a 1-d array, a histogram, a heat map of a 2-d array
 *
 * Two steps: hr_plot_build() reads the array once or twice (in parallel on
 * hotrun's thread pool) and keeps only what the picture shows; then
 * hr_plot_text() draws it with Unicode characters and hr_plot_svg() as an
 * SVG document: the same columns, bins or cells, so the two pictures
 * agree.
 *
 * Downsampling never skips an element: a line plot's column holds the
 * minimum and the maximum of its elements (so a single spike still
 * reaches its height), a heat map's cell the maximum of its elements (or
 * the minimum, HR_PLOT_CELL_MIN).  NaN and infinite elements are not
 * drawn, and the picture says how many there were; a column or cell with
 * nothing finite is left blank.  Complex arrays are drawn by their real
 * part.  An array of ndim > 2 is a heat map of shape[0] rows of the other
 * axes flattened in C order (as the row and column kernels see it).
 *
 * Text layout of a W x H picture (every line right-trimmed, ending in a
 * newline):
 *   a title line: "NAME  shape (R, C) dtype  what one column/cell holds";
 *   H - 3 (line, histogram) or H - 4 (heat map) plot rows, each a y label
 *   right-aligned in the label column (top: the maximum, bottom: the
 *   minimum; row indices for a heat map) or blanks, then '┤' (labelled
 *   row) or '│', then the plot area;
 *   the x axis "└───", then the x labels under the area's two ends
 *   (element indices; bin edges for a histogram);
 *   heat maps only: the colour scale "LO ramp HI".
 * Line plots use braille dots (2 x 4 per character); histograms eighth
 * blocks (▁▂▃▄▅▆▇█); heat maps half blocks '▀' in colour (256 or 24-bit
 * colours: foreground the upper cell, background the lower one), or one
 * cell per character in the shades " ░▒▓█" without colour (NO_COLOR).
 * Labels are printf's %.4g.
 *
 * Ownership: a struct hr_plot is owned by the caller of hr_plot_build()
 * and freed with hr_plot_free(); the array is borrowed for the build only.
 * Text goes into the caller's struct hr_text.  Nothing is printed.
 */
#ifndef HR_PLOT_H
#define HR_PLOT_H

#include <stdint.h>

#include "hotrun.h"
#include "err.h"
#include "text.h"

enum hr_plot_kind { HR_PLOT_LINE, HR_PLOT_HIST, HR_PLOT_HEAT };

enum hr_plot_color {
    HR_PLOT_MONO,       /* no escape sequences: shades for heat maps */
    HR_PLOT_256,        /* xterm 256-colour palette */
    HR_PLOT_RGB         /* 24-bit colour (COLORTERM=truecolor) */
};

enum hr_plot_cell { HR_PLOT_CELL_MAX, HR_PLOT_CELL_MIN };

#define HR_PLOT_MIN_WIDTH 16
#define HR_PLOT_MIN_HEIGHT 6

struct hr_plot_opts {
    int width;          /* characters across, labels included (>= 16) */
    int height;         /* lines, title and labels included (>= 6) */
    int hist;           /* a histogram whatever the ndim */
    int64_t bins;       /* histogram bins; 0: 10, like np.histogram */
    int color;          /* enum hr_plot_color */
    int cell;           /* enum hr_plot_cell: what a heat map cell holds */
};

/* What the picture shows; read-only for callers. */
struct hr_plot {
    int kind;           /* enum hr_plot_kind */
    int color;          /* from the options */
    char title[1700];   /* "NAME  shape (N,) float64" */
    char note[160];     /* what a column, bin or cell holds; "" if one */
    int64_t n;          /* elements */
    int64_t nan;        /* NaN elements (not drawn) */
    int64_t inf;        /* infinite elements (not drawn) */
    double lo, hi;      /* finite range of the data; NaN when none */
    int label_w;        /* characters of the y labels */
    int area_w;         /* plot area, characters */
    int area_h;
    /* line plot */
    int ncols;          /* columns of dots: 2 per character */
    double *cmin;       /* owned: per column; NaN: nothing drawn there */
    double *cmax;
    /* histogram */
    int64_t nbins;
    int64_t *counts;    /* owned: per bin */
    int64_t maxcount;
    double edge_lo, edge_hi;
    /* heat map */
    int64_t rows, cols; /* the data as a matrix */
    int pr, pc;         /* cells: one per element, or one per block of
                         * elements when the matrix is larger than the
                         * area */
    int zx, zy;         /* each cell drawn zx characters wide and zy
                         * rows (half rows in colour) high: small
                         * matrices magnified, about square */
    double *cell;       /* owned: pr x pc values; NaN: nothing finite */
};

/* Fills opts with an 80 x 24 line plot or heat map, colour off. */
void hr_plot_opts_default(struct hr_plot_opts *o);

/* Reads a and makes the picture.  On success *out is owned by the caller
 * (hr_plot_free()).  Returns 0, HR_EINVAL (err: "plot: why": a 0-d array
 * without --hist, a size under the minimum, more bins than columns, an
 * unsound array) or HR_ENOMEM. */
int hr_plot_build(const struct hr_array *a, const struct hr_plot_opts *o,
                  struct hr_plot **out, struct hr_err *err);

/* Frees p; accepts NULL. */
void hr_plot_free(struct hr_plot *p);

/* Draws p as text (see the layout above).  Returns 0 or HR_ENOMEM. */
int hr_plot_text(const struct hr_plot *p, struct hr_text *t);

/* Draws p as a standalone SVG document.  Returns 0 or HR_ENOMEM. */
int hr_plot_svg(const struct hr_plot *p, struct hr_text *t);

/* hr_plot_svg() written to path atomically (atomic.h).  Returns 0,
 * HR_EIO or HR_ENOMEM, with err "PATH: what". */
int hr_plot_svg_save(const struct hr_plot *p, const char *path,
                     struct hr_err *err);

/* A value as the labels write it: printf's %.4g ("nan" for NaN). */
void hr_plot_label(double v, char *buf, size_t cap);

#endif
