/* start.c - bring a session up from the command line options */
#include "start.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "out.h"
#include "progress.h"
#include "remote.h"
#include "watch.h"
#include "words.h"
#include "view.h"

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Makes the demo array (once); *path gets it (owned).  Returns 0 or 2. */
static int demo_array(struct hr_cli *cli, char **path)
{
    struct hr_err err = { { 0 } };
    int made = 0;

    *path = hr_demo_path();
    if (*path == NULL) {
        hr_out_error(cli->color, "hotrun: --demo: no folder for the demo "
                     "array (set XDG_CACHE_HOME or HOME)");
        return 2;
    }
    if (access(*path, R_OK) != 0 && !cli->quiet)
        fprintf(stderr, "making the demo array (5000 x 5000 float64, "
                "200 MB) once: %s\n", *path);
    hr_progress_label(cli->bar, "making demo array");
    if (hr_demo_make(*path, &made, hr_progress_update, cli->bar,
                     &err) != 0) {
        hr_progress_done(cli->bar);
        hr_out_error(cli->color, "%s", err.msg);
        free(*path);
        *path = NULL;
        return 2;
    }
    hr_progress_done(cli->bar);
    return 0;
}

int hr_start_demo_path(struct hr_cli *cli)
{
    char *path = NULL;

    if (demo_array(cli, &path) != 0)
        return 2;
    printf("%s\n", path);
    free(path);
    return 0;
}

/* Loads spec as `load` would (in the MPI job with --ranks: the same
 * command, raw options as given); returns 0 or 2. */
static int load(struct hr_cli *cli, const char *spec,
                const struct hr_opts *opts)
{
    static const struct hr_opts none;   /* --demo: no options */
    struct hr_err err = { { 0 } };
    int rc;

    if (opts == NULL)
        opts = &none;
    if (cli->remote != NULL) {
        /* the job loads it: the options as the user gave them */
        char *argv[16] = { "load", (char *)spec };
        int argc = 2;

        if (opts->dtype_s != NULL) {
            argv[argc++] = "--dtype";
            argv[argc++] = (char *)opts->dtype_s;
        }
        if (opts->raw.raw) {
            argv[argc++] = "--shape";
            argv[argc++] = (char *)opts->shape_s;
            argv[argc++] = "--order";
            argv[argc++] = (char *)(opts->order_s != NULL ? opts->order_s
                                                          : "C");
        }
        if (opts->delimiter_s != NULL) {
            argv[argc++] = "--delimiter";
            argv[argc++] = (char *)opts->delimiter_s;
        }
        if (opts->raw.lenient)
            argv[argc++] = "--lenient";
        rc = hr_remote_quiet(cli, argc, argv, &err);
    } else {
        rc = hr_session_load(cli->s, spec, &opts->raw, NULL, NULL, &err);
    }
    if (rc == 0)
        return 0;
    hr_out_error(cli->color, "%s", err.msg);
    return 2;
}

/* The run settings of the options, in the MPI job too. */
static void settings(struct hr_cli *cli, const struct hr_opts *opts)
{
    struct hr_err err = { { 0 } };
    char t[64];

    hr_session_set_load_mode(cli->s, opts->load);
    hr_session_set_timeout(cli->s, opts->timeout_s);
    hr_session_set_isolate(cli->s, opts->isolate);
    if (opts->tier >= 0)
        hr_session_set_tier(cli->s, (enum hr_tier_mode)opts->tier);
    if (cli->remote == NULL)
        return;
    if (opts->timeout_s > 0) {
        char *argv[2] = { "timeout", t };

        snprintf(t, sizeof t, "%.17g", opts->timeout_s);
        if (hr_remote_quiet(cli, 2, argv, &err) != 0)
            hr_out_error(cli->color, "%s", err.msg);
    }
    if (opts->isolate) {
        char *argv[2] = { "isolate", "on" };

        if (hr_remote_quiet(cli, 2, argv, &err) != 0)
            hr_out_error(cli->color, "%s", err.msg);
    }
}

int hr_start_watch(struct hr_cli *cli, const char *spec)
{
    struct hr_where where = { "--watch", 0 };
    char **words = NULL;
    char **argv = NULL;
    const char *task = NULL;
    size_t flen = 0;
    char *file = NULL;
    int n = hr_exec_split(cli, spec, strlen(spec), &where, 0, &words);
    int argc = 0;
    int rc = HR_CMD_ERR;

    if (n <= 0) {
        hr_words_free(n, words);
        return n == 0 ? HR_CMD_OK : HR_CMD_ERR;
    }
    /* FILE:TASK, unless the whole first word is a file */
    hr_task_spec(words[0], &flen, &task);
    if (flen == 0 || access(words[0], F_OK) == 0) {
        file = strdup(words[0]);
        task = NULL;
    } else {
        file = strndup(words[0], flen);
    }
    argv = calloc((size_t)n + 3, sizeof *argv);
    if (file != NULL && argv != NULL) {
        argv[argc++] = "watch";
        argv[argc++] = file;
        if (task != NULL || n > 1)
            argv[argc++] = (char *)(task != NULL ? task : "");
        memcpy(argv + argc, words + 1, (size_t)(n - 1) * sizeof *argv);
        argc += n - 1;
        if (task == NULL && n > 1)
            argc = 0;   /* arguments need a task to go to */
    }
    if (argc > 0)
        rc = hr_exec_argv(cli, argc, argv, NULL, 0);
    else
        hr_out_error(cli->color, "hotrun: --watch '%s': %s", spec,
                     file == NULL || argv == NULL ? "out of memory" :
                     "arguments need a task: FILE:TASK ARGS...");
    free(argv);
    free(file);
    hr_words_free(n, words);
    return rc;
}

static char *make_banner(const struct hr_cli *cli, double t0)
{
    struct hr_array_info a;
    int n = hr_view_narrays(cli);
    int nmods = hr_view_nmodules(cli);
    char shape[HR_SHAPE_TXT];
    char size[32];
    char *banner = NULL;

    if (hr_view_array_info(cli, hr_view_find_array(cli, NULL),
                              &a) != 0) {
        if (asprintf(&banner, "hotrun %s: no array loaded (load FILE). "
                     "Type help.", HR_VERSION) < 0)
            return NULL;
        return banner;
    }
    hr_shape_format(a.view, shape, sizeof shape);
    hr_out_format_bytes((double)a.view->nbytes, size, sizeof size);
    if (asprintf(&banner, "hotrun %s: %d array%s resident (default %s %s "
                 "%s, %s, %s) in %.0f ms; %d module%s. Type help.",
                 HR_VERSION, n, n == 1 ? "" : "s", a.name, shape,
                 hr_dtype_name(a.view->dtype), size, a.how, now_ms() - t0,
                 nmods, nmods == 1 ? "" : "s") < 0)
        return NULL;
    return banner;
}

int hr_start(struct hr_cli *cli, const struct hr_opts *opts, int *quit,
             char **banner)
{
    double t0 = now_ms();
    int i;

    *quit = 0;
    settings(cli, opts);
    if (opts->demo) {
        char *path = NULL;
        char *spec = NULL;
        int rc = demo_array(cli, &path);

        if (rc == 0 && asprintf(&spec, "demo=%s", path) < 0)
            rc = 2;
        if (rc == 0)
            rc = load(cli, spec, NULL);
        free(spec);
        free(path);
        if (rc != 0)
            return rc;
    }
    for (i = 0; i < opts->narrays; i++) {
        if (load(cli, opts->arrays[i], opts) != 0)
            return 2;
    }
    if (opts->demo) {
        char *argv[2] = { "reload", HR_SOURCE_DIR "/tasks/demo.c" };

        hr_exec_argv(cli, 2, argv, NULL, 0);
        free(cli->last_run);
        cli->last_run = strdup("run some_task");
    }
    for (i = 0; i < opts->ntasks; i++) {
        char *argv[2] = { "reload", opts->tasks[i] };

        hr_exec_argv(cli, 2, argv, NULL, 0);
    }
    for (i = 0; i < opts->nwatches; i++)
        hr_start_watch(cli, opts->watches[i]);
    for (i = 0; i < opts->ncmds && !*quit; i++) {
        *quit = hr_exec_line(cli, opts->cmds[i], strlen(opts->cmds[i]),
                             NULL, 0) == HR_CMD_QUIT;
    }
    if (banner != NULL)
        *banner = make_banner(cli, t0);
    return 0;
}
