/* batch.c - batch lists and stdin scripts, run without a prompt */
#include "batch.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "watch.h"
#include "words.h"

static void json_str(const char *s)
{
    if (s == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_num(double v, int present)
{
    char buf[64];

    if (!present || v != v || v - v != 0) {
        fputs("null", stdout);  /* JSON has no nan or inf */
        return;
    }
    hr_cmd_format_value(v, buf, sizeof buf);
    fputs(buf, stdout);
}

/* One line of output for one run (or one compile failure). */
static void report(const struct hr_ctx *ctx, const char *file,
                   const char *fn, int ok, double result, double compile_ms,
                   int ran, double run_ms, const char *error)
{
    hr_cmd_fresh_line();        /* after a task's unfinished line */
    if (ctx->json) {
        fputs("{\"file\": ", stdout);
        json_str(file);
        fputs(", \"function\": ", stdout);
        json_str(fn);
        printf(", \"ok\": %s, \"result\": ", ok ? "true" : "false");
        json_num(result, ok);
        fputs(", \"compile_ms\": ", stdout);
        json_num(compile_ms, 1);
        fputs(", \"run_ms\": ", stdout);
        json_num(run_ms, ran);
        fputs(", \"error\": ", stdout);
        json_str(ok ? NULL : error);
        fputs("}\n", stdout);
        fflush(stdout);
        return;
    }
    if (ok) {
        char v[64], t[32];

        hr_cmd_format_value(result, v, sizeof v);
        hr_cmd_format_ms(run_ms, t, sizeof t);
        printf("%s: %s = %s  (%s)\n", file, fn, v, t);
        fflush(stdout);
    } else {
        hr_cmd_error(ctx, "%s", error);
    }
}

/* path of a list entry: as is when absolute, else from the list's folder */
static char *entry_path(const char *list, const char *file)
{
    const char *slash = strrchr(list, '/');
    size_t dlen = slash != NULL ? (size_t)(slash - list) + 1 : 0;
    char *p = NULL;

    if (file[0] == '/' || dlen == 0)
        return strdup(file);
    p = malloc(dlen + strlen(file) + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, list, dlen);
    strcpy(p + dlen, file);
    return p;
}

static int run_entry(struct hr_ctx *ctx, const char *list, const char *where,
                     int argc, char **argv)
{
    struct hr_err err = { { 0 } };
    struct hr_module *m = NULL;
    struct hr_result res = { 0 };
    char *path = entry_path(list, argv[0]);
    int failed = 0;
    int i;

    if (path == NULL)
        return 1;
    if (hr_ctx_reload(ctx, path, &m, &err) != 0) {
        char msg[HR_ERR_MAX + 256];

        snprintf(msg, sizeof msg, "%s", err.msg);
        report(ctx, path, argc > 1 ? argv[1] : NULL, 0, 0, 0, 0, 0, msg);
        free(path);
        return 1;
    }
    for (i = 0; i < m->ntasks; i++) {
        const struct hr_task *t = &m->tasks[i];
        int rc;

        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        rc = hr_ctx_run(ctx, m, t, NULL, argc > 2 ? argc - 2 : 0, argv + 2,
                        &res, &err);
        report(ctx, path, t->name, rc == 0, res.value, m->compile_ms, 1,
               res.ms, err.msg);
        failed |= rc != 0;
        if (argc > 1)
            break;
    }
    if (argc > 1 && i == m->ntasks) {
        hr_err_set(&err, "%s: no task '%s' in %s", where, argv[1], path);
        report(ctx, path, argv[1], 0, 0, m->compile_ms, 0, 0, err.msg);
        failed = 1;
    }
    free(path);
    return failed;
}

int hr_batch_list(struct hr_ctx *ctx, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    int failed = 0;

    if (f == NULL) {
        hr_cmd_error(ctx, "%s: %s", path, strerror(errno));
        return 2;
    }
    while (getline(&line, &cap, f) > 0) {
        struct hr_err err = { { 0 } };
        char **argv = NULL;
        char where[512];
        int argc;

        lineno++;
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        argc = hr_words_split(line, strlen(line), &argv, &err);
        if (argc < 0) {
            hr_cmd_error(ctx, "%s: %s", where, err.msg);
            failed = 1;
            continue;
        }
        if (argc > 0)
            failed |= run_entry(ctx, path, where, argc, argv);
        hr_words_free(argc, argv);
    }
    free(line);
    fclose(f);
    return failed;
}

/* Script lines read with read() rather than through a FILE, whose buffer
 * would hide from poll() lines that were already read. */
struct lines {
    char *buf;
    size_t len;
    size_t cap;
};

/* Runs each whole line in l (and the rest too at end of input).  Returns
 * HR_CMD_QUIT when a line said quit. */
static int run_lines(struct hr_ctx *ctx, struct lines *l, int eof)
{
    size_t start = 0;
    int rc = HR_CMD_OK;

    while (rc != HR_CMD_QUIT && start < l->len) {
        char *nl = memchr(l->buf + start, '\n', l->len - start);
        size_t end = nl != NULL ? (size_t)(nl - l->buf) : l->len;

        if (nl == NULL && !eof)
            break;
        l->buf[end] = '\0';
        rc = hr_cmd_exec(ctx, l->buf + start);
        start = end + 1;
    }
    if (start > l->len)
        start = l->len;
    if (start > 0) {
        memmove(l->buf, l->buf + start, l->len - start);
        l->len -= start;
    }
    return rc;
}

/* Reads what fd has (without blocking for more).  Returns 1 at end of
 * input, 0 otherwise, or HR_ENOMEM. */
static int read_some(int fd, struct lines *l)
{
    ssize_t n;

    if (l->cap - l->len < 4096) {
        size_t cap = l->cap * 2 + 4096 + 1;
        char *grown = realloc(l->buf, cap);

        if (grown == NULL)
            return HR_ENOMEM;
        l->buf = grown;
        l->cap = cap - 1;       /* room for the last line's NUL */
    }
    n = read(fd, l->buf + l->len, l->cap - l->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return 1;
    l->len += (size_t)n;
    return 0;
}

/* Commands from fd (-1: none left) and watched files in one poll() loop.
 * At end of input it keeps serving the watches, like entr, until a signal
 * ends hotrun; with nothing watched, end of input ends it. */
static void script_loop(struct hr_ctx *ctx, int fd)
{
    struct lines l = { NULL, 0, 0 };
    int eof = fd < 0;

    while (!eof || hr_watch_active(ctx)) {
        struct pollfd fds[2];
        nfds_t n = 0;
        int wfd = hr_watch_fd(ctx);
        int timeout = hr_watch_timeout_ms(ctx);
        int r;

        if (!eof) {
            fds[n].fd = fd;
            fds[n++].events = POLLIN;
        }
        if (wfd >= 0) {
            fds[n].fd = wfd;
            fds[n++].events = POLLIN;
        }
        if (n == 0 && timeout < 0)
            break;              /* cannot happen: nothing to wait for */
        r = poll(fds, n, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && !eof && (fds[0].revents & (POLLIN | POLLHUP |
                                                 POLLERR))) {
            eof = read_some(fd, &l) != 0;
            if (run_lines(ctx, &l, eof) == HR_CMD_QUIT)
                break;
        }
        if (hr_watch_active(ctx))
            hr_watch_service(ctx);
    }
    free(l.buf);
}

int hr_batch_script(struct hr_ctx *ctx, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    int quit = 0;
    int rc = 0;

    if (fileno(in) >= 0) {
        script_loop(ctx, fileno(in));
    } else {
        /* a stream with no descriptor (fmemopen): no polling it */
        while (!quit && getline(&line, &cap, in) > 0)
            quit = hr_cmd_exec(ctx, line) == HR_CMD_QUIT;
        free(line);
        if (!quit)
            script_loop(ctx, -1);
    }
    if (ctx->input_errors > 0)
        rc = 2;
    else if (ctx->failures > 0)
        rc = 1;
    return rc;
}
