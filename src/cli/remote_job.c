/* remote_job.c - the MPI job's process for the front end: starting it,
 * passing its stderr on, ending it, and sending it task files */
#include "remote_job.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "includes.h"
#include "words.h"

double hr_remote_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- the job's process ---- */

/* The job's stderr, passed on: through stdout's tracked stream (task
 * output keeps its place beside our lines), or stderr with --json. */
void hr_remote_pass_err(struct hr_remote *r)
{
    static const char mark[] = HR_WIRE_MARK;
    const size_t mlen = sizeof mark - 1;
    FILE *to = r->json ? stderr : stdout;
    char b[4096 + sizeof r->hold];
    ssize_t n;

    memcpy(b, r->hold, r->held);
    while ((n = read(r->err, b + r->held, sizeof b - r->held)) > 0) {
        size_t len = r->held + (size_t)n, at = 0, i;

        r->held = 0;
        for (i = 0; i < len; i++) {
            size_t k = len - i < mlen ? len - i : mlen;

            if (b[i] != mark[0] || memcmp(b + i, mark, k) != 0)
                continue;
            if (k < mlen) {
                /* maybe the start of a mark: keep it for the next read */
                fwrite(b + at, 1, i - at, to);
                memcpy(r->hold, b + i, k);
                r->held = k;
                at = len;
                break;
            }
            fwrite(b + at, 1, i - at, to);
            r->marks++;
            i += mlen - 1;
            at = i + 1;
        }
        if (at < len)
            fwrite(b + at, 1, len - at, to);
        memcpy(b, r->hold, r->held);
    }
    fflush(to);
}

static char **launch_argv(struct hr_remote *r, int *argc)
{
    struct hr_err e;
    char **words = NULL;
    char **argv = NULL;
    int n = hr_words_split(r->launcher, strlen(r->launcher), &words, &e);
    int k = 0;
    static char nbuf[32], hbuf[32];

    if (n <= 0)
        return NULL;
    argv = calloc((size_t)n + 12, sizeof *argv);
    if (argv == NULL) {
        hr_words_free(n, words);
        return NULL;
    }
    memcpy(argv, words, (size_t)n * sizeof *argv);
    free(words);                /* the strings now belong to argv */
    k = n;
    snprintf(nbuf, sizeof nbuf, "%d", r->o.nranks);
    argv[k++] = strdup("-n");
    argv[k++] = strdup(nbuf);
    if (r->hostfile != NULL) {
        argv[k++] = strdup("--hostfile");
        argv[k++] = strdup(r->hostfile);
    }
    argv[k++] = strdup(r->exe);
    argv[k++] = strdup("--engine");
    snprintf(hbuf, sizeof hbuf, "%ld", r->o.halo);
    argv[k++] = strdup("--halo");
    argv[k++] = strdup(hbuf);
    argv[k++] = strdup(r->o.load == HR_LOAD_MMAP ? "--load=mmap" :
                       r->o.load == HR_LOAD_COPY ? "--load=copy" :
                                                   "--load=auto");
    *argc = k;
    return argv;
}

/* Starts the launcher; 0 or -1 with err. */
int hr_remote_spawn(struct hr_remote *r, struct hr_err *err)
{
    int sv[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
    int argc = 0;
    char **argv = launch_argv(r, &argc);
    int i;

    if (argv == NULL) {
        hr_err_set(err, "hotrun: --launcher '%s': no command", r->launcher);
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        hr_err_set(err, "hotrun: cannot make pipes: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    r->pid = fork();
    if (r->pid == 0) {
        /* its own session: the terminal's Ctrl-C is ours to forward */
        setsid();
        dup2(sv[1], STDIN_FILENO);
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "hotrun: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    if (r->pid < 0) {
        hr_err_set(err, "hotrun: cannot start %s: %s", argv[0],
                   strerror(errno));
        goto fail;
    }
    close(sv[1]);
    close(po[1]);
    close(pe[1]);
    r->in = sv[0];
    r->out = po[0];
    r->err = pe[0];
    fcntl(r->out, F_SETFL, O_NONBLOCK);
    fcntl(r->err, F_SETFL, O_NONBLOCK);
    r->buf.len = 0;
    r->held = 0;
    r->marks = r->answers = 0;
    for (i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return 0;
fail:
    for (i = 0; i < 2; i++) {
        if (sv[i] >= 0)
            close(sv[i]);
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    for (i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return -1;
}

/* "exited with status 1", "killed by signal 9" into buf. */
void hr_remote_describe(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "the launcher exited with status %d%s",
                 WEXITSTATUS(status), WEXITSTATUS(status) == 137 ||
                 WEXITSTATUS(status) > 128 ? ": a rank died" : "");
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "the launcher was killed by signal %d",
                 WTERMSIG(status));
    else
        snprintf(buf, len, "the launcher ended");
}

/* Waits up to ms for the launcher to end; 1 when it has (*status). */
int hr_remote_reap(struct hr_remote *r, int ms, int *status)
{
    double t0 = hr_remote_now_ms();

    if (r->pid <= 0)
        return 1;
    do {
        if (waitpid(r->pid, status, WNOHANG) == r->pid) {
            r->pid = -1;
            return 1;
        }
        if (r->err >= 0)
            hr_remote_pass_err(r);
        if (ms > 0)
            poll(NULL, 0, 10);
    } while (hr_remote_now_ms() - t0 < ms);
    return 0;
}

/* Ends the job: end of input, then SIGTERM, then SIGKILL to its session;
 * *status gets how it ended.  Closes our ends. */
void hr_remote_stop(struct hr_remote *r, int *status)
{
    *status = 0;
    if (r->in >= 0)
        shutdown(r->in, SHUT_WR);
    if (!hr_remote_reap(r, 3000, status)) {
        kill(-r->pid, SIGTERM);
        if (!hr_remote_reap(r, 3000, status)) {
            kill(-r->pid, SIGKILL);
            hr_remote_reap(r, 5000, status);
        }
    }
    if (r->err >= 0)
        hr_remote_pass_err(r);
    if (r->in >= 0)
        close(r->in);
    if (r->out >= 0)
        close(r->out);
    if (r->err >= 0)
        close(r->err);
    r->in = r->out = r->err = -1;
    r->pid = -1;
}

/* ---- talking to rank 0 ---- */

int hr_remote_send_all(struct hr_remote *r, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(r->in, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ".task LEN REALPATH\n" + text + "\n" */
static int send_blob(struct hr_remote *r, const char *kind, const char *path)
{
    char *canon = realpath(path, NULL);
    char *text = NULL;
    size_t len = 0;
    char head[4200];
    FILE *f = canon != NULL ? fopen(canon, "rb") : NULL;
    int rc = 0;

    if (f != NULL) {
        text = malloc(1 << 16);
        size_t cap = 1 << 16;
        size_t n;

        while (text != NULL && (n = fread(text + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap) {
                char *g = realloc(text, cap * 2);

                if (g == NULL) {
                    free(text);
                    text = NULL;
                }
                text = g;
                cap *= 2;
            }
        }
        fclose(f);
    }
    if (text != NULL && strlen(canon) < 4096) {
        snprintf(head, sizeof head, ".%s %zu %s\n", kind, len, canon);
        rc = hr_remote_send_all(r, head, strlen(head)) || hr_remote_send_all(r, text, len) ||
             hr_remote_send_all(r, "\n", 1);
    }
    free(text);
    free(canon);
    return rc;
}

/* The task file of a reload or do, and the local headers it includes:
 * the ranks compile them from these texts, wherever they run. */
int hr_remote_send_sources(struct hr_cli *cli, const char *path)
{
    struct hr_remote *r = cli->remote;
    char **hdrs = NULL;
    int n = 0, i, rc;

    rc = send_blob(r, "task", path);
    if (rc == 0 && hr_includes_scan(path, hr_session_include_dir(cli->s),
                                    &hdrs, &n) == 0) {
        for (i = 0; i < n && rc == 0; i++) {
            if (access(hdrs[i], R_OK) == 0)
                rc = send_blob(r, "file", hdrs[i]);
        }
        hr_includes_free(hdrs, n);
    }
    return rc;
}
