/* kern_hist.c - native kernel hr_histogram: counts in equal bins, in
 * parallel
 *
 * Groups of elements count into private arrays (integer sums, so any
 * grouping gives the same result), each value through interleaved
 * sub-histograms when the bins allow, and the groups are added into the
 * caller's counts.  kern.c describes the arithmetic and the errors.
 */
#include "hotrun.h"

#include <float.h>

#include "guard.h"
#include "kern.h"
#include "kern_loop.h"
#include "pool.h"

#define MAX_GROUPS 64       /* histogram: private count arrays, at most */
#define HIST_CELLS (1 << 22)    /* histogram: private counts in all */
#define HIST_SUB 4          /* histogram: interleaved sub-histograms */
#define HIST_FAST_BINS 16384    /* histogram: most bins for sub-histograms */
#define HIST_FLUSH ((int64_t)1 << 30)   /* values a uint32_t sub-count may
                                         * take between flushes */

struct hist {
    double lo, hi, step, norm;
    double nb;                  /* nbins as a double */
    double tol;                 /* error bound of a bin position */
    int64_t nbins;
    int exact;                  /* floor((v - lo) * norm) is always right */
};

/* Left edge of bin k, as numpy.linspace(lo, hi, nbins + 1) has it. */
static double edge(const struct hist *h, int64_t k)
{
    return k == h->nbins ? h->hi : (double)k * h->step + h->lo;
}

/* numpy.histogram's rule for v in [lo, hi]: the bin k whose edges hold
 * edge(k) <= v < edge(k + 1), the last bin closed; found from an estimate
 * that is one off at most but near the edges. */
static int64_t bin_of(const struct hist *h, double v)
{
    double f = (v - h->lo) * h->norm;
    int64_t k = f >= h->nb ? h->nbins - 1 : f > 0 ? (int64_t)f : 0;

    while (k > 0 && v < edge(h, k))
        k--;
    while (k < h->nbins - 1 && v >= edge(h, k + 1))
        k++;
    return k;
}

/* The estimate of hist_loop(): floor((v - lo) * norm), or -1 when it
 * leaves the bins to the edges (below 0, from nbins on, NaN). */
static int64_t estimate(const struct hist *h, double v)
{
    double f = (v - h->lo) * h->norm;

    return f >= 0 && f < h->nb ? (int64_t)f : -1;
}

/* Nonzero when the estimate alone puts every value where the edges do.
 * It never decreases as v grows (a subtraction and a multiplication by a
 * positive number, rounded), so it is right on all of bin k when it is at
 * least k at the bin's first value edge(k) (or sends it to the edges) and
 * at most k at the last value before edge(k + 1) (or sends that to the
 * edges, which only the last bin may), and no value past hi gets a bin.
 * With bins of a power-of-two width from 0 (hist(a, 0, 1, 256)) nothing
 * is rounded and this always holds; elsewhere rounding often puts some
 * edge on the wrong side, and the per-value tolerance test is needed.
 * O(nbins), like clearing the counts. */
static int bins_exact(const struct hist *h)
{
    int64_t k;

    for (k = 0; k < h->nbins; k++) {
        int64_t a = estimate(h, edge(h, k));
        int64_t b = estimate(h, nextafter(edge(h, k + 1), -INFINITY));

        /* a < 0: edge(k) is at or past nbins, the whole bin goes to the
         * edges; b < 0: the end of bin k does, fine for the last bin */
        if (a >= 0 && a < k)
            return 0;
        if (b >= 0 ? b > k : k != h->nbins - 1)
            return 0;
    }
    /* and the first value past hi, outside every bin, goes to the edges */
    return estimate(h, nextafter(h->hi, INFINITY)) < 0;
}

/* The position f of a value in bins is off by less than tol from where
 * the edges put it, so a value whose f is further than tol from a whole
 * number is in bin floor(f) without looking at the edges; with exact
 * bins (h->exact) floor(f) is the bin of every value in [lo, hi).  The
 * values go into HIST_SUB interleaved sub-histograms (sub, nbins each),
 * so that a run of values in one bin does not wait on its own increments;
 * the rest is counted by the edges into counts.  nbins is at most
 * HIST_FAST_BINS here. */
static inline __attribute__((always_inline)) void
hist_loop(const struct hist *h, const void *xv, int64_t n, int64_t *counts,
          uint32_t *sub, const int check, const int f32)
{
    const double *x = xv;
    const float *xf = xv;
    const double lo = h->lo, norm = h->norm, nb = h->nb;
    const double tlo = h->tol, thi = 1.0 - h->tol;
    const int64_t nbins = h->nbins;
    int64_t i = 0;
    int q;

    for (; i + HIST_SUB <= n; i += HIST_SUB) {
        for (q = 0; q < HIST_SUB; q++) {
            double v = f32 ? (double)xf[i + q] : x[i + q];
            double f = (v - lo) * norm;

            if (__builtin_expect(f >= 0 && f < nb, 1)) {
                int32_t k = (int32_t)f;
                double fr = f - (double)k;

                if (__builtin_expect(!check || (fr > tlo && fr < thi), 1)) {
                    sub[q * nbins + k]++;
                    continue;
                }
            }
            if (v >= h->lo && v <= h->hi)
                counts[bin_of(h, v)]++;
        }
    }
    for (; i < n; i++) {
        double v = f32 ? (double)xf[i] : x[i];

        if (v >= h->lo && v <= h->hi)
            counts[bin_of(h, v)]++;
    }
}

/* n doubles, or n floats read in place (f32): floats are converted as
 * they are read, not into a buffer first */
static void hist_run(const struct hist *h, const void *x, int64_t n,
                     int64_t *counts, uint32_t *sub, int f32)
{
    if (f32 && h->exact)
        hist_loop(h, x, n, counts, sub, 0, 1);
    else if (f32)
        hist_loop(h, x, n, counts, sub, 1, 1);
    else if (h->exact)
        hist_loop(h, x, n, counts, sub, 0, 0);
    else
        hist_loop(h, x, n, counts, sub, 1, 0);
}

/* Many bins: one histogram, every value on its own. */
static void hist_run_wide(const struct hist *h, const double *x, int64_t n,
                          int64_t *counts)
{
    int64_t i;

    for (i = 0; i < n; i++) {
        double v = x[i];
        double f = (v - h->lo) * h->norm;

        if (f >= 0 && f < h->nb) {
            int64_t k = (int64_t)f;
            double fr = f - (double)k;

            if (fr > h->tol && fr < 1.0 - h->tol) {
                counts[k]++;
                continue;
            }
        }
        if (v >= h->lo && v <= h->hi)
            counts[bin_of(h, v)]++;
    }
}

struct hist_job {
    const struct hist *h;
    const struct hr_src *s;
    int64_t ngroups;
    int64_t **counts;           /* one array per group */
    uint32_t **subs;            /* HIST_SUB sub-histograms per group, or
                                 * NULL when there are too many bins */
    int f32;                    /* contiguous float32, read in place */
};

/* Start of part g of n elements cut into parts equal but for one. */
static int64_t part_start(int64_t n, int64_t parts, int64_t g)
{
    return n / parts * g + min64(g, n % parts);
}

/* Adds the sub-histograms into counts and clears them. */
static void hist_flush(int64_t nbins, uint32_t *sub, int64_t *counts)
{
    int64_t k;
    int q;

    for (q = 0; q < HIST_SUB; q++) {
        for (k = 0; k < nbins; k++)
            counts[k] += sub[q * nbins + k];
    }
    memset(sub, 0, (size_t)(HIST_SUB * nbins) * sizeof *sub);
}

static void hist_groups(void *ctx, int64_t begin, int64_t end)
{
    struct hist_job *j = ctx;
    double buf[HR_BUFN];
    int64_t g;

    for (g = begin; g < end; g++) {
        int64_t i0 = part_start(j->s->ax->n, j->ngroups, g);
        int64_t rem = part_start(j->s->ax->n, j->ngroups, g + 1) - i0;
        uint32_t *sub = j->subs != NULL ? j->subs[g] : NULL;
        int64_t since = 0;      /* values into sub since its last flush */
        struct hr_cur c;

        hr_guard_checkpoint();
        cur_seek(&c, j->s->ax, i0);
        while (rem > 0) {
            int64_t k = min64(hr_kern_take(j->s, &c, rem), HIST_FLUSH);
            const void *x = NULL;

            if (sub != NULL && j->f32) {
                /* contiguous float32: read in place */
                k = min64(rem, HIST_FLUSH);
                x = j->s->base + c.off;
                cur_advance(&c, k);
            } else {
                x = hr_kern_load(j->s, &c, k, buf);
            }
            if (sub == NULL) {
                hist_run_wide(j->h, x, k, j->counts[g]);
            } else {
                if (since + k > HIST_FLUSH) {
                    hist_flush(j->h->nbins, sub, j->counts[g]);
                    since = 0;
                }
                hist_run(j->h, x, k, j->counts[g], sub, j->f32);
                since += k;
            }
            rem -= k;
        }
        if (sub != NULL)
            hist_flush(j->h->nbins, sub, j->counts[g]);
    }
}

int64_t hr_histogram(const struct hr_array *a, double lo, double hi,
                     int64_t nbins, int64_t *counts)
{
    int64_t *arrays[MAX_GROUPS] = { NULL };
    uint32_t *subs[MAX_GROUPS] = { NULL };
    struct hist h;
    struct hr_axis ax;
    struct hr_src s;
    struct hist_job job;
    int64_t n = 0;
    int64_t ng;
    int64_t total = 0;
    int64_t g;
    int64_t k;

    if (hr_kern_bad_array(a, "hr_histogram", &n))
        return 0;
    if (nbins < 1 || nbins > INT64_MAX / (int64_t)sizeof *counts) {
        hr_fail("hr_histogram: nbins must be at least 1 (got %lld)",
                (long long)nbins);
        return 0;
    }
    if (!(lo < hi) || !isfinite(hi - lo)) {
        hr_fail("hr_histogram: bad range [%g, %g] (need finite lo < hi)",
                lo, hi);
        return 0;
    }
    if (hr_kern_bad_out(counts, nbins, "hr_histogram"))
        return 0;
    memset(counts, 0, (size_t)nbins * sizeof *counts);
    if (n == 0)
        return 0;
    h.lo = lo;
    h.hi = hi;
    h.nbins = nbins;
    h.step = (hi - lo) / (double)nbins;
    h.norm = (double)nbins / (hi - lo);
    h.nb = (double)nbins;
    h.tol = 16 * DBL_EPSILON * h.nb *
            (1 + fmax(fabs(lo), fabs(hi)) / (hi - lo));
    if (!(h.tol < 0.25))
        h.tol = 1.0;            /* never trust the estimate alone */
    h.exact = nbins <= HIST_FAST_BINS && bins_exact(&h);
    s.base = a->data;
    s.dtype = a->dtype;
    s.ax = &ax;
    hr_kern_axis_make(&ax, a, 0, a->ndim, 1, &s.base);

    /* private counts per group of elements; integer sums, so any grouping
     * gives the same result */
    ng = min64(min64(cdiv(n, HR_BLOCK), 4 * (int64_t)hr_pool_nthreads()),
               MAX_GROUPS);
    ng = max64(1, min64(ng, HIST_CELLS / nbins));
    arrays[0] = counts;
    for (g = 1; g < ng; g++) {
        arrays[g] = calloc((size_t)nbins, sizeof *counts);
        if (arrays[g] == NULL)
            break;
    }
    ng = g;
    job.h = &h;
    job.s = &s;
    job.ngroups = ng;
    job.counts = arrays;
    job.subs = NULL;
    job.f32 = a->dtype == HR_FLOAT32 && ax.nd == 1 && ax.stride[0] == 4;
    if (nbins <= HIST_FAST_BINS) {
        for (g = 0; g < ng; g++) {
            subs[g] = calloc((size_t)(HIST_SUB * nbins), sizeof *subs[g]);
            if (subs[g] == NULL)
                break;
        }
        job.subs = g == ng ? subs : NULL;
    }
    hr_pool_for(ng, 1, hist_groups, &job);
    for (g = 0; g < ng; g++)
        free(subs[g]);
    for (g = 1; g < ng; g++) {
        for (k = 0; k < nbins; k++)
            counts[k] += arrays[g][k];
        free(arrays[g]);
    }
    for (k = 0; k < nbins; k++)
        total += counts[k];
    return total;
}

