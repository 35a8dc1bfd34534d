/* remote.c - hotrun --ranks N: the front end of a session in an MPI job:
 * commands and answers, Ctrl-C, restarts (the process: remote_job.c) */
#include "remote.h"

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

#include "cmd.h"
#include "out.h"
#include "remote_job.h"
#include "report.h"
#include "words.h"

#define START_LIMIT_MS 120000   /* the job must say hello by then */
#define STOP_LIMIT_MS 8000      /* and answer after a Ctrl-C by then */

struct sink {
    struct hr_cli *cli;
    struct hr_record *rec;      /* report through the executor, or NULL */
    int nrecs;
    struct hr_err *err;         /* quiet: the first error goes here */
};

int hr_remote_is_local(const char *name)
{
    return strcmp(name, "help") == 0 || strcmp(name, "quit") == 0 ||
           strcmp(name, "watch") == 0 || strcmp(name, "unwatch") == 0;
}

const struct hr_wire_state *hr_remote_state(const struct hr_remote *r)
{
    return &r->state;
}

int hr_remote_nranks(const struct hr_remote *r)
{
    return r->o.nranks;
}

/* One line of rank 0's answer.  Returns 1 at "done" (*status set). */
static int on_line(struct hr_cli *cli, struct sink *sk, const char *line,
                   int *status)
{
    struct hr_remote *r = cli->remote;
    const char *v = strchr(line, ':');

    if (v == NULL)
        return 0;
    v++;
    if (strncmp(line, "{\"done\":", 8) == 0) {
        *status = atoi(v);
        r->fatal = strstr(v, "\"fatal\"") != NULL;
        return 1;
    }
    if (strncmp(line, "{\"state\":", 9) == 0) {
        char *body = strndup(v, strlen(v) - 1);

        if (body != NULL)
            hr_wire_parse_state(body, &r->state);
        free(body);
        return 0;
    }
    if (strncmp(line, "{\"rec\":", 7) == 0) {
        struct hr_record tmp;
        struct hr_record *into = sk->rec != NULL ? sk->rec : &tmp;
        char *body = strndup(v, strlen(v) - 1);

        if (sk->rec != NULL && sk->nrecs > 0)
            hr_exec_emit(sk->cli, sk->rec);    /* the one before it */
        if (sk->rec == NULL)
            hr_record_init(&tmp, NULL, 0, NULL);
        if (body != NULL)
            hr_wire_parse_record(body, into);
        free(body);
        if (sk->rec == NULL) {
            if (!tmp.ok && sk->err != NULL && sk->err->msg[0] == '\0')
                hr_err_set(sk->err, "%s", tmp.error != NULL ? tmp.error
                                                            : "failed");
            hr_record_fini(&tmp);
        }
        sk->nrecs++;
    }
    return 0;
}

/* Splits what came on stdout into lines for on_line().  Returns 1 at
 * "done". */
static int take_lines(struct hr_cli *cli, struct sink *sk, int *status)
{
    struct hr_remote *r = cli->remote;
    size_t start = 0;
    int done = 0;

    while (!done && start < r->buf.len) {
        char *nl = memchr(r->buf.s + start, '\n', r->buf.len - start);

        if (nl == NULL)
            break;
        *nl = '\0';
        done = on_line(cli, sk, r->buf.s + start, status);
        start = (size_t)(nl - r->buf.s) + 1;
    }
    memmove(r->buf.s, r->buf.s + start, r->buf.len - start);
    r->buf.len -= start;
    return done;
}

/* The answer is in: the task output the ranks wrote before it (ended by
 * rank 0's mark on stderr) goes out before the answer's last record.
 * Waits for the mark a little at most (it comes by another pipe). */
static void settle_err(struct hr_remote *r)
{
    double t0 = hr_remote_now_ms();

    r->answers++;
    while (r->marks < r->answers && hr_remote_now_ms() - t0 < 200) {
        struct pollfd p = { r->err, POLLIN, 0 };

        if (poll(&p, 1, 20) > 0)
            hr_remote_pass_err(r);
        if (p.revents & (POLLHUP | POLLERR))
            break;
    }
    if (r->marks < r->answers)
        r->marks = r->answers;      /* late: do not wait for it again */
}

/* Waits for rank 0's answer to the command sent; Ctrl-C is forwarded.
 * Returns 0 with *status, or -1 when the job ended (why: in why). */
static int await(struct hr_cli *cli, struct sink *sk, int *status,
                 double limit_ms, char *why, size_t wlen)
{
    struct hr_remote *r = cli->remote;
    int sigfd = hr_sigint_fd();
    int stops = 0;
    double t0 = hr_remote_now_ms(), stop_t0 = 0;

    for (;;) {
        struct pollfd fds[3] = {
            { r->out, POLLIN, 0 }, { r->err, POLLIN, 0 },
            { sigfd, POLLIN, 0 } };
        char b[65536];
        int st = 0;
        int n = poll(fds, sigfd >= 0 ? 3 : 2, 200);

        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP)))
            hr_remote_pass_err(r);
        if (n > 0 && sigfd >= 0 && (fds[2].revents & POLLIN)) {
            hr_sigint_take();
            if (stops++ == 0) {
                kill(r->pid, SIGUSR1);  /* forwarded to every rank */
                stop_t0 = hr_remote_now_ms();
            } else {
                snprintf(why, wlen, "stopped by a second Ctrl-C");
                break;
            }
        }
        if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = read(r->out, b, sizeof b);

            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                if (hr_remote_reap(r, 3000, &st))
                    hr_remote_describe(st, why, wlen);
                else
                    snprintf(why, wlen, "its output ended");
                break;
            }
            if (got > 0) {
                hr_text_add(&r->buf, b, (size_t)got);
                if (take_lines(cli, sk, status)) {
                    settle_err(r);
                    return 0;
                }
            }
        }
        if (hr_remote_reap(r, 0, &st)) {
            /* what it wrote before it ended still counts */
            ssize_t got;

            while ((got = read(r->out, b, sizeof b)) > 0)
                hr_text_add(&r->buf, b, (size_t)got);
            if (take_lines(cli, sk, status))
                return 0;
            hr_remote_describe(st, why, wlen);
            break;
        }
        /* rank 0 ends a job whose ranks do not stop within 3 s; if rank 0
         * itself does not, the front end does */
        if (stop_t0 > 0 && hr_remote_now_ms() - stop_t0 > STOP_LIMIT_MS) {
            snprintf(why, wlen, "it did not stop within %.0f s of Ctrl-C",
                     STOP_LIMIT_MS / 1e3);
            break;
        }
        if (limit_ms > 0 && hr_remote_now_ms() - t0 > limit_ms) {
            snprintf(why, wlen, "it did not start within %.0f s",
                     limit_ms / 1e3);
            break;
        }
    }
    return -1;
}

/* Sends a command (with its task file for reload and do). */
static int send_command(struct hr_cli *cli, int argc, char **argv)
{
    char *line = hr_words_join(argc, argv);
    int rc = line == NULL;

    if (rc == 0 && argc >= 2 && (strcmp(argv[0], "reload") == 0 ||
                                 strcmp(argv[0], "do") == 0))
        rc = hr_remote_send_sources(cli, argv[1]);
    if (rc == 0)
        rc = hr_remote_send_all(cli->remote, line, strlen(line)) ||
             hr_remote_send_all(cli->remote, "\n", 1);
    free(line);
    return rc;
}

/* ---- what a restart gives back ---- */

static void keep(struct hr_remote *r, const char *key, int argc, char **argv)
{
    char *line = hr_words_join(argc, argv);
    struct kept *grown = NULL;
    int i;

    if (line == NULL)
        return;
    for (i = 0; i < r->nkept; i++) {
        if (strcmp(r->kept[i].key, key) == 0) {
            free(r->kept[i].line);
            r->kept[i].line = line;
            return;
        }
    }
    grown = realloc(r->kept, (size_t)(r->nkept + 1) * sizeof *grown);
    if (grown == NULL) {
        free(line);
        return;
    }
    r->kept = grown;
    r->kept[r->nkept].key = strdup(key);
    r->kept[r->nkept].line = line;
    r->nkept++;
}

/* The name `load [NAME=]FILE ...` gives its array (session_array.c's
 * rule: NAME=, else the file's base name without its extension). */
static void keep_load(struct hr_remote *r, int argc, char **argv)
{
    const char *spec = NULL;
    const char *eq, *base, *dot;
    char key[512];
    int i;

    for (i = 1; i < argc && spec == NULL; i++) {
        if (strncmp(argv[i], "--", 2) == 0)
            i++;
        else
            spec = argv[i];
    }
    if (spec == NULL)
        return;
    eq = strchr(spec, '=');
    base = strrchr(spec, '/');
    if (eq != NULL && (base == NULL || eq < base)) {
        snprintf(key, sizeof key, "load %.*s", (int)(eq - spec), spec);
    } else {
        base = base != NULL ? base + 1 : spec;
        dot = strrchr(base, '.');
        snprintf(key, sizeof key, "load %.*s", dot != NULL && dot > base ?
                 (int)(dot - base) : (int)strlen(base), base);
    }
    keep(r, key, argc, argv);
}

/* Notes what a successful command set, for a restart. */
static void remember(struct hr_remote *r, int argc, char **argv)
{
    if (strcmp(argv[0], "load") == 0)
        keep_load(r, argc, argv);
    else if (argc == 2 && (strcmp(argv[0], "timeout") == 0 ||
                           strcmp(argv[0], "isolate") == 0 ||
                           strcmp(argv[0], "use") == 0))
        keep(r, argv[0], argc, argv);
}

static int transact(struct hr_cli *cli, struct sink *sk, int argc,
                    char **argv, char *why, size_t wlen);

/* Starts the job again and gives it back the arrays (loads first), the
 * settings and the modules the front end knew.  Says what it did. */
static int restart(struct hr_cli *cli, const char *what)
{
    struct hr_remote *r = cli->remote;
    struct hr_wire_state old = r->state;
    struct hr_err err = { { 0 } };
    char why[256] = "";
    double t0 = hr_remote_now_ms();
    int st = 0, i, pass, bad = 0, mods = 0;

    memset(&r->state, 0, sizeof r->state);
    hr_remote_stop(r, &st);
    hr_report_notice(cli, what);
    r->restarting = 1;
    if (hr_remote_spawn(r, &err) != 0 ||
        transact(cli, &(struct sink){ cli, NULL, 0, &err }, 0, NULL, why,
                 sizeof why) != 0) {
        r->restarting = 0;
        hr_wire_state_free(&old);
        hr_out_error(cli->color, "hotrun: the MPI job did not start again: "
                     "%s", err.msg[0] != '\0' ? err.msg : why);
        return -1;
    }
    /* loads, then timeout, isolate and use, then the modules */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < r->nkept; i++) {
            char **argv = NULL;
            int argc;

            if ((strncmp(r->kept[i].key, "load ", 5) == 0) != (pass == 0))
                continue;
            argc = hr_words_split(r->kept[i].line,
                                  strlen(r->kept[i].line), &argv, &err);
            if (argc > 0)
                bad += hr_remote_quiet(cli, argc, argv, &err) != 0;
            hr_words_free(argc, argv);
        }
    }
    for (i = 0; i < old.nmods; i++) {
        char *argv[2] = { "reload", old.mods[i].path };

        if (hr_remote_quiet(cli, 2, argv, &err) != 0)
            bad++;
        else
            mods++;
    }
    r->restarting = 0;
    hr_wire_state_free(&old);
    {
        char t[160];

        snprintf(t, sizeof t, "started a new MPI job (%d rank%s) in %.1f "
                 "s: %d array%s, %d module%s back%s", r->o.nranks,
                 r->o.nranks == 1 ? "" : "s", (hr_remote_now_ms() - t0) / 1e3,
                 r->state.narrays, r->state.narrays == 1 ? "" : "s", mods,
                 mods == 1 ? "" : "s", bad ? " (some failed: see above)"
                                           : "");
        hr_report_notice(cli, t);
    }
    if (bad && err.msg[0] != '\0')
        hr_out_error(cli->color, "%s", err.msg);
    return 0;
}

/* One command to the job and its answer into sk.  argc 0: only wait for
 * the job's hello.  Returns 0 with the status, or -1 when the job ended
 * (why says how). */
static int transact(struct hr_cli *cli, struct sink *sk, int argc,
                    char **argv, char *why, size_t wlen)
{
    int status = HR_CMD_ERR;

    if (argc > 0 && send_command(cli, argc, argv) != 0) {
        snprintf(why, wlen, "it no longer reads its input");
        return -1;
    }
    if (await(cli, sk, &status, argc == 0 ? START_LIMIT_MS : 0, why,
              wlen) != 0)
        return -1;
    return status;
}

int hr_remote_exec(struct hr_cli *cli, int argc, char **argv,
                   struct hr_record *rec)
{
    struct hr_remote *r = cli->remote;
    struct sink sk = { cli, rec, 0, NULL };
    char why[256] = "";
    char *what = NULL;
    int status = HR_CMD_ERR;

    /* what the handlers would note for Enter */
    if (strcmp(argv[0], "reload") == 0)
        hr_record_set(&cli->last_reload, argv[1]);
    if (strcmp(argv[0], "run") == 0) {
        free(cli->last_run);
        cli->last_run = hr_words_join(argc, argv);
    }
    if (r->pid <= 0 && restart(cli, "the MPI job had ended; starting a "
                               "new one") != 0) {
        hr_record_error(rec, "%s: no MPI job (it could not be started)",
                        argv[0]);
        return HR_CMD_ERR;
    }
    r->fatal = 0;
    if (send_command(cli, argc, argv) != 0) {
        /* the job had died since the last command: this one never
         * reached it, so it runs on a new job */
        if (restart(cli, "the MPI job had ended; starting a new one") != 0 ||
            send_command(cli, argc, argv) != 0) {
            hr_record_error(rec, "%s: no MPI job (it could not be "
                            "started)", argv[0]);
            return HR_CMD_ERR;
        }
    }
    status = await(cli, &sk, &status, 0, why, sizeof why) == 0 ? status : -1;
    if (status >= 0 && r->fatal) {
        /* a rank stopped answering: rank 0 ends the job */
        restart(cli, "rank 0 ended the MPI job; starting a new one");
        return HR_CMD_ERR;
    }
    if (status >= 0) {
        if (status == HR_CMD_OK)
            remember(r, argc, argv);
        return status;
    }
    if (sk.nrecs > 0)
        hr_exec_emit(cli, rec);
    hr_record_error(rec, "%s: the MPI job ended during the command (%s); "
                    "a new one is started", argv[0], why);
    if (asprintf(&what, "the MPI job ended (%s); starting a new one",
                 why) < 0)
        what = NULL;
    restart(cli, what != NULL ? what : "starting a new MPI job");
    free(what);
    return HR_CMD_ERR;
}

int hr_remote_quiet(struct hr_cli *cli, int argc, char **argv,
                    struct hr_err *err)
{
    struct hr_err mine = { { 0 } };
    struct sink sk = { cli, NULL, 0, &mine };
    char why[256] = "";
    int status = transact(cli, &sk, argc, argv, why, sizeof why);

    if (status == HR_CMD_OK) {
        remember(cli->remote, argc, argv);
        return 0;
    }
    if (status < 0)
        hr_err_set(err, "%s: the MPI job ended (%s)", argv[0], why);
    else
        hr_err_set(err, "%s", mine.msg[0] != '\0' ? mine.msg : "failed");
    return HR_EFAIL;
}

/* ---- opening and closing ---- */

int hr_remote_open(struct hr_cli *cli, const struct hr_remote_opts *o,
                   struct hr_err *err)
{
    struct hr_remote *r = calloc(1, sizeof *r);
    char why[256] = "";
    ssize_t n;

    if (r == NULL)
        return HR_ENOMEM;
    r->o = *o;
    r->launcher = strdup(o->launcher != NULL ? o->launcher : "mpirun");
    r->hostfile = o->hostfile != NULL ? strdup(o->hostfile) : NULL;
    r->in = r->out = r->err = -1;
    r->json = cli->json;
    n = readlink("/proc/self/exe", r->exe, sizeof r->exe - 1);
    if (r->launcher == NULL || n <= 0) {
        hr_err_set(err, "hotrun: cannot find its own program file");
        hr_remote_close(r);
        return HR_EIO;
    }
    r->exe[n] = '\0';
    cli->remote = r;
    hr_sigint_fd();             /* Ctrl-C is forwarded, never fatal */
    if (hr_remote_spawn(r, err) != 0 ||
        transact(cli, &(struct sink){ cli, NULL, 0, err }, 0, NULL, why,
                 sizeof why) != 0) {
        if (err->msg[0] == '\0')
            hr_err_set(err, "hotrun: the MPI job did not start (%s): see "
                       "the launcher's messages above", why);
        cli->remote = NULL;
        hr_remote_close(r);
        return HR_EIO;
    }
    return 0;
}

void hr_remote_close(struct hr_remote *r)
{
    int st = 0, i;

    if (r == NULL)
        return;
    if (r->pid > 0 || r->in >= 0)
        hr_remote_stop(r, &st);
    hr_wire_state_free(&r->state);
    for (i = 0; i < r->nkept; i++) {
        free(r->kept[i].key);
        free(r->kept[i].line);
    }
    free(r->kept);
    hr_text_free(&r->buf);
    free(r->launcher);
    free(r->hostfile);
    free(r);
}
