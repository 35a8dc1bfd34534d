/* tier2_cc.c - one tier-2 compile as a process: files, command line, start
 */
#include "tier2_cc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"

#define MAX_ARGS 48

extern char **environ;

/* fd moved above the standard descriptors (a session started with one of
 * them closed must not hand the compiler its object as stdout). */
static int high_fd(int fd)
{
    int h;

    if (fd < 0 || fd > 2)
        return fd;
    h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return h;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

char *hr_tier2_cc_find(const char *cc)
{
    const char *path = getenv("PATH");
    const char *p = NULL;
    char *full = NULL;

    if (strchr(cc, '/') != NULL) {
        if (access(cc, X_OK) == 0)
            return strdup(cc);
        errno = ENOENT;
        return NULL;
    }
    for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0';) {
        const char *colon = strchr(p, ':');
        size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);

        if (asprintf(&full, "%.*s/%s", (int)n, n > 0 ? p : ".", cc) < 0)
            return NULL;
        if (access(full, X_OK) == 0)
            return full;
        free(full);
        full = NULL;
        p += n;
        if (*p == ':')
            p++;
    }
    errno = ENOENT;
    return NULL;
}

/* The source as tier 1 compiled it, under the file's own name. */
static int source_file(const struct hr_module *m)
{
    int fd = high_fd(memfd_create("hotrun-tier2-src", MFD_CLOEXEC));
    char head[64 + PATH_MAX];
    int n;

    if (fd < 0)
        return -1;
    n = snprintf(head, sizeof head, "#line 1 \"%s\"\n", m->path);
    if (n < 0 || (size_t)n >= sizeof head ||
        hr_fileio_write_full(fd, head, (size_t)n) != 0 ||
        hr_fileio_write_full(fd, m->source, m->source_len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* argv has MAX_ARGS slots, NULL where nothing is */
static void free_argv(char **argv)
{
    int i;

    for (i = 0; argv != NULL && i < MAX_ARGS; i++)
        free(argv[i]);
    free(argv);
}

/* A formatted copy, or NULL. */
static char *format(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n >= 0 ? s : NULL;
}

/* The compiler's command line.  No -ffast-math by default: gcc keeps the
 * order of floating-point operations of the source, like TinyCC, and
 * -ffp-contract=off keeps a*b+c from becoming an fma (which -march=native
 * allows); with fast math, reassociation (vectorised reductions) and the
 * rest of -ffast-math but -ffinite-math-only.  -fPIC: the code lands
 * anywhere, and the host's data (stdout) is reached through the GOT
 * libtcc builds.  Functions stay whole in .text (no .text.unlikely or
 * .text.startup), so one range holds the code.  -g1: line tables only.
 * The prelude of hotrun.h (-DHOTRUN_PRELUDE) spares gcc glibc's headers.
 * Warnings are tier 1's to report (-w). */
static char **argv_for(const char *cc, const struct hr_module *m, int fast,
                       int obj_fd, int src_fd)
{
    static const char *const common[] = {
        "-x", "c", "-c", "-pipe", "-w", "-march=native", "-g1", "-fPIC",
        "-fno-plt", "-fno-semantic-interposition",
        "-fno-asynchronous-unwind-tables", "-fno-stack-protector",
        "-fno-reorder-blocks-and-partition", "-fno-reorder-functions",
        "-U_FORTIFY_SOURCE", "-DHOTRUN_PRELUDE",
        /* NaN as TinyCC folds it (sign bit set), even through glibc's
         * <math.h>, so that both tiers print "-nan" alike */
        "-D__builtin_nan(s)=(0.0 / 0.0)", "-D__builtin_nanf(s)=(0.0f / 0.0f)",
        NULL
    };
    static const char *const exact[] = { "-O2", "-ffp-contract=off", NULL };
    static const char *const fastm[] = {
        "-O3", "-fassociative-math", "-freciprocal-math",
        "-fno-signed-zeros", "-fno-trapping-math", "-fno-math-errno",
        "-ffp-contract=fast", NULL
    };
    const char *const *p = NULL;
    char **argv = calloc(MAX_ARGS, sizeof *argv);
    int n = 0;
    int i;

    if (argv == NULL)
        return NULL;
    argv[n++] = strdup(cc);
    for (p = common; *p != NULL; p++)
        argv[n++] = strdup(*p);
    for (p = fast ? fastm : exact; *p != NULL; p++)
        argv[n++] = strdup(*p);
    argv[n++] = format("-I%s", m->include_dir != NULL ? m->include_dir
                                                      : ".");
    argv[n++] = format("-I%s", m->dir);
    argv[n++] = strdup("-o");
    argv[n++] = format("/dev/fd/%d", obj_fd);
    argv[n++] = format("/dev/fd/%d", src_fd);
    for (i = 0; i < n; i++) {
        if (argv[i] == NULL) {
            free_argv(argv);
            return NULL;
        }
    }
    return argv;
}

/* The starting thread: spawn, then let go of the write end of the pipe
 * (the last thing it does: end of file then means the thread is done). */
static void *spawn_main(void *arg)
{
    struct hr_tier2_proc *p = arg;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none;
    pid_t pid = 0;

    /* nice is per thread on Linux, and a child gets its parent thread's:
     * the compile runs below the session's threads from its first
     * instruction (cc1 and as inherit it from the driver) */
    setpriority(PRIO_PROCESS, (id_t)gettid(), HR_TIER2_NICE);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    /* stdin empty, stdout and stderr into the log file; a dup2 onto the
     * same number clears close-on-exec for the files named on the line */
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p->log_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, p->log_fd, 2);
    posix_spawn_file_actions_adddup2(&fa, p->src_fd, p->src_fd);
    posix_spawn_file_actions_adddup2(&fa, p->obj_fd, p->obj_fd);
    posix_spawn_file_actions_adddup2(&fa, p->done_w, p->done_w);
    /* a group of its own; the mask of a process that starts afresh */
    sigemptyset(&none);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
                                  POSIX_SPAWN_SETSIGMASK);
    p->err = posix_spawn(&pid, p->argv[0], &fa, &at, p->argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (p->err == 0) {
        atomic_store(&p->pid, (int)pid);
        if (atomic_load(&p->cancelled))
            kill(-pid, SIGKILL);
    }
    close_fd(&p->src_fd);
    close_fd(&p->done_w);
    return NULL;
}

void hr_tier2_cc_close(struct hr_tier2_proc *p)
{
    close_fd(&p->done_fd);
    close_fd(&p->obj_fd);
    close_fd(&p->log_fd);
    close_fd(&p->src_fd);
    close_fd(&p->done_w);
    free_argv(p->argv);
    p->argv = NULL;
}

int hr_tier2_cc_start(const char *path, const struct hr_module *m,
                      int fast, struct hr_tier2_proc *p)
{
    sigset_t all, old;
    int pipefd[2] = { -1, -1 };
    int e = 0;

    memset(p, 0, sizeof *p);
    p->done_fd = -1;
    p->done_w = -1;
    atomic_init(&p->pid, 0);
    atomic_init(&p->cancelled, 0);
    p->obj_fd = high_fd(memfd_create("hotrun-tier2-obj", MFD_CLOEXEC));
    p->log_fd = high_fd(memfd_create("hotrun-tier2-log", MFD_CLOEXEC));
    p->src_fd = source_file(m);
    if (p->obj_fd < 0 || p->log_fd < 0 || p->src_fd < 0 ||
        pipe2(pipefd, O_CLOEXEC) != 0) {
        e = errno != 0 ? errno : EMFILE;
        goto out;
    }
    p->done_fd = high_fd(pipefd[0]);
    p->done_w = high_fd(pipefd[1]);
    p->argv = argv_for(path, m, fast, p->obj_fd, p->src_fd);
    if (p->done_fd < 0 || p->done_w < 0 || p->argv == NULL) {
        e = p->argv == NULL ? ENOMEM : EMFILE;
        goto out;
    }
    /* the thread takes no signal meant for the session's threads (Ctrl-C,
     * the guard's timer): it starts with all of them blocked */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    e = pthread_create(&p->thread, NULL, spawn_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    p->started = e == 0;
out:
    if (e != 0)
        hr_tier2_cc_close(p);
    return e;
}

void hr_tier2_cc_cancel(struct hr_tier2_proc *p)
{
    int pid;

    atomic_store(&p->cancelled, 1);
    pid = atomic_load(&p->pid);
    if (pid > 0)
        kill(-(pid_t)pid, SIGKILL);
}

int hr_tier2_cc_join(struct hr_tier2_proc *p, int *status)
{
    pid_t pid;

    *status = 0;
    if (p->started)
        pthread_join(p->thread, NULL);
    p->started = 0;
    if (p->err != 0)
        return p->err;
    pid = (pid_t)atomic_load(&p->pid);
    while (pid > 0 && waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}
