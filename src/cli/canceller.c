/* canceller.c - stop a run when the file it runs is saved again */
#include "canceller.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "filewatch.h"
#include "libhotrun.h"

#define SETTLE_MS 10            /* a save's events come together */

struct watched {
    char *path;                 /* owned, canonical */
    const char *base;           /* in path */
    int wd;                     /* its folder's watch */
    uint64_t hash;              /* as compiled */
};

struct hr_canceller {
    pthread_t thread;
    int ifd;                    /* inotify */
    int stop[2];                /* a pipe: the run is over */
    struct watched *files;      /* owned */
    int n;
    int cancelled;
};

static void sleep_ms(int ms)
{
    struct timespec ts = { 0, (long)ms * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* Does a file of c named name in the folder of watch wd now hold other
 * content than was compiled? */
static int changed(const struct hr_canceller *c, int wd, const char *name)
{
    uint64_t h = 0;
    int i;

    for (i = 0; i < c->n; i++) {
        const struct watched *f = &c->files[i];

        if (f->wd != wd || strcmp(f->base, name) != 0)
            continue;
        if (hr_filewatch_hash(f->path, &h) == 0 && h != f->hash)
            return 1;
    }
    return 0;
}

static void *main_loop(void *arg)
{
    struct hr_canceller *c = arg;
    char buf[8192] __attribute__((aligned(8)));

    for (;;) {
        struct pollfd p[2] = { { c->stop[0], POLLIN, 0 },
                               { c->ifd, POLLIN, 0 } };
        ssize_t len;
        char *e;
        int due = 0;

        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents != 0)
            break;
        if (!(p[1].revents & POLLIN))
            continue;
        sleep_ms(SETTLE_MS);    /* the rest of the save */
        len = read(c->ifd, buf, sizeof buf);
        for (e = buf; len > 0 && e < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)e;

            if (ev->len > 0 && changed(c, ev->wd, ev->name))
                due = 1;
            e += sizeof *ev + ev->len;
        }
        if (due && hr_session_cancel()) {
            c->cancelled = 1;
            break;
        }
    }
    return NULL;
}

static void free_canceller(struct hr_canceller *c)
{
    int i;

    if (c->ifd >= 0)
        close(c->ifd);
    if (c->stop[0] >= 0)
        close(c->stop[0]);
    if (c->stop[1] >= 0)
        close(c->stop[1]);
    for (i = 0; i < c->n; i++)
        free(c->files[i].path);
    free(c->files);
    free(c);
}

struct hr_canceller *hr_canceller_start(const char *const *paths,
                                        const uint64_t *hashes, int n)
{
    struct hr_canceller *c = calloc(1, sizeof *c);
    int i;

    if (c == NULL)
        return NULL;
    c->ifd = -1;
    c->stop[0] = c->stop[1] = -1;
    c->files = calloc((size_t)(n > 0 ? n : 1), sizeof *c->files);
    c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (c->files == NULL || c->ifd < 0 ||
        pipe2(c->stop, O_CLOEXEC) != 0)
        goto fail;
    for (i = 0; i < n; i++) {
        struct watched *f = &c->files[c->n];
        char *slash = NULL;

        f->path = strdup(paths[i]);
        if (f->path == NULL)
            goto fail;
        c->n++;
        slash = strrchr(f->path, '/');
        if (slash == NULL || slash == f->path)
            continue;           /* not canonical: not watched */
        *slash = '\0';
        f->wd = inotify_add_watch(c->ifd, f->path, IN_CLOSE_WRITE |
                                  IN_MOVED_TO | IN_ONLYDIR);
        *slash = '/';
        f->base = slash + 1;
        f->hash = hashes[i];
        if (f->wd < 0)
            f->base = "";       /* never matches a name */
    }
    if (pthread_create(&c->thread, NULL, main_loop, c) != 0)
        goto fail;
    return c;
fail:
    free_canceller(c);
    return NULL;
}

int hr_canceller_stop(struct hr_canceller *c)
{
    char x = 1;
    int cancelled;

    if (c == NULL)
        return 0;
    if (write(c->stop[1], &x, 1) < 0) {
        /* cannot happen with an empty pipe; the join below still ends */
    }
    pthread_join(c->thread, NULL);
    cancelled = c->cancelled;
    free_canceller(c);
    return cancelled;
}
