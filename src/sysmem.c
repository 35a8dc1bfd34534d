/* sysmem.c - available memory, anonymous memory on 2 MiB pages, and
 * whether the kernel really put it there */
#include "sysmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25        /* Linux 6.1 */
#endif

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"

/* Reads a small text file into buf (NUL-terminated).  Returns the length,
 * or -1. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
    ssize_t n;
    ssize_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while ((size_t)got < len - 1) {
        n = read(fd, buf + got, len - 1 - (size_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

/* The number after "key" at the start of a line of text, or -1. */
static int64_t field(const char *text, const char *key)
{
    size_t klen = strlen(key);
    const char *p = text;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, klen) == 0)
            return strtoll(p + klen, NULL, 10);
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

/* What one cgroup level leaves: limit - usage + its reclaimable file
 * cache, or -1 when it sets no limit. */
static int64_t cgroup_left(const char *dir, int v2)
{
    char path[4200];
    char buf[4096];
    int64_t limit;
    int64_t used;
    int64_t cache;

    snprintf(path, sizeof path, "%s/%s", dir,
             v2 ? "memory.max" : "memory.limit_in_bytes");
    if (read_text(path, buf, sizeof buf) <= 0 || buf[0] < '0' ||
        buf[0] > '9')
        return -1;      /* none, or "max" */
    limit = strtoll(buf, NULL, 10);
    if (limit <= 0 || limit >= INT64_MAX / 2)
        return -1;      /* v1 says "no limit" with a huge number */
    snprintf(path, sizeof path, "%s/%s", dir,
             v2 ? "memory.current" : "memory.usage_in_bytes");
    if (read_text(path, buf, sizeof buf) <= 0)
        return -1;
    used = strtoll(buf, NULL, 10);
    snprintf(path, sizeof path, "%s/memory.stat", dir);
    cache = 0;
    if (read_text(path, buf, sizeof buf) > 0)
        cache = field(buf, v2 ? "file " : "cache ");
    if (cache < 0)
        cache = 0;
    used -= cache;
    return used >= limit ? 0 : limit - (used > 0 ? used : 0);
}

int64_t hr_sysmem_cgroup_available(const char *cgroups, const char *root)
{
    char dir[4096];
    const char *line = cgroups;
    const char *rel = NULL;
    const char *end;
    int64_t best = -1;
    int64_t left;
    size_t root_len;
    char *slash;
    int v2 = 0;

    /* a v1 memory controller wins (a hybrid system lists both) */
    while (line != NULL && *line != '\0') {
        end = strchr(line, '\n');
        if (end == NULL)
            end = line + strlen(line);
        if (strncmp(line, "0::", 3) == 0 && rel == NULL) {
            v2 = 1;
            rel = line + 3;
        } else if (strstr(line, ":memory:") != NULL &&
                   strstr(line, ":memory:") < end) {
            v2 = 0;
            rel = strstr(line, ":memory:") + 8;
            break;
        }
        line = *end != '\0' ? end + 1 : NULL;
    }
    if (rel == NULL)
        return -1;
    snprintf(dir, sizeof dir, "%s%s", root, v2 ? "" : "/memory");
    root_len = strlen(dir);
    snprintf(dir + root_len, sizeof dir - root_len, "%.*s",
             (int)strcspn(rel, "\n"), rel);
    /* from our own cgroup up to the root, which sets no limit */
    for (;;) {
        left = cgroup_left(dir, v2);
        if (left >= 0 && (best < 0 || left < best))
            best = left;
        slash = strrchr(dir, '/');
        if (slash == NULL || (size_t)(slash - dir) < root_len)
            break;
        *slash = '\0';
    }
    return best;
}

int64_t hr_sysmem_available(void)
{
    char text[8192];
    int64_t kb;
    int64_t cg;

    if (read_text("/proc/meminfo", text, sizeof text) <= 0)
        return -1;
    kb = field(text, "MemAvailable:");
    if (kb < 0)
        return -1;
    cg = -1;
    if (read_text("/proc/self/cgroup", text, sizeof text) > 0)
        cg = hr_sysmem_cgroup_available(text, "/sys/fs/cgroup");
    if (cg >= 0 && cg < kb * 1024)
        return cg;
    return kb * 1024;
}

void *hr_sysmem_alloc(size_t len, size_t *map_len)
{
    return hr_sysmem_map(len, MAP_PRIVATE, map_len);
}

void *hr_sysmem_map(size_t len, int flags, size_t *map_len)
{
    size_t want = len;
    size_t extra = 0;
    size_t head;
    char *p;
    char *a;

    if (len >= HR_HUGE_PAGE) {
        want = (len + HR_HUGE_PAGE - 1) / HR_HUGE_PAGE * HR_HUGE_PAGE;
        extra = HR_HUGE_PAGE;
    }
    p = mmap(NULL, want + extra, PROT_READ | PROT_WRITE,
             flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    a = p;
    if (extra > 0) {
        /* keep the 2 MiB-aligned part: every huge page can then be used */
        a = (char *)(((uintptr_t)p + HR_HUGE_PAGE - 1) &
                     ~(uintptr_t)(HR_HUGE_PAGE - 1));
        head = (size_t)(a - p);
        if (head > 0)
            munmap(p, head);
        if (extra - head > 0)
            munmap(a + want, extra - head);
        /* before the first touch: the page faults then take 2 MiB pages
         * (an error means a kernel without them: 4 KiB pages it is) */
        madvise(a, want, MADV_HUGEPAGE);
    }
    *map_len = want;
    return a;
}

int64_t hr_sysmem_huge_bytes(const void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr;
    uintptr_t hi = lo + len;
    unsigned long start;
    unsigned long end;
    int64_t total = 0;
    int64_t kb;
    int64_t span = 0;
    char line[512];
    FILE *f = fopen("/proc/self/smaps", "re");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            /* a mapping's first line: how much of it lies in the range */
            span = 0;
            if (start < hi && end > lo)
                span = (int64_t)((end < hi ? end : hi) -
                                 (start > lo ? start : lo));
            continue;
        }
        if (span > 0 && strncmp(line, "AnonHugePages:", 14) == 0) {
            kb = strtoll(line + 14, NULL, 10);
            total += kb * 1024 < span ? kb * 1024 : span;
        }
    }
    fclose(f);
    return total;
}

int hr_sysmem_collapse(void *addr, size_t len)
{
    return madvise(addr, len, MADV_COLLAPSE);
}

/* The [selected] word of a sysfs choice list, or "" */
static void selected(const char *text, char *out, size_t len)
{
    const char *a = strchr(text, '[');
    const char *b = a != NULL ? strchr(a, ']') : NULL;

    out[0] = '\0';
    if (a != NULL && b != NULL && (size_t)(b - a) <= len)
        snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
}

const char *hr_sysmem_huge_reason(int disabled, const char *enabled,
                                  const char *defrag, char *buf,
                                  size_t len)
{
    char en[32];
    char df[32];

    if (disabled) {
        snprintf(buf, len, "transparent huge pages are disabled for this "
                 "process (prctl PR_SET_THP_DISABLE)");
        return buf;
    }
    if (enabled == NULL) {
        snprintf(buf, len, "this kernel has no transparent huge pages");
        return buf;
    }
    selected(enabled, en, sizeof en);
    if (strcmp(en, "never") == 0) {
        snprintf(buf, len, "transparent huge pages are off: "
                 THP_DIR "enabled is 'never'");
        return buf;
    }
    selected(defrag != NULL ? defrag : "", df, sizeof df);
    if (strcmp(df, "never") == 0 || strcmp(df, "defer") == 0)
        snprintf(buf, len, "the kernel had no free 2 MiB pages and does "
                 "not make them at a fault: " THP_DIR "defrag is '%s'", df);
    else
        snprintf(buf, len, "the kernel had no free 2 MiB pages (memory "
                 "too fragmented or too full)");
    return buf;
}

const char *hr_sysmem_huge_why(char *buf, size_t len)
{
    char enabled[128];
    char defrag[128];
    int have_en = read_text(THP_DIR "enabled", enabled, sizeof enabled) > 0;
    int have_df = read_text(THP_DIR "defrag", defrag, sizeof defrag) > 0;
    int disabled = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1;

    return hr_sysmem_huge_reason(disabled, have_en ? enabled : NULL,
                                 have_df ? defrag : NULL, buf, len);
}
