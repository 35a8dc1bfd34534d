/* filter.c - sequential filters numpy cannot vectorise
 *
 * Each output depends on the previous one, so numpy needs a Python loop
 * (seconds); here it is one pass of C.
 *   run ema_last [K]          the last value of an exponential moving average
 *                             (shows hr_progress: a bar while it runs)
 *   run max_drawdown          largest fall from a running peak (prices)
 *   run longest_run [THRESH]  longest run of consecutive values > THRESH
 *   run ema_rows [K]          EMA crossings counted per row, in parallel
 */
#include "hotrun.h"

double ema_last(const struct hr_array *a)
{
    double k = hr_arg_f64(0, 0.01);
    double e;
    int64_t i;

    if (a->size == 0)
        hr_fail("empty array");
    e = hr_at(a, 0);
    for (i = 1; i < a->size; i++) {
        e += k * (hr_at(a, i) - e);
        if ((i & 0xfffff) == 0)
            hr_progress(i, a->size);    /* a bar on the terminal */
    }
    return e;
}

double max_drawdown(const struct hr_array *a)
{
    double peak = -INFINITY, worst = 0;
    int64_t i;

    for (i = 0; i < a->size; i++) {
        double v = hr_at(a, i);

        if (v > peak)
            peak = v;
        if (peak - v > worst)
            worst = peak - v;
    }
    return worst;
}

double longest_run(const struct hr_array *a)
{
    double t = hr_arg_f64(0, 0.5);
    int64_t i, run = 0, best = 0;

    for (i = 0; i < a->size; i++) {
        run = hr_at(a, i) > t ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return (double)best;
}

/* hr_parallel_for: each row is filtered on its own, rows in parallel */
struct rows {
    const struct hr_array *a;
    double k;
    int64_t *crossings;     /* one per row */
};

static void filter_rows(void *ctx, int64_t begin, int64_t end)
{
    struct rows *r = ctx;
    int64_t cols = hr_cols(r->a), i, j;

    for (i = begin; i < end; i++) {
        double e = hr_at(r->a, i * cols);
        int above = 0;
        int64_t c = 0;

        for (j = 1; j < cols; j++) {
            double v = hr_at(r->a, i * cols + j);
            int now;

            e += r->k * (v - e);
            now = v > e;
            c += now != above;
            above = now;
        }
        r->crossings[i] = c;
    }
}

double ema_rows(const struct hr_array *a)
{
    struct rows r;
    int64_t i, total = 0, n = hr_rows(a);

    r.a = a;
    r.k = hr_arg_f64(0, 0.01);
    r.crossings = calloc((size_t)n, sizeof *r.crossings);
    if (r.crossings == NULL)
        hr_fail("no memory");
    hr_parallel_for(n, filter_rows, &r);
    for (i = 0; i < n; i++)
        total += r.crossings[i];
    free(r.crossings);
    return (double)total;
}
