/* filecopy.h - copy part of a file into fresh memory on 2 MiB pages, with
 * several threads, converting byte order on the way
 *
 * The memory is the caller's once the copy succeeded (munmap(map,
 * map_len)); on failure nothing is left.  The file descriptor stays the
 * caller's.
 */
#ifndef HR_FILECOPY_H
#define HR_FILECOPY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct hr_filecopy {
    const char *path;       /* for messages */
    int fd;
    off_t offset;           /* of the first byte to copy */
    size_t len;             /* > 0 */
    int swap;               /* bytes per number to reverse (2, 4, 8), or 0 */
    int threads;            /* 0: one a core, at most 4 */
    /* Called from the calling thread after each piece it copies, and last
     * with done == total; may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *progress_ud;
};

/* What the copy gave. */
struct hr_filecopy_out {
    void *map;              /* owned: the data, read-only */
    size_t map_len;
    int64_t huge_bytes;     /* of map on 2 MiB pages (/proc/self/smaps),
                             * -1 unknown; 0 below 2 MiB */
};

/* Copies c->len bytes at c->offset of c->fd into fresh anonymous memory
 * (hr_sysmem_alloc(): 2 MiB-aligned, huge pages advised before the first
 * touch; asked again with MADV_COLLAPSE when the faults did not give them
 * all), swapping byte order when c->swap, then makes it read-only.  Large
 * copies are shared out between threads (2 MiB-aligned pieces).  Returns 0
 * with *out, or HR_ENOMEM / HR_EIO with err "path: what went wrong"
 * (a file that shrank while being read is an error). */
int hr_filecopy_run(const struct hr_filecopy *c, struct hr_filecopy_out *out,
                    struct hr_err *err);

/* Reverses the byte order of the n bytes of unit-byte numbers (2, 4 or 8;
 * others: nothing) at p. */
void hr_filecopy_swap(void *p, size_t n, int unit);

#endif
