/* out.h - the terminal side of printing: streams that know where the
 * cursor is after task output, colours, number formats
 *
 * The reporter (report.h) and the prompt print through these functions:
 * results and notes on stdout, errors and warnings on stderr.  Nothing is
 * handed out: formatted text goes into the caller's buffers.
 */
#ifndef HR_OUT_H
#define HR_OUT_H

#include <stddef.h>
#include <stdio.h>

/* Replaces stdout and stderr (the streams task code prints through too)
 * by streams that pass everything on to descriptors 1 and 2 and note
 * whether the last character printed left a line open.  With json set,
 * stdout is kept for JSON records (hr_out_json()) and what goes through
 * the stdout stream (task output) lands on descriptor 2.  The first call
 * decides; later calls do nothing. */
void hr_out_track(int json);

/* Where JSON records go: descriptor 1 in JSON mode, else stdout.
 * Borrowed: lives as long as the process. */
FILE *hr_out_json(void);

/* Ends a line that task output left open, so that what is printed next
 * starts at the left margin; flushes stdout. */
void hr_out_fresh_line(void);

/* Notes that stdout's line is open although nothing went through the
 * streams (the terminal echoed ^C where the cursor was). */
void hr_out_line_left_open(void);

/* An error line on stderr (red with color, on a terminal). */
void hr_out_error(int color, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A quiet line on stdout (dim with color): what a command did. */
void hr_out_note(int color, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "PREFIXTASK = VALUE  (TIMING)" on stdout, on a fresh line (the task
 * cyan and the timing dim with color); prefix may be NULL. */
void hr_out_result(int color, const char *prefix, const char *task,
                   double value, const char *timing);

/* The same with the value as text (a run's per-rank values). */
void hr_out_result_text(int color, const char *prefix, const char *task,
                        const char *value, const char *timing);

/* "PREFIXTASK done  (TIMING)": a task that returns nothing. */
void hr_out_done(int color, const char *prefix, const char *task,
                 const char *timing);

/* A compiler's warnings, w as it is, on stderr (yellow with color);
 * nothing when w is NULL or empty. */
void hr_out_warnings(int color, const char *w);

/* A result value as Python's repr() would write it (shortest round trip,
 * "12.0" for a whole number, "nan", "inf"). */
void hr_out_format_value(double v, char *buf, size_t len);

/* Milliseconds with a sensible unit: "412 us", "87.3 ms", "2.31 s". */
void hr_out_format_ms(double ms, char *buf, size_t len);

/* A byte count: "96 B", "12.3 kB", "200 MB", "1.6 GB". */
void hr_out_format_bytes(double bytes, char *buf, size_t len);

/* Bytes read in ms as a rate: "3.21 GB/s", "45.6 MB/s". */
void hr_out_format_rate(double bytes, double ms, char *buf, size_t len);

#endif
