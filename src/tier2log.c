/* tier2log.c - the log of tier-2 compiles, bounded, whole lines */
#include "tier2log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"

#define LOG_MAX (64 * 1024)
#define OUTPUT_MAX 2048         /* of a compiler's messages */

static void add(struct hr_tier2log *l, const char *text, size_t n)
{
    char *grown = NULL;

    if (n > LOG_MAX / 2)
        n = LOG_MAX / 2;
    if (l->len + n > LOG_MAX) {
        /* drop whole lines from the front */
        size_t cut = l->len + n - LOG_MAX;
        char *nl = memchr(l->text + cut, '\n', l->len - cut);

        cut = nl != NULL ? (size_t)(nl - l->text) + 1 : l->len;
        memmove(l->text, l->text + cut, l->len - cut);
        l->len -= cut;
    }
    grown = realloc(l->text, l->len + n + 1);
    if (grown == NULL)
        return;
    l->text = grown;
    memcpy(l->text + l->len, text, n);
    l->len += n;
    l->text[l->len] = '\0';
}

void hr_tier2log_add(struct hr_tier2log *l, const char *path,
                     const char *msg)
{
    char line[1200];
    struct timespec now;
    struct tm tm;
    int n;

    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &tm);
    n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld %s: %s\n",
                 tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000L,
                 path, msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    add(l, line, (size_t)n);
}

void hr_tier2log_output(struct hr_tier2log *l, int fd)
{
    char buf[OUTPUT_MAX + 1];
    char line[OUTPUT_MAX * 2 + 8];
    ssize_t n = hr_fileio_pread_full(fd, buf, OUTPUT_MAX, 0);
    const char *p = buf;
    size_t k = 0;

    if (n <= 0)
        return;
    buf[n] = '\0';
    while (*p != '\0' && k + 8 < sizeof line) {
        if (p == buf || p[-1] == '\n') {
            memcpy(line + k, "    ", 4);
            k += 4;
        }
        line[k++] = *p++;
    }
    if (k > 0 && line[k - 1] != '\n')
        line[k++] = '\n';
    add(l, line, k);
}

const char *hr_tier2log_text(const struct hr_tier2log *l)
{
    return l->text != NULL ? l->text : "";
}

void hr_tier2log_free(struct hr_tier2log *l)
{
    free(l->text);
    l->text = NULL;
    l->len = 0;
}
