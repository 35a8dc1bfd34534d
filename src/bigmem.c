/* bigmem.c - big blocks of memory the session owns, on 2 MiB pages */
#include "bigmem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *hr_bigmem_map(size_t len, int shared, int noreserve, size_t *map_len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t want = len > 0 ? (len + page - 1) / page * page : page;
    size_t extra = 0;
    size_t head;
    int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
                (noreserve ? MAP_NORESERVE : 0);
    char *p;
    char *a;

    if (want >= HUGE_PAGE) {
        want = (want + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        extra = HUGE_PAGE;
    }
    p = mmap(NULL, want + extra, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    a = p;
    if (extra > 0) {
        a = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        head = (size_t)(a - p);
        if (head > 0)
            munmap(p, head);
        if (extra - head > 0)
            munmap(a + want, extra - head);
#ifdef MADV_HUGEPAGE
        madvise(a, want, MADV_HUGEPAGE);
#endif
    }
    *map_len = want;
    return a;
}

void hr_bigmem_free(void *p, size_t map_len)
{
    if (p != NULL && map_len > 0)
        munmap(p, map_len);
}

size_t hr_bigmem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long long kb = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    }
    fclose(f);
    return (size_t)kb * 1024;
}
