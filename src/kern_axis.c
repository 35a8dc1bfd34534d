/* kern_axis.c - native kernels along one axis: row and column sums,
 * means, minima and maxima
 *
 * Along: when rows are read in their own order each output reduces its
 * row serially (long rows in parallel blocks).  Across: otherwise the rows
 * are streamed HR_ROWS at a time into one accumulator per output, in blocks
 * of outputs times blocks of rows, and the blocks of rows are combined in
 * order.  kern.c describes the arithmetic and the errors.
 */
#include "hotrun.h"

#include "guard.h"
#include "kern.h"
#include "kern_loop.h"
#include "pool.h"

#define GRAIN 65536         /* elements worth handing to a thread */
#define LONG_ROW (4 * HR_BLOCK) /* rows this long are reduced in blocks */
#define OB_MAX 8192         /* across: outputs per block */
#define NRB_MAX 32          /* across: blocks of reduced rows, at most */
#define PARTIAL_MAX (1 << 20)   /* across: doubles of partial results */

int64_t hr_rows(const struct hr_array *a)
{
    int64_t n = 0;

    if (hr_kern_bad_array(a, "hr_rows", &n))
        return 0;
    return a->ndim >= 2 ? a->shape[0] : 1;
}

int64_t hr_cols(const struct hr_array *a)
{
    int64_t n = 0;
    int64_t c = 1;
    int k;

    if (hr_kern_bad_array(a, "hr_cols", &n))
        return 0;
    for (k = a->ndim >= 2 ? 1 : 0; k < a->ndim; k++)
        c *= a->shape[k];
    return c;
}

/* out[o] = the reduction over r of element (o, r): o walks axis O, r walks
 * axis R, and the element sits at base + offset on O + offset on R. */
struct axis_job {
    int op;
    const char *base;
    int dtype;
    const struct hr_axis *O;
    const struct hr_axis *R;
    double *out;
    /* across only */
    int64_t ob, nob;            /* outputs per block, blocks */
    int64_t rb, nrb;            /* rows per block, blocks */
    double *part;               /* nrb rows of O->n partials, or NULL */
};

/* Along: each output reduces a sequence of R, serially. */
static void along_rows(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    struct hr_cur co;
    struct hr_src s;
    int64_t o;

    s.dtype = j->dtype;
    s.ax = j->R;
    cur_seek(&co, j->O, begin);
    for (o = begin; o < end; o++) {
        hr_guard_checkpoint();      /* a stopped run ends here */
        s.base = j->base + co.off;
        j->out[o] = hr_kern_reduce_seq(j->op, 0.0, &s, 0, j->R->n);
        cur_advance(&co, 1);
    }
}

static void along(struct axis_job *j)
{
    struct hr_cur co;
    struct hr_src s;
    int64_t o;

    if (j->R->n < LONG_ROW) {
        hr_pool_for(j->O->n, cdiv(GRAIN, j->R->n), along_rows, j);
        return;
    }
    /* long rows: each in parallel blocks */
    s.dtype = j->dtype;
    s.ax = j->R;
    cur_seek(&co, j->O, 0);
    for (o = 0; o < j->O->n; o++) {
        s.base = j->base + co.off;
        j->out[o] = hr_kern_reduce_par(j->op, 0.0, &s);
        cur_advance(&co, 1);
    }
}

/* Across: stream over R and fold each element of O into its own
 * accumulator, HR_ROWS rows of R at a time; the tasks are blocks of O times
 * blocks of R. */
static void across_rows(const struct axis_job *j, double *acc, int64_t o0,
                        int64_t len, const char **base, int rows)
{
    double buf[HR_ROWS][HR_BUFN];
    const double *x[HR_ROWS];
    struct hr_cur co[HR_ROWS];
    struct hr_src s[HR_ROWS];
    int64_t pos = 0;
    int q;

    for (q = 0; q < rows; q++) {
        s[q].base = base[q];
        s[q].dtype = j->dtype;
        s[q].ax = j->O;
        cur_seek(&co[q], j->O, o0);
    }
    while (pos < len) {
        int64_t k = hr_kern_take(&s[0], &co[0], len - pos);

        if (rows > 1)
            k = min64(k, HR_BUFN);
        for (q = 0; q < rows; q++)
            x[q] = hr_kern_load(&s[q], &co[q], k, buf[q]);
        for (; q < HR_ROWS; q++)
            x[q] = x[0];
        hr_kern_accumulate(j->op, acc + pos, x, rows, k);
        pos += k;
    }
}

static void across_tasks(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    int64_t t;

    for (t = begin; t < end; t++) {
        int64_t o0 = t % j->nob * j->ob;
        int64_t o1 = min64(o0 + j->ob, j->O->n);
        int64_t r0 = t / j->nob * j->rb;
        int64_t r1 = min64(r0 + j->rb, j->R->n);
        double *acc = (j->part != NULL ? j->part + t / j->nob * j->O->n :
                       j->out) + o0;
        double id = identity(j->op);
        const char *base[HR_ROWS];
        struct hr_cur cr;
        int64_t r;
        int64_t i;
        int q;

        hr_guard_checkpoint();
        for (i = 0; i < o1 - o0; i++)
            acc[i] = id;
        cur_seek(&cr, j->R, r0);
        for (r = r0; r < r1; r += q) {
            for (q = 0; q < HR_ROWS && r + q < r1; q++) {
                base[q] = j->base + cr.off;
                cur_advance(&cr, 1);
            }
            across_rows(j, acc, o0, o1 - o0, base, q);
        }
    }
}

/* out[o] = the partials of the blocks of R combined in block order */
static void across_combine(void *ctx, int64_t begin, int64_t end)
{
    struct axis_job *j = ctx;
    int64_t o;
    int64_t b;

    for (o = begin; o < end; o++) {
        double v = j->part[o];

        for (b = 1; b < j->nrb; b++)
            v = combine(j->op, v, j->part[b * j->O->n + o]);
        j->out[o] = v;
    }
}

static void across(struct axis_job *j)
{
    int64_t nO = j->O->n;
    int64_t nR = j->R->n;

    j->nob = cdiv(nO, OB_MAX);
    j->ob = cdiv(nO, j->nob);
    j->rb = max64(cdiv(GRAIN, j->ob), cdiv(nR, NRB_MAX));
    j->nrb = cdiv(nR, j->rb);
    if (j->nrb > 1 && nO > PARTIAL_MAX / j->nrb) {
        j->nrb = max64(1, PARTIAL_MAX / nO);
        j->rb = cdiv(nR, j->nrb);
        j->nrb = cdiv(nR, j->rb);
    }
    j->part = NULL;
    if (j->nrb > 1)
        j->part = malloc((size_t)(j->nrb * nO) * sizeof(double));
    if (j->part == NULL) {
        /* one block of rows: slower to share out, same sums up to order */
        j->nrb = 1;
        j->rb = nR;
    }
    hr_pool_for(j->nob * j->nrb, 1, across_tasks, j);
    if (j->part != NULL)
        hr_pool_for(nO, GRAIN / j->nrb, across_combine, j);
    free(j->part);
}

/* Strides of an axis's innermost run, for choosing how to walk; an axis
 * of one element has no run at all. */
static int64_t inner_stride(const struct hr_axis *ax)
{
    int64_t st = ax->stride[ax->nd - 1];

    if (ax->n <= 1)
        return INT64_MAX;
    return st < 0 ? -st : st;
}

/* out[i] for each row (by_row) or column of a; mean divides by the count */
static void axis_reduce(const struct hr_array *a, int op, int by_row,
                        int mean, double *out, const char *fn)
{
    struct hr_axis rows;
    struct hr_axis cols;
    struct axis_job j;
    const char *base = NULL;
    int64_t n = 0;
    int64_t i;
    int split;

    if (hr_kern_bad_array(a, fn, &n))
        return;
    split = a->ndim >= 2 ? 1 : 0;
    base = a->data;
    hr_kern_axis_make(&rows, a, 0, split, 0, &base);
    hr_kern_axis_make(&cols, a, split, a->ndim, 0, &base);
    j.op = op;
    j.base = base;
    j.dtype = a->dtype;
    j.O = by_row ? &rows : &cols;
    j.R = by_row ? &cols : &rows;
    j.out = out;
    if (hr_kern_bad_out(out, j.O->n, fn) || j.O->n == 0)
        return;
    if (j.R->n == 0) {
        for (i = 0; i < j.O->n; i++)
            out[i] = op == HR_OP_SUM && !mean ? 0.0 : NAN;
        return;
    }
    if (inner_stride(j.R) > inner_stride(j.O) && j.O->n >= HR_LANES)
        across(&j);
    else
        along(&j);
    for (i = 0; mean && i < j.O->n; i++)
        out[i] /= (double)j.R->n;
}

void hr_row_sums(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_SUM, 1, 0, out, "hr_row_sums");
}

void hr_col_sums(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_SUM, 0, 0, out, "hr_col_sums");
}

void hr_row_means(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_SUM, 1, 1, out, "hr_row_means");
}

void hr_col_means(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_SUM, 0, 1, out, "hr_col_means");
}

void hr_row_mins(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_MIN, 1, 0, out, "hr_row_mins");
}

void hr_row_maxs(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_MAX, 1, 0, out, "hr_row_maxs");
}

void hr_col_mins(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_MIN, 0, 0, out, "hr_col_mins");
}

void hr_col_maxs(const struct hr_array *a, double *out)
{
    axis_reduce(a, HR_OP_MAX, 0, 0, out, "hr_col_maxs");
}
