/* script.c - stdin scripts and batch lists, run without a prompt */
#include "script.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "watch.h"
#include "words.h"

/* ---- batch lists ---- */

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

/* One failed record about the list itself; an input error. */
static void list_error(struct hr_cli *cli, const char *path, const char *why)
{
    struct hr_record rec;

    hr_record_init(&rec, NULL, 0, NULL);
    hr_record_input_error(&rec, "%s: %s", path, why);
    hr_exec_emit(cli, &rec);
    hr_record_fini(&rec);
}

/* Opens the list: a regular file, never waiting on a FIFO or a device. */
static FILE *open_list(struct hr_cli *cli, const char *path)
{
    struct stat st;
    FILE *f = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        list_error(cli, path, errno == ENOENT ? "no such file"
                                              : strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        list_error(cli, path, S_ISDIR(st.st_mode) ? "is a directory, not a "
                   "batch list" : "not a regular file");
        close(fd);
        return NULL;
    }
    /* a regular file: reading it never blocks anyway */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    f = fdopen(fd, "r");
    if (f == NULL)
        close(fd);
    return f;
}

void hr_script_list(struct hr_cli *cli, const char *path)
{
    FILE *f = open_list(cli, path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    struct hr_where where = { path, 0 };

    if (f == NULL)
        return;
    while ((len = getline(&line, &cap, f)) > 0) {
        char **argv = NULL;
        char **cmd = NULL;
        int argc;

        where.line++;
        argc = hr_exec_split(cli, line, (size_t)len, &where, 0, &argv);
        if (argc <= 0) {
            hr_words_free(argc, argv);
            continue;
        }
        cmd = calloc((size_t)argc + 2, sizeof *cmd);
        if (cmd != NULL) {
            cmd[0] = "do";
            memcpy(cmd + 1, argv, (size_t)argc * sizeof *cmd);
            cmd[1] = entry_path(path, argv[0]);
        }
        if (cmd == NULL || cmd[1] == NULL)
            list_error(cli, path, "out of memory");
        else
            hr_exec_argv(cli, argc + 1, cmd, &where, 0);
        if (cmd != NULL)
            free(cmd[1]);
        free(cmd);
        hr_words_free(argc, argv);
    }
    free(line);
    fclose(f);
}

/* ---- stdin scripts ----
 *
 * Script lines are read with read() rather than through a FILE, whose
 * buffer would hide from poll() lines that were already read. */
struct lines {
    char *buf;
    size_t len;
    size_t cap;
    struct hr_where where;
};

/* Runs each whole line in l (and the rest too at end of input).  Returns
 * HR_CMD_QUIT when a line said quit. */
static int run_lines(struct hr_cli *cli, struct lines *l, int eof)
{
    size_t start = 0;
    int rc = HR_CMD_OK;

    while (rc != HR_CMD_QUIT && start < l->len) {
        char *nl = memchr(l->buf + start, '\n', l->len - start);
        size_t end = nl != NULL ? (size_t)(nl - l->buf) : l->len;

        if (nl == NULL && !eof)
            break;
        l->where.line++;
        rc = hr_exec_line(cli, l->buf + start, end - start, &l->where, 0);
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
        size_t cap = l->cap * 2 + 4096;
        char *grown = realloc(l->buf, cap);

        if (grown == NULL)
            return HR_ENOMEM;
        l->buf = grown;
        l->cap = cap;
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
void hr_script_stdin(struct hr_cli *cli, int fd)
{
    struct lines l = { NULL, 0, 0, { "<stdin>", 0 } };
    int eof = fd < 0;
    /* over an MPI job Ctrl-C is caught (to reach the ranks during a
     * command): between commands it still ends the script */
    int sigfd = cli->remote != NULL ? hr_sigint_fd() : -1;

    while (!eof || hr_watch_active(cli)) {
        struct pollfd fds[3];
        nfds_t n = 0;
        int wfd = hr_watch_fd(cli);
        int timeout = hr_watch_timeout_ms(cli);
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
        if (sigfd >= 0) {
            fds[n].fd = sigfd;
            fds[n++].events = POLLIN;
        }
        r = poll(fds, n, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && sigfd >= 0 && (fds[n - 1].revents & POLLIN) &&
            hr_sigint_take() > 0) {
            fprintf(stderr, "hotrun: interrupted\n");
            cli->failures++;
            break;
        }
        if (r > 0 && !eof && (fds[0].revents & (POLLIN | POLLHUP |
                                                 POLLERR))) {
            eof = read_some(fd, &l) != 0;
            if (run_lines(cli, &l, eof) == HR_CMD_QUIT)
                break;
        }
        if (hr_watch_active(cli))
            hr_watch_service(cli);
    }
    free(l.buf);
}
