/* repl.c - the interactive prompt: readline's callback interface in one
 * poll() loop with Ctrl-C and watched files */
#include "repl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "guard.h"
#include "watch.h"

#define HISTORY_MAX 2000

static struct hr_ctx *rctx;     /* readline callbacks have no user data */
static int done;
static int last_rc;
static int installed;           /* a prompt is installed */

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

/* mkdir -p of path's folder, private to the user */
static void make_parent(const char *path)
{
    char *dir = strdup(path);
    char *p = NULL;

    if (dir == NULL)
        return;
    for (p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    free(dir);
}

static void save_history(const char *path)
{
    if (path == NULL)
        return;
    make_parent(path);
    if (write_history(path) == 0) {
        chmod(path, 0600);
        history_truncate_file(path, HISTORY_MAX);
    }
}

/* ---- prompt ---- */

static char *make_prompt(const struct hr_ctx *ctx)
{
    const struct hr_resident *r = hr_ctx_array(ctx, NULL);
    char shape[96] = "no array";
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

static const char **candidates;
static int ncandidates;

static void add_candidate(const char *s)
{
    const char **c = realloc(candidates,
                             (size_t)(ncandidates + 1) * sizeof *c);

    if (c == NULL)
        return;
    candidates = c;
    candidates[ncandidates++] = s;
}

static char *next_candidate(const char *text, int state)
{
    static int i;
    size_t len = strlen(text);

    if (state == 0)
        i = 0;
    while (i < ncandidates) {
        const char *c = candidates[i++];

        if (strncmp(c, text, len) == 0)
            return strdup(c);
    }
    return NULL;
}

/* task names, and FILE:NAME forms when the word has a ':' */
static char **complete_task(const char *text)
{
    static char **owned;
    static int nowned;
    const char *colon = strchr(text, ':');
    int i, j;

    for (i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    owned = NULL;
    nowned = 0;
    for (i = 0; i < rctx->nmods; i++) {
        const struct hr_module *m = rctx->mods[i];

        for (j = 0; j < m->ntasks; j++) {
            char *s = NULL;
            char **o = NULL;

            if (colon == NULL) {
                add_candidate(m->tasks[j].name);
                continue;
            }
            if (asprintf(&s, "%s:%s", m->path, m->tasks[j].name) < 0)
                continue;
            o = realloc(owned, (size_t)(nowned + 1) * sizeof *o);
            if (o == NULL) {
                free(s);
                continue;
            }
            owned = o;
            owned[nowned++] = s;
            add_candidate(s);
        }
    }
    return rl_completion_matches(text, next_candidate);
}

static char **complete(const char *text, int start, int end)
{
    const struct hr_cmd *c = NULL;
    char **words = NULL;
    char *head = NULL;
    int n;
    int i;
    char **out = NULL;

    (void)end;
    free(candidates);
    candidates = NULL;
    ncandidates = 0;
    rl_attempted_completion_over = 1;
    head = strndup(rl_line_buffer, (size_t)start);
    if (head == NULL)
        return NULL;
    n = hr_cmd_split(head, &words, NULL);
    free(head);
    if (n < 0)
        return NULL;
    if (n == 0) {
        for (c = hr_cmd_table(); c->name != NULL; c++)
            add_candidate(c->name);
        out = rl_completion_matches(text, next_candidate);
        hr_cmd_free_words(n, words);
        return out;
    }
    c = hr_cmd_lookup(words[0]);
    if (c == NULL) {
        hr_cmd_free_words(n, words);
        return NULL;
    }
    switch (c->args) {
    case HR_ARG_FILE:
        /* watch FILE TASK: the word after the file is a task */
        if (n >= 2 && strcmp(c->name, "watch") == 0)
            out = complete_task(text);
        else
            rl_attempted_completion_over = 0;   /* readline's filenames */
        break;
    case HR_ARG_TASK:
        if (n == 1 || (n == 3 && strcmp(words[1], "-n") == 0))
            out = complete_task(text);
        break;
    case HR_ARG_ARRAY:
        for (i = 0; i < rctx->narrays; i++)
            add_candidate(rctx->arrays[i]->name);
        out = rl_completion_matches(text, next_candidate);
        break;
    case HR_ARG_COMMAND:
        for (c = hr_cmd_table(); c->name != NULL; c++)
            add_candidate(c->name);
        out = rl_completion_matches(text, next_candidate);
        break;
    default:
        break;
    }
    hr_cmd_free_words(n, words);
    return out;
}

/* ---- the loop ---- */

static void on_line(char *line)
{
    if (line == NULL) {
        done = 1;
        putchar('\n');
        return;
    }
    rl_callback_handler_remove();
    installed = 0;
    if (line[strspn(line, " \t")] == '\0') {
        /* Enter on an empty line: reload and rerun, the Python trick's
         * "press Enter" */
        if (rctx->last_reload != NULL) {
            char *cmd = NULL;
            char *run = rctx->last_run != NULL ? strdup(rctx->last_run)
                                               : NULL;

            if (asprintf(&cmd, "reload \"%s\"", rctx->last_reload) >= 0) {
                last_rc = hr_cmd_exec(rctx, cmd);
                if (last_rc == HR_CMD_OK && run != NULL)
                    last_rc = hr_cmd_exec(rctx, run);
            }
            free(cmd);
            free(run);
        } else if (rctx->last_run != NULL) {
            char *run = strdup(rctx->last_run);

            if (run != NULL)
                last_rc = hr_cmd_exec(rctx, run);
            free(run);
        }
    } else {
        HIST_ENTRY *prev = history_get(history_base + history_length - 1);

        if (prev == NULL || strcmp(prev->line, line) != 0)
            add_history(line);
        last_rc = hr_cmd_exec(rctx, line);
        if (last_rc == HR_CMD_QUIT)
            done = 1;
    }
    free(line);
}

static void install_prompt(void)
{
    char *prompt = make_prompt(rctx);

    rl_callback_handler_install(prompt != NULL ? prompt : "hotrun> ",
                                on_line);
    installed = 1;
    free(prompt);
}

/* Something else wants the screen: clear the typed line, let it print,
 * then draw prompt and line again. */
static void interrupt_line(int (*fn)(struct hr_ctx *), struct hr_ctx *ctx)
{
    char *saved = rl_copy_text(0, rl_end);
    int point = rl_point;

    rl_callback_handler_remove();
    rl_replace_line("", 0);
    rl_redisplay();
    fputs("\r\033[K", stdout);
    fflush(stdout);
    fn(ctx);
    install_prompt();
    if (saved != NULL) {
        rl_insert_text(saved);
        rl_point = point;
        free(saved);
    }
    rl_redisplay();
}

int hr_repl_run(struct hr_ctx *ctx, const char *banner)
{
    char *hist = hr_repl_history_path();
    int sigfd = hr_guard_idle_sigint();

    rctx = ctx;
    done = 0;
    rl_readline_name = "hotrun";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"'";
    using_history();
    stifle_history(HISTORY_MAX);
    if (hist != NULL)
        read_history(hist);
    if (banner != NULL)
        printf("%s\n", banner);
    fflush(stdout);
    install_prompt();
    while (!done) {
        struct pollfd fds[3];
        int nfds = 2;
        int wfd = hr_watch_fd(ctx);
        int r;

        fds[0].fd = fileno(rl_instream != NULL ? rl_instream : stdin);
        fds[0].events = POLLIN;
        fds[1].fd = sigfd;
        fds[1].events = POLLIN;
        if (wfd >= 0) {
            fds[2].fd = wfd;
            fds[2].events = POLLIN;
            nfds = 3;
        }
        r = poll(fds, (nfds_t)nfds, hr_watch_timeout_ms(ctx));
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && sigfd >= 0 && (fds[1].revents & POLLIN)) {
            /* Ctrl-C at the prompt clears the line, never quits */
            hr_guard_idle_sigint_take();
            rl_replace_line("", 0);
            fputs("^C\n", stdout);
            rl_on_new_line();
            rl_redisplay();
            continue;
        }
        if (r > 0 && (fds[0].revents & (POLLIN | POLLHUP)))
            rl_callback_read_char();
        if (done)
            break;
        if (!installed)
            install_prompt();
        if (hr_watch_active(ctx) &&
            (r == 0 || (nfds == 3 && (fds[2].revents & POLLIN))))
            interrupt_line(hr_watch_service, ctx);
    }
    rl_callback_handler_remove();
    save_history(hist);
    free(hist);
    free(candidates);
    candidates = NULL;
    return last_rc == HR_CMD_ERR ? 1 : 0;
}
