/* jit_tcc.c - the sandbox around libtcc: its memory, its files, its exit
 *
 * libtcc's memory is counted by the usable size of each block (the C
 * library's malloc_usable_size()), which free() gives back exactly.  Only
 * the compiler's thread opens a sandbox, and libtcc is only ever called
 * there (jit.c, jit_build.c), so the state below needs no lock.  libtcc
 * frees only what it allocated through these functions (it has its own
 * strdup), so every pointer hr_tcc_free() gets has the link in front.
 */
#include "jit_tcc.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "guard.h"

static struct {
    int open;
    struct hr_tcc_limits lim;
    jmp_buf *exit_to;
    long long live;             /* bytes libtcc holds, since begin */
    int opens;
    int code;                   /* what made it refuse; 0: nothing */
    int refused;                /* an allocation was refused */
    int noted;
    char note[600];
} sb;

void hr_tcc_sandbox_begin(const struct hr_tcc_limits *lim,
                          jmp_buf *exit_to)
{
    memset(&sb, 0, sizeof sb);
    sb.lim = *lim;
    sb.exit_to = exit_to;
    sb.open = 1;
}

int hr_tcc_sandbox_end(char *note, size_t len)
{
    int code = sb.code;

    if (note != NULL && len > 0)
        snprintf(note, len, "%s", sb.noted ? sb.note : "");
    sb.open = 0;
    sb.exit_to = NULL;
    return code;
}

const char *hr_tcc_sandbox_note(void)
{
    return sb.open && sb.noted ? sb.note : NULL;
}

static void note(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
    va_list ap;

    if (sb.noted)
        return;     /* the first reason is the one that counts */
    va_start(ap, fmt);
    vsnprintf(sb.note, sizeof sb.note, fmt, ap);
    va_end(ap);
    sb.noted = 1;
}

/* Refuses an allocation of a compile that must end: once, so that
 * libtcc's own clean-up after the refusal gets what it asks for. */
static int refuse(size_t more)
{
    int stop;

    if (!sb.open || sb.refused)
        return 0;
    stop = hr_guard_deep_stopping();
    if (stop != 0 && sb.code == 0)
        sb.code = stop;
    if (sb.code == 0 &&
        sb.live + (long long)more > (long long)sb.lim.max_mem) {
        sb.code = HR_ENOMEM;
        note("used more than %zu MB of memory (a macro that expands "
             "too much?)", sb.lim.max_mem >> 20);
    }
    sb.refused = sb.code != 0;
    return sb.refused;
}

/* Every block libtcc holds is on one list, behind a 16-byte link (which
 * keeps malloc()'s alignment), so that what a compile ended from outside
 * left behind can be freed: libtcc holds no block between compiles. */
struct blk {
    struct blk *prev;
    struct blk *next;
};

_Static_assert(sizeof(struct blk) == 16, "the link keeps 16 alignment");

static struct blk blocks = { &blocks, &blocks };
static size_t nblocks;

static void *link_blk(struct blk *b)
{
    b->next = blocks.next;
    b->prev = &blocks;
    blocks.next->prev = b;
    blocks.next = b;
    nblocks++;
    if (sb.open)
        sb.live += (long long)malloc_usable_size(b);
    return b + 1;
}

static void unlink_blk(struct blk *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
    nblocks--;
    if (sb.open)
        sb.live -= (long long)malloc_usable_size(b);
}

void *hr_tcc_malloc(size_t n)
{
    struct blk *b = NULL;

    if (refuse(n) || n > (size_t)-1 - sizeof *b)
        return NULL;
    b = malloc(sizeof *b + n);
    return b != NULL ? link_blk(b) : NULL;
}

void *hr_tcc_calloc(size_t n, size_t size)
{
    struct blk *b = NULL;

    if (size != 0 && n > ((size_t)-1 - sizeof *b) / size)
        return NULL;
    if (refuse(n * size))
        return NULL;
    b = calloc(1, sizeof *b + n * size);
    return b != NULL ? link_blk(b) : NULL;
}

void *hr_tcc_realloc(void *p, size_t n)
{
    struct blk *b = NULL;
    struct blk *nb = NULL;
    size_t old;

    if (p == NULL)
        return hr_tcc_malloc(n);
    if (n == 0) {
        hr_tcc_free(p);
        return NULL;
    }
    b = (struct blk *)p - 1;
    old = malloc_usable_size(b) - sizeof *b;
    if ((n > old && refuse(n - old)) || n > (size_t)-1 - sizeof *b)
        return NULL;
    unlink_blk(b);
    nb = realloc(b, sizeof *b + n);
    if (nb == NULL) {
        link_blk(b);    /* the old block stays */
        return NULL;
    }
    return link_blk(nb);
}

void hr_tcc_free(void *p)
{
    struct blk *b = NULL;

    if (p == NULL)
        return;
    b = (struct blk *)p - 1;
    unlink_blk(b);
    free(b);
}

size_t hr_tcc_blocks(void)
{
    return nblocks;
}

void hr_tcc_reclaim(void)
{
    while (blocks.next != &blocks) {
        struct blk *b = blocks.next;

        unlink_blk(b);
        free(b);
    }
}

int hr_tcc_open(const char *path, int flags, ...)
{
    struct stat st;
    mode_t mode = 0;
    va_list ap;
    int fd;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (!sb.open || (flags & O_ACCMODE) != O_RDONLY)
        return open(path, flags, mode);
    if (refuse(0)) {
        errno = EINTR;
        return -1;
    }
    if (sb.opens >= sb.lim.max_opens) {
        if (sb.code == 0)
            sb.code = HR_EINVAL;    /* and the next allocation fails */
        note("opened more than %d files (an #include loop?)",
             sb.lim.max_opens);
        errno = EMFILE;
        return -1;
    }
    fd = hr_fileio_open_regular(path, &st);
    if (fd >= 0)
        sb.opens++;
    if (fd < 0) {
        if (errno == EINVAL || errno == EISDIR)
            note("%s: not a regular file (%s)", path,
                 hr_fileio_kind(st.st_mode));
        return -1;
    }
    if (st.st_size > sb.lim.max_file) {
        note("%s: too large to compile (%lld MB; the limit is %lld MB)",
             path, (long long)(st.st_size >> 20),
             (long long)(sb.lim.max_file >> 20));
        close(fd);
        errno = EFBIG;
        return -1;
    }
    return fd;
}

ssize_t hr_tcc_read(int fd, void *buf, size_t n)
{
    ssize_t r;

    if (sb.open && fd == 0) {
        /* #include "-": libtcc reads descriptor 0, hotrun's input */
        if (sb.code == 0)
            sb.code = HR_EINVAL;
        note("standard input cannot be compiled (#include \"-\"?)");
        return 0;
    }
    if (sb.open && hr_guard_deep_stopping())
        return 0;
    do {
        r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    return r;
}

void hr_tcc_exit(int status)
{
    if (sb.open && sb.exit_to != NULL)
        longjmp(*sb.exit_to, 1);
    exit(status);
}
