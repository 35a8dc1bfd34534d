/* tier2_cc.c - one tier-2 compile as a process: files, command line, start
 */
#include "tier2_cc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
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

/* A memory file holding the text. */
static int text_file(const char *text, size_t len)
{
    int fd = high_fd(memfd_create("hotrun-tier2-src", MFD_CLOEXEC));

    if (fd >= 0 && hr_fileio_write_full(fd, text, len) != 0) {
        close(fd);
        fd = -1;
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
static char **argv_for(const struct hr_tier2_proc *p, int src_fd)
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
    const char *const *q = NULL;
    char **argv = calloc(MAX_ARGS, sizeof *argv);
    int n = 0;
    int i;

    if (argv == NULL)
        return NULL;
    argv[n++] = strdup(p->cc);
    for (q = common; *q != NULL; q++)
        argv[n++] = strdup(*q);
    for (q = p->fast ? fastm : exact; *q != NULL; q++)
        argv[n++] = strdup(*q);
    argv[n++] = format("-I%s", p->include_dir);
    argv[n++] = format("-I%s", p->dir);
    argv[n++] = strdup("-o");
    argv[n++] = format("/dev/fd/%d", p->obj_fd);
    argv[n++] = format("/dev/fd/%d", src_fd);
    for (i = 0; i < n; i++) {
        if (argv[i] == NULL) {
            free_argv(argv);
            return NULL;
        }
    }
    return argv;
}

/* Makes the files and starts the compiler.  Returns 0 or an errno value. */
static int spawn(struct hr_tier2_proc *p)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none;
    char **argv = NULL;
    pid_t pid = 0;
    int src_fd = text_file(p->text, p->text_len);
    int e = 0;

    p->obj_fd = high_fd(memfd_create("hotrun-tier2-obj", MFD_CLOEXEC));
    p->log_fd = high_fd(memfd_create("hotrun-tier2-log", MFD_CLOEXEC));
    if (src_fd < 0 || p->obj_fd < 0 || p->log_fd < 0) {
        e = errno != 0 ? errno : EMFILE;
        goto out;
    }
    argv = argv_for(p, src_fd);
    if (argv == NULL) {
        e = ENOMEM;
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    /* stdin empty, stdout and stderr into the log file; a dup2 onto the
     * same number clears close-on-exec for the files named on the line */
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p->log_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, p->log_fd, 2);
    posix_spawn_file_actions_adddup2(&fa, src_fd, src_fd);
    posix_spawn_file_actions_adddup2(&fa, p->obj_fd, p->obj_fd);
    posix_spawn_file_actions_adddup2(&fa, p->done_w, p->done_w);
    /* a group of its own; the mask of a process that starts afresh */
    sigemptyset(&none);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
                                  POSIX_SPAWN_SETSIGMASK);
    e = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (e == 0)
        atomic_store(&p->pid, (int)pid);
out:
    free_argv(argv);
    close_fd(&src_fd);
    return e;
}

/* ---- the starter ---- */

struct hr_tier2_starter {
    pthread_t thread;
    int running;
    int stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* a compile queued or cancelled, stop */
    pthread_cond_t done;        /* the starter is done with a compile */
    struct hr_tier2_proc *queue;    /* in order of due time */
};

static int before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The starter is done with p: from here on it never touches p. */
static void finish_locked(struct hr_tier2_starter *s,
                          struct hr_tier2_proc *p)
{
    p->done = 1;
    close_fd(&p->done_w);
    pthread_cond_broadcast(&s->done);
}

static void unqueue_locked(struct hr_tier2_starter *s,
                           struct hr_tier2_proc *p)
{
    struct hr_tier2_proc **pp = &s->queue;

    while (*pp != NULL && *pp != p)
        pp = &(*pp)->next;
    if (*pp == p)
        *pp = p->next;
    p->next = NULL;
}

/* The starters' work outside their lock (making the files, posix_spawn:
 * memory allocated and freed) happens under this gate, and fork() takes
 * it first: a forked child (an --isolate run) never starts with the
 * allocator's locks held by a starter that does not exist there.  glibc's
 * malloc is safe across fork() by itself; the sanitizers' allocator is
 * not. */
static pthread_mutex_t spawn_gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

static void gate_lock(void)
{
    pthread_mutex_lock(&spawn_gate);
}

static void gate_unlock(void)
{
    pthread_mutex_unlock(&spawn_gate);
}

static void gate_child(void)
{
    pthread_mutex_init(&spawn_gate, NULL);
}

static void gate_register(void)
{
    pthread_atfork(gate_lock, gate_unlock, gate_child);
}

/* Takes each compile when it is due, starts it, lets go of it. */
static void *starter_main(void *arg)
{
    struct hr_tier2_starter *s = arg;

    /* nice is per thread on Linux, and a child gets its parent thread's:
     * the compiles run below the session's threads from their first
     * instruction (cc1 and as inherit it from the driver) */
    setpriority(PRIO_PROCESS, (id_t)gettid(), HR_TIER2_NICE);
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        struct hr_tier2_proc *p = s->queue;
        struct timespec now;

        if (p == NULL) {
            pthread_cond_wait(&s->wake, &s->lock);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (before(&now, &p->due)) {
            pthread_cond_timedwait(&s->wake, &s->lock, &p->due);
            continue;
        }
        unqueue_locked(s, p);
        pthread_mutex_unlock(&s->lock);
        gate_lock();
        p->err = spawn(p);
        gate_unlock();
        pthread_mutex_lock(&s->lock);
        if (p->err == 0 && p->cancelled)
            kill(-(pid_t)atomic_load(&p->pid), SIGKILL);
        finish_locked(s, p);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int hr_tier2_starter_new(struct hr_tier2_starter **out)
{
    struct hr_tier2_starter *s = calloc(1, sizeof *s);
    pthread_condattr_t ca;

    if (s == NULL)
        return HR_ENOMEM;
    pthread_once(&gate_once, gate_register);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->done, NULL);
    *out = s;
    return 0;
}

void hr_tier2_starter_free(struct hr_tier2_starter *s)
{
    if (s == NULL)
        return;
    if (s->running) {
        pthread_mutex_lock(&s->lock);
        s->stop = 1;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->done);
    free(s);
}

/* Starts the thread on the first compile, with every signal blocked: it
 * takes none meant for the session's threads (Ctrl-C, the guard's
 * timer).  Called under the lock. */
static int ensure_running(struct hr_tier2_starter *s)
{
    sigset_t all, old;
    int e;

    if (s->running)
        return 0;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    e = pthread_create(&s->thread, NULL, starter_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    s->running = e == 0;
    return e;
}

/* ---- one compile ---- */

void hr_tier2_cc_close(struct hr_tier2_proc *p)
{
    close_fd(&p->done_fd);
    close_fd(&p->obj_fd);
    close_fd(&p->log_fd);
    close_fd(&p->done_w);
    free(p->cc);
    free(p->text);
    free(p->include_dir);
    free(p->dir);
    p->cc = p->text = p->include_dir = p->dir = NULL;
}

/* Copies what the starter needs from m: the text as tier 1 compiled it,
 * under the file's own name, and the include folders. */
static int copy_module(struct hr_tier2_proc *p, const struct hr_module *m)
{
    int n = snprintf(NULL, 0, "#line 1 \"%s\"\n", m->path);

    if (n < 0)
        return EINVAL;
    p->text = malloc((size_t)n + m->source_len + 1);
    p->include_dir = strdup(m->include_dir != NULL ? m->include_dir : ".");
    p->dir = strdup(m->dir);
    if (p->text == NULL || p->include_dir == NULL || p->dir == NULL)
        return ENOMEM;
    snprintf(p->text, (size_t)n + 1, "#line 1 \"%s\"\n", m->path);
    memcpy(p->text + n, m->source, m->source_len);
    p->text_len = (size_t)n + m->source_len;
    return 0;
}

int hr_tier2_cc_start(struct hr_tier2_starter *s, const char *path,
                      const struct hr_module *m, int fast, int delay_ms,
                      struct hr_tier2_proc *p)
{
    struct hr_tier2_proc **pp = NULL;
    int pipefd[2] = { -1, -1 };
    int e = 0;

    memset(p, 0, sizeof *p);
    p->done_fd = -1;
    p->obj_fd = -1;
    p->log_fd = -1;
    p->done_w = -1;
    p->fast = fast;
    atomic_init(&p->pid, 0);
    clock_gettime(CLOCK_MONOTONIC, &p->due);
    p->due.tv_nsec += (long)delay_ms * 1000000L;
    p->due.tv_sec += p->due.tv_nsec / 1000000000L;
    p->due.tv_nsec %= 1000000000L;
    p->cc = strdup(path);
    e = p->cc == NULL ? ENOMEM : copy_module(p, m);
    if (e == 0 && pipe2(pipefd, O_CLOEXEC) != 0)
        e = errno;
    if (e != 0)
        goto out;
    p->done_fd = high_fd(pipefd[0]);
    p->done_w = high_fd(pipefd[1]);
    if (p->done_fd < 0 || p->done_w < 0) {
        e = EMFILE;
        goto out;
    }
    pthread_mutex_lock(&s->lock);
    e = ensure_running(s);
    if (e == 0) {
        /* in order of due time: the delays differ only by the mode */
        for (pp = &s->queue; *pp != NULL && !before(&p->due, &(*pp)->due);
             pp = &(*pp)->next)
            ;
        p->next = *pp;
        *pp = p;
        p->starter = s;
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
out:
    if (e != 0)
        hr_tier2_cc_close(p);
    return e;
}

void hr_tier2_cc_cancel(struct hr_tier2_proc *p)
{
    struct hr_tier2_starter *s = p->starter;
    int pid;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    p->cancelled = 1;
    if (!p->done) {
        struct hr_tier2_proc *q = s->queue;

        while (q != NULL && q != p)
            q = q->next;
        if (q == p) {           /* still waiting: it never starts */
            unqueue_locked(s, p);
            finish_locked(s, p);
        }
    }
    pid = atomic_load(&p->pid);
    if (pid > 0)
        kill(-(pid_t)pid, SIGKILL);
    pthread_mutex_unlock(&s->lock);
}

int hr_tier2_cc_join(struct hr_tier2_proc *p, int *status)
{
    struct hr_tier2_starter *s = p->starter;
    pid_t pid;

    *status = 0;
    if (s == NULL)
        return 0;
    pthread_mutex_lock(&s->lock);
    while (!p->done)
        pthread_cond_wait(&s->done, &s->lock);
    pthread_mutex_unlock(&s->lock);
    p->starter = NULL;
    if (p->err != 0)
        return p->err;
    pid = (pid_t)atomic_load(&p->pid);
    while (pid > 0 && waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

int hr_tier2_cc_obj_fd(const struct hr_tier2_proc *p)
{
    return p->obj_fd;
}

int hr_tier2_cc_log_fd(const struct hr_tier2_proc *p)
{
    return p->log_fd;
}
