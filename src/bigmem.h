/* bigmem.h - big blocks of memory the session owns, on 2 MiB pages
 *
 * Arrays that tasks make (hr_new) and blocks they keep (hr_keep) live in
 * mappings of their own, aligned to 2 MiB with huge pages advised: memory
 * on 4 KiB pages runs 10-13x slower on its first pass after a few seconds
 * idle on these hosts.  A shared mapping (MAP_SHARED) is what a forked
 * child (--isolate) writes for its parent; the kernel gives shared memory
 * huge pages only where /sys/kernel/mm/transparent_hugepage/shmem_enabled
 * allows.  Nothing here keeps state.
 */
#ifndef HR_BIGMEM_H
#define HR_BIGMEM_H

#include <stddef.h>

/* A zeroed read-write mapping of at least len bytes (len 0: one page),
 * private or shared, aligned to 2 MiB and advised huge pages when it is
 * that big.  *map_len gets the bytes mapped (what hr_bigmem_free() takes).
 * noreserve: no swap is reserved (for an arena only part of which gets
 * used).  NULL with errno set on failure. */
void *hr_bigmem_map(size_t len, int shared, int noreserve,
                    size_t *map_len);

/* Unmaps what hr_bigmem_map() gave; accepts NULL. */
void hr_bigmem_free(void *p, size_t map_len);

/* Bytes of memory available now (hr_sysmem_available(): MemAvailable,
 * lowered to what a memory cgroup leaves), or 0 when unknown. */
size_t hr_bigmem_available(void);

#endif
