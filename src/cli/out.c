/* out.c - the terminal side of printing: the streams that track where the
 * cursor is after task output, colours, and number formats */
#include "out.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RED "\033[31m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

/* ---- where the cursor is ----
 *
 * Task code prints through hotrun's own stdout and stderr.  So that a
 * result never lands after a task's unfinished line, both are replaced by
 * streams (fopencookie) that pass every byte on to descriptors 1 and 2 and
 * note whether the last character printed left a line open.  Escape
 * sequences (colours, readline's cursor moves) do not count; '\r' and '\n'
 * close the line.  When 1 and 2 are one file (a terminal), they share the
 * note, which lives in shared memory so that a task run in a forked
 * child (isolate on) keeps it too.  Output a task writes with write(2) is
 * not seen.
 */
struct out {
    int fd;
    int esc;            /* 1: after ESC, 2: inside ESC [ ... */
    int *open;          /* the last character left a line open */
};

static int open_local[2];
static int *open_line = open_local;     /* stdout's, stderr's */
static struct out outs[2] = {
    { STDOUT_FILENO, 0, &open_local[0] },
    { STDERR_FILENO, 0, &open_local[1] },
};
static int tracking;
static int json_fd = -1;        /* records' own descriptor in JSON mode */
static int err_tty = 1;         /* colour on stderr too */

static void note(struct out *o, const char *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (o->esc == 1)
            o->esc = c == '[' ? 2 : 0;
        else if (o->esc == 2)
            o->esc = c >= 0x40 && c <= 0x7e ? 0 : 2;
        else if (c == 033)
            o->esc = 1;
        else if (c == '\n' || c == '\r')
            *o->open = 0;
        else if ((c >= ' ' && c != 0x7f) || c == '\t')
            *o->open = 1;
    }
}

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
    struct out *o = cookie;
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(o->fd, buf + done, n - done);

        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = { o->fd, POLLOUT, 0 };

            poll(&p, 1, -1);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    note(o, buf, done);
    return (ssize_t)done;
}

void hr_out_track(int json)
{
    static const cookie_io_functions_t io = { NULL, out_write, NULL, NULL };
    struct stat so, se;
    void *shared = NULL;
    FILE *o = NULL;
    FILE *e = NULL;

    if (tracking)
        return;
    tracking = 1;
    if (json) {
        /* stdout is for JSON only: what tasks print goes to stderr */
        fflush(stdout);
        json_fd = dup(STDOUT_FILENO);
        outs[0].fd = STDERR_FILENO;
    }
    err_tty = isatty(STDERR_FILENO);
    shared = mmap(NULL, sizeof open_local, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared != MAP_FAILED)
        open_line = shared;
    outs[0].open = &open_line[0];
    outs[1].open = &open_line[1];
    if (fstat(outs[0].fd, &so) == 0 && fstat(STDERR_FILENO, &se) == 0 &&
        so.st_dev == se.st_dev && so.st_ino == se.st_ino)
        outs[1].open = &open_line[0];
    o = fopencookie(&outs[0], "w", io);
    e = fopencookie(&outs[1], "w", io);
    if (o == NULL || e == NULL) {
        if (o != NULL)
            fclose(o);
        if (e != NULL)
            fclose(e);
        return;
    }
    setvbuf(o, NULL, isatty(outs[0].fd) ? _IOLBF : _IOFBF, BUFSIZ);
    setvbuf(e, NULL, _IONBF, 0);
    fflush(stdout);
    fflush(stderr);
    stdout = o;
    stderr = e;
}

void hr_out_line_left_open(void)
{
    open_line[0] = 1;
}

void hr_out_fresh_line(void)
{
    hr_out_track(0);
    fflush(stdout);
    if (open_line[0]) {
        fputc('\n', stdout);
        fflush(stdout);
    }
    if (outs[1].open != &open_line[0] && open_line[1])
        fputc('\n', stderr);
}

/* ---- output ---- */

FILE *hr_out_json(void)
{
    static FILE *f;

    if (f == NULL && json_fd >= 0)
        f = fdopen(json_fd, "w");
    return f != NULL ? f : stdout;
}

void hr_out_error(int color, const char *fmt, ...)
{
    va_list ap;

    color = color && err_tty;
    hr_out_fresh_line();
    if (color)
        fputs(RED, stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (color)
        fputs(RESET, stderr);
    fputc('\n', stderr);
    fflush(stderr);
}

void hr_out_format_value(double v, char *buf, size_t len)
{
    int prec;

    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* "12" reads as an integer: show that the value is a double */
    if (strspn(buf, "-0123456789") == strlen(buf) && strlen(buf) + 3 < len)
        strcat(buf, ".0");
}

void hr_out_format_ms(double ms, char *buf, size_t len)
{
    if (ms < 1.0)
        snprintf(buf, len, "%.0f us", ms * 1e3);
    else if (ms < 10.0)
        snprintf(buf, len, "%.2f ms", ms);
    else if (ms < 1000.0)
        snprintf(buf, len, "%.1f ms", ms);
    else
        snprintf(buf, len, "%.2f s", ms / 1e3);
}

void hr_out_format_bytes(double bytes, char *buf, size_t len)
{
    if (bytes < 1e3)
        snprintf(buf, len, "%.0f B", bytes);
    else if (bytes < 1e6)
        snprintf(buf, len, "%.1f kB", bytes / 1e3);
    else if (bytes < 1e9)
        snprintf(buf, len, "%.0f MB", bytes / 1e6);
    else
        snprintf(buf, len, "%.2f GB", bytes / 1e9);
}

void hr_out_format_rate(double bytes, double ms, char *buf, size_t len)
{
    double gbs = ms > 0 ? bytes / (ms * 1e6) : 0;

    if (gbs >= 0.1)
        snprintf(buf, len, "%.2f GB/s", gbs);
    else
        snprintf(buf, len, "%.1f MB/s", gbs * 1e3);
}

void hr_out_result(int color, const char *prefix, const char *task,
                   double value, const char *timing)
{
    char v[64];

    hr_out_format_value(value, v, sizeof v);
    hr_out_result_text(color, prefix, task, v, timing);
}

void hr_out_result_text(int color, const char *prefix, const char *task,
                        const char *v, const char *timing)
{
    hr_out_fresh_line();
    if (prefix == NULL)
        prefix = "";
    if (color)
        printf("%s" CYAN "%s" RESET " = %s  " DIM "(%s)" RESET "\n", prefix,
               task, v, timing);
    else
        printf("%s%s = %s  (%s)\n", prefix, task, v, timing);
    fflush(stdout);
}

void hr_out_done(int color, const char *prefix, const char *task,
                 const char *timing)
{
    hr_out_fresh_line();
    if (prefix == NULL)
        prefix = "";
    if (color)
        printf("%s" CYAN "%s" RESET " done  " DIM "(%s)" RESET "\n",
               prefix, task, timing);
    else
        printf("%s%s done  (%s)\n", prefix, task, timing);
    fflush(stdout);
}

void hr_out_note(int color, const char *fmt, ...)
{
    va_list ap;

    hr_out_fresh_line();
    if (color)
        fputs(DIM, stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (color)
        fputs(RESET, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

void hr_out_warnings(int color, const char *w)
{
    color = color && err_tty;
    if (w == NULL || *w == '\0')
        return;
    hr_out_fresh_line();
    if (color)
        fputs(YELLOW, stderr);
    fputs(w, stderr);
    if (w[strlen(w) - 1] != '\n')
        fputc('\n', stderr);
    if (color)
        fputs(RESET, stderr);
    fflush(stderr);
}
