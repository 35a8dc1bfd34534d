/* start.c - bring a session up from the command line options */
#include "start.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "demo.h"
#include "pool.h"
#include "progress.h"
#include "watch.h"

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int setup_demo(struct hr_ctx *ctx)
{
    struct hr_progress *bar = ctx->bar;
    struct hr_err err = { { 0 } };
    char *path = hr_demo_path();
    char *spec = NULL;
    int made = 0;
    int rc = 2;

    if (path == NULL)
        return 2;
    if (!ctx->quiet && access(path, R_OK) != 0)
        fprintf(stderr, "making the demo array (5000 x 5000 float64, "
                "200 MB) once: %s\n", path);
    hr_progress_label(bar, "making demo array");
    if (hr_demo_make(path, &made, hr_progress_update, bar, &err) != 0) {
        hr_progress_done(bar);
        hr_cmd_error(ctx, "%s", err.msg);
        goto out;
    }
    hr_progress_done(bar);
    if (asprintf(&spec, "demo=%s", path) < 0)
        goto out;
    if (hr_ctx_load(ctx, spec, NULL, NULL, &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        goto out;
    }
    rc = 0;
out:
    free(spec);
    free(path);
    return rc;
}

int hr_start(const struct hr_opts *opts, struct hr_ctx **out,
             char **banner)
{
    struct hr_ctx *ctx = NULL;
    double t0 = now_ms();
    char *line = NULL;
    int i;
    int rc = 2;

    if (hr_ctx_open(&ctx) != 0)
        return 2;
    ctx->load = opts->load;
    ctx->timeout_s = opts->timeout_s;
    ctx->isolate = opts->isolate;
    ctx->quiet = opts->quiet;
    ctx->json = opts->json;
    ctx->interactive = isatty(STDIN_FILENO) && opts->batch == NULL;
    /* no-color.org: a NO_COLOR that is set and not empty turns colour off */
    ctx->color = isatty(STDOUT_FILENO) &&
                 (getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0');
    hr_cmd_track_output();
    hr_pool_start(0);

    if (opts->demo && setup_demo(ctx) != 0)
        goto out;
    for (i = 0; i < opts->narrays; i++) {
        struct hr_err err = { { 0 } };

        if (hr_ctx_load(ctx, opts->arrays[i],
                        opts->have_raw ? &opts->raw : NULL, &opts->csv,
                        &err) != 0) {
            hr_cmd_error(ctx, "%s", err.msg);
            goto out;
        }
    }
    if (opts->demo) {
        const char *demo_task = HR_SOURCE_DIR "/tasks/demo.c";

        if (asprintf(&line, "reload \"%s\"", demo_task) >= 0)
            hr_cmd_exec(ctx, line);
        free(line);
        line = NULL;
        free(ctx->last_run);
        ctx->last_run = strdup("run some_task");
    }
    for (i = 0; i < opts->ntasks; i++) {
        if (asprintf(&line, "reload \"%s\"", opts->tasks[i]) < 0)
            goto out;
        hr_cmd_exec(ctx, line);
        free(line);
        line = NULL;
    }
    for (i = 0; i < opts->nwatches; i++) {
        if (hr_watch_add_spec(ctx, opts->watches[i]) != 0)
            goto out;
    }
    for (i = 0; i < opts->ncmds; i++) {
        if (hr_cmd_exec(ctx, opts->cmds[i]) == HR_CMD_QUIT)
            break;
    }
    if (banner != NULL) {
        const struct hr_resident *r = hr_ctx_array(ctx, NULL);
        char shape[64] = "";
        char size[32] = "";
        int n = 0;

        if (r != NULL) {
            hr_shape_format(&r->view, shape, sizeof shape);
            hr_cmd_format_bytes((double)r->view.nbytes, size, sizeof size);
        }
        if (r != NULL)
            n = asprintf(banner, "hotrun %s: %d array%s resident (default "
                         "%s %s %s, %s, %s) in %.0f ms; %d module%s. "
                         "Type help.", HR_VERSION, ctx->narrays,
                         ctx->narrays == 1 ? "" : "s", r->name, shape,
                         hr_dtype_name(r->view.dtype), size, r->how,
                         now_ms() - t0, ctx->nmods,
                         ctx->nmods == 1 ? "" : "s");
        else
            n = asprintf(banner, "hotrun %s: no array loaded (load FILE). "
                         "Type help.", HR_VERSION);
        if (n < 0)
            *banner = NULL;
    }
    *out = ctx;
    ctx = NULL;
    rc = 0;
out:
    hr_ctx_close(ctx);
    return rc;
}
