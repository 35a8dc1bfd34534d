/* test_sysmem.c - available memory, 2 MiB-page mappings, and why the
 * kernel would not give huge pages */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sysmem.h"

#define MIB ((size_t)1 << 20)

/* The VmFlags line of the mapping holding addr, from /proc/self/smaps. */
static void vm_flags(const void *addr, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    unsigned long lo;
    unsigned long hi;
    int in = 0;

    assert_non_null(f);
    out[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0)
            snprintf(out, len, "%s", line + 8);
    }
    fclose(f);
}

static int64_t meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long long kb = -1;

    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, strlen(key)) == 0)
            kb = strtoll(line + strlen(key), NULL, 10);
    }
    fclose(f);
    return kb * 1024;
}

static void test_sysmem_available_is_at_most_memtotal(void **state)
{
    int64_t avail = hr_sysmem_available();

    (void)state;
    assert_true(avail > 0);
    assert_true(avail <= meminfo("MemTotal:"));
    /* a memory cgroup can only lower it */
    assert_true(avail <= meminfo("MemAvailable:") + (int64_t)(64 * MIB));
}

static void put(const char *root, const char *rel, const char *text)
{
    char path[512];
    char cmd[600];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    assert_int_equal(system(cmd), 0);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* v2: the least of limit - (usage - file cache) up the tree; "max" and
 * the root set none.  v1 wins on a hybrid system; its "no limit" is a
 * huge number. */
static void test_sysmem_cgroup_limits(void **state)
{
    char root[64] = "/tmp/test_sysmem.XXXXXX";
    char cmd[128];

    (void)state;
    assert_non_null(mkdtemp(root));
    assert_int_equal(hr_sysmem_cgroup_available("0::/a/b\n", root), -1);
    put(root, "a/b/memory.max", "max\n");
    put(root, "a/b/memory.current", "5000\n");
    put(root, "a/memory.max", "100000\n");
    put(root, "a/memory.current", "30000\n");
    put(root, "a/memory.stat", "anon 20000\nfile 10000\nkernel 0\n");
    assert_int_equal(hr_sysmem_cgroup_available("0::/a/b\n", root), 80000);
    put(root, "a/b/memory.max", "50000\n");
    assert_int_equal(hr_sysmem_cgroup_available("0::/a/b", root), 45000);
    put(root, "a/b/memory.current", "60000\n");
    assert_int_equal(hr_sysmem_cgroup_available("0::/a/b\n", root), 0);
    put(root, "memory/x/memory.limit_in_bytes", "9223372036854771712\n");
    put(root, "memory/x/memory.usage_in_bytes", "100\n");
    assert_int_equal(hr_sysmem_cgroup_available(
        "4:memory:/x\n0::/a/b\n", root), -1);
    put(root, "memory/memory.limit_in_bytes", "1000000\n");
    put(root, "memory/memory.usage_in_bytes", "300000\n");
    put(root, "memory/memory.stat", "cache 100000\nrss 200000\n");
    assert_int_equal(hr_sysmem_cgroup_available(
        "0::/a/b\n4:memory:/x\n", root), 800000);
    assert_int_equal(hr_sysmem_cgroup_available("1:cpu:/\n", root), -1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* 2 MiB and more: aligned, rounded up, huge pages advised before the
 * first touch; below that: as asked, not advised. */
static void test_sysmem_alloc_aligns_and_advises(void **state)
{
    char flags[512];
    size_t len = 0;
    char *p;
    int64_t huge;

    (void)state;
    p = hr_sysmem_alloc(5 * MIB + 1, &len);
    assert_non_null(p);
    assert_int_equal(len, 6 * MIB);
    assert_int_equal((uintptr_t)p % (2 * MIB), 0);
    vm_flags(p, flags, sizeof flags);
    assert_non_null(strstr(flags, " hg"));
    memset(p, 1, len);
    huge = hr_sysmem_huge_bytes(p, len);
    assert_true(huge >= 0 && huge <= (int64_t)len);
    assert_true(huge % (int64_t)(2 * MIB) == 0);
    /* a range beside the mapping holds none of it */
    assert_int_equal(hr_sysmem_huge_bytes(p + len, 2 * MIB), 0);
    assert_int_equal(munmap(p, len), 0);
    p = hr_sysmem_alloc(100000, &len);
    assert_non_null(p);
    assert_int_equal(len, 100000);
    vm_flags(p, flags, sizeof flags);
    assert_null(strstr(flags, " hg"));
    assert_int_equal(munmap(p, len), 0);
}

/* Counted over the range only, even when one mapping spans more. */
static void test_sysmem_huge_bytes_counts_the_range_only(void **state)
{
    size_t len = 0;
    char *p;
    int64_t all;
    int64_t half;

    (void)state;
    p = hr_sysmem_alloc(8 * MIB, &len);
    assert_non_null(p);
    memset(p, 1, len);
    all = hr_sysmem_huge_bytes(p, len);
    half = hr_sysmem_huge_bytes(p, len / 2);
    assert_true(half <= (int64_t)len / 2);
    assert_true(half <= all);
    assert_int_equal(munmap(p, len), 0);
}

static void test_sysmem_huge_reason_texts(void **state)
{
    char buf[256];

    (void)state;
    assert_non_null(strstr(hr_sysmem_huge_reason(1, "[always] madvise "
                                                 "never", "[madvise]", buf,
                                                 sizeof buf),
                           "disabled for this process"));
    assert_non_null(strstr(hr_sysmem_huge_reason(0, NULL, NULL, buf,
                                                 sizeof buf),
                           "kernel has no transparent huge pages"));
    hr_sysmem_huge_reason(0, "always madvise [never]\n", "[madvise]", buf,
                          sizeof buf);
    assert_non_null(strstr(buf, "are off"));
    assert_non_null(strstr(buf, "enabled is 'never'"));
    hr_sysmem_huge_reason(0, "always [madvise] never\n",
                          "always [defer] defer+madvise madvise never\n",
                          buf, sizeof buf);
    assert_non_null(strstr(buf, "defrag is 'defer'"));
    hr_sysmem_huge_reason(0, "[always] madvise never\n",
                          "always defer defer+madvise madvise [never]\n",
                          buf, sizeof buf);
    assert_non_null(strstr(buf, "defrag is 'never'"));
    hr_sysmem_huge_reason(0, "always [madvise] never\n",
                          "always defer defer+madvise [madvise] never\n",
                          buf, sizeof buf);
    assert_non_null(strstr(buf, "no free 2 MiB pages"));
    assert_null(strchr(buf, '\n'));
    /* the live one is one of those */
    hr_sysmem_huge_why(buf, sizeof buf);
    assert_true(strlen(buf) > 10 && buf[strlen(buf) - 1] != '.');
    /* a short buffer is cut, not overrun */
    hr_sysmem_huge_reason(0, NULL, NULL, buf, 8);
    assert_int_equal(strlen(buf), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sysmem_available_is_at_most_memtotal),
        cmocka_unit_test(test_sysmem_cgroup_limits),
        cmocka_unit_test(test_sysmem_alloc_aligns_and_advises),
        cmocka_unit_test(test_sysmem_huge_bytes_counts_the_range_only),
        cmocka_unit_test(test_sysmem_huge_reason_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
