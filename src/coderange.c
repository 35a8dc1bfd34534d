/* coderange.c - where task code lies in memory, for the signal handlers
 *
 * A fixed table of slots, each a sequence lock: a writer makes the count
 * odd, changes the range and makes it even again; a reader takes a range
 * only when the count was even and unchanged around its reads.  Slots
 * [0, used) may be live; a freed slot is reused by the next add.
 */
#include "coderange.h"

#include <pthread.h>
#include <stdatomic.h>

#include "err.h"

struct slot {
    atomic_uint seq;
    atomic_uintptr_t lo;        /* 0: free */
    atomic_uintptr_t hi;
};

static struct slot slots[HR_CODERANGE_MAX];
static atomic_int used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void put(struct slot *s, uintptr_t lo, uintptr_t hi)
{
    atomic_fetch_add(&s->seq, 1);
    atomic_store(&s->lo, lo);
    atomic_store(&s->hi, hi);
    atomic_fetch_add(&s->seq, 1);
}

int hr_coderange_add(uintptr_t lo, uintptr_t hi)
{
    int n;
    int i;
    int rc = HR_ENOMEM;

    if (lo == 0 || hi <= lo)
        return HR_EINVAL;
    pthread_mutex_lock(&lock);
    n = atomic_load(&used);
    for (i = 0; i < n && atomic_load(&slots[i].lo) != 0; i++)
        continue;
    if (i < HR_CODERANGE_MAX) {
        put(&slots[i], lo, hi);
        if (i == n)
            atomic_store(&used, n + 1);
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void hr_coderange_remove(uintptr_t lo, uintptr_t hi)
{
    int n;
    int i;

    pthread_mutex_lock(&lock);
    n = atomic_load(&used);
    for (i = 0; i < n; i++) {
        if (atomic_load(&slots[i].lo) == lo &&
            atomic_load(&slots[i].hi) == hi) {
            put(&slots[i], 0, 0);
            break;
        }
    }
    while (n > 0 && atomic_load(&slots[n - 1].lo) == 0)
        n--;
    atomic_store(&used, n);
    pthread_mutex_unlock(&lock);
}

int hr_coderange_has(uintptr_t pc)
{
    int n = atomic_load(&used);
    int i;

    for (i = 0; i < n; i++) {
        unsigned s1 = atomic_load(&slots[i].seq);
        uintptr_t lo;
        uintptr_t hi;

        if (s1 & 1)
            continue;           /* being written: not taken */
        lo = atomic_load(&slots[i].lo);
        hi = atomic_load(&slots[i].hi);
        if (atomic_load(&slots[i].seq) != s1)
            continue;
        if (lo != 0 && pc >= lo && pc < hi)
            return 1;
    }
    return 0;
}
