/* filewatch.c - notice when files' contents change (inotify, or polling) */
#include "filewatch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "libhotrun.h"

/* How long a file must stay quiet before it is read.  A rename puts a
 * whole file in place at once: what follows it (a chmod, the backup's
 * removal) changes no content, and the hash tells.  A close after writing
 * ends a save too, unless the writer opens the file again at once.  A bare
 * write may be followed by more chunks, and a delete by the file's
 * replacement. */
#define SETTLE_RENAMED_MS 2
#define SETTLE_CLOSED_MS 10
#define SETTLE_WRITE_MS 200
#define MISSING_RETRY_MS 50     /* gone at its deadline: look again */
#define MISSING_MAX_MS 2000     /* ... for this long, then say so */

#define DIR_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | \
                    IN_DELETE | IN_MOVED_FROM | IN_ATTRIB | IN_ONLYDIR)

/* A watched folder: one inotify watch serves every file in it. */
struct hr_wdir {
    int wd;
    int refs;                   /* files in it */
    char *path;                 /* owned */
};

static int64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int hr_filewatch_hash(const char *path, uint64_t *hash)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0, cap = 4096;
    int fd = hr_fileio_open_regular(path, &st);    /* never a FIFO */
    int rc = HR_EIO;

    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? HR_ENOENT : HR_EIO;
    buf = malloc(cap);
    if (buf == NULL) {
        rc = HR_ENOMEM;
        goto out;
    }
    /* to the end, not to the size stat() gave: a writer may be at it */
    for (;;) {
        ssize_t n;

        if (got == cap) {
            char *grown = realloc(buf, cap * 2);

            if (grown == NULL) {
                rc = HR_ENOMEM;
                goto out;
            }
            buf = grown;
            cap *= 2;
        }
        n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *hash = hr_hash(buf, got);
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

char *hr_filewatch_canon(const char *path)
{
    char *real = realpath(path, NULL);
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    char *dir = NULL;
    char *rdir = NULL;
    char *out = NULL;

    if (real != NULL || *name == '\0' || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return real;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        goto out;
    rdir = realpath(dir, NULL);
    if (rdir == NULL)
        goto out;
    if (asprintf(&out, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
                 name) < 0)
        out = NULL;
out:
    free(dir);
    free(rdir);
    return out;
}

/* ---- files and folders ---- */

/* Stats f again; nonzero when anything a save changes has changed. */
static int stat_changed(struct hr_wfile *f)
{
    struct stat st;
    int exists = stat(f->path, &st) == 0;
    int changed = exists != f->exists;

    if (exists && f->exists)
        changed = st.st_ino != f->st.st_ino ||
                  st.st_size != f->st.st_size ||
                  st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
                  st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec ||
                  st.st_ctim.tv_sec != f->st.st_ctim.tv_sec ||
                  st.st_ctim.tv_nsec != f->st.st_ctim.tv_nsec;
    f->exists = exists;
    if (exists)
        f->st = st;
    return changed;
}

/* Gives up on inotify: every file is polled from now on. */
static void fall_back(struct hr_filewatch *fw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fall_back(struct hr_filewatch *fw, const char *fmt, ...)
{
    va_list ap;
    int i;

    if (fw->polling)
        return;
    va_start(ap, fmt);
    vsnprintf(fw->reason, sizeof fw->reason, fmt, ap);
    va_end(ap);
    if (fw->fd >= 0)
        close(fw->fd);
    fw->fd = -1;
    fw->polling = 1;
    fw->fallback_note = 1;
    for (i = 0; i < fw->ndirs; i++)
        free(fw->dirs[i].path);
    free(fw->dirs);
    fw->dirs = NULL;
    fw->ndirs = 0;
    for (i = 0; i < fw->nfiles; i++) {
        fw->files[i]->wd = -1;
        stat_changed(fw->files[i]);
    }
    fw->next_poll = now_ms() + HR_FILEWATCH_POLL_MS;
}

void hr_filewatch_init(struct hr_filewatch *fw, int force_poll)
{
    memset(fw, 0, sizeof *fw);
    fw->fd = -1;
    if (force_poll) {
        fall_back(fw, "HOTRUN_WATCH_POLL is set");
        return;
    }
    fw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fw->fd < 0)
        fall_back(fw, "inotify_init1: %s", strerror(errno));
}

/* Watches the folder of f (inotify); falls back to polling on failure. */
static void add_dir(struct hr_filewatch *fw, struct hr_wfile *f)
{
    size_t len = (size_t)(f->base - f->path);
    char *dir = strndup(f->path, len > 1 ? len - 1 : len);
    struct hr_wdir *grown = NULL;
    int wd;
    int i;

    if (dir == NULL) {
        fall_back(fw, "out of memory");
        return;
    }
    wd = inotify_add_watch(fw->fd, dir, DIR_EVENTS);
    if (wd < 0) {
        if (errno == ENOSPC)
            fall_back(fw, "watch limit reached, see "
                      "/proc/sys/fs/inotify/max_user_watches");
        else
            fall_back(fw, "%s: %s", dir, strerror(errno));
        free(dir);
        return;
    }
    f->wd = wd;
    for (i = 0; i < fw->ndirs; i++) {
        if (fw->dirs[i].wd == wd) {
            fw->dirs[i].refs++;
            free(dir);
            return;
        }
    }
    grown = realloc(fw->dirs, (size_t)(fw->ndirs + 1) * sizeof *grown);
    if (grown == NULL) {
        free(dir);
        fall_back(fw, "out of memory");
        return;
    }
    fw->dirs = grown;
    fw->dirs[fw->ndirs].wd = wd;
    fw->dirs[fw->ndirs].refs = 1;
    fw->dirs[fw->ndirs].path = dir;
    fw->ndirs++;
}

static void release_dir(struct hr_filewatch *fw, int wd)
{
    int i;

    for (i = 0; i < fw->ndirs; i++) {
        if (fw->dirs[i].wd != wd)
            continue;
        if (--fw->dirs[i].refs == 0) {
            inotify_rm_watch(fw->fd, wd);
            free(fw->dirs[i].path);
            fw->dirs[i] = fw->dirs[--fw->ndirs];
        }
        return;
    }
}

struct hr_wfile *hr_filewatch_ref(struct hr_filewatch *fw, char *path)
{
    struct hr_wfile *f = NULL;
    struct hr_wfile **grown = NULL;
    int i;

    if (path == NULL)
        return NULL;            /* a failed hr_filewatch_canon() */
    for (i = 0; i < fw->nfiles; i++) {
        if (strcmp(fw->files[i]->path, path) == 0) {
            free(path);
            fw->files[i]->refs++;
            return fw->files[i];
        }
    }
    f = calloc(1, sizeof *f);
    grown = realloc(fw->files, (size_t)(fw->nfiles + 1) * sizeof *grown);
    if (grown != NULL)
        fw->files = grown;
    if (f == NULL || grown == NULL || strrchr(path, '/') == NULL) {
        free(f);
        free(path);
        return NULL;
    }
    f->path = path;
    f->base = strrchr(path, '/') + 1;
    f->wd = -1;
    f->refs = 1;
    f->known = hr_filewatch_hash(path, &f->hash) == 0;
    fw->files[fw->nfiles++] = f;
    if (fw->polling)
        stat_changed(f);
    else
        add_dir(fw, f);
    return f;
}

void hr_filewatch_unref(struct hr_filewatch *fw, struct hr_wfile *f)
{
    int i;

    if (f == NULL || --f->refs > 0)
        return;
    for (i = 0; i < fw->nfiles; i++) {
        if (fw->files[i] == f) {
            memmove(fw->files + i, fw->files + i + 1,
                    (size_t)(fw->nfiles - i - 1) * sizeof *fw->files);
            fw->nfiles--;
            break;
        }
    }
    if (f->wd >= 0)
        release_dir(fw, f->wd);
    free(f->path);
    free(f);
}

void hr_filewatch_fini(struct hr_filewatch *fw)
{
    int i;

    if (fw->fd >= 0)
        close(fw->fd);          /* drops every folder watch */
    for (i = 0; i < fw->nfiles; i++) {
        free(fw->files[i]->path);
        free(fw->files[i]);
    }
    for (i = 0; i < fw->ndirs; i++)
        free(fw->dirs[i].path);
    free(fw->files);
    free(fw->dirs);
    memset(fw, 0, sizeof *fw);
    fw->fd = -1;
}

/* ---- settling ---- */

/* An event for f: read it once it has been quiet for a while. */
static void arm(struct hr_wfile *f, uint32_t mask, int64_t now)
{
    int64_t when = now + SETTLE_CLOSED_MS;

    if (mask & IN_MOVED_TO)
        when = now + SETTLE_RENAMED_MS;
    else if (mask & (IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM))
        when = now + SETTLE_WRITE_MS;
    else if (!(mask & IN_CLOSE_WRITE) && f->pending && f->deadline > when)
        when = f->deadline;     /* metadata alone cuts no wait short */
    f->pending = 1;
    f->deadline = when;
}

static void on_event(struct hr_filewatch *fw, const struct inotify_event *ev,
                     int64_t now)
{
    int i;

    if (ev->mask & IN_Q_OVERFLOW) {
        /* events were lost: look at everything (the hashes tell) */
        for (i = 0; i < fw->nfiles; i++)
            arm(fw->files[i], IN_CLOSE_WRITE, now);
        return;
    }
    if (ev->mask & IN_IGNORED) {
        /* a folder still in use was deleted or unmounted */
        for (i = 0; i < fw->ndirs; i++) {
            if (fw->dirs[i].wd == ev->wd) {
                fall_back(fw, "%s was removed", fw->dirs[i].path);
                return;
            }
        }
        return;
    }
    if (ev->len == 0)
        return;
    for (i = 0; i < fw->nfiles; i++) {
        struct hr_wfile *f = fw->files[i];

        if (f->wd == ev->wd && strcmp(f->base, ev->name) == 0)
            arm(f, ev->mask, now);
    }
}

static void drain(struct hr_filewatch *fw, int64_t now)
{
    char buf[16384]
        __attribute__((aligned(__alignof__(struct inotify_event))));

    while (fw->fd >= 0) {
        ssize_t n = read(fw->fd, buf, sizeof buf);
        ssize_t off = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        while (off < n && !fw->polling) {
            const struct inotify_event *ev = (const void *)(buf + off);

            on_event(fw, ev, now);
            off += (ssize_t)(sizeof *ev + ev->len);
        }
    }
}

/* f's deadline passed: read it; a new hash marks it changed. */
static void settle(struct hr_filewatch *fw, struct hr_wfile *f, int64_t now)
{
    uint64_t h = 0;
    int rc;

    if (fw->polling && stat_changed(f)) {
        f->deadline = now + SETTLE_WRITE_MS;   /* still being written */
        return;
    }
    rc = hr_filewatch_hash(f->path, &h);
    if (rc == HR_ENOENT) {
        /* deleted, perhaps to be written anew: wait, but not forever */
        if (f->missing_since == 0)
            f->missing_since = now;
        if (now - f->missing_since < MISSING_MAX_MS) {
            f->deadline = now + MISSING_RETRY_MS;
            return;
        }
        f->pending = 0;
        f->missing_since = 0;
        if (f->gone == 0)
            f->gone = 1;
        return;
    }
    f->pending = 0;
    f->missing_since = 0;
    f->gone = 0;
    if (rc != 0) {
        f->unreadable = 1;
        return;
    }
    if (f->known && h == f->hash)
        return;                 /* the same content: nothing was saved */
    f->hash = h;
    f->known = 1;
    f->changed = 1;
}

void hr_filewatch_update(struct hr_filewatch *fw)
{
    int64_t now = now_ms();
    int i;

    drain(fw, now);
    if (fw->polling && now >= fw->next_poll) {
        for (i = 0; i < fw->nfiles; i++) {
            if (stat_changed(fw->files[i]) && !fw->files[i]->pending)
                arm(fw->files[i], IN_MODIFY, now);
        }
        fw->next_poll = now + HR_FILEWATCH_POLL_MS;
    }
    for (i = 0; i < fw->nfiles; i++) {
        if (fw->files[i]->pending && fw->files[i]->deadline <= now)
            settle(fw, fw->files[i], now);
    }
}

int hr_filewatch_timeout_ms(const struct hr_filewatch *fw)
{
    int64_t next = INT64_MAX;
    int64_t left;
    int i;

    if (fw->polling && fw->nfiles > 0)
        next = fw->next_poll;
    for (i = 0; i < fw->nfiles; i++) {
        if (fw->files[i]->pending && fw->files[i]->deadline < next)
            next = fw->files[i]->deadline;
    }
    if (next == INT64_MAX)
        return -1;
    left = next - now_ms();
    if (left < 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}
