/* fileio.c - whole reads and writes that retry on EINTR, folders, files
 * created safely, errno as text */
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

int hr_fileio_pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
    size_t done = 0;
    ssize_t n;

    while (done < len) {
        n = pwrite(fd, (const char *)buf + done, len - done,
                   off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
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

int hr_fileio_private_dir(const char *dir, struct hr_err *err)
{
    struct stat st;
    char txt[128];

    if (lstat(dir, &st) != 0 && errno == ENOENT) {
        if (hr_fileio_mkdirs(dir, 0700) != 0 ||
            (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
            hr_err_set(err, "%s: cannot create the folder: %s", dir,
                       hr_fileio_errtext(errno, txt, sizeof txt));
            return HR_EIO;
        }
    }
    if (lstat(dir, &st) != 0) {
        hr_err_set(err, "%s: cannot use the folder: %s", dir,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_EIO;
    }
    if (S_ISLNK(st.st_mode)) {
        hr_err_set(err, "%s: is a symbolic link, not a private folder: "
                   "refusing to write through it", dir);
        return HR_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        hr_err_set(err, "%s: is not a folder", dir);
        return HR_EIO;
    }
    if (st.st_uid != geteuid()) {
        hr_err_set(err, "%s: belongs to user %ld, not to you: refusing to "
                   "write into it", dir, (long)st.st_uid);
        return HR_EIO;
    }
    if ((st.st_mode & 022) != 0) {
        hr_err_set(err, "%s: is writable by others (mode %04o): refusing "
                   "to write into it", dir, (unsigned)(st.st_mode & 07777));
        return HR_EIO;
    }
    return 0;
}

int hr_fileio_create_temp(const char *path, char **tmp)
{
    const char *base = strrchr(path, '/');
    int dlen = base != NULL ? (int)(base - path + 1) : 0;
    int fd;
    int e;

    base = base != NULL ? base + 1 : path;
    *tmp = NULL;
    if (asprintf(tmp, "%.*s.%s.XXXXXX", dlen, path, base) < 0) {
        *tmp = NULL;
        errno = ENOMEM;
        return -1;
    }
    fd = mkostemp(*tmp, O_CLOEXEC);     /* O_CREAT | O_EXCL, 0600 */
    if (fd < 0 || fchmod(fd, 0644) != 0) {
        e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(*tmp);
        }
        free(*tmp);
        *tmp = NULL;
        errno = e;
        return -1;
    }
    return fd;
}
