/* guard_bench.c - per-run overhead of hr_guard_call(): plain call vs
 * in-process guard vs isolated (fork) guard
 *
 * Not part of the CMake build.  Build it by hand against the core library:
 *
 *     cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
 *     gcc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -Iinclude bench/guard_bench.c \
 *         build/libhotrun.a build/libtcc_sandboxed.a -lpthread -lm \
 *         -ldl -o /tmp/guard_bench
 *     /tmp/guard_bench [MB]
 *
 * Tasks: "trivial" returns at once; "sum" adds up MB megabytes (default
 * 200) of doubles from a read-only MAP_PRIVATE mapping of a file made once
 * in /dev/shm (or /tmp), and from an anonymous read-only copy (what
 * --load=read gives: fork must copy its page tables).  Prints the median
 * and the minimum in microseconds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "pool.h"
#include "run.h"

struct bench {
    const char *name;
    hr_task_fn fn;
    const struct hr_array *a;
    int reps;
};

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x;
    double b = *(const double *)y;

    return (a > b) - (a < b);
}

__attribute__((noinline))
static double trivial(const struct hr_array *a)
{
    return (double)a->size;
}

__attribute__((noinline))
static double sum(const struct hr_array *a)
{
    const double *x = a->data;
    double s0 = 0;
    double s1 = 0;
    int64_t i;

    for (i = 0; i + 1 < a->size; i += 2) {
        s0 += x[i];
        s1 += x[i + 1];
    }
    if (i < a->size)
        s0 += x[i];
    return s0 + s1;
}

/* mode 0: plain call, 1: in-process guard, 2: isolated, 3: in-process
 * with a timeout (the timer is armed and disarmed) */
static void run(const struct bench *b, int mode)
{
    static const char *names[] = {
        "plain", "in-process", "isolated", "in-process+timeout"
    };
    struct hr_guard_opts o;
    struct hr_run run;
    struct hr_err err;
    double *t = calloc((size_t)b->reps, sizeof *t);
    double r = 0;
    int i;

    memset(&o, 0, sizeof o);
    memset(&run, 0, sizeof run);
    run.task = b->name;
    o.isolate = mode == 2;
    o.timeout_s = mode == 3 ? 100.0 : 0;
    for (i = -2; i < b->reps; i++) {  /* two warm-up runs */
        double t0 = now_us();
        int rc = 0;

        if (mode == 0)
            r = b->fn(b->a);
        else
            rc = hr_guard_call(&run, b->fn, b->a, &o, &r, &err);
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", b->name, err.msg);
            exit(1);
        }
        if (i >= 0)
            t[i] = now_us() - t0;
    }
    qsort(t, (size_t)b->reps, sizeof *t, cmp_double);
    printf("%-22s %-20s median %10.1f us   min %10.1f us   (%d runs, "
           "result %.6g)\n", b->name, names[mode], t[b->reps / 2], t[0],
           b->reps, r);
    free(t);
}

static void view(struct hr_array *a, const double *data, int64_t n,
                 const char *name)
{
    memset(a, 0, sizeof *a);
    a->data = data;
    a->dtype = HR_FLOAT64;
    a->ndim = 1;
    a->shape[0] = n;
    a->strides[0] = 8;
    a->size = n;
    a->itemsize = 8;
    a->nbytes = n * 8;
    a->flags = HR_C_CONTIGUOUS;
    a->name = name;
}

/* A file of n doubles, made once. */
static const double *map_file(int64_t n, const char **path_out)
{
    static char path[256];
    size_t len = (size_t)n * 8;
    struct stat st;
    void *p = NULL;
    int fd;

    snprintf(path, sizeof path, "%s/hotrun_bench_%lld.f64",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
             (long long)n);
    *path_out = path;
    if (stat(path, &st) != 0 || (size_t)st.st_size != len) {
        double *buf = malloc(1 << 20);
        int64_t i;
        int64_t done = 0;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || buf == NULL)
            return NULL;
        while (done < n) {
            int64_t k = n - done < (1 << 17) ? n - done : (1 << 17);

            for (i = 0; i < k; i++)
                buf[i] = (double)((done + i) % 1000) * 0.001;
            if (write(fd, buf, (size_t)k * 8) != (ssize_t)(k * 8))
                return NULL;
            done += k;
        }
        close(fd);
        free(buf);
    }
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
    int64_t mb = argc > 1 ? atoll(argv[1]) : 200;
    int64_t n = mb * 1000 * 1000 / 8;
    struct hr_array small;
    struct hr_array filemap;
    struct hr_array anon;
    const char *path = NULL;
    const double *fdata = NULL;
    double *adata = NULL;
    struct bench b;
    int mode;

    hr_pool_start(0);
    fdata = map_file(n, &path);
    if (fdata == NULL) {
        fprintf(stderr, "guard_bench: cannot make the %lld MB file\n",
                (long long)mb);
        return 1;
    }
    adata = mmap(NULL, (size_t)n * 8, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (adata == MAP_FAILED)
        return 1;
    memcpy(adata, fdata, (size_t)n * 8);
    mprotect(adata, (size_t)n * 8, PROT_READ);
    view(&small, fdata, 1000, "small");
    view(&filemap, fdata, n, "file");
    view(&anon, adata, n, "anon");
    printf("guard_bench: %lld MB of float64 mapped from %s, %d threads\n",
           (long long)mb, path, hr_pool_nthreads());

    b.name = "trivial";
    b.fn = trivial;
    b.a = &small;
    for (mode = 0; mode < 4; mode++) {
        b.reps = mode == 2 ? 500 : 20000;
        run(&b, mode);
    }
    b.name = "sum (file mmap)";
    b.fn = sum;
    b.a = &filemap;
    b.reps = 21;
    for (mode = 0; mode < 3; mode++)
        run(&b, mode);
    b.name = "sum (anonymous copy)";
    b.a = &anon;
    for (mode = 0; mode < 3; mode++)
        run(&b, mode);
    b.name = "trivial (anon resident)";
    b.fn = trivial;
    b.a = &small;
    b.reps = 500;
    run(&b, 2);
    return 0;
}
