/* main.c - options -> session -> prompt, script or batch */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch.h"
#include "cmd.h"
#include "opts.h"
#include "repl.h"
#include "start.h"

int main(int argc, char **argv)
{
    struct hr_opts opts = { 0 };
    struct hr_err err = { { 0 } };
    struct hr_ctx *ctx = NULL;
    char *banner = NULL;
    int rc = hr_opts_parse(argc, argv, &opts, &err);

    if (rc != 0) {
        fprintf(stderr, "%s\n", err.msg);
        hr_opts_free(&opts);
        return 2;
    }
    if (opts.help || opts.version) {
        fputs(opts.help ? hr_opts_usage() : "hotrun " HR_VERSION "\n",
              stdout);
        hr_opts_free(&opts);
        return 0;
    }
    rc = hr_start(&opts, &ctx, &banner);
    if (rc == 0 && opts.batch != NULL)
        rc = hr_batch_list(ctx, opts.batch);
    else if (rc == 0 && ctx->interactive)
        rc = hr_repl_run(ctx, opts.quiet ? NULL : banner);
    else if (rc == 0)
        rc = hr_batch_script(ctx, stdin);
    free(banner);
    hr_ctx_close(ctx);
    hr_opts_free(&opts);
    return rc;
}
