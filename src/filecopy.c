/* filecopy.c - copy part of a file into fresh memory on 2 MiB pages, with
 * several threads, converting byte order on the way */
#include "filecopy.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "sysmem.h"

#define PIECE ((size_t)8 << 20)         /* 4 huge pages: one read */
#define PARALLEL_FROM ((size_t)32 << 20)
#define MAX_THREADS 4

/* One copy shared out between threads, piece by piece. */
struct job {
    const struct hr_filecopy *c;
    char *dst;
    size_t npieces;
    atomic_size_t next;         /* the next piece to take */
    atomic_size_t done;         /* bytes copied */
    atomic_int failed;          /* 0, or errno of the first failure, or
                                 * -1: the file ended early */
    size_t got;                 /* with -1: bytes there were (by the
                                 * thread that set failed) */
    size_t reported;            /* done, as last given to progress */
};

void hr_filecopy_swap(void *p, size_t n, int unit)
{
    uint16_t *p16 = p;
    uint32_t *p32 = p;
    uint64_t *p64 = p;
    size_t k;

    if (unit == 2) {
        for (k = 0; k < n / 2; k++)
            p16[k] = __builtin_bswap16(p16[k]);
    } else if (unit == 4) {
        for (k = 0; k < n / 4; k++)
            p32[k] = __builtin_bswap32(p32[k]);
    } else if (unit == 8) {
        for (k = 0; k < n / 8; k++)
            p64[k] = __builtin_bswap64(p64[k]);
    }
}

static void fail(struct job *j, int code, size_t got)
{
    int none = 0;

    if (atomic_compare_exchange_strong(&j->failed, &none, code))
        j->got = got;
}

/* Copies pieces until none is left (or one failed); the calling thread
 * reports progress after each of its pieces. */
static void copy_pieces(struct job *j, int report)
{
    const struct hr_filecopy *c = j->c;
    size_t k;
    size_t at;
    size_t want;
    size_t now;
    ssize_t got;

    for (;;) {
        k = atomic_fetch_add(&j->next, 1);
        if (k >= j->npieces || atomic_load(&j->failed) != 0)
            return;
        at = k * PIECE;
        want = c->len - at < PIECE ? c->len - at : PIECE;
        got = hr_fileio_pread_full(c->fd, j->dst + at, want,
                                   c->offset + (off_t)at);
        if (got < 0) {
            fail(j, errno != 0 ? errno : EIO, 0);
            return;
        }
        if ((size_t)got < want) {
            fail(j, -1, at + (size_t)got);
            return;
        }
        if (c->swap > 0)
            hr_filecopy_swap(j->dst + at, want, c->swap);
        now = atomic_fetch_add(&j->done, want) + want;
        if (report && c->progress != NULL) {
            j->reported = now;
            c->progress(c->progress_ud, (int64_t)now, (int64_t)c->len);
        }
    }
}

static void *worker(void *arg)
{
    copy_pieces(arg, 0);
    return NULL;
}

/* Cores this process may run on (taskset, a cgroup's cpuset). */
static int cores(void)
{
    cpu_set_t set;
    long n;

    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int nthreads(const struct hr_filecopy *c, size_t npieces)
{
    int n = c->threads > 0 ? c->threads : cores();

    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (c->threads <= 0 && c->len < PARALLEL_FROM)
        n = 1;
    if ((size_t)n > npieces)
        n = (int)npieces;
    return n;
}

/* Runs the job on n threads, this one included. */
static void run_job(struct job *j, int n)
{
    pthread_t tid[MAX_THREADS];
    sigset_t all;
    sigset_t old;
    int started = 0;
    int t;

    /* the helpers take no asynchronous signal (Ctrl-C, a timer): those
     * stay with the session's own threads */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (t = 1; t < n; t++) {
        if (pthread_create(&tid[started], NULL, worker, j) == 0)
            started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    copy_pieces(j, 1);
    for (t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* How much of the copy is on huge pages; asks for them once more when the
 * faults did not give them all. */
static int64_t check_huge(char *p, size_t len)
{
    int64_t huge;

    if (len < HR_HUGE_PAGE)
        return 0;
    huge = hr_sysmem_huge_bytes(p, len);
    if (huge >= 0 && (size_t)huge < len && hr_sysmem_collapse(p, len) == 0)
        huge = hr_sysmem_huge_bytes(p, len);
    return huge;
}

int hr_filecopy_run(const struct hr_filecopy *c, struct hr_filecopy_out *out,
                    struct hr_err *err)
{
    struct job j;
    size_t map_len = 0;
    char txt[128];
    char *p;
    int code;

    memset(out, 0, sizeof *out);
    p = hr_sysmem_alloc(c->len, &map_len);
    if (p == NULL) {
        hr_err_set(err, "%s: cannot allocate %zu bytes: %s", c->path, c->len,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        return HR_ENOMEM;
    }
    memset(&j, 0, sizeof j);
    j.c = c;
    j.dst = p;
    j.npieces = (c->len + PIECE - 1) / PIECE;
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.failed, 0);
    posix_fadvise(c->fd, c->offset, (off_t)c->len, POSIX_FADV_SEQUENTIAL);
    run_job(&j, nthreads(c, j.npieces));
    code = atomic_load(&j.failed);
    if (code != 0) {
        if (code < 0)
            hr_err_set(err, "%s: file shrank while loading (%zu of %zu "
                       "data bytes there)", c->path, j.got, c->len);
        else
            hr_err_set(err, "%s: read failed: %s", c->path,
                       hr_fileio_errtext(code, txt, sizeof txt));
        munmap(p, map_len);
        return HR_EIO;
    }
    /* checked while the mapping is still writable: then it cannot have
     * merged with a read-only neighbour in /proc/self/smaps */
    out->huge_bytes = check_huge(p, map_len);
    if (mprotect(p, map_len, PROT_READ) != 0) {
        hr_err_set(err, "%s: cannot make the data read-only: %s", c->path,
                   hr_fileio_errtext(errno, txt, sizeof txt));
        munmap(p, map_len);
        return HR_EIO;
    }
    if (c->progress != NULL && j.reported != c->len)
        c->progress(c->progress_ud, (int64_t)c->len, (int64_t)c->len);
    out->map = p;
    out->map_len = map_len;
    return 0;
}
