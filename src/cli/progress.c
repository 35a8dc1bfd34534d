/* progress.c - a rate-limited progress bar on a terminal */
#include "progress.h"

#include "fileio.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WIDTH 30
#define INTERVAL_MS 100.0

struct hr_progress {
    int fd;
    int tty;
    int drawn;
    double start_ms;
    double last_ms;
    char label[64];
    pthread_mutex_t lock;
};

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

struct hr_progress *hr_progress_new(int fd)
{
    struct hr_progress *p = calloc(1, sizeof *p);

    if (p == NULL)
        return NULL;
    p->fd = fd;
    p->tty = isatty(fd) && getenv("HOTRUN_NO_PROGRESS") == NULL;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void hr_progress_free(struct hr_progress *p)
{
    if (p == NULL)
        return;
    hr_progress_done(p);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void hr_progress_label(struct hr_progress *p, const char *label)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->label, sizeof p->label, "%s", label != NULL ? label : "");
    pthread_mutex_unlock(&p->lock);
}

void hr_progress_update(void *ud, int64_t done, int64_t total)
{
    struct hr_progress *p = ud;
    char line[160];
    char bar[WIDTH + 1];
    double t;
    double frac;
    int fill;
    int n;

    if (p == NULL || !p->tty || total <= 0)
        return;
    if (pthread_mutex_trylock(&p->lock) != 0)
        return;
    t = now_ms();
    if (p->start_ms == 0)
        p->start_ms = t;
    if (p->drawn && t - p->last_ms < INTERVAL_MS && done < total) {
        pthread_mutex_unlock(&p->lock);
        return;
    }
    p->last_ms = t;
    frac = done < 0 ? 0 : done > total ? 1 : (double)done / (double)total;
    fill = (int)(frac * WIDTH);
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(WIDTH - fill));
    bar[WIDTH] = '\0';
    n = snprintf(line, sizeof line, "\r\033[K%s%s[%s] %3.0f%%  %.1f s",
                 p->label, p->label[0] ? " " : "", bar, frac * 100,
                 (t - p->start_ms) / 1e3);
    if (n > 0)
        (void)hr_fileio_write_full(p->fd, line, (size_t)n < sizeof line
                                   ? (size_t)n : sizeof line - 1);
    p->drawn = 1;
    pthread_mutex_unlock(&p->lock);
}

void hr_progress_done(struct hr_progress *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->drawn)
        (void)hr_fileio_write_full(p->fd, "\r\033[K", 4);
    p->drawn = 0;
    p->start_ms = 0;
    p->last_ms = 0;
    pthread_mutex_unlock(&p->lock);
}
