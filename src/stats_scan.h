/* stats_scan.h - the passes of stats.c: reading an array in memory order
 * in fixed blocks, on the thread pool
 *
 * Private to stats.c and stats_scan.c.  A struct stats_job borrows the
 * array and owns nothing; its acc array is the caller's (one per block).
 */
#ifndef HR_STATS_SCAN_H
#define HR_STATS_SCAN_H

#include <stdint.h>

#include "hotrun.h"

#define HR_STATS_BLOCK 65536    /* elements of a block */

enum { HR_STATS_SIGNED, HR_STATS_UNSIGNED, HR_STATS_FLOAT,
       HR_STATS_COMPLEX };
enum { HR_STATS_EXTREMES, HR_STATS_SUM, HR_STATS_SSD };

/* What one block found. */
struct hr_stats_acc {
    int64_t nan, inf, neginf;
    int64_t imin, imax;         /* C-order indices; -1: nothing yet */
    int64_t smin, smax;         /* HR_STATS_SIGNED */
    uint64_t umin, umax;        /* HR_STATS_UNSIGNED */
    double dmin, dmax;          /* floats, real parts of complex */
    double dmin_im, dmax_im;
    double sum, comp;           /* compensated sums (SUM, SSD passes) */
    double sum_im, comp_im;
};

struct hr_stats_job {
    const struct hr_array *a;   /* borrowed */
    int cls;                    /* HR_STATS_SIGNED ... */
    int type;                   /* float type of the parts */
    int pass;
    /* the walk in memory order: outermost axis first */
    int nd;                     /* at least 1 */
    const char *base;           /* the element walked first */
    int64_t flat0;              /* its C-order index */
    int64_t shape[HR_MAX_NDIM];
    int64_t strides[HR_MAX_NDIM];   /* bytes, never negative */
    int64_t fsteps[HR_MAX_NDIM];    /* C-order index steps (signed) */
    double mean, mean_im;       /* the SSD pass */
    struct hr_stats_acc *acc;   /* the caller's: one per block */
};

/* Sets up jb's walk for jb->a: axes of length 1 dropped, reversed axes
 * flipped, the largest stride outermost, continuing axes merged. */
void hr_stats_plan(struct hr_stats_job *jb);

/* Runs pass (HR_STATS_EXTREMES, _SUM or _SSD) over the nb blocks,
 * filling jb->acc[0..nb) afresh. */
void hr_stats_pass(struct hr_stats_job *jb, int64_t nb, int pass);

/* -1, 0 or 1 as (r, i) orders before, ties with or follows (mr, mi):
 * NumPy's order of complex numbers (real part first). */
int hr_stats_order(double r, double i, double mr, double mi);

/* x added to the compensated sum (*s, *c), and the sum's value. */
void hr_stats_add(double *s, double *c, double x);
double hr_stats_total(double s, double c);

#endif
