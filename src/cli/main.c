/* main.c - options -> session -> prompt, script or batch list */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"
#include "out.h"
#include "rank.h"
#include "remote.h"
#include "repl.h"
#include "script.h"
#include "start.h"

/* --ranks N: the session runs in an MPI job; returns 0 or 2. */
static int start_job(struct hr_cli *cli, const struct hr_opts *opts)
{
    struct hr_remote_opts ro = { 0 };
    struct hr_err err = { { 0 } };
    const char *env = getenv("HOTRUN_LAUNCHER");

    ro.nranks = opts->ranks;
    ro.hostfile = opts->hostfile;
    ro.launcher = opts->launcher != NULL ? opts->launcher
                  : env != NULL && *env != '\0' ? env : "mpirun";
    ro.halo = opts->halo;
    ro.load = opts->load;
    if (hr_remote_open(cli, &ro, &err) == 0)
        return 0;
    hr_out_fresh_line();        /* after the launcher's own words */
    fprintf(stderr, "%s\n", err.msg);
    return 2;
}

int main(int argc, char **argv)
{
    struct hr_opts opts = { 0 };
    struct hr_err err = { { 0 } };
    struct hr_cli *cli = NULL;
    char *banner = NULL;
    int interactive = 0;
    int color;
    int quit = 0;
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
    if (opts.engine || opts.ranks > 0) {
#ifdef HR_HAVE_MPI
        if (opts.engine) {
            rc = hr_rank_main(argc, argv, &opts);
            hr_opts_free(&opts);
            return rc;
        }
#else
        fprintf(stderr, "hotrun: --%s: this hotrun was built without MPI "
                "(install libopenmpi-dev and build again)\n",
                opts.engine ? "engine" : "ranks");
        hr_opts_free(&opts);
        return 2;
#endif
    }
    interactive = isatty(STDIN_FILENO) && opts.batch == NULL &&
                  !opts.demo_path;
    if (opts.json && interactive) {
        fprintf(stderr, "hotrun: --json is for batch lists and scripts, "
                "not the prompt (stdin is a terminal)\n");
        hr_opts_free(&opts);
        return 2;
    }
    /* no-color.org: a NO_COLOR that is set and not empty turns colour off */
    color = !opts.json && isatty(STDOUT_FILENO) &&
            (getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0');
    if (hr_cli_open(opts.json, color, interactive, &cli) != 0) {
        fprintf(stderr, "hotrun: out of memory\n");
        hr_opts_free(&opts);
        return 2;
    }
    cli->quiet = opts.quiet;
    if (opts.ranks > 0 && !opts.demo_path && start_job(cli, &opts) != 0) {
        hr_cli_close(cli);
        hr_opts_free(&opts);
        return 2;
    }
    if (opts.demo_path)
        rc = hr_start_demo_path(cli);
    else
        rc = hr_start(cli, &opts, &quit, interactive && !opts.quiet
                                         ? &banner : NULL);
    if (rc == 0 && !quit && !opts.demo_path) {
        if (opts.batch != NULL)
            hr_script_list(cli, opts.batch);
        else if (interactive)
            hr_repl_run(cli, banner);
        else
            hr_script_stdin(cli, STDIN_FILENO);
    }
    if (rc == 0)
        rc = hr_cli_status(cli);
    free(banner);
    hr_cli_close(cli);
    hr_opts_free(&opts);
    return rc;
}
