/* fileio.c - whole reads and writes that retry on EINTR, errno as text */
#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t hr_fileio_pread_full(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    ssize_t n;

    while (done < len) {
        n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int hr_fileio_open_regular(const char *path, struct stat *st)
{
    struct stat now;
    int fd;

    if (stat(path, st) != 0)
        return -1;
    if (!S_ISREG(st->st_mode)) {
        errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (fstat(fd, &now) != 0) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(now.st_mode)) {
        /* swapped between the two looks (a regular file swapped for
         * another, as editors save, is fine) */
        int e = S_ISDIR(now.st_mode) ? EISDIR : EINVAL;

        *st = now;
        close(fd);
        errno = e;
        return -1;
    }
    *st = now;
    return fd;
}

const char *hr_fileio_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a fifo";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "a symbolic link";
}

int hr_fileio_write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;
    size_t step;
    ssize_t n;

    while (done < len) {
        step = len - done < ((size_t)1 << 30) ? len - done : (size_t)1 << 30;
        n = write(fd, (const char *)buf + done, step);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

int hr_fileio_mkdirs(const char *path, mode_t mode)
{
    char *dir = strdup(path);
    char *p = NULL;
    int rc = 0;

    if (dir == NULL)
        return -1;
    for (p = dir + 1; *p != '\0' && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, mode) != 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    free(dir);
    return rc;
}

const char *hr_fileio_errtext(int e, char *buf, size_t len)
{
    snprintf(buf, len, "%s", strerror(e));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}
