/* stats_text.c - statistics as text, and flat indices as index tuples */
#include "stats.h"

#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "err.h"
#include "fltfmt.h"
#include "show.h"

void hr_stats_unravel(const struct hr_array *a, int64_t flat, int64_t *idx)
{
    int k;

    for (k = a->ndim - 1; k >= 0; k--) {
        idx[k] = a->shape[k] > 0 ? flat % a->shape[k] : 0;
        flat = a->shape[k] > 0 ? flat / a->shape[k] : 0;
    }
}

/* "min   -4.5 at (3, 1)", the value (at p, NULL: none) in the array's own
 * dtype. */
static void extreme(struct hr_text *t, const char *label,
                    const struct hr_array *a, const struct hr_stats *s,
                    int64_t flat, const void *p)
{
    int64_t idx[HR_MAX_NDIM];
    char val[2 * HR_FLT_BUF];
    char pos[HR_SHAPE_TXT + 8];

    if (flat < 0 || p == NULL) {
        hr_text_printf(t, "%-6s none (%s)\n", label,
                       s->count == 0 ? "empty" : "every element is nan");
        return;
    }
    hr_stats_unravel(a, flat, idx);
    hr_shape_tuple(a->ndim, idx, pos, sizeof pos);
    if (hr_show_scalar(a->dtype, p, val, sizeof val) < 0)
        snprintf(val, sizeof val, "?");
    hr_text_printf(t, "%-6s %s at %s\n", label, val, pos);
}

int hr_stats_format(const struct hr_array *a, const struct hr_stats *s,
                    struct hr_text *t)
{
    return hr_stats_format_elems(a, s,
                                 s->argmin >= 0 ? hr_array_elem(a, s->argmin)
                                                : NULL,
                                 s->argmax >= 0 ? hr_array_elem(a, s->argmax)
                                                : NULL, t);
}

int hr_stats_format_elems(const struct hr_array *a, const struct hr_stats *s,
                          const void *min, const void *max,
                          struct hr_text *t)
{
    char buf[2 * HR_FLT_BUF];
    double c[2] = { s->mean, s->mean_im };

    hr_text_printf(t, "%-6s %lld\n", "count", (long long)s->count);
    hr_text_printf(t, "%-6s %lld\n", "nan", (long long)s->nan);
    if (s->neginf > 0)
        hr_text_printf(t, "%-6s %lld (%lld of them -inf)\n", "inf",
                       (long long)s->inf, (long long)s->neginf);
    else
        hr_text_printf(t, "%-6s %lld\n", "inf", (long long)s->inf);
    extreme(t, "min", a, s, s->argmin, min);
    extreme(t, "max", a, s, s->argmax, max);
    if (a->dtype == HR_COMPLEX64 || a->dtype == HR_COMPLEX128)
        hr_show_scalar(HR_COMPLEX128, c, buf, sizeof buf);
    else
        hr_show_f64(s->mean, buf, sizeof buf);
    hr_text_printf(t, "%-6s %s\n", "mean", buf);
    hr_show_f64(s->std, buf, sizeof buf);
    hr_text_printf(t, "%-6s %s\n", "std", buf);
    return hr_text_ok(t);
}
