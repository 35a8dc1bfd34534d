/* out.h - what hotrun prints: results, notes and errors, their colours,
 * and where the cursor is after task output
 *
 * The printing half of the command layer (cmd.h includes this header; the
 * names keep its hr_cmd_ prefix).  The front ends and the command handlers
 * print through these functions: results and notes on stdout, errors and
 * warnings on stderr.  Nothing is handed out: formatted text goes into the
 * caller's buffers, ctx is borrowed for the call.
 */
#ifndef HR_OUT_H
#define HR_OUT_H

#include <stddef.h>

struct hr_ctx;

/* Replaces stdout and stderr (the streams task code prints through too)
 * by streams that pass everything on to descriptors 1 and 2 and note
 * whether the last character printed left a line open.  Idempotent;
 * hr_cmd_fresh_line() calls it. */
void hr_cmd_track_output(void);

/* Ends a line that task output left open, so that what is printed next
 * starts at the left margin; flushes stdout.  hr_cmd_execv(), results and
 * errors call it; front ends that print their own lines should too. */
void hr_cmd_fresh_line(void);

/* Notes that stdout's line is open although nothing went through the
 * streams (the terminal echoed ^C where the cursor was). */
void hr_cmd_line_left_open(void);

/* Prints an error line on stderr (red on a colour terminal). */
void hr_cmd_error(const struct hr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a quiet (dim on a colour terminal) line on stdout, on a fresh
 * line: what a command did, as opposed to a result. */
void hr_cmd_note(const struct hr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "NAME = VALUE  (TIMING)" on stdout, on a fresh line (the name
 * cyan and the timing dim on a colour terminal). */
void hr_cmd_print_result(const struct hr_ctx *ctx, const char *task,
                         double value, const char *timing);

/* Prints a compiler's warnings, w as it is, on stderr (yellow on a colour
 * terminal); nothing when w is NULL or empty. */
void hr_cmd_print_warnings(const struct hr_ctx *ctx, const char *w);

/* Formats a result value as Python's repr() would (shortest round trip). */
void hr_cmd_format_value(double v, char *buf, size_t len);

/* Formats milliseconds with a sensible unit: "412 us", "87.3 ms", "2.31 s". */
void hr_cmd_format_ms(double ms, char *buf, size_t len);

/* Formats a byte count: "96 B", "12.3 kB", "200 MB", "1.6 GB". */
void hr_cmd_format_bytes(double bytes, char *buf, size_t len);

/* Formats bytes read in ms as a rate: "3.21 GB/s", "45.6 MB/s". */
void hr_cmd_format_rate(double bytes, double ms, char *buf, size_t len);

#endif
