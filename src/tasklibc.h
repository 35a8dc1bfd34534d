/* tasklibc.h - the C library calls of task code that block or print
 *
 * Task code's sleep(), read(), printf() and their kin are bound (api.c's
 * table) to these wrappers, which call the C library and then, once the
 * call has returned and released whatever it held (stdio's lock), check
 * whether the run must stop (hr_guard_checkpoint()).  The calls that may
 * block check before as well.  During a run the stop signal interrupts a
 * blocked system call (EINTR), so a task blocked in one is stopped at
 * once, wherever the run's stop came from.  Same contracts as the C
 * library's, plus: they may end the run instead of returning.  Nothing is
 * allocated or owned here.
 */
#ifndef HR_TASKLIBC_H
#define HR_TASKLIBC_H

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>

unsigned int hr_task_sleep(unsigned int s);
int hr_task_usleep(useconds_t us);
int hr_task_nanosleep(const struct timespec *req, struct timespec *rem);
int hr_task_clock_nanosleep(clockid_t clock, int flags,
                            const struct timespec *req,
                            struct timespec *rem);
int hr_task_pause(void);
ssize_t hr_task_read(int fd, void *buf, size_t n);
ssize_t hr_task_write(int fd, const void *buf, size_t n);
int hr_task_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
int hr_task_select(int n, fd_set *r, fd_set *w, fd_set *e,
                   struct timeval *timeout);

size_t hr_task_fread(void *p, size_t size, size_t n, FILE *f);
char *hr_task_fgets(char *s, int n, FILE *f);
int hr_task_fgetc(FILE *f);
int hr_task_getchar(void);
int hr_task_fscanf(FILE *f, const char *fmt, ...);
int hr_task_scanf(const char *fmt, ...);
ssize_t hr_task_getline(char **line, size_t *n, FILE *f);

int hr_task_printf(const char *fmt, ...);
int hr_task_fprintf(FILE *f, const char *fmt, ...);
int hr_task_vprintf(const char *fmt, va_list ap);
int hr_task_vfprintf(FILE *f, const char *fmt, va_list ap);
int hr_task_puts(const char *s);
int hr_task_putchar(int c);
int hr_task_fputs(const char *s, FILE *f);
int hr_task_fputc(int c, FILE *f);
size_t hr_task_fwrite(const void *p, size_t size, size_t n, FILE *f);
int hr_task_fflush(FILE *f);
void hr_task_perror(const char *s);

#endif
