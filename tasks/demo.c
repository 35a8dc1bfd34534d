/* demo.c - the Python trick's tasks.py, in C
 *
 * Edit a function, save, and press Enter at the hotrun prompt: the file is
 * recompiled in memory and the task rerun on the resident array.
 * Every non-static function of this form is a task:
 *     double NAME(const struct hr_array *a)
 */
#include "hotrun.h"

/* arr.sum(), with hotrun's native kernel (vectorised, all cores) */
double some_task(const struct hr_array *a)
{
    return hr_sum(a);
}

/* arr.mean() */
double another_task(const struct hr_array *a)
{
    return hr_mean(a);
}

/* The same sum as a plain loop: what code compiled by libtcc costs.
 * hr_at() works for every dtype and order; hr_f64() is the fast path for
 * C-ordered float64 arrays. */
double loop_sum(const struct hr_array *a)
{
    double s = 0;
    int64_t i;

    if (a->dtype == HR_FLOAT64 && (a->flags & HR_C_CONTIGUOUS)) {
        const double *x = hr_f64(a);

        for (i = 0; i < a->size; i++)
            s += x[i];
        return s;
    }
    for (i = 0; i < a->size; i++)
        s += hr_at(a, i);
    return s;
}

/* A sequential filter numpy cannot vectorise: how often the data crosses
 * its exponential moving average.  `run ema_crossings 0.05` sets k. */
double ema_crossings(const struct hr_array *a)
{
    double k = hr_arg_f64(0, 0.01);
    double e;
    int64_t i, cross = 0;
    int above = 0;

    if (a->size == 0)
        return 0;
    e = hr_at(a, 0);
    for (i = 1; i < a->size; i++) {
        double v = hr_at(a, i);
        int now;

        e += k * (v - e);
        now = v > e;
        cross += now != above;
        above = now;
    }
    return (double)cross;
}
