/* tasklibc.c - the C library calls of task code that block or print
 *
 * Each wrapper is: a safe point (for the calls that may block), the call,
 * a safe point.  A stop never jumps out of the call itself.
 */
#include "tasklibc.h"

#include <unistd.h>

#include "guard.h"

unsigned int hr_task_sleep(unsigned int s)
{
    unsigned int r;

    hr_guard_checkpoint();
    r = sleep(s);
    hr_guard_checkpoint();
    return r;
}

int hr_task_usleep(useconds_t us)
{
    int r;

    hr_guard_checkpoint();
    r = usleep(us);
    hr_guard_checkpoint();
    return r;
}

int hr_task_nanosleep(const struct timespec *req, struct timespec *rem)
{
    int r;

    hr_guard_checkpoint();
    r = nanosleep(req, rem);
    hr_guard_checkpoint();
    return r;
}

int hr_task_clock_nanosleep(clockid_t clock, int flags,
                            const struct timespec *req,
                            struct timespec *rem)
{
    int r;

    hr_guard_checkpoint();
    r = clock_nanosleep(clock, flags, req, rem);
    hr_guard_checkpoint();
    return r;
}

int hr_task_pause(void)
{
    int r;

    hr_guard_checkpoint();
    r = pause();
    hr_guard_checkpoint();
    return r;
}

ssize_t hr_task_read(int fd, void *buf, size_t n)
{
    ssize_t r;

    hr_guard_checkpoint();
    r = read(fd, buf, n);
    hr_guard_checkpoint();
    return r;
}

ssize_t hr_task_write(int fd, const void *buf, size_t n)
{
    ssize_t r;

    hr_guard_checkpoint();
    r = write(fd, buf, n);
    hr_guard_checkpoint();
    return r;
}

int hr_task_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    int r;

    hr_guard_checkpoint();
    r = poll(fds, n, timeout_ms);
    hr_guard_checkpoint();
    return r;
}

int hr_task_select(int n, fd_set *r, fd_set *w, fd_set *e,
                   struct timeval *timeout)
{
    int k;

    hr_guard_checkpoint();
    k = select(n, r, w, e, timeout);
    hr_guard_checkpoint();
    return k;
}

size_t hr_task_fread(void *p, size_t size, size_t n, FILE *f)
{
    size_t r;

    hr_guard_checkpoint();
    r = fread(p, size, n, f);
    hr_guard_checkpoint();
    return r;
}

char *hr_task_fgets(char *s, int n, FILE *f)
{
    char *r;

    hr_guard_checkpoint();
    r = fgets(s, n, f);
    hr_guard_checkpoint();
    return r;
}

int hr_task_fgetc(FILE *f)
{
    int r;

    hr_guard_checkpoint();
    r = fgetc(f);
    hr_guard_checkpoint();
    return r;
}

int hr_task_getchar(void)
{
    int r;

    hr_guard_checkpoint();
    r = getchar();
    hr_guard_checkpoint();
    return r;
}

int hr_task_fscanf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    hr_guard_checkpoint();
    va_start(ap, fmt);
    n = vfscanf(f, fmt, ap);
    va_end(ap);
    hr_guard_checkpoint();
    return n;
}

int hr_task_scanf(const char *fmt, ...)
{
    va_list ap;
    int n;

    hr_guard_checkpoint();
    va_start(ap, fmt);
    n = vscanf(fmt, ap);
    va_end(ap);
    hr_guard_checkpoint();
    return n;
}

ssize_t hr_task_getline(char **line, size_t *n, FILE *f)
{
    ssize_t r;

    hr_guard_checkpoint();
    r = getline(line, n, f);
    hr_guard_checkpoint();
    return r;
}

int hr_task_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    hr_guard_checkpoint();
    return n;
}

int hr_task_fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vfprintf(f, fmt, ap);
    va_end(ap);
    hr_guard_checkpoint();
    return n;
}

int hr_task_vprintf(const char *fmt, va_list ap)
{
    int r;

    r = vprintf(fmt, ap);
    hr_guard_checkpoint();
    return r;
}

int hr_task_vfprintf(FILE *f, const char *fmt, va_list ap)
{
    int r;

    r = vfprintf(f, fmt, ap);
    hr_guard_checkpoint();
    return r;
}

int hr_task_puts(const char *s)
{
    int r;

    r = puts(s);
    hr_guard_checkpoint();
    return r;
}

int hr_task_putchar(int c)
{
    int r;

    r = putchar(c);
    hr_guard_checkpoint();
    return r;
}

int hr_task_fputs(const char *s, FILE *f)
{
    int r;

    r = fputs(s, f);
    hr_guard_checkpoint();
    return r;
}

int hr_task_fputc(int c, FILE *f)
{
    int r;

    r = fputc(c, f);
    hr_guard_checkpoint();
    return r;
}

size_t hr_task_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    size_t r;

    r = fwrite(p, size, n, f);
    hr_guard_checkpoint();
    return r;
}

int hr_task_fflush(FILE *f)
{
    int r;

    r = fflush(f);
    hr_guard_checkpoint();
    return r;
}

void hr_task_perror(const char *s)
{
    perror(s);
    hr_guard_checkpoint();
}
