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
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "fileio.h"
#include "guard.h"
#include "watch.h"
#include "words.h"

#define HISTORY_MAX 2000

/* readline's callbacks carry no user data: the session's state is here */
static struct hr_ctx *rctx;
static int done;                /* quit or Ctrl-D */
static int last_rc;             /* of the last command line */
static int installed;           /* a prompt is installed */
static int added;               /* history lines added by this session */
static struct winsize winsz;    /* the size readline last learnt */

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
static char *make_prompt(const struct hr_ctx *ctx)
{
    const struct hr_resident *r = hr_ctx_array(ctx, NULL);
    char shape[160] = "no array";
    char mods[32] = "";
    char *p = NULL;

    if (r != NULL) {
        char s[64];

        hr_shape_format(&r->view, s, sizeof s);
        snprintf(shape, sizeof shape, "%s %s %s", r->name, s,
                 hr_dtype_short(r->view.dtype));
    }
    if (ctx->nmods > 0)
        snprintf(mods, sizeof mods, " | %d module%s", ctx->nmods,
                 ctx->nmods == 1 ? "" : "s");
    /* \001 and \002 tell readline that the colour takes no columns */
    if (ctx->color) {
        if (asprintf(&p, "\001\033[36m\002hotrun\001\033[0m\002 [%s%s] > ",
                     shape, mods) < 0)
            return NULL;
    } else if (asprintf(&p, "hotrun [%s%s] > ", shape, mods) < 0) {
        return NULL;
    }
    return p;
}

/* ---- completion ---- */

static char **cands;            /* owned words for the completion at hand */
static int ncands;

static void cand_clear(void)
{
    int i;

    for (i = 0; i < ncands; i++)
        free(cands[i]);
    free(cands);
    cands = NULL;
    ncands = 0;
}

static void cand_add(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void cand_add(const char *fmt, ...)
{
    char **c = realloc(cands, (size_t)(ncands + 1) * sizeof *c);
    char *s = NULL;
    va_list ap;
    int n;

    if (c == NULL)
        return;
    cands = c;
    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n >= 0)
        cands[ncands++] = s;
}

static char *cand_next(const char *text, int state)
{
    static int i;
    size_t len = strlen(text);

    if (state == 0)
        i = 0;
    while (i < ncands) {
        const char *c = cands[i++];

        if (strncmp(c, text, len) == 0)
            return strdup(c);
    }
    return NULL;
}

static int cand_any(const char *text)
{
    size_t len = strlen(text);
    int i;

    for (i = 0; i < ncands; i++) {
        if (strncmp(cands[i], text, len) == 0)
            return 1;
    }
    return 0;
}

/* readline's list of the candidates that start with text */
static char **cand_matches(const char *text)
{
    char **m = rl_completion_matches(text, cand_next);

    cand_clear();
    return m;
}

/* Task names; "FILE:" when no task starts with text; "FILE:NAME" forms
 * once text has a ':'.  With file, only the tasks of that file. */
static char **complete_task(const char *text, const char *file)
{
    const char *colon = strrchr(text, ':');
    char **m = NULL;
    int i, j;

    for (i = 0; i < rctx->nmods; i++) {
        const struct hr_module *mod = rctx->mods[i];

        if (file != NULL && !hr_ctx_module_matches(mod, file, strlen(file)))
            continue;
        for (j = 0; j < mod->ntasks; j++) {
            if (colon == NULL)
                cand_add("%s", mod->tasks[j].name);
            else if (hr_ctx_module_matches(mod, text, (size_t)(colon - text)))
                cand_add("%.*s:%s", (int)(colon - text), text,
                         mod->tasks[j].name);
        }
    }
    if (colon == NULL && file == NULL && !cand_any(text)) {
        for (i = 0; i < rctx->nmods; i++) {
            const char *path = rctx->mods[i]->path;
            const char *base = strrchr(path, '/');

            base = base != NULL ? base + 1 : path;
            cand_add("%s:", base);
            if (base != path)
                cand_add("%s:", path);
        }
    }
    if (file != NULL && ncands == 0)
        return complete_task(text, NULL);
    m = cand_matches(text);
    /* "demo.c:" is not a whole word yet: no space after it */
    if (m != NULL && m[1] == NULL && m[0][0] != '\0' &&
        m[0][strlen(m[0]) - 1] == ':')
        rl_completion_suppress_append = 1;
    return m;
}

static char **complete_commands(const char *text)
{
    const struct hr_cmd *c = NULL;

    for (c = hr_cmd_table(); c->name != NULL; c++)
        cand_add("%s", c->name);
    return cand_matches(text);
}

static char **complete_arrays(const char *text)
{
    int i;

    for (i = 0; i < rctx->narrays; i++)
        cand_add("%s", rctx->arrays[i]->name);
    return cand_matches(text);
}

static char **complete_words(const char *text, const char *const *words)
{
    for (; *words != NULL; words++)
        cand_add("%s", *words);
    return cand_matches(text);
}

/* Module paths for unload; readline's file names when none matches. */
static char **complete_module(const char *text)
{
    int i;

    for (i = 0; i < rctx->nmods; i++)
        cand_add("%s", rctx->mods[i]->path);
    if (cand_any(text))
        return cand_matches(text);
    cand_clear();
    rl_attempted_completion_over = 0;
    return NULL;
}

/* `load [NAME=]FILE [--dtype T --shape S [--order C|F]]` */
static char **complete_load(const char *text, const char *prev)
{
    static const char *const flags[] = { "--dtype", "--shape", "--order",
                                         NULL };
    static const char *const dtypes[] = { "float64", "float32", "float16",
        "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
        "uint8", "bool", "complex128", "complex64", NULL };
    static const char *const orders[] = { "C", "F", NULL };

    if (strcmp(prev, "--dtype") == 0)
        return complete_words(text, dtypes);
    if (strcmp(prev, "--order") == 0)
        return complete_words(text, orders);
    if (strcmp(prev, "--shape") == 0)
        return NULL;
    if (text[0] == '-')
        return complete_words(text, flags);
    rl_attempted_completion_over = 0;
    return NULL;
}

/* What the word at hand completes to, from the words before it: words[0]
 * is the command, n the number of words before the one at hand. */
static char **complete_args(const char *text, char **words, int n)
{
    static const char *const onoff[] = { "on", "off", NULL };
    static const char *const off[] = { "off", NULL };
    const struct hr_cmd *c = hr_cmd_lookup(words[0]);

    if (c == NULL)
        return NULL;
    if (strcmp(c->name, "load") == 0)
        return complete_load(text, words[n - 1]);
    if (strcmp(c->name, "run") == 0) {
        if (n == 1 || (n == 3 && strcmp(words[1], "-n") == 0))
            return complete_task(text, NULL);
        return NULL;
    }
    if (strcmp(c->name, "watch") == 0 && n == 2)
        return complete_task(text, words[1]);
    if (n != 1)
        return NULL;
    if (strcmp(c->name, "unload") == 0)
        return complete_module(text);
    if (strcmp(c->name, "isolate") == 0)
        return complete_words(text, onoff);
    if (strcmp(c->name, "timeout") == 0)
        return complete_words(text, off);
    switch (c->args) {
    case HR_ARG_FILE:
        rl_attempted_completion_over = 0;   /* readline's file names */
        return NULL;
    case HR_ARG_ARRAY:
        return complete_arrays(text);
    case HR_ARG_COMMAND:
        return complete_commands(text);
    default:
        return NULL;
    }
}

static char **complete(const char *text, int start, int end)
{
    size_t len = (size_t)start;
    char **words = NULL;
    char *head = NULL;
    char **out = NULL;
    int n;

    (void)end;
    cand_clear();
    rl_attempted_completion_over = 1;   /* no file names unless asked */
    /* the word at hand may follow an opening quote */
    if (len > 0 && strchr("\"'", rl_line_buffer[len - 1]) != NULL)
        len--;
    head = strndup(rl_line_buffer, len);
    if (head == NULL)
        return NULL;
    n = hr_words_split(head, strlen(head), &words, NULL);
    if (n == 0)
        out = complete_commands(text);
    else if (n > 0)
        out = complete_args(text, words, n);
    if (n >= 0)
        hr_words_free(n, words);
    free(head);
    cand_clear();
    return out;
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

    /* copies: the commands replace ctx->last_reload and ctx->last_run */
    if (rctx->last_reload != NULL)
        path = strdup(rctx->last_reload);
    if (rctx->last_run != NULL)
        run = strdup(rctx->last_run);
    if (path != NULL) {
        char *argv[2] = { name, path };

        rc = hr_cmd_execv(rctx, 2, argv);
    }
    if (rc == HR_CMD_OK && run != NULL)
        rc = hr_cmd_exec(rctx, run);
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
            rc = hr_cmd_exec(rctx, one);
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
    if (line[strspn(line, " \t\r\n")] == '\0')
        last_rc = repeat_last();
    else
        last_rc = exec_lines(line);
    if (last_rc == HR_CMD_QUIT)
        done = 1;
    /* a Ctrl-C that came while a command could not be stopped (a load,
     * a compile) is spent: it must not clear the next line */
    hr_guard_idle_sigint_take();
    free(line);
}

static void install_prompt(void)
{
    char *prompt = make_prompt(rctx);

    hr_cmd_fresh_line();
    check_size();
    rl_callback_handler_install(prompt != NULL ? prompt : "hotrun > ",
                                on_line);
    installed = 1;
    free(prompt);
}

/* Ctrl-C at the prompt: abandon the line, a history search or a half
 * typed key sequence, and start afresh; never quit */
static void cancel_line(void)
{
    hr_guard_idle_sigint_take();
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
    hr_watch_service(rctx);
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
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"'=";
    rl_completer_quote_characters = "\"'";
    rl_filename_quote_characters = " \t\"'\\=";
    using_history();
    stifle_history(HISTORY_MAX);
    rl_initialize();            /* reads ~/.inputrc */
    /* no reverse video on the search match either without colour */
    if (!rctx->color)
        rl_variable_bind("enable-active-region", "off");
}

int hr_repl_run(struct hr_ctx *ctx, const char *banner)
{
    /* history only for a person at a terminal */
    char *hist = isatty(STDIN_FILENO) ? hr_repl_history_path() : NULL;
    int sigfd = hr_guard_idle_sigint();

    rctx = ctx;
    done = 0;
    last_rc = HR_CMD_OK;
    added = 0;
    hr_cmd_track_output();
    setup_readline();
    if (hist != NULL)
        read_history(hist);
    if (banner != NULL)
        printf("%s\n", banner);
    fflush(stdout);
    install_prompt();
    while (!done) {
        struct pollfd fds[3];
        nfds_t nfds = 2;
        int wfd = hr_watch_fd(ctx);
        int r;

        fds[0].fd = STDIN_FILENO;
        fds[0].events = POLLIN;
        fds[1].fd = sigfd;
        fds[1].events = POLLIN;
        fds[2].fd = wfd;
        fds[2].events = POLLIN;
        fds[2].revents = 0;
        if (wfd >= 0)
            nfds = 3;
        r = poll(fds, nfds, hr_watch_timeout_ms(ctx));
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
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            check_size();
            rl_callback_read_char();
        }
        if (done)
            break;
        if (!installed)
            install_prompt();
        if (hr_watch_active(ctx) && (r == 0 || (fds[2].revents & POLLIN)) &&
            hr_watch_pending(ctx) > 0)
            service_watch();
    }
    rl_callback_handler_remove();
    save_history(hist);
    free(hist);
    cand_clear();
    return last_rc == HR_CMD_ERR ? 1 : 0;
}
