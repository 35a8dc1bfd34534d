/* demo.c - make the reference data set of hotrun --demo */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fileio.h"

char *hr_demo_path(void)
{
    const char *cache = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    int n;

    if (cache != NULL && *cache == '/')
        n = asprintf(&path, "%s/hotrun/demo-%dx%d-f64.npy", cache,
                     HR_DEMO_ROWS, HR_DEMO_COLS);
    else if (home != NULL && *home != '\0')
        n = asprintf(&path, "%s/.cache/hotrun/demo-%dx%d-f64.npy", home,
                     HR_DEMO_ROWS, HR_DEMO_COLS);
    else
        n = asprintf(&path, "%s/hotrun-%ld/demo-%dx%d-f64.npy",
                     tmp != NULL && *tmp == '/' ? tmp : "/tmp",
                     (long)geteuid(), HR_DEMO_ROWS, HR_DEMO_COLS);
    return n < 0 ? NULL : path;
}

/* Is the demo array at path already, complete (it is renamed into place
 * whole)?  Only a regular file counts, never one through a link. */
static int have_demo(const char *path, size_t bytes)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int ok;

    if (fd < 0)
        return 0;
    ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
         st.st_size > (off_t)bytes;
    close(fd);
    return ok;
}

/* Makes path's folder unless it is there, and checks that it is ours and
 * private (nobody else can plant or swap a file in it). */
static int private_folder(const char *path, struct hr_err *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int rc;

    if (slash == NULL || slash == path)
        return 0;
    dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        hr_err_set(err, "%s: out of memory", path);
        return HR_ENOMEM;
    }
    rc = hr_fileio_private_dir(dir, err);
    free(dir);
    return rc;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void hr_demo_fill(double *out, int64_t n, uint64_t seed)
{
    uint64_t s[4];
    int64_t i;

    s[0] = splitmix(&seed);
    s[1] = splitmix(&seed);
    s[2] = splitmix(&seed);
    s[3] = splitmix(&seed);
    for (i = 0; i < n; i++) {
        uint64_t r = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        out[i] = (double)(r >> 11) * 0x1.0p-53;
    }
}

int hr_demo_make(const char *path, int *made,
                 void (*progress)(void *ud, int64_t done, int64_t total),
                 void *ud, struct hr_err *err)
{
    const int64_t n = (int64_t)HR_DEMO_ROWS * HR_DEMO_COLS;
    const int64_t shape[2] = { HR_DEMO_ROWS, HR_DEMO_COLS };
    const int64_t step = 1 << 20;
    size_t bytes = (size_t)n * sizeof(double);
    double *data = NULL;
    uint64_t seed = HR_DEMO_SEED;
    int64_t i;
    int rc;

    *made = 0;
    rc = private_folder(path, err);
    if (rc != 0)
        return rc;
    if (have_demo(path, bytes))
        return 0;
    data = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) {
        hr_err_set(err, "%s: cannot allocate %zu bytes", path, bytes);
        return HR_ENOMEM;
    }
    /* one stream, filled in steps so that progress can be shown */
    for (i = 0; i < n; i += step) {
        int64_t k = n - i < step ? n - i : step;

        hr_demo_fill(data + i, k, seed);
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        if (progress != NULL)
            progress(ud, i + k, n);
    }
    rc = hr_npy_write_f64(path, data, 2, shape, err);
    munmap(data, bytes);
    if (rc == 0)
        *made = 1;
    return rc;
}
