/* taskmem.c - the counted, run-tracked allocator behind task code's malloc
 *
 * Every block carries a 48-byte header just below the pointer the task
 * gets.  Small blocks come from the C library's malloc (pointer 16-byte
 * aligned); blocks of BIG bytes or more are their own anonymous mapping,
 * with the pointer 64-byte (cache line) aligned, zero-filled for free and
 * grown with mremap().  A byte counter holds the total against a limit, so
 * a request past the limit returns NULL at once instead of after the
 * machine starts swapping.
 *
 * Blocks allocated during a run are listed in a host-side table (the
 * block's header holds its index), so that hr_taskmem_run_abort() can free
 * what a failed run left behind without following pointers that live in
 * task-writable memory: a header the task overwrote is recognised by its
 * check word and leaked, never followed.  A block that outlived the run
 * that made it (kept in a static) belongs to no run any more, and stays
 * so when a later run reallocs it: a later run that fails frees only what
 * it allocated itself.  The table is guarded by a spin lock; stops never
 * jump out of this code (only faults do: hr_taskmem_run_begin() and
 * _abort() break a lock a dead call left held).  The allocating entry
 * points are safe points of a run (hr_guard_checkpoint()).
 *
 * free() and realloc() of a pointer without our header (one that a libc
 * function called by the task returned) are passed to the C library: the
 * magic word sits where glibc keeps the upper half of a chunk's size, which
 * is never our value.  A second free of one of our blocks ends the run.
 */
#include "taskmem.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guard.h"

#define BIG ((size_t)128 * 1024)   /* and up: a mapping of its own */
#define BIG_OFFSET 64               /* pointer - start of such a mapping */
#define MAGIC_LIVE 0x7e57a11cu
#define MAGIC_DEAD 0x7e57deadu
#define GUARD 0x9e3779b97f4a7c15ull
#define MAX_REQUEST ((size_t)1 << 60)

struct hdr {
    uint64_t guard;         /* GUARD ^ address of the header */
    size_t size;            /* bytes the task asked for */
    uint64_t run;           /* generation that allocated it; 0: none */
    uint64_t slot;          /* its index in the run table (run == open) */
    uint64_t pad;
    uint32_t offset;        /* task pointer - start of the allocation */
    uint32_t magic;         /* MAGIC_LIVE or MAGIC_DEAD, right below it */
};

_Static_assert(sizeof(struct hdr) % 16 == 0, "header keeps 16 alignment");
_Static_assert(sizeof(struct hdr) <= BIG_OFFSET, "header fits before data");

static atomic_size_t in_use;
static atomic_size_t limit;         /* 0: not computed yet */
static atomic_int lock;
static struct hdr **table;          /* blocks of the open run */
static size_t ntable;
static size_t cap;
static uint64_t run_id;             /* the open run, 0 when none */
static uint64_t last_run;

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);

    return p > 0 ? (size_t)p : 4096;
}

static size_t default_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);

    if (pages <= 0)
        return (size_t)1 << 32;
    return (size_t)pages * page_size() / 2;
}

static size_t map_len(size_t n)
{
    size_t p = page_size();

    return (BIG_OFFSET + n + p - 1) / p * p;
}

static void lock_take(void)
{
    int spins = 0;

    while (atomic_exchange_explicit(&lock, 1, memory_order_acquire)) {
        if (++spins > 64) {
            sched_yield();
            spins = 0;
        }
    }
}

static void lock_drop(void)
{
    atomic_store_explicit(&lock, 0, memory_order_release);
}

/* Adds n to the counter if that stays within the limit. */
static int reserve(size_t n)
{
    size_t lim = hr_taskmem_limit();
    size_t cur = atomic_load(&in_use);

    do {
        if (n > lim || cur > lim - n)
            return 0;
    } while (!atomic_compare_exchange_weak(&in_use, &cur, cur + n));
    return 1;
}

static void unreserve(size_t n)
{
    atomic_fetch_sub(&in_use, n);
}

static struct hdr *header_of(void *p)
{
    return (struct hdr *)((char *)p - sizeof(struct hdr));
}

/* The magic word below p.  For a pointer from the C library this reads
 * its allocator's chunk header (a redzone under AddressSanitizer). */
__attribute__((no_sanitize("address")))
static uint32_t magic_of(void *p)
{
    uint32_t m;

    memcpy(&m, (char *)p - sizeof m, sizeof m);
    return m;
}

static void *data_of(struct hdr *h)
{
    return (char *)h + sizeof(struct hdr);
}

static void *base_of(struct hdr *h)
{
    return (char *)data_of(h) - h->offset;
}

/* Caller holds the lock.  Lists h in the open run's table; 0 or -1 (no
 * memory for the table). */
static int track(struct hdr *h)
{
    h->run = run_id;
    h->slot = 0;
    if (run_id == 0)
        return 0;
    if (ntable == cap) {
        size_t ncap = cap ? cap * 2 : 64;
        struct hdr **t = realloc(table, ncap * sizeof *t);

        if (t == NULL)
            return -1;
        table = t;
        cap = ncap;
    }
    h->slot = ntable;
    table[ntable++] = h;
    return 0;
}

/* Caller holds the lock.  Nonzero when h is listed in the open run. */
static int tracked(const struct hdr *h)
{
    return run_id != 0 && h->run == run_id && h->slot < ntable &&
           table[h->slot] == h;
}

/* Caller holds the lock. */
static void untrack(struct hdr *h)
{
    struct hdr *last = NULL;

    if (!tracked(h))
        return;
    last = table[--ntable];
    if (last != h) {
        table[h->slot] = last;
        last->slot = h->slot;
    }
}

/* Allocates the memory of a block (not counted, not listed). */
static struct hdr *raw_alloc(size_t n, int zero)
{
    void *base = NULL;
    struct hdr *h = NULL;

    if (n >= BIG) {
        base = mmap(NULL, map_len(n), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED)
            return NULL;
        h = (struct hdr *)((char *)base + BIG_OFFSET - sizeof *h);
        h->offset = BIG_OFFSET;
    } else {
        base = zero ? calloc(1, sizeof *h + n) : malloc(sizeof *h + n);
        if (base == NULL)
            return NULL;
        h = base;
        h->offset = sizeof *h;
    }
    h->guard = GUARD ^ (uint64_t)(uintptr_t)h;
    h->size = n;
    h->magic = MAGIC_LIVE;
    return h;
}

static void raw_free(struct hdr *h)
{
    void *base = base_of(h);
    size_t n = h->size;
    int big = h->offset == BIG_OFFSET;

    h->magic = MAGIC_DEAD;
    h->guard = 0;
    if (big)
        munmap(base, map_len(n));
    else
        free(base);
}

/* A block of n bytes: of the open run when like is NULL, else of the run
 * like belongs to (a block that is not the open run's, being moved). */
static void *alloc_block(size_t n, int zero, const struct hdr *like)
{
    struct hdr *h = NULL;
    int rc = 0;

    hr_guard_checkpoint();
    if (n > MAX_REQUEST || !reserve(n))
        return NULL;
    h = raw_alloc(n, zero);
    if (h == NULL) {
        unreserve(n);
        return NULL;
    }
    lock_take();
    if (like != NULL) {
        h->run = like->run;
        h->slot = 0;
    } else {
        rc = track(h);
    }
    lock_drop();
    if (rc != 0) {
        raw_free(h);
        unreserve(n);
        return NULL;
    }
    return data_of(h);
}

void *hr_task_malloc(size_t n)
{
    return alloc_block(n, 0, NULL);
}

void *hr_task_calloc(size_t n, size_t size)
{
    if (size != 0 && n > MAX_REQUEST / size)
        return NULL;
    return alloc_block(n * size, 1, NULL);
}

static void double_free(void *p)
{
    char msg[96];

    snprintf(msg, sizeof msg, "free(): block %p was already freed", p);
    hr_guard_fail(msg);
}

void hr_task_free(void *p)
{
    struct hdr *h = NULL;
    uint32_t m;
    size_t n;

    if (p == NULL)
        return;
    m = magic_of(p);
    if (m == MAGIC_DEAD) {
        double_free(p);
        return;
    }
    if (m != MAGIC_LIVE) {
        free(p);    /* not ours: from a C library function */
        return;
    }
    h = header_of(p);
    n = h->size;
    lock_take();
    untrack(h);
    lock_drop();
    raw_free(h);
    unreserve(n);
}

/* Resizes h in place or by moving it; the old block stays valid on
 * failure.  Both sizes are on the same side of BIG. */
static struct hdr *resize(struct hdr *h, size_t n)
{
    void *base = base_of(h);
    void *nb = NULL;
    struct hdr *nh = NULL;

    if (h->offset == BIG_OFFSET) {
        nb = mremap(base, map_len(h->size), map_len(n), MREMAP_MAYMOVE);
        if (nb == MAP_FAILED)
            return NULL;
        nh = (struct hdr *)((char *)nb + BIG_OFFSET - sizeof *nh);
    } else {
        nb = realloc(base, sizeof *nh + n);
        if (nb == NULL)
            return NULL;
        nh = nb;
    }
    nh->guard = GUARD ^ (uint64_t)(uintptr_t)nh;
    nh->size = n;
    return nh;
}

void *hr_task_realloc(void *p, size_t n)
{
    struct hdr *h = NULL;
    struct hdr *nh = NULL;
    void *np = NULL;
    uint32_t m;
    size_t old;
    int mine;

    if (p == NULL)
        return hr_task_malloc(n);
    hr_guard_checkpoint();
    m = magic_of(p);
    if (m == MAGIC_DEAD) {
        double_free(p);
        return NULL;
    }
    if (m != MAGIC_LIVE)
        return realloc(p, n);
    h = header_of(p);
    if (n == 0) {
        hr_task_free(p);
        return NULL;
    }
    if (n > MAX_REQUEST)
        return NULL;
    old = h->size;
    lock_take();
    mine = tracked(h);
    lock_drop();
    if ((old >= BIG) != (n >= BIG)) {
        /* the new block belongs where the old one did: a kept block stays
         * kept, whatever becomes of this run */
        np = alloc_block(n, 0, mine ? NULL : h);
        if (np != NULL) {
            memcpy(np, p, old < n ? old : n);
            hr_task_free(p);
        }
        return np;
    }
    if (n > old && !reserve(n - old))
        return NULL;
    /* under the lock: a block listed in the table moves with its slot */
    lock_take();
    mine = tracked(h);
    nh = resize(h, n);
    if (nh != NULL && mine)
        table[nh->slot] = nh;
    lock_drop();
    if (nh == NULL) {
        if (n > old)
            unreserve(n - old);
        return NULL;
    }
    if (n < old)
        unreserve(old - n);
    return data_of(nh);
}

char *hr_task_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = hr_task_malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

void hr_taskmem_set_limit(size_t bytes)
{
    atomic_store(&limit, bytes != 0 ? bytes : default_limit());
}

size_t hr_taskmem_limit(void)
{
    size_t lim = atomic_load(&limit);

    if (lim == 0) {
        lim = default_limit();
        atomic_store(&limit, lim);
    }
    return lim;
}

size_t hr_taskmem_in_use(void)
{
    return atomic_load(&in_use);
}

/* Whether the page holding h is mapped: a task may have unmapped a big
 * block itself, and reading its header must not fault. */
static int header_mapped(const struct hdr *h)
{
    size_t p = page_size();
    uintptr_t page = (uintptr_t)h / p * p;
    unsigned char vec;

    return mincore((void *)page, p, &vec) == 0 || errno != ENOMEM;
}

/* The run functions are called only when no task code runs, so a holder
 * of the lock is a dead call (a task that faulted inside): break it. */
uint64_t hr_taskmem_run_begin(void)
{
    uint64_t id;

    lock_drop();
    lock_take();
    run_id = ++last_run;
    ntable = 0;
    id = run_id;
    lock_drop();
    return id;
}

void hr_taskmem_run_end(void)
{
    lock_drop();
    lock_take();
    run_id = 0;
    ntable = 0;
    lock_drop();
}

size_t hr_taskmem_run_abort(void)
{
    size_t damaged = 0;
    size_t i;

    lock_drop();
    lock_take();
    for (i = 0; i < ntable; i++) {
        struct hdr *h = table[i];
        size_t n;

        /* a header the task overwrote or a mapping it removed: leak it */
        if (!header_mapped(h) ||
            h->guard != (GUARD ^ (uint64_t)(uintptr_t)h) ||
            h->magic != MAGIC_LIVE || h->run != run_id || h->slot != i) {
            damaged++;
            continue;
        }
        n = h->size;
        raw_free(h);
        unreserve(n);
    }
    run_id = 0;
    ntable = 0;
    lock_drop();
    return damaged;
}
