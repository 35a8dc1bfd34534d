/* fileio.h - whole reads and writes that retry on EINTR, folders, errno
 * as text
 *
 * Nothing here allocates: buffers are the caller's, file descriptors stay
 * open and owned by the caller.
 */
#ifndef HR_FILEIO_H
#define HR_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Reads len bytes at off; returns the count (short only at end of file)
 * or -1 with errno set. */
ssize_t hr_fileio_pread_full(int fd, void *buf, size_t len, off_t off);

/* Opens path for reading if it is a regular file.  A FIFO, device, socket
 * or directory is never opened (opening one may block or act): path is
 * checked with stat() first, then opened with O_NONBLOCK (kept: a regular
 * file does not care, and a /proc file that would block does not), and
 * what was opened is checked again with fstat().  Returns the descriptor
 * (owned: close it) with *st filled in, or -1 with errno set: EISDIR for a
 * directory, EINVAL for another kind of file (*st then says which, see
 * hr_fileio_kind()), or open()'s and stat()'s. */
int hr_fileio_open_regular(const char *path, struct stat *st);

/* "a fifo", "a character device", "a block device", "a socket", "a
 * directory", "a symbolic link" or "a regular file" (static text). */
const char *hr_fileio_kind(mode_t mode);

/* Writes all len bytes; returns 0, or -1 with errno set. */
int hr_fileio_write_full(int fd, const void *buf, size_t len);

/* Makes the folders above path that are missing (mkdir -p of its parent)
 * with the given mode; existing folders are left alone.  Returns 0, or -1
 * with errno set (ENOMEM included). */
int hr_fileio_mkdirs(const char *path, mode_t mode);

/* strerror(e) with its first letter in lower case, written into buf;
 * returns buf (borrowed: the caller's buffer). */
const char *hr_fileio_errtext(int e, char *buf, size_t len);

#endif
