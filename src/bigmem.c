/* bigmem.c - big blocks of memory the session owns, on 2 MiB pages */
#include "bigmem.h"

#include <sys/mman.h>
#include <unistd.h>

#include "sysmem.h"

void *hr_bigmem_map(size_t len, int shared, int noreserve, size_t *map_len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t want = len > 0 ? (len + page - 1) / page * page : page;

    return hr_sysmem_map(want, (shared ? MAP_SHARED : MAP_PRIVATE) |
                         (noreserve ? MAP_NORESERVE : 0), map_len);
}

void hr_bigmem_free(void *p, size_t map_len)
{
    if (p != NULL && map_len > 0)
        munmap(p, map_len);
}

size_t hr_bigmem_available(void)
{
    int64_t n = hr_sysmem_available();

    return n > 0 ? (size_t)n : 0;
}
