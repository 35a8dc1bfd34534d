/* runout.c - what a run makes and what it reads, where a forked child can
 * tell its parent */
#include "runout.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bigmem.h"
#include "dtype.h"
#include "err.h"

#define ARENA_MAX ((size_t)64 << 30)   /* reserved, not used: 64 GiB */
#define ARENA_ALIGN ((size_t)64)

struct hr_runout *hr_runout_new(void)
{
    size_t len = 0;
    struct hr_runout *o = hr_bigmem_map(sizeof *o, 1, 0, &len);

    if (o == NULL)
        return NULL;
    atomic_flag_clear(&o->lock);
    return o;
}

void hr_runout_free(struct hr_runout *o)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (o == NULL)
        return;
    hr_runout_drop(o);
    hr_runout_end(o);
    hr_bigmem_free(o, (sizeof *o + page - 1) / page * page);
}

static void lock(struct hr_runout *o)
{
    while (atomic_flag_test_and_set_explicit(&o->lock, memory_order_acquire))
        continue;
}

static void unlock(struct hr_runout *o)
{
    atomic_flag_clear_explicit(&o->lock, memory_order_release);
}

int hr_runout_begin(struct hr_runout *o, int isolated)
{
    size_t avail = hr_bigmem_available();
    size_t want = avail > 0 && avail < ARENA_MAX ? avail : ARENA_MAX;

    hr_runout_end(o);
    o->isolated = isolated;
    if (!isolated)
        return 0;
    /* reserved address space: only the pages a task writes cost memory */
    o->arena = hr_bigmem_map(want, 1, 1, &o->arena_len);
    if (o->arena == NULL) {
        o->isolated = 0;
        return HR_ENOMEM;
    }
    atomic_store(&o->arena_used, 0);
    return 0;
}

void *hr_runout_arena(struct hr_runout *o, size_t n)
{
    size_t at;

    if (o->arena == NULL)
        return NULL;
    n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    at = atomic_fetch_add(&o->arena_used, n);
    if (at + n > o->arena_len || at + n < at)
        return NULL;
    return o->arena + at;
}

/* Bytes of an array of that dtype and shape, or -1 when it is not one. */
static int64_t array_bytes(int dtype, int ndim, const int64_t *shape)
{
    int64_t size = 0, nbytes = 0;
    int k;

    if (dtype < 0 || dtype >= HR_NDTYPES || ndim < 0 || ndim > HR_MAX_NDIM ||
        (ndim > 0 && shape == NULL))
        return -1;
    for (k = 0; k < ndim; k++) {
        if (shape[k] < 0)
            return -1;
    }
    if (hr_shape_bytes(ndim, shape, hr_dtype_size(dtype), &size,
                       &nbytes) != 0)
        return -1;
    return nbytes;
}

void *hr_runout_array(struct hr_runout *o, const char *name, int dtype,
                      int ndim, const int64_t *shape, char *why,
                      size_t wlen)
{
    struct hr_runout_array *a = NULL;
    int64_t nbytes = array_bytes(dtype, ndim, shape);
    size_t avail;
    void *data = NULL;
    void *map = NULL;
    size_t map_len = 0;
    int i;

    if (nbytes < 0) {
        snprintf(why, wlen, "not a dtype and shape of an array (dtype %d, "
                 "%d dimensions)", dtype, ndim);
        return NULL;
    }
    avail = hr_bigmem_available();
    if (avail > 0 && (uint64_t)nbytes > avail) {
        snprintf(why, wlen, "%lld bytes, more than the %zu of memory "
                 "available", (long long)nbytes, avail);
        return NULL;
    }
    lock(o);
    for (i = 0; i < o->narrays; i++) {
        if (strcmp(o->arrays[i].name, name) == 0) {
            unlock(o);
            snprintf(why, wlen, "'%s' was made already in this run", name);
            return NULL;
        }
    }
    if (o->narrays == HR_RUNOUT_MAX) {
        unlock(o);
        snprintf(why, wlen, "a run makes at most %d arrays", HR_RUNOUT_MAX);
        return NULL;
    }
    a = &o->arrays[o->narrays++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    unlock(o);
    /* the memory is the slow part: made outside the lock */
    if (o->isolated)
        data = hr_runout_arena(o, (size_t)nbytes);
    else
        data = map = hr_bigmem_map((size_t)nbytes, 0, 0, &map_len);
    if (data == NULL) {
        snprintf(why, wlen, "no memory for %lld bytes", (long long)nbytes);
        lock(o);
        a->name[0] = '\0';      /* a hole: dropped with the run */
        unlock(o);
        return NULL;
    }
    lock(o);
    a->dtype = dtype;
    a->ndim = ndim;
    if (ndim > 0)
        memcpy(a->shape, shape, (size_t)ndim * sizeof *shape);
    a->nbytes = nbytes;
    a->data = data;
    a->map = map;
    a->map_len = map_len;
    o->made_bytes += nbytes;
    unlock(o);
    return data;
}

void hr_runout_read(struct hr_runout *o, int i)
{
    if (i >= 0 && i < HR_RUNOUT_READS)
        o->read[i] = 1;
}

void hr_runout_arg(struct hr_runout *o, int i)
{
    lock(o);
    if (i + 1 > o->args_read)
        o->args_read = i + 1;
    unlock(o);
}

void hr_runout_drop(struct hr_runout *o)
{
    int i;

    for (i = 0; i < o->narrays; i++) {
        hr_bigmem_free(o->arrays[i].map, o->arrays[i].map_len);
        o->arrays[i].map = NULL;
    }
    o->narrays = 0;
    o->nkeeps = 0;
}

void hr_runout_end(struct hr_runout *o)
{
    int i;

    for (i = 0; i < o->narrays; i++)
        hr_bigmem_free(o->arrays[i].map, o->arrays[i].map_len);
    hr_bigmem_free(o->arena, o->arena_len);
    o->arena = NULL;
    o->arena_len = 0;
    atomic_store(&o->arena_used, 0);
    o->isolated = 0;
    o->narrays = 0;
    o->nkeeps = 0;
    o->made_bytes = 0;
    o->nargs_asked = 0;
    o->args_read = 0;
    memset(o->read, 0, sizeof o->read);
}
