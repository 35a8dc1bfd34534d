/* csv_rows.c - count and convert CSV rows: the two passes' inner loops */
#include "csv_rows.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "err.h"
#include "hotrun.h"
#include "numparse.h"

/* What converting one cell gave. */
enum cell { CELL_OK, CELL_NA, CELL_BAD, CELL_NOT_INT, CELL_RANGE };

/* State of pass 2 over one chunk. */
struct pass {
    const struct hr_csv_fmt *f;
    struct hr_csv_fail *fail;
    int64_t line;           /* of the current position */
    char *row;              /* the row being filled */
    int col;                /* cells stored in it */
    int isize;
    struct csv_parser cp;   /* for records with quotes */
    int cp_ready;
    const char *rec;        /* the record libcsv is given */
    int64_t rec_line;
    int recs;               /* records libcsv ended in it */
    int failed;
};

/* ---- cells ---- */

static int fail_at(struct pass *ps, int64_t line, int64_t col, int code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_at(struct pass *ps, int64_t line, int64_t col, int code,
                   const char *fmt, ...)
{
    struct hr_csv_fail *fl = ps->fail;
    size_t len;
    va_list ap;

    if (col > 0)
        len = (size_t)snprintf(fl->msg, sizeof fl->msg, "%s:%lld:%lld: ",
                               ps->f->path, (long long)line, (long long)col);
    else
        len = (size_t)snprintf(fl->msg, sizeof fl->msg, "%s:%lld: ",
                               ps->f->path, (long long)line);
    if (len < sizeof fl->msg) {
        va_start(ap, fmt);
        vsnprintf(fl->msg + len, sizeof fl->msg - len, fmt, ap);
        va_end(ap);
    }
    fl->line = line;
    fl->code = code;
    ps->failed = 1;
    return -1;
}

/* An integer as Python's int() reads it (no underscores). */
static const char *parse_int(const char *p, const char *e, int *neg,
                             uint64_t *mag, int *overflow)
{
    const char *q = p;
    uint64_t v = 0;
    int d;

    *neg = 0;
    *overflow = 0;
    if (q < e && (*q == '+' || *q == '-')) {
        *neg = *q == '-';
        q++;
    }
    if (q == e || *q < '0' || *q > '9')
        return p;
    for (; q < e && *q >= '0' && *q <= '9'; q++) {
        d = *q - '0';
        if (v > (UINT64_MAX - (uint64_t)d) / 10)
            *overflow = 1;
        else
            v = v * 10 + (uint64_t)d;
    }
    *mag = v;
    return q;
}

/* Stores an integer in the row if it fits the dtype. */
static int store_int(char *row, int col, int dtype, int neg, uint64_t m)
{
    static const int bits[HR_NDTYPES] = {
        [HR_INT8] = 8, [HR_INT16] = 16, [HR_INT32] = 32, [HR_INT64] = 64,
        [HR_UINT8] = 8, [HR_UINT16] = 16, [HR_UINT32] = 32, [HR_UINT64] = 64,
    };
    int is_signed = dtype <= HR_INT64;
    int b = bits[dtype];
    uint64_t max = b == 64 ? UINT64_MAX : ((uint64_t)1 << b) - 1;
    int64_t s;

    if (is_signed)
        max = neg ? (uint64_t)1 << (b - 1) : ((uint64_t)1 << (b - 1)) - 1;
    else if (neg && m != 0)
        return -1;
    if (m > max)
        return -1;
    s = neg ? (int64_t)(0 - m) : (int64_t)m;
    switch (dtype) {
    case HR_INT8: ((int8_t *)row)[col] = (int8_t)s; break;
    case HR_INT16: ((int16_t *)row)[col] = (int16_t)s; break;
    case HR_INT32: ((int32_t *)row)[col] = (int32_t)s; break;
    case HR_INT64: ((int64_t *)row)[col] = s; break;
    case HR_UINT8: ((uint8_t *)row)[col] = (uint8_t)m; break;
    case HR_UINT16: ((uint16_t *)row)[col] = (uint16_t)m; break;
    case HR_UINT32: ((uint32_t *)row)[col] = (uint32_t)m; break;
    default: ((uint64_t *)row)[col] = m; break;
    }
    return 0;
}

static inline void store_float(char *row, int col, int dtype, double v)
{
    if (dtype == HR_FLOAT64)
        ((double *)row)[col] = v;
    else
        ((float *)row)[col] = (float)v;     /* as NumPy: via double */
}

/* Converts the whole cell s[0..n) (blanks trimmed) into the row. */
static enum cell convert(const struct hr_csv_fmt *f, const char *s,
                         size_t n, char *row, int col)
{
    const char *e = s + n;
    uint64_t m = 0;
    double v = 0;
    int neg, over;

    if (f->dtype == HR_FLOAT64 || f->dtype == HR_FLOAT32) {
        if (n > 0 && hr_numparse_f64(s, e, &v) == e) {
            store_float(row, col, f->dtype, v);
            return CELL_OK;
        }
        if (hr_csv_is_na(s, n) || f->lenient) {
            store_float(row, col, f->dtype, NAN);
            return hr_csv_is_na(s, n) ? CELL_NA : CELL_OK;
        }
        return CELL_BAD;
    }
    if (n > 0 && parse_int(s, e, &neg, &m, &over) == e)
        return !over && store_int(row, col, f->dtype, neg, m) == 0
               ? CELL_OK : CELL_RANGE;
    if (hr_csv_is_na(s, n))
        return CELL_NA;
    return n > 0 && hr_numparse_f64(s, e, &v) == e ? CELL_NOT_INT
                                                    : CELL_BAD;
}

/* The error for a cell that did not convert. */
static int bad_cell(struct pass *ps, enum cell c, const char *s, size_t n,
                    int64_t line, int64_t column, int col)
{
    const struct hr_csv_fmt *f = ps->f;
    char where[160] = "";
    const char *dt = hr_dtype_name(f->dtype);
    int w = n > 60 ? 60 : (int)n;

    if (f->columns != NULL)
        snprintf(where, sizeof where, " in column '%.100s'",
                 f->columns[col]);
    else
        snprintf(where, sizeof where, " in column %d", col + 1);
    if (c == CELL_NA)
        return fail_at(ps, line, column, HR_EFORMAT, "empty or NA cell%s: "
                       "%s has no NaN (use --dtype float64)", where, dt);
    if (c == CELL_RANGE)
        return fail_at(ps, line, column, HR_EFORMAT, "'%.*s'%s is out of "
                       "range for %s", w, s, where, dt);
    if (c == CELL_NOT_INT)
        return fail_at(ps, line, column, HR_EFORMAT, "'%.*s'%s is not an "
                       "integer (%s)", w, s, where, dt);
    return fail_at(ps, line, column, HR_EFORMAT, "'%.*s'%s is not a number%s",
                   w, s, where, f->dtype == HR_FLOAT64 ||
                   f->dtype == HR_FLOAT32 ? " (--lenient reads it as NaN)"
                                          : "");
}

/* Fields on the rest of a line from p (for a message). */
static int fields_left(const struct hr_csv_fmt *f, const char *p)
{
    int n = 1;

    for (; p < f->end && *p != '\n'; p++) {
        if (f->delim == ' ') {
            if (hr_csv_blank(*p) && p + 1 < f->end &&
                !hr_csv_blank(p[1]) && p[1] != '\n' && p[1] != '\r')
                n++;
        } else if (*p == f->delim) {
            n++;
        }
    }
    return n;
}

static int ragged(struct pass *ps, int have, int64_t line)
{
    return fail_at(ps, line, 0, HR_EFORMAT, "%d field%s, but the %s has %d",
                   have, have == 1 ? "" : "s", ps->f->columns != NULL ?
                   "header" : "first row", ps->f->ncols);
}

/* ---- the fast path: a record with no quote character ---- */

/* Converts the record at p; *next gets the next line's start.  Returns 0,
 * 1 (it has a quote: take the slow path) or -1 (failed). */
static int fast_record(struct pass *ps, const char *p, const char **next)
{
    const struct hr_csv_fmt *f = ps->f;
    const char *e = f->end;
    const char *ls = p;
    const char *q;
    const char *fe;
    const char *fs;
    enum cell c;
    int bl = f->delim == ' ';
    int col = 0;
    int ch;
    double v;

    for (;;) {
        while (p < e && hr_csv_pad(f, *p))
            p++;
        if (bl && (p == e || *p == '\n' ||
                   (*p == '\r' && (p + 1 == e || p[1] == '\n'))))
            break;
        if (col == f->ncols)
            return ragged(ps, col + fields_left(f, p), ps->line);
        q = p;
        if (f->dtype == HR_FLOAT64 || f->dtype == HR_FLOAT32) {
            q = hr_numparse_f64(p, e, &v);
            fe = q;
            while (fe < e && hr_csv_pad(f, *fe))
                fe++;
            ch = fe < e ? *fe : '\n';
            if (q != p && (ch == f->delim || ch == '\n' || ch == '\r' ||
                           (bl && fe > q))) {
                store_float(ps->row, col, f->dtype, v);
                q = fe;
            } else {
                q = p;
            }
        }
        if (q == p) {
            for (fe = p; fe < e && *fe != '\n' && !(bl ? hr_csv_blank(*fe) :
                                                    *fe == f->delim); fe++) {
                if (*fe == f->quote && f->quote != 0)
                    return 1;
            }
            fs = fe;
            while (fs > p && (hr_csv_pad(f, fs[-1]) || fs[-1] == '\r'))
                fs--;
            c = convert(f, p, (size_t)(fs - p), ps->row, col);
            if (c != CELL_OK && !(c == CELL_NA && (f->dtype == HR_FLOAT64 ||
                                                   f->dtype == HR_FLOAT32)))
                return bad_cell(ps, c, p, (size_t)(fs - p), ps->line,
                                p - ls + 1,
                                col);
            q = fe;
            while (bl && q < e && hr_csv_blank(*q))
                q++;
        }
        col++;
        ch = q < e ? *q : '\n';
        if (ch == '\r' && q + 1 < e && q[1] == '\n')
            ch = *++q;
        if (ch == '\n') {
            p = q;
            break;
        }
        if (!bl && ch == f->delim) {
            p = q + 1;
            continue;
        }
        if (bl) {
            p = q;
            continue;
        }
        return fail_at(ps, ps->line, q - ls + 1, HR_EFORMAT, "stray "
                       "carriage return (lines end with \\n or \\r\\n)");
    }
    if (col != f->ncols)
        return ragged(ps, col, ps->line);
    /* p is at the line's '\n' (or '\r\n', or the end) */
    *next = p < e && *p == '\n' ? p + 1 : hr_csv_next_line(p, e);
    return 0;
}

/* ---- the slow path: libcsv for a record with quotes ---- */

/* Line and column where field k of the record starting at rec begins. */
static void field_pos(const struct hr_csv_fmt *f, const char *rec,
                      int64_t line, int k, int64_t *out_line, int64_t *col)
{
    const char *p = rec;
    const char *ls = rec;
    int q = 0;

    for (; p < f->end && k > 0; p++) {
        if (*p == f->quote) {
            q = !q;
        } else if (*p == '\n') {
            line++;
            ls = p + 1;
        } else if (!q && *p == f->delim) {
            k--;
        }
    }
    *out_line = line;
    *col = p - ls + 1;
}

static void on_field(void *s, size_t n, void *ud)
{
    struct pass *ps = ud;
    const struct hr_csv_fmt *f = ps->f;
    const char *t = s;
    int64_t line, column;
    enum cell c;

    if (ps->failed)
        return;
    if (ps->recs > 0) {
        fail_at(ps, ps->rec_line, 0, HR_EFORMAT, "stray carriage return "
                "(lines end with \\n or \\r\\n)");
        return;
    }
    while (n > 0 && hr_csv_blank(*t)) {
        t++;
        n--;
    }
    while (n > 0 && hr_csv_blank(t[n - 1]))
        n--;
    if (ps->col >= f->ncols) {
        ps->col++;
        return;
    }
    c = convert(f, t, n, ps->row, ps->col);
    if (c == CELL_NA && (f->dtype == HR_FLOAT64 || f->dtype == HR_FLOAT32))
        c = CELL_OK;
    if (c != CELL_OK) {
        field_pos(f, ps->rec, ps->rec_line, ps->col, &line, &column);
        bad_cell(ps, c, t, n, line, column, ps->col);
    }
    ps->col++;
}

static void on_row(int c, void *ud)
{
    struct pass *ps = ud;

    (void)c;
    if (!ps->failed && ps->recs == 0 && ps->col != ps->f->ncols)
        ragged(ps, ps->col, ps->rec_line);
    ps->recs++;
}

static int init_parser(struct pass *ps)
{
    if (ps->cp_ready)
        return 0;
    if (csv_init(&ps->cp, CSV_STRICT | CSV_STRICT_FINI |
                 CSV_APPEND_NULL) != 0)
        return fail_at(ps, ps->line, 0, HR_ENOMEM, "out of memory");
    csv_set_delim(&ps->cp, (unsigned char)ps->f->delim);
    csv_set_quote(&ps->cp, (unsigned char)ps->f->quote);
    ps->cp_ready = 1;
    return 0;
}

static int slow_record(struct pass *ps, const char *p, const char **next)
{
    int64_t inner = 0;
    const char *re = hr_csv_record_end(ps->f, p, &inner);
    size_t n = (size_t)(re - p);

    if (init_parser(ps) != 0)
        return -1;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    ps->rec = p;
    ps->rec_line = ps->line;
    ps->col = 0;
    ps->recs = 0;
    if (csv_parse(&ps->cp, p, n, on_field, on_row, ps) != n ||
        csv_fini(&ps->cp, on_field, on_row, ps) != 0) {
        if (!ps->failed)
            fail_at(ps, ps->line, 0, HR_EFORMAT, "malformed quoting: %s",
                    re == ps->f->end && memchr(p, ps->f->quote, n) != NULL ?
                    "a quoted field is not closed" : "a quote inside an "
                    "unquoted field, or text after a closing quote");
        return -1;
    }
    if (ps->failed)
        return -1;
    ps->line += inner;
    *next = re < ps->f->end ? re + 1 : re;
    return 0;
}

/* ---- pass 2 ---- */

int64_t hr_csv_rows(const struct hr_csv_fmt *f, const char *b,
                    const char *e, int quoted, int64_t line0, void *out,
                    int64_t row0, int64_t nrows, struct hr_csv_fail *fail)
{
    struct pass ps;
    const char *p = b;
    const char *next = NULL;
    int64_t rows = 0;
    int64_t inner = 0;
    int rc;

    memset(&ps, 0, sizeof ps);
    ps.f = f;
    ps.fail = fail;
    ps.line = line0;
    ps.isize = f->dtype == HR_FLOAT64 || f->dtype == HR_INT64 ||
               f->dtype == HR_UINT64 ? 8 : f->dtype == HR_FLOAT32 ||
               f->dtype == HR_INT32 || f->dtype == HR_UINT32 ? 4 :
               f->dtype == HR_INT16 || f->dtype == HR_UINT16 ? 2 : 1;
    if (quoted && p < e) {
        /* the end of a quoted field begun in an earlier chunk */
        for (; p < f->end && !(*p == '\n' && !quoted); p++) {
            if (*p == f->quote)
                quoted = !quoted;
            else if (*p == '\n')
                inner++;
        }
        ps.line += inner + (p < f->end);
        p = p < f->end ? p + 1 : p;
    }
    while (p < e) {
        if (!hr_csv_record_at(f, p)) {
            p = hr_csv_next_line(p, f->end);
            ps.line++;
            continue;
        }
        if (rows == nrows) {
            fail_at(&ps, ps.line, 0, HR_EFORMAT, "more rows than the first "
                    "pass counted (the file changed while loading?)");
            break;
        }
        ps.row = (char *)out + (row0 + rows) * f->ncols * ps.isize;
        rc = fast_record(&ps, p, &next);
        if (rc == 1)
            rc = slow_record(&ps, p, &next);
        if (rc != 0)
            break;
        rows++;
        p = next;
        ps.line++;
    }
    if (ps.cp_ready)
        csv_free(&ps.cp);
    return ps.failed ? -1 : rows;
}

