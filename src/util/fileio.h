/* fileio.h - whole reads and writes that retry on EINTR, folders, files
 * created safely, errno as text
 *
 * Buffers are the caller's, and file descriptors stay open and owned by the
 * caller; hr_fileio_create_temp() alone hands out a name (owned).
 */
#ifndef HR_FILEIO_H
#define HR_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "libhotrun.h"     /* struct hr_err */

/* Reads len bytes at off; returns the count (short only at end of file)
 * or -1 with errno set. */
ssize_t hr_fileio_pread_full(int fd, void *buf, size_t len, off_t off);

/* Writes all of buf at off; returns 0 or -1 with errno set. */
int hr_fileio_pwrite_full(int fd, const void *buf, size_t len, off_t off);

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

/* Makes the folder dir (mode 0700, and its missing parents 0700) unless it
 * is there, then checks that it is private: a real folder, not a symbolic
 * link, owned by this user and writable by nobody else (an existing 0755
 * folder is fine).  Files made in it cannot be planted or swapped by
 * another user.  Returns 0, or HR_EIO with err "dir: what is wrong". */
int hr_fileio_private_dir(const char *dir, struct hr_err *err);

/* Creates a new empty file beside path to be renamed over it once written:
 * exclusively (O_CREAT | O_EXCL, so never through a symbolic link or into
 * an existing file), under an unpredictable name ".BASENAME.XXXXXX" in
 * path's folder, mode 0644, close-on-exec.  *tmp gets that name, owned by
 * the caller (free()), who renames or unlinks it.  Returns the descriptor,
 * or -1 with errno set (*tmp is then NULL). */
int hr_fileio_create_temp(const char *path, char **tmp);

/* strerror(e) with its first letter in lower case, written into buf;
 * returns buf (borrowed: the caller's buffer). */
const char *hr_fileio_errtext(int e, char *buf, size_t len);

#endif
