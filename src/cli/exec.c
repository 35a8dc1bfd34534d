/* exec.c - the one executor: every command from every front end */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "out.h"
#include "progress.h"
#include "remote.h"
#include "report.h"
#include "watch.h"
#include "words.h"

static void on_progress(void *ud, const char *label, int64_t done,
                        int64_t total)
{
    struct hr_cli *cli = ud;

    if (label != NULL)
        hr_progress_label(cli->bar, label);
    if (total <= 0) {
        hr_progress_done(cli->bar);
        hr_progress_label(cli->bar, NULL);
        return;
    }
    hr_progress_update(cli->bar, done, total);
}

static void on_notice(void *ud, const char *text)
{
    const struct hr_cli *cli = ud;

    hr_report_notice(cli, text);
}

int hr_cli_open(int json, int color, int interactive, struct hr_cli **out)
{
    struct hr_session_hooks hooks = { on_progress, on_notice, NULL };
    struct hr_cli *cli = calloc(1, sizeof *cli);

    *out = NULL;
    if (cli == NULL)
        return HR_ENOMEM;
    cli->json = json;
    cli->color = color;
    cli->interactive = interactive;
    hooks.ud = cli;
    hr_out_track(json);
    cli->bar = hr_progress_new(2);
    if (hr_session_open(&hooks, &cli->s) != 0) {
        hr_cli_close(cli);
        return HR_ENOMEM;
    }
    *out = cli;
    return 0;
}

void hr_cli_close(struct hr_cli *cli)
{
    if (cli == NULL)
        return;
    hr_watch_free(cli->watch);
    hr_remote_close(cli->remote);
    hr_session_close(cli->s);
    hr_progress_free(cli->bar);
    free(cli->last_reload);
    free(cli->last_run);
    free(cli);
}

int hr_cli_status(const struct hr_cli *cli)
{
    if (cli->input_errors > 0)
        return 2;
    return cli->failures > 0 ? 1 : 0;
}

void hr_exec_emit(struct hr_cli *cli, struct hr_record *r)
{
    if (cli->sink != NULL)
        cli->sink(cli->sink_ud, r);
    else
        hr_report(cli, r);
    if (!r->ok && !r->quiet) {
        cli->failures++;
        if (r->input_error)
            cli->input_errors++;
    }
    cli->emitted++;
    hr_record_fini(r);
}

/* Is there anything in r to show (or, in JSON, must it be shown)? */
static int worth_emitting(const struct hr_cli *cli, int before,
                          const struct hr_record *r)
{
    if (cli->emitted == before)
        return 1;           /* every command gives one record at least */
    return !r->ok || r->note != NULL || r->warnings != NULL ||
           r->text.len > 0;
}

static int dispatch(struct hr_cli *cli, struct hr_record *rec, int argc,
                    char **argv)
{
    const struct hr_cmd *c = hr_cmd_lookup(argv[0]);

    if (c == NULL) {
        const char *near = hr_cmd_nearest(argv[0]);

        if (near != NULL)
            hr_record_input_error(rec, "%s: unknown command (did you mean "
                                  "%s?)", argv[0], near);
        else
            hr_record_input_error(rec, "%s: unknown command (type 'help')",
                                  argv[0]);
        return HR_CMD_ERR;
    }
    rec->command = c->name;
    if ((c->arity > 0 && argc != c->arity) ||
        (c->arity < 0 && argc < -c->arity)) {
        hr_record_input_error(rec, "usage: %s", c->usage);
        return HR_CMD_ERR;
    }
    if (cli->remote != NULL && !hr_remote_is_local(c->name))
        return hr_remote_exec(cli, argc, argv, rec);
    return c->fn(cli, argc, argv, rec);
}

int hr_exec_argv(struct hr_cli *cli, int argc, char **argv,
                 const struct hr_where *where, int flags)
{
    struct hr_record rec;
    char *reload = cli->last_reload;
    char *run = cli->last_run;
    int before = cli->emitted;
    int rc;

    hr_out_fresh_line();
    hr_record_init(&rec, where, argc, argv);
    rec.quiet = (flags & HR_EXEC_QUIET) != 0;
    if (rec.quiet) {
        cli->last_reload = NULL;
        cli->last_run = NULL;
    }
    rc = dispatch(cli, &rec, argc, argv);
    if (rc == HR_CMD_ERR && rec.ok)
        hr_record_error(&rec, "%s: failed", argv[0]);
    if (worth_emitting(cli, before, &rec))
        hr_exec_emit(cli, &rec);
    hr_record_fini(&rec);
    if (rec.quiet) {
        free(cli->last_reload);
        free(cli->last_run);
        cli->last_reload = reload;
        cli->last_run = run;
    }
    return rc;
}

int hr_exec_split(struct hr_cli *cli, const char *line, size_t len,
                  const struct hr_where *where, int flags, char ***argv)
{
    struct hr_err err = { { 0 } };
    struct hr_record rec;
    int argc = hr_words_split(line, len, argv, &err);

    if (argc >= 0)
        return argc;
    hr_record_init(&rec, where, 0, NULL);
    rec.quiet = (flags & HR_EXEC_QUIET) != 0;
    if (argc == HR_EINVAL)
        hr_record_input_error(&rec, "%s", err.msg);
    else
        hr_record_error(&rec, "out of memory");
    hr_exec_emit(cli, &rec);
    hr_record_fini(&rec);
    return -1;
}

int hr_exec_line(struct hr_cli *cli, const char *line, size_t len,
                 const struct hr_where *where, int flags)
{
    char **argv = NULL;
    int argc = hr_exec_split(cli, line, len, where, flags, &argv);
    int rc = HR_CMD_OK;

    if (argc < 0)
        return HR_CMD_ERR;
    if (argc > 0)
        rc = hr_exec_argv(cli, argc, argv, where, flags);
    hr_words_free(argc, argv);
    return rc;
}
