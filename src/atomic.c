/* atomic.c - replace a file atomically: write a temporary file beside it,
 * then rename it over the destination */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

#define TRIES 64            /* names tried before giving up */
#define BASE_MAX 200        /* of the destination's name in the temporary */

static void release(struct hr_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    free(a->tmp);
    free(a->dest);
    free(a->dir);
    a->fd = -1;
    a->tmp = NULL;
    a->dest = NULL;
    a->dir = NULL;
}

/* The destination, following a link, and checked: a regular file or
 * nothing yet.  Sets a->dest (owned). */
static int resolve(struct hr_atomic *a, struct hr_err *err)
{
    struct stat st;
    char txt[128];
    int e;

    if (lstat(a->path, &st) == 0 && S_ISLNK(st.st_mode)) {
        a->dest = realpath(a->path, NULL);
        if (a->dest == NULL) {
            e = errno;
            if (e == ENOMEM)
                return HR_ENOMEM;
            hr_err_set(err, "%s: a symbolic link to nothing (%s)", a->path,
                       hr_fileio_errtext(e, txt, sizeof txt));
            return HR_EIO;
        }
    } else {
        a->dest = strdup(a->path);
        if (a->dest == NULL)
            return HR_ENOMEM;
    }
    if (stat(a->dest, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        hr_err_set(err, "%s: is a directory", a->path);
        return HR_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        hr_err_set(err, "%s: not a regular file", a->path);
        return HR_EIO;
    }
    return 0;
}

static uint64_t random_word(void)
{
    static unsigned counter;
    struct timespec ts;
    uint64_t r = 0;

    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
           (uint64_t)getpid() << 32 ^ (uint64_t)++counter;
}

int hr_atomic_open(struct hr_atomic *a, const char *path, struct hr_err *err)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    const char *slash;
    const char *base;
    char txt[128];
    char suffix[7];
    size_t len;
    uint64_t r;
    int tries;
    int k;
    int rc;

    memset(a, 0, sizeof *a);
    a->fd = -1;
    a->path = path;
    rc = resolve(a, err);
    if (rc != 0)
        goto fail;
    rc = HR_ENOMEM;
    slash = strrchr(a->dest, '/');
    a->dir = slash == NULL ? strdup(".") :
             slash == a->dest ? strdup("/") :
             strndup(a->dest, (size_t)(slash - a->dest));
    base = slash == NULL ? a->dest : slash + 1;
    len = strlen(a->dir) + strlen(base) + 32;
    a->tmp = malloc(len);
    if (a->dir == NULL || a->tmp == NULL)
        goto fail;
    for (tries = 0; tries < TRIES && a->fd < 0; tries++) {
        r = random_word();
        for (k = 0; k < 6; k++, r /= 36)
            suffix[k] = digits[r % 36];
        suffix[6] = '\0';
        snprintf(a->tmp, len, "%s/.%.*s.tmp-%s", a->dir, BASE_MAX, base,
                 suffix);
        a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                     O_CLOEXEC, 0644);
        if (a->fd < 0 && errno != EEXIST)
            break;
    }
    if (a->fd < 0) {
        hr_err_set(err, "%s: cannot create a file in %s: %s", path, a->dir,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        rc = HR_EIO;
        goto fail;
    }
    return 0;
fail:
    if (rc == HR_ENOMEM)
        hr_err_set(err, "%s: out of memory", path);
    release(a);
    return rc;
}

void hr_atomic_abort(struct hr_atomic *a)
{
    if (a == NULL)
        return;
    if (a->fd >= 0) {
        close(a->fd);
        a->fd = -1;
    }
    if (a->tmp != NULL)
        unlink(a->tmp);
    release(a);
}

int hr_atomic_commit(struct hr_atomic *a, struct hr_err *err)
{
    char txt[128];
    int dfd;
    int e;

    if (fsync(a->fd) != 0) {
        hr_err_set(err, "%s: write failed: %s", a->path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        hr_atomic_abort(a);
        return HR_EIO;
    }
    e = close(a->fd);
    a->fd = -1;
    if (e != 0 || rename(a->tmp, a->dest) != 0) {
        hr_err_set(err, "%s: %s failed: %s", a->path,
                   e != 0 ? "write" : "rename into place",
                   hr_fileio_errtext(errno, txt, sizeof txt));
        hr_atomic_abort(a);
        return HR_EIO;
    }
    /* the rename is done: from here the new file is in place */
    dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    e = dfd >= 0 && fsync(dfd) != 0 && errno != EINVAL ? errno : 0;
    if (dfd >= 0)
        close(dfd);
    release(a);
    if (e != 0) {
        hr_err_set(err, "%s: written, but syncing its folder failed: %s",
                   a->path, hr_fileio_errtext(e, txt, sizeof txt));
        return HR_EIO;
    }
    return 0;
}

int hr_atomic_write(const char *path, const void *buf, size_t len,
                    struct hr_err *err)
{
    struct hr_atomic a;
    char txt[128];
    int rc;

    rc = hr_atomic_open(&a, path, err);
    if (rc != 0)
        return rc;
    if (hr_fileio_write_full(a.fd, buf, len) != 0) {
        hr_err_set(err, "%s: write failed: %s", path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        hr_atomic_abort(&a);
        return HR_EIO;
    }
    return hr_atomic_commit(&a, err);
}
