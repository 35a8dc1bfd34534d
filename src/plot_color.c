/* plot_color.c - the colour scale of heat maps, as RGB and as terminal
 * escape sequences */
#include "plot_color.h"

#include <math.h>

#include "plot.h"

/* viridis sampled at 0, 1/8, ..., 1 */
static const unsigned char anchors[9][3] = {
    { 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 },
    { 33, 144, 141 }, { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 },
    { 253, 231, 37 },
};

void hr_plot_ramp(double f, int *r, int *g, int *b)
{
    double x;
    int k;

    f = isnan(f) ? 0.0 : f < 0 ? 0.0 : f > 1 ? 1.0 : f;
    x = f * 8;
    k = x >= 8 ? 7 : (int)x;
    x -= k;
    *r = (int)lround(anchors[k][0] + (anchors[k + 1][0] - anchors[k][0]) * x);
    *g = (int)lround(anchors[k][1] + (anchors[k + 1][1] - anchors[k][1]) * x);
    *b = (int)lround(anchors[k][2] + (anchors[k + 1][2] - anchors[k][2]) * x);
}

/* The cube's levels are 0, 95, 135, 175, 215, 255. */
static int level(int v)
{
    return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

int hr_plot_xterm256(int r, int g, int b)
{
    return 16 + 36 * level(r) + 6 * level(g) + level(b);
}

int hr_plot_color_key(int mode, double f)
{
    int r, g, b;

    hr_plot_ramp(f, &r, &g, &b);
    if (mode == HR_PLOT_RGB)
        return r << 16 | g << 8 | b;
    return hr_plot_xterm256(r, g, b);
}

void hr_plot_color_set(struct hr_text *t, int mode, int bg, int key)
{
    if (mode == HR_PLOT_RGB)
        hr_text_printf(t, "\x1b[%d;2;%d;%d;%dm", bg ? 48 : 38, key >> 16,
                       key >> 8 & 0xff, key & 0xff);
    else
        hr_text_printf(t, "\x1b[%d;5;%dm", bg ? 48 : 38, key);
}
