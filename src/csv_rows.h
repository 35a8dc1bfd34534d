/* csv_rows.h - the two passes over a chunk of CSV rows (for csv.c)
 *
 * Pure over the caller's memory: the text is borrowed, values are written
 * where the caller says, nothing is allocated but libcsv's field buffer,
 * freed before returning.  Safe on several threads at once, each with its
 * own chunk.
 */
#ifndef HR_CSV_ROWS_H
#define HR_CSV_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* How the text is laid out (set up by csv.c, read-only here). */
struct hr_csv_fmt {
    const char *path;       /* for messages */
    const char *text;       /* the whole file */
    const char *end;
    int delim;              /* ',', '\t', ...; ' ' means runs of blanks */
    int quote;              /* '"', or 0 when quotes are not special */
    int ncols;
    int dtype;              /* enum hr_dtype of the values */
    int lenient;            /* a non-number cell is NaN */
    char **columns;         /* header names for messages, or NULL */
};

/* What pass 1 found in a chunk, given whether it starts inside quotes. */
struct hr_csv_count {
    int64_t records;        /* records that start in the chunk */
    int64_t lines;          /* '\n' in the chunk */
    int end_quoted;         /* the chunk ends inside a quoted field */
};

/* Pass 1 over [b, e), where b is a line start: out[0] if b lies outside
 * quotes, out[1] if inside a quoted field begun in an earlier chunk (the
 * chunks before decide which holds). */
void hr_csv_count(const struct hr_csv_fmt *f, const char *b, const char *e,
                  struct hr_csv_count out[2]);

/* The end of the record at line start p: its '\n' outside quotes, or the
 * end of the text; *lines counts the '\n' inside quotes before it. */
const char *hr_csv_record_end(const struct hr_csv_fmt *f, const char *p,
                              int64_t *lines);

/* The delimiter of the text whose first record is at p: the first of
 * , tab ; | that every sampled record (up to 32 in 64 KiB) has equally
 * often; else the one the first record has most of; else ' ' (blank
 * runs) when the first record has several words; else ','. */
int hr_csv_sniff(const struct hr_csv_fmt *f, const char *p);

/* Is the cell s a column name: not empty, NA or a number? */
int hr_csv_is_name(const char *s);

/* Trims the blanks around each of the n strings, in place. */
void hr_csv_trim(char **names, int n);

/* ---- small helpers of both passes ---- */

static inline int hr_csv_blank(int c)
{
    return c == ' ' || c == '\t';
}

/* Blanks that separate nothing: spaces, and tabs unless tab delimits. */
static inline int hr_csv_pad(const struct hr_csv_fmt *f, int c)
{
    return c == ' ' || (c == '\t' && f->delim != '\t');
}

/* Does a record start at the line start p (not blank, not a comment)? */
static inline int hr_csv_record_at(const struct hr_csv_fmt *f,
                                   const char *p)
{
    const char *e = f->end;

    if (p < e && *p > ' ' && *p != '#')
        return 1;
    while (p < e && hr_csv_pad(f, *p))
        p++;
    if (p == e || *p == '\n' || *p == '#')
        return 0;
    return !(*p == '\r' && (p + 1 == e || p[1] == '\n'));
}

static inline const char *hr_csv_next_line(const char *p, const char *e)
{
    const char *nl = memchr(p, '\n', (size_t)(e - p));

    return nl != NULL ? nl + 1 : e;
}

/* Where pass 2 stopped, and why when it failed. */
struct hr_csv_fail {
    int64_t line;           /* 0: no failure */
    char msg[512];          /* "PATH:LINE[:COL]: what" */
    int code;               /* HR_EFORMAT, HR_ENOMEM */
};

/* Pass 2 over [b, e): converts the records that start there into rows
 * row0, row0 + 1, ... of out (ncols values of dtype each), at most nrows
 * of them; line0 is b's line number.  Returns the rows written, or -1
 * with *fail set. */
int64_t hr_csv_rows(const struct hr_csv_fmt *f, const char *b,
                    const char *e, int quoted, int64_t line0, void *out,
                    int64_t row0, int64_t nrows, struct hr_csv_fail *fail);

/* Is s[0..n) an NA spelling (pandas' default set: "", NA, N/A, NaN, nan,
 * NULL, null, None, #N/A, <NA>, -nan, ...)? */
int hr_csv_is_na(const char *s, size_t n);

/* Splits the record at p into its fields with libcsv (or blank runs),
 * unquoted, into owned strings: *fields (each owned) and *n.  *next gets
 * the start of the next line.  Returns 0, HR_EFORMAT (malformed quoting,
 * msg set) or HR_ENOMEM. */
int hr_csv_split(const struct hr_csv_fmt *f, const char *p, char ***fields,
                 int *n, const char **next, char *msg, size_t len);

#endif
