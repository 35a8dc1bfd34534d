/* repl.c - the interactive prompt: GNU readline's callback interface in one
 * poll() loop with Ctrl-C, watched files, history and completion */
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "complete.h"
#include "fileio.h"
#include "out.h"
#include "watch.h"
#include "words.h"
#include "view.h"

#define HISTORY_MAX 2000

/* readline's callbacks carry no user data: the session's state is here */
static struct hr_cli *rcli;
static int done;                /* quit or Ctrl-D */
static int last_rc;             /* of the last command line */
static int installed;           /* a prompt is installed */
static int added;               /* history lines added by this session */
static struct winsize winsz;    /* the size readline last learnt */
static int sigfd = -1;          /* readable after a Ctrl-C (guard.h) */

/* ---- history ---- */

char *hr_repl_history_path(void)
{
    const char *env = getenv("HOTRUN_HISTORY");
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;

    if (env != NULL && *env != '\0')
        return strdup(env);
    if (state != NULL && *state == '/') {
        if (asprintf(&path, "%s/hotrun/history", state) < 0)
            return NULL;
        return path;
    }
    if (home == NULL || *home == '\0')
        return NULL;
    if (asprintf(&path, "%s/.local/state/hotrun/history", home) < 0)
        return NULL;
    return path;
}

/* Creates the history file private to the user (0600) for readline to
 * append to.  Only a regular file has its mode changed (not /dev/null). */
static int prepare_file(const char *path)
{
    struct stat st;
    int fd;

    hr_fileio_mkdirs(path, 0700);  /* private */
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & 07777) != 0600)
        fchmod(fd, 0600);
    close(fd);
    return 0;
}

/* Appends this session's lines (other sessions may have written since we
 * read the file) and keeps the file to HISTORY_MAX lines. */
static void save_history(const char *path)
{
    int n = added < history_length ? added : history_length;
    struct stat st;

    if (path == NULL || n <= 0)
        return;
    if (prepare_file(path) != 0)
        return;
    /* readline trims a file by writing a new one and renaming it over the
     * old: only ever do that to a regular file (HOTRUN_HISTORY=/dev/null) */
    if (append_history(n, path) == 0 && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode))
        history_truncate_file(path, HISTORY_MAX);
}

static void remember(const char *line)
{
    HIST_ENTRY *prev = history_get(history_base + history_length - 1);

    if (prev != NULL && strcmp(prev->line, line) == 0)
        return;
    add_history(line);
    added++;
}

/* ---- prompt ---- */

/* "hotrun [NAME RxC dtype | N modules] > " */
static char *make_prompt(const struct hr_cli *cli)
{
    struct hr_array_info a;
    int nmods = hr_view_nmodules(cli);
    char shape[HR_SHAPE_TXT + 160] = "no array";
    char mods[32] = "";
    char *p = NULL;

    if (hr_view_array_info(cli, hr_view_find_array(cli, NULL),
                              &a) == 0) {
        char s[HR_SHAPE_TXT];

        hr_shape_format(a.view, s, sizeof s);
        snprintf(shape, sizeof shape, "%.80s %s %s", a.name, s,
                 hr_dtype_short(a.view->dtype));
    }
    if (nmods > 0)
        snprintf(mods, sizeof mods, " | %d module%s", nmods,
                 nmods == 1 ? "" : "s");
    /* \001 and \002 tell readline that the colour takes no columns */
    if (cli->color) {
        if (asprintf(&p, "\001\033[36m\002hotrun\001\033[0m\002 [%s%s] > ",
                     shape, mods) < 0)
            return NULL;
    } else if (asprintf(&p, "hotrun [%s%s] > ", shape, mods) < 0) {
        return NULL;
    }
    return p;
}

/* ---- completion ---- */

static struct hr_completion comp;     /* the completion at hand */

static char *comp_next(const char *text, int state)
{
    static int i;

    (void)text;
    if (state == 0)
        i = 0;
    if (i < comp.nwords)
        return strdup(comp.words[i++]);
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    char *before = strndup(rl_line_buffer, (size_t)start);
    char **m = NULL;

    (void)end;
    rl_attempted_completion_over = 1;   /* no file names unless asked */
    if (before == NULL)
        return NULL;
    if (hr_complete(rcli, before, text, &comp) == 0) {
        if (comp.files)
            rl_attempted_completion_over = 0;   /* readline's file names */
        else if (comp.nwords > 0)
            m = rl_completion_matches(text, comp_next);
        if (m != NULL && comp.no_space)
            rl_completion_suppress_append = 1;
        hr_completion_free(&comp);
    }
    free(before);
    return m;
}

/* ---- the loop ---- */

/* readline learns a new window size here rather than from SIGWINCH (only
 * guard.c handles signals): before each key and each prompt */
static void check_size(void)
{
    struct winsize ws;

    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0)
        return;
    if (ws.ws_row == winsz.ws_row && ws.ws_col == winsz.ws_col)
        return;
    winsz = ws;
    if (installed)
        rl_resize_terminal();
    else
        rl_reset_screen_size();
}

/* Enter on an empty line: reload the last file and rerun the last run */
static int repeat_last(void)
{
    char name[] = "reload";
    char *path = NULL;
    char *run = NULL;
    int rc = HR_CMD_OK;

    /* copies: the commands replace cli->last_reload and cli->last_run */
    if (rcli->last_reload != NULL)
        path = strdup(rcli->last_reload);
    if (rcli->last_run != NULL)
        run = strdup(rcli->last_run);
    if (path != NULL) {
        char *argv[2] = { name, path };

        rc = hr_exec_argv(rcli, 2, argv, NULL, 0);
    }
    if (rc == HR_CMD_OK && run != NULL)
        rc = hr_exec_line(rcli, run, strlen(run), NULL, 0);
    free(path);
    free(run);
    return rc;
}

/* A pasted block holds several lines: each is a command of its own. */
static int exec_lines(char *line)
{
    char *save = NULL;
    char *one = strtok_r(line, "\r\n", &save);
    int rc = HR_CMD_OK;

    while (one != NULL && rc != HR_CMD_QUIT) {
        if (one[strspn(one, " \t")] != '\0') {
            remember(one);
            rc = hr_exec_line(rcli, one, strlen(one), NULL, 0);
        }
        one = strtok_r(NULL, "\r\n", &save);
    }
    return rc;
}

static void on_line(char *line)
{
    /* the terminal is back in its own mode while the command runs, so
     * that Ctrl-C reaches the guard and typing ahead echoes */
    rl_callback_handler_remove();
    installed = 0;
    if (line == NULL) {
        /* Ctrl-D on an empty line (readline has ended the line) */
        done = 1;
        return;
    }
    /* at the prompt the exit status follows the last line, as in a
     * shell: what came before was on the screen */
    rcli->failures = 0;
    rcli->input_errors = 0;
    if (line[strspn(line, " \t\r\n")] == '\0')
        last_rc = repeat_last();
    else
        last_rc = exec_lines(line);
    if (last_rc == HR_CMD_QUIT)
        done = 1;
    /* a Ctrl-C that came while a command could not be stopped (a load,
     * a compile) is spent: it must not clear the next line */
    hr_sigint_take();
    free(line);
}

/* readline's read of one key.  The loop's poll() said the terminal had
 * input, but a Ctrl-C makes the terminal drop what was typed and not yet
 * read: a blocking read would then wait for a key that never comes, deaf
 * to the Ctrl-C.  So the terminal's reads do not block (VMIN 0, set after
 * each prompt), the wait is a poll() that also watches the Ctrl-C pipe,
 * and when that has a byte readline gets C-g (abort: it leaves a search
 * or a half-typed key sequence and returns) and the loop's cancel_line()
 * does the rest. */
static int read_key(FILE *in)
{
    struct pollfd p[2];
    int fd = fileno(in);

    p[0].fd = fd;
    p[0].events = POLLIN;
    p[1].fd = sigfd;
    p[1].events = POLLIN;
    for (;;) {
        unsigned char c;
        ssize_t n;
        int r = poll(p, sigfd >= 0 ? 2 : 1, -1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return EOF;
        if (sigfd >= 0 && (p[1].revents & POLLIN))
            return 'G' & 0x1f;
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(fd, &c, 1);
        if (n == 1)
            return c;
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* nothing: dropped by a Ctrl-C (a terminal that reads without
         * waiting), or the end of the input */
        if (n == 0 && isatty(fd) && !(p[0].revents & (POLLHUP | POLLERR)))
            continue;
        return EOF;
    }
}

/* After readline set up the terminal for a prompt: reads return at once
 * (read_key() waits in poll()). */
static void reads_do_not_wait(void)
{
    struct termios t;

    if (tcgetattr(STDIN_FILENO, &t) != 0 ||
        (t.c_cc[VMIN] == 0 && t.c_cc[VTIME] == 0))
        return;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void install_prompt(void)
{
    char *prompt = make_prompt(rcli);

    hr_out_fresh_line();
    check_size();
    rl_callback_handler_install(prompt != NULL ? prompt : "hotrun > ",
                                on_line);
    reads_do_not_wait();
    installed = 1;
    free(prompt);
}

/* Ctrl-C at the prompt: abandon the line, a history search or a half
 * typed key sequence, and start afresh; never quit */
static void cancel_line(void)
{
    hr_sigint_take();
    if (!installed)
        return;
    rl_callback_sigcleanup();   /* back to the prompt from a search */
    rl_point = rl_end;
    rl_redisplay();
    fputs("^C\n", rl_outstream);
    fflush(rl_outstream);
    rl_free_line_state();
    rl_replace_line("", 1);
    rl_callback_handler_remove();
    install_prompt();
}

/* A watched file changed: take the typed line off the screen, let the
 * watch print, then draw the prompt and the line again. */
static void service_watch(void)
{
    char *saved = rl_copy_text(0, rl_end);
    int point = rl_point;

    rl_clear_visible_line();
    fflush(rl_outstream);
    rl_callback_handler_remove();
    installed = 0;
    hr_watch_service(rcli);
    install_prompt();
    if (saved != NULL) {
        rl_insert_text(saved);
        rl_point = point <= rl_end ? point : rl_end;
        free(saved);
    }
    rl_redisplay();
}

static void setup_readline(void)
{
    rl_instream = stdin;
    rl_outstream = stdout;      /* the tracked stream: see cmd.h */
    rl_readline_name = "hotrun";
    rl_catch_signals = 0;       /* Ctrl-C is the guard's, see guard.h */
    rl_catch_sigwinch = 0;
    rl_getc_function = read_key;
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"'=";
    rl_completer_quote_characters = "\"'";
    rl_filename_quote_characters = " \t\"'\\=";
    using_history();
    stifle_history(HISTORY_MAX);
    rl_initialize();            /* reads ~/.inputrc */
    /* no reverse video on the search match either without colour */
    if (!rcli->color)
        rl_variable_bind("enable-active-region", "off");
}

void hr_repl_run(struct hr_cli *cli, const char *banner)
{
    /* history only for a person at a terminal */
    char *hist = isatty(STDIN_FILENO) ? hr_repl_history_path() : NULL;

    rcli = cli;
    sigfd = hr_sigint_fd();
    done = 0;
    last_rc = HR_CMD_OK;
    added = 0;
    setup_readline();
    if (hist != NULL)
        read_history(hist);
    if (banner != NULL)
        printf("%s\n", banner);
    fflush(stdout);
    install_prompt();
    while (!done) {
        struct pollfd fds[4];
        nfds_t nfds = 4;
        int wfd = hr_watch_fd(cli);
        int r;

        fds[0].fd = STDIN_FILENO;
        fds[0].events = POLLIN;
        fds[1].fd = sigfd;
        fds[1].events = POLLIN;
        fds[2].fd = wfd;                        /* -1: ignored by poll() */
        fds[2].events = POLLIN;
        fds[2].revents = 0;
        fds[3].fd = hr_session_poll_fd(cli->s); /* tier 2 coming in */
        fds[3].events = POLLIN;
        fds[3].revents = 0;
        r = poll(fds, nfds, hr_watch_timeout_ms(cli));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (sigfd >= 0 && (fds[1].revents & POLLIN)) {
            cancel_line();
            continue;
        }
        if (fds[0].revents & POLLNVAL)
            break;
        if (fds[3].revents & POLLIN)
            hr_session_service(cli->s);     /* switch between runs */
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            check_size();
            rl_callback_read_char();
        }
        if (done)
            break;
        if (!installed)
            install_prompt();
        if (hr_watch_active(cli) && (r == 0 || (fds[2].revents & POLLIN)) &&
            hr_watch_pending(cli) > 0)
            service_watch();
    }
    rl_callback_handler_remove();
    save_history(hist);
    free(hist);
}
