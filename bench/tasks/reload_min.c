/* reload_min.c - the bench's reload subject: includes hotrun.h only
 *
 * A few small tasks of the size a user edits between runs (the demo's
 * four).  bench/bench.py reloads this file N times and reads the compile
 * time hotrun reports; reload_libc.c is the same tasks behind four glibc
 * headers.
 */
#include "hotrun.h"

double some_task(const struct hr_array *a)
{
    return hr_sum(a);
}

double another_task(const struct hr_array *a)
{
    return hr_mean(a);
}

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
