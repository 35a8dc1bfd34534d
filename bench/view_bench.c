/* view_bench.c - times the engines behind show, stats, plot and save
 *
 * Not part of the build or the tests.  Build by hand from the top of the
 * repository against the built library (cmake --build build):
 *
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc -Iinclude bench/view_bench.c \
 *       build/libhotrun.a -o /tmp/view_bench \
 *       -ltcc /usr/lib/x86_64-linux-gnu/tcc/libtcc1.a -lreadline \
 *       -lpthread -ldl -lm
 *   /tmp/view_bench [rows cols [runs [DIR]]]
 *
 * Makes a rows x cols float64 array (5000 x 5000 by default, 200 MB) of
 * smooth values with a few NaN in a second copy, and prints the best of
 * `runs` (5) timings in ms, with the read bandwidth, for: show (the
 * summarised text), stats without and with NaN, stats of a Fortran-order
 * view, a line plot of all elements, a heat map, a histogram, and save to
 * DIR (default /tmp; includes the fsyncs, so it measures the disk too).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotrun.h"
#include "plot.h"
#include "pool.h"
#include "save.h"
#include "show.h"
#include "stats.h"

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void view2(struct hr_array *v, const double *d, int64_t r, int64_t c,
                  int fortran)
{
    memset(v, 0, sizeof *v);
    v->data = d;
    v->dtype = HR_FLOAT64;
    v->ndim = 2;
    v->shape[0] = r;
    v->shape[1] = c;
    v->itemsize = 8;
    v->strides[0] = fortran ? 8 : 8 * c;
    v->strides[1] = fortran ? 8 * r : 8;
    v->size = r * c;
    v->nbytes = 8 * r * c;
    v->flags = fortran ? HR_F_CONTIGUOUS : HR_C_CONTIGUOUS;
    v->name = "bench";
}

static void report(const char *what, double best, int64_t bytes)
{
    printf("%-28s %9.2f ms  %6.2f GB/s\n", what, best,
           (double)bytes / (best * 1e6));
}

int main(int argc, char **argv)
{
    int64_t rows = argc > 2 ? atoll(argv[1]) : 5000;
    int64_t cols = argc > 2 ? atoll(argv[2]) : 5000;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    int64_t n = rows * cols;
    double *d = malloc((size_t)n * sizeof *d);
    double *e = malloc((size_t)n * sizeof *e);
    double best[9];
    struct hr_show_opts so;
    struct hr_plot_opts po;
    struct hr_array v, w, f, flat;
    struct hr_stats s;
    struct hr_err err;
    char path[512];
    int64_t i;
    int r, k;

    if (d == NULL || e == NULL || hr_pool_start(0) != 0)
        return 1;
    for (i = 0; i < n; i++)
        d[i] = e[i] = sin((double)i * 1e-3) + (double)(i % 97) * 1e-3;
    for (i = 0; i < n; i += n / 64)
        e[i] = NAN;
    view2(&v, d, rows, cols, 0);
    view2(&w, e, rows, cols, 0);
    view2(&f, d, rows, cols, 1);
    flat = v;
    flat.ndim = 1;
    flat.shape[0] = n;
    flat.strides[0] = 8;
    hr_show_opts_default(&so);
    hr_plot_opts_default(&po);
    snprintf(path, sizeof path, "%s/view_bench.%d.npy", dir, (int)getpid());
    for (k = 0; k < 9; k++)
        best[k] = 1e300;
    printf("%lld x %lld float64 (%.0f MB), %d threads, best of %d\n",
           (long long)rows, (long long)cols, (double)n * 8 / 1e6,
           hr_pool_nthreads(), runs);
    for (r = 0; r < runs; r++) {
        double t[10];
        struct hr_text tx = HR_TEXT_INIT;
        struct hr_plot *p = NULL;

        t[0] = now_ms();
        hr_show_format(&v, &so, &tx);
        t[1] = now_ms();
        hr_stats_compute(&v, &s);
        t[2] = now_ms();
        hr_stats_compute(&w, &s);
        t[3] = now_ms();
        hr_stats_compute(&f, &s);
        t[4] = now_ms();
        hr_plot_build(&flat, &po, &p, &err);
        hr_plot_text(p, &tx);
        hr_plot_free(p);
        t[5] = now_ms();
        hr_plot_build(&v, &po, &p, &err);
        hr_plot_text(p, &tx);
        hr_plot_free(p);
        t[6] = now_ms();
        po.hist = 1;
        hr_plot_build(&v, &po, &p, &err);
        hr_plot_text(p, &tx);
        hr_plot_free(p);
        po.hist = 0;
        t[7] = now_ms();
        if (hr_save_npy(&v, path, NULL, 0, &err) != 0)
            fprintf(stderr, "%s\n", err.msg);
        t[8] = now_ms();
        hr_text_free(&tx);
        for (k = 0; k < 8; k++)
            best[k] = fmin(best[k], t[k + 1] - t[k]);
    }
    unlink(path);
    report("show (summarised)", best[0], 0);
    report("stats", best[1], 8 * n);
    report("stats, 64 NaN", best[2], 8 * n);
    report("stats, Fortran order", best[3], 8 * n);
    report("plot line (all elements)", best[4], 8 * n);
    report("plot heat map", best[5], 8 * n);
    report("plot --hist", best[6], 8 * n);
    report("save (with fsync)", best[7], 8 * n);
    hr_pool_stop();
    free(d);
    free(e);
    return 0;
}
