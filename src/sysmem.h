/* sysmem.h - what the kernel gives: available memory, anonymous memory on
 * 2 MiB pages, and whether it really is on them
 *
 * Nothing here keeps state.  Memory from hr_sysmem_alloc() is owned by the
 * caller (munmap(p, *map_len)); text goes into the caller's buffers.
 */
#ifndef HR_SYSMEM_H
#define HR_SYSMEM_H

#include <stddef.h>
#include <stdint.h>

#define HR_HUGE_PAGE ((size_t)2 << 20)

/* Bytes this process can still take without pushing anything out: the
 * MemAvailable line of /proc/meminfo, lowered to what a memory cgroup
 * leaves (v2 memory.max - memory.current, v1 limit - usage, at every level
 * up to the root).  -1 when /proc/meminfo says nothing. */
int64_t hr_sysmem_available(void);

/* What the memory cgroups of a process leave it, from the text of its
 * /proc/PID/cgroup and the cgroup file systems under root
 * ("/sys/fs/cgroup"): the least of limit - usage + file cache over its own
 * cgroup and every one above it (v1 memory controller first, else v2).
 * -1 when none sets a limit.  Exposed for tests. */
int64_t hr_sysmem_cgroup_available(const char *cgroups, const char *root);

/* An anonymous, private, read-write mapping of at least len bytes (len >
 * 0), not touched yet.  From 2 MiB on it is aligned to 2 MiB, its length
 * rounded up to a multiple of that, and MADV_HUGEPAGE is advised on it
 * before any page exists.  *map_len gets the mapping's length.  Owned by
 * the caller: munmap(p, *map_len).  NULL with errno set on failure. */
void *hr_sysmem_alloc(size_t len, size_t *map_len);

/* The same with mmap() flags: MAP_PRIVATE or MAP_SHARED, with
 * MAP_NORESERVE or not (MAP_ANONYMOUS is added). */
void *hr_sysmem_map(size_t len, int flags, size_t *map_len);

/* Bytes of [addr, addr + len) that lie on transparent huge pages, from the
 * AnonHugePages lines of /proc/self/smaps (a mapping that reaches outside
 * the range counts for its overlap at most).  -1 when smaps cannot be
 * read. */
int64_t hr_sysmem_huge_bytes(const void *addr, size_t len);

/* Asks the kernel to put [addr, addr + len) on huge pages now
 * (MADV_COLLAPSE, Linux 6.1 and later).  Returns 0, or -1 with errno set
 * (EINVAL on older kernels). */
int hr_sysmem_collapse(void *addr, size_t len);

/* Why this process gets no transparent huge pages, read from the system
 * now: a lower-case phrase without a trailing period written into buf;
 * returns buf. */
const char *hr_sysmem_huge_why(char *buf, size_t len);

/* The same from given facts (exposed for tests): disabled is what
 * prctl(PR_GET_THP_DISABLE) says, enabled and defrag are the contents of
 * /sys/kernel/mm/transparent_hugepage/enabled and .../defrag ("always
 * [madvise] never"), NULL when the file is missing. */
const char *hr_sysmem_huge_reason(int disabled, const char *enabled,
                                  const char *defrag, char *buf,
                                  size_t len);

#endif
