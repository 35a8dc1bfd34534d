/* test_plot.c - line plots, histograms and heat maps: golden pictures
 * worked out by hand, spikes that survive downsampling, SVG that parses */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"

/* A C-order float64 view of data with the given shape. */
static void view_of(struct hr_array *v, const double *d, int ndim,
                    const int64_t *shape, const char *name)
{
    int k;

    memset(v, 0, sizeof *v);
    v->data = d;
    v->dtype = HR_FLOAT64;
    v->ndim = ndim;
    v->itemsize = 8;
    v->size = 1;
    for (k = ndim - 1; k >= 0; k--) {
        v->shape[k] = shape[k];
        v->strides[k] = 8 * v->size;
        v->size *= shape[k];
    }
    v->nbytes = 8 * v->size;
    v->flags = HR_C_CONTIGUOUS;
    v->name = name;
}

/* The text picture of v at w x h (opts otherwise default). */
static char *draw(const struct hr_array *v, int w, int h, int hist,
                  int64_t bins)
{
    struct hr_text t = HR_TEXT_INIT;
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_err err;

    hr_plot_opts_default(&o);
    o.width = w;
    o.height = h;
    o.hist = hist;
    o.bins = bins;
    if (hr_plot_build(v, &o, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(hr_plot_text(p, &t), 0);
    hr_plot_free(p);
    return t.s;
}

/* 28 zeros and a 1 at index 5, in a 14 x 3 area: one element per dot
 * column (28 columns), 12 dot rows.  The spike's column goes from the dot
 * above its neighbour (row 1) to the top (row 11), the next column back
 * down to the dot above the floor (row 10 to 0).  Braille bits: left
 * column dots 1-2-3-7 are bits 0-1-2-6, right column 4-5-6-8 are 3-4-5-7:
 * a floor of both columns is 0xC0 (⣀); x=2 holds column 4 (floor, bit 6)
 * and column 5 (rows 1-3 of this character: bits 5, 4, 3) = 0x78 (⡸),
 * and full height above (bits 7, 5, 4, 3 = 0xB8, ⢸); x=3 holds column 6
 * (rows 0-10: 0x47 ⣇ with column 7's floor bit 7, then 0x47 ⡇, then rows
 * 8-10 only: 0x46 ⡆). */
static void test_plot_line_golden(void **state)
{
    double d[28] = { 0 };
    int64_t shape[1] = { 28 };
    struct hr_array v;
    char *s;

    (void)state;
    d[5] = 1.0;
    view_of(&v, d, 1, shape, "v");
    s = draw(&v, 16, 6, 0, 0);
    assert_string_equal(s,
                        "v  shape (28,) float64\n"
                        "1┤  ⢸⡆\n"
                        " │  ⢸⡇\n"
                        "0┤⣀⣀⡸⣇⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀\n"
                        " └──────────────\n"
                        "  0           27\n");
    free(s);
}

/* 0, 1, 1, 2, 2, 2, 3, 3, 3, 3 in 4 bins over [0, 3]: counts 1, 2, 3, 4.
 * Labels "4" and "0" leave 14 columns: 3 per bin; 3 rows are 24 eighths
 * for the count 4, so the bars are 6, 12, 18 and 24 eighths high. */
static void test_plot_hist_golden(void **state)
{
    double d[10] = { 0, 1, 1, 2, 2, 2, 3, 3, 3, 3 };
    int64_t shape[1] = { 10 };
    struct hr_array v;
    char *s;

    (void)state;
    view_of(&v, d, 1, shape, "h");
    s = draw(&v, 16, 6, 1, 4);
    assert_string_equal(s,
                        "h  shape (10,) float64  histogram, 4 bins of "
                        "width 0.75\n"
                        "4┤      ▂▂▂███\n"
                        " │   ▄▄▄██████\n"
                        "0┤▆▆▆█████████\n"
                        " └──────────────\n"
                        "  0          3\n");
    free(s);
}

/* [[0, 3, 5], [7, 9, 10]] without colour in a 14 x 4 area: each cell
 * magnified to 4 characters by 2 rows (about square); shades by fifths of
 * [0, 10]: 0 ' ', 3 '░', 5 '▒', 7 '▓', 9 and 10 '█'. */
static void test_plot_heat_golden(void **state)
{
    double d[6] = { 0, 3, 5, 7, 9, 10 };
    int64_t shape[2] = { 2, 3 };
    struct hr_array v;
    char *s;

    (void)state;
    view_of(&v, d, 2, shape, "m");
    s = draw(&v, 16, 8, 0, 0);
    assert_string_equal(s,
                        "m  shape (2, 3) float64\n"
                        "0┤    ░░░░▒▒▒▒\n"
                        " │    ░░░░▒▒▒▒\n"
                        " │▓▓▓▓████████\n"
                        "1┤▓▓▓▓████████\n"
                        " └──────────────\n"
                        "  0          2\n"
                        "  0 [ ░▒▓█] 10\n");
    free(s);
}

static int count(const char *s, const char *sub)
{
    int n = 0;

    for (s = strstr(s, sub); s != NULL; s = strstr(s + 1, sub))
        n++;
    return n;
}

/* 100,000 elements in 74 columns: a single high and a single low element
 * still reach the top and the bottom row. */
static void test_plot_line_spikes_survive(void **state)
{
    int64_t n = 100000;
    int64_t shape[1] = { 100000 };
    double *d = calloc((size_t)n, sizeof *d);
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    char *s;
    char *row;
    int c, hits_hi = 0, hits_lo = 0;

    (void)state;
    assert_non_null(d);
    d[54321] = 1.0;
    d[777] = -1.0;
    d[99999] = NAN;
    view_of(&v, d, 1, shape, "spiky");
    hr_plot_opts_default(&o);
    o.width = 40;
    o.height = 8;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    assert_int_equal(p->ncols, 74);
    for (c = 0; c < p->ncols; c++) {
        hits_hi += p->cmax[c] == 1.0;
        hits_lo += p->cmin[c] == -1.0;
    }
    assert_int_equal(hits_hi, 1);
    assert_int_equal(hits_lo, 1);
    assert_true(p->cmax[54321 * 74 / 100000] == 1.0);
    assert_true(p->cmin[777 * 74 / 100000] == -1.0);
    assert_int_equal(p->nan, 1);
    hr_plot_free(p);
    s = draw(&v, 40, 8, 0, 0);
    assert_non_null(strstr(s, "(1 nan, 0 inf not drawn)"));
    assert_non_null(strstr(s, "min and max of 1.35e+03 elements per "
                              "column"));
    /* the top plot row ("1" and the axis) has a dot: the spike; so has
     * the bottom one ("-1") */
    row = strchr(s, '\n') + 1;
    assert_true(strncmp(row, " 1┤", strlen(" 1┤")) == 0);
    assert_true(strchr(row, '\n') - row > (int)strlen(" 1┤"));
    row = strstr(s, "-1┤");
    assert_non_null(row);
    assert_true(strchr(row, '\n') - row > (int)strlen("-1┤"));
    free(s);
    free(d);
}

/* Fewer elements than columns: the points joined by lines, and every
 * element's exact value is the end of some column's span. */
static void test_plot_line_short_array_keeps_its_points(void **state)
{
    double d[7] = { 0.5, -3.25, 7.125, 2, NAN, 4, 1 };
    int64_t shape[1] = { 7 };
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    int c, k, found;

    (void)state;
    view_of(&v, d, 1, shape, "short");
    hr_plot_opts_default(&o);
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    for (k = 0; k < 7; k++) {
        for (c = 0, found = 0; c < p->ncols; c++)
            found |= p->cmin[c] == d[k] || p->cmax[c] == d[k];
        assert_true(found || k == 4);
    }
    assert_true(p->lo == -3.25 && p->hi == 7.125);
    /* the columns around the NaN draw nothing */
    assert_true(isnan(p->cmin[p->ncols * 4 / 6]));
    hr_plot_free(p);
}

/* A 1000 x 1000 matrix of zeros with one 5 and one -5: the maximum keeps
 * the 5 in its cell (one full block), the minimum keeps the -5. */
static void test_plot_heat_spikes_survive(void **state)
{
    int64_t shape[2] = { 1000, 1000 };
    double *d = calloc(1000000, sizeof *d);
    struct hr_text t = HR_TEXT_INIT;
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    int k, hi = 0, lo = 0;

    (void)state;
    assert_non_null(d);
    d[500 * 1000 + 700] = 5.0;
    d[20 * 1000 + 3] = -5.0;
    view_of(&v, d, 2, shape, "big");
    hr_plot_opts_default(&o);
    o.width = 60;
    o.height = 20;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    for (k = 0; k < p->pr * p->pc; k++)
        hi += p->cell[k] == 5.0;
    assert_int_equal(hi, 1);
    assert_int_equal(hr_plot_text(p, &t), 0);
    /* one '█' in the map, one in the legend */
    assert_int_equal(count(t.s, "█"), 2);
    hr_plot_free(p);
    hr_text_free(&t);
    o.cell = HR_PLOT_CELL_MIN;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    for (k = 0; k < p->pr * p->pc; k++)
        lo += p->cell[k] == -5.0;
    assert_int_equal(lo, 1);
    hr_plot_free(p);
    free(d);
}

/* Colour: half blocks with 256-colour escapes, reset at each line end;
 * NaN cells are blank. */
static void test_plot_heat_colour(void **state)
{
    double d[4] = { 0, 1, NAN, 3 };
    int64_t shape[2] = { 2, 2 };
    struct hr_text t = HR_TEXT_INIT;
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    char *line;

    (void)state;
    view_of(&v, d, 2, shape, "c");
    hr_plot_opts_default(&o);
    o.width = 20;
    o.height = 8;
    o.color = HR_PLOT_256;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    assert_int_equal(hr_plot_text(p, &t), 0);
    assert_non_null(strstr(t.s, "\x1b[38;5;"));
    assert_non_null(strstr(t.s, "▀"));
    for (line = t.s; *line != '\0'; line = strchr(line, '\n') + 1) {
        char *end = strchr(line, '\n');

        /* a row of the map: its colours end with it */
        if (strstr(line, "▀") != NULL && strstr(line, "▀") < end)
            assert_true(end - line >= 4 &&
                        memcmp(end - 4, "\x1b[0m", 4) == 0);
    }
    assert_non_null(strstr(t.s, "(1 nan, 0 inf not drawn)"));
    hr_plot_free(p);
    hr_text_free(&t);
    d[2] = 2;
    o.color = HR_PLOT_MONO;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    assert_int_equal(hr_plot_text(p, &t), 0);
    assert_null(strchr(t.s, '\x1b'));
    hr_plot_free(p);
    hr_text_free(&t);
}

static void test_plot_refuses_what_it_cannot_draw(void **state)
{
    double d[4] = { 1, 2, 3, 4 };
    int64_t shape[1] = { 4 };
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;

    (void)state;
    hr_plot_opts_default(&o);
    view_of(&v, d, 0, shape, "s");
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), HR_EINVAL);
    assert_non_null(strstr(err.msg, "0-d array"));
    view_of(&v, d, 1, shape, "s");
    o.width = 10;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), HR_EINVAL);
    assert_non_null(strstr(err.msg, "too small"));
    o.width = 20;
    o.hist = 1;
    o.bins = 100;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), HR_EINVAL);
    assert_non_null(strstr(err.msg, "100 bins do not fit"));
    assert_null(p);
}

/* Empty arrays, arrays without a finite value, 3-d, 0-d histograms and
 * complex arrays all draw (text and SVG) and say why nothing is there. */
static void test_plot_draws_odd_arrays(void **state)
{
    static const struct {
        int ndim;
        int64_t shape[3];
        int hist;
        int nan;
        const char *want;
    } cases[] = {
        { 1, { 0 }, 0, 0, "shape (0,)" },
        { 2, { 3, 0 }, 0, 0, "no finite values" },
        { 1, { 0 }, 1, 0, "histogram" },
        { 1, { 5 }, 0, 1, "(5 nan, 0 inf not drawn)" },
        { 2, { 2, 3 }, 0, 1, "no finite values" },
        { 2, { 2, 3 }, 1, 1, "(6 nan, 0 inf not drawn)" },
        { 3, { 2, 3, 2 }, 0, 0, "shape (2, 3, 2)" },
        { 0, { 0 }, 1, 0, "histogram, 10 bins of width 0.1" },
    };
    double d[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    double nan[12];
    struct hr_text t = HR_TEXT_INIT;
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    size_t k;

    (void)state;
    for (k = 0; k < 12; k++)
        nan[k] = NAN;
    hr_plot_opts_default(&o);
    o.width = 40;
    o.height = 10;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        view_of(&v, cases[k].nan ? nan : d, cases[k].ndim, cases[k].shape,
                "odd");
        o.hist = cases[k].hist;
        if (hr_plot_build(&v, &o, &p, &err) != 0)
            fail_msg("case %zu: %s", k, err.msg);
        assert_int_equal(hr_plot_text(p, &t), 0);
        if (strstr(t.s, cases[k].want) == NULL)
            fail_msg("case %zu: no '%s' in\n%s", k, cases[k].want, t.s);
        hr_text_truncate(&t, 0);
        assert_int_equal(hr_plot_svg(p, &t), 0);
        assert_non_null(strstr(t.s, "</svg>"));
        hr_text_truncate(&t, 0);
        hr_plot_free(p);
    }
    hr_text_free(&t);
}

static void svg_check(const struct hr_plot *p, const char *kind,
                      const char *labels)
{
    char path[] = "/tmp/test_plot.XXXXXX";
    char file[64];
    char cmd[512];
    struct hr_err err;

    assert_non_null(mkdtemp(path));
    snprintf(file, sizeof file, "%s/p.svg", path);
    assert_int_equal(hr_plot_svg_save(p, file, &err), 0);
    snprintf(cmd, sizeof cmd, "%s %s/tests/numpy_ref.py svg-check %s %s %s",
             HR_PYTHON, HR_SOURCE_DIR, file, kind, labels);
    assert_int_equal(system(cmd), 0);
    unlink(file);
    rmdir(path);
}

static void test_plot_svg_parses_and_has_the_picture(void **state)
{
    double d[40];
    int64_t shape1[1] = { 40 };
    int64_t shape2[2] = { 5, 8 };
    struct hr_plot_opts o;
    struct hr_plot *p = NULL;
    struct hr_array v;
    struct hr_err err;
    int k;

    (void)state;
    for (k = 0; k < 40; k++)
        d[k] = k % 7 - 2.5;
    d[10] = NAN;
    hr_plot_opts_default(&o);
    o.width = 50;
    o.height = 12;
    view_of(&v, d, 1, shape1, "a<&>");
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    svg_check(p, "line", "-2.5 3.5 0 39");
    hr_plot_free(p);
    o.hist = 1;
    o.bins = 7;
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    svg_check(p, "hist", "0 -2.5 3.5");
    hr_plot_free(p);
    o.hist = 0;
    o.color = HR_PLOT_RGB;
    view_of(&v, d, 2, shape2, "m");
    assert_int_equal(hr_plot_build(&v, &o, &p, &err), 0);
    svg_check(p, "heat", "0 4 7 -2.5 3.5");
    hr_plot_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_line_golden),
        cmocka_unit_test(test_plot_hist_golden),
        cmocka_unit_test(test_plot_heat_golden),
        cmocka_unit_test(test_plot_line_spikes_survive),
        cmocka_unit_test(test_plot_line_short_array_keeps_its_points),
        cmocka_unit_test(test_plot_heat_spikes_survive),
        cmocka_unit_test(test_plot_heat_colour),
        cmocka_unit_test(test_plot_refuses_what_it_cannot_draw),
        cmocka_unit_test(test_plot_draws_odd_arrays),
        cmocka_unit_test(test_plot_svg_parses_and_has_the_picture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
