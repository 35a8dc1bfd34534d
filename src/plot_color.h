/* plot_color.h - the colour scale of heat maps, as RGB and as terminal
 * escape sequences
 *
 * Shared by plot_text.c and plot_svg.c, so that both pictures use the same
 * colours.  Pure; text goes into the caller's struct hr_text.
 */
#ifndef HR_PLOT_COLOR_H
#define HR_PLOT_COLOR_H

#include "text.h"

/* The colour of f in [0, 1] (clamped) on a viridis-like scale: dark
 * purple (low) through teal to yellow (high). */
void hr_plot_ramp(double f, int *r, int *g, int *b);

/* The nearest colour of the xterm 256-colour cube (indices 16..231). */
int hr_plot_xterm256(int r, int g, int b);

/* The colour of f as the mode (HR_PLOT_256 or HR_PLOT_RGB) writes it: an
 * xterm index, or 0xRRGGBB. */
int hr_plot_color_key(int mode, double f);

/* Appends the escape sequence that sets the foreground (bg 0) or the
 * background (bg 1) to the colour key (from hr_plot_color_key()). */
void hr_plot_color_set(struct hr_text *t, int mode, int bg, int key);

#endif
