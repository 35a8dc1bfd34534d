/* cmd_view.c - commands that look at arrays: show, stats, plot, save */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_EDGE 100000

/* Hands an owned text to rec, or reports the engine's error. */
static int shown(int rc, char *text, const struct hr_err *err,
                 struct hr_record *rec)
{
    if (rc != 0) {
        if (rc == HR_ENOENT || rc == HR_EINVAL)
            hr_record_input_error(rec, "%s", err->msg);
        else
            hr_record_error(rec, "%s", err->msg);
        return HR_CMD_ERR;
    }
    hr_text_puts(&rec->text, text);
    free(text);
    return HR_CMD_OK;
}

static int parse_count(const char *s, long long max, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int hr_cmd_show(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    struct hr_err err = { { 0 } };
    long long n = 0;
    char *text = NULL;
    int rc;

    if (argc > 3) {
        hr_record_input_error(rec, "usage: show [NAME [N]]");
        return HR_CMD_ERR;
    }
    if (argc == 3 && parse_count(argv[2], MAX_EDGE, &n) != 0) {
        hr_record_input_error(rec, "show: N is how many rows to show at "
                              "each end, from 1 to %d, not '%s'", MAX_EDGE,
                              argv[2]);
        return HR_CMD_ERR;
    }
    rc = hr_session_show(cli->s, argc > 1 ? argv[1] : NULL, n, &text, &err);
    return shown(rc, text, &err, rec);
}

int hr_cmd_stats(struct hr_cli *cli, int argc, char **argv,
                 struct hr_record *rec)
{
    struct hr_err err = { { 0 } };
    char *text = NULL;
    int rc;

    if (argc > 2) {
        hr_record_input_error(rec, "usage: stats [NAME]");
        return HR_CMD_ERR;
    }
    rc = hr_session_stats(cli->s, argc > 1 ? argv[1] : NULL, &text, &err);
    return shown(rc, text, &err, rec);
}

/* The terminal's size, or 80 x 24 off a terminal. */
static void term_size(int *w, int *h)
{
    struct winsize ws;

    *w = 80;
    *h = 24;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
        ws.ws_col >= 16 && ws.ws_row >= 8) {
        *w = ws.ws_col;
        *h = ws.ws_row - 2;     /* the prompt stays on screen */
    }
}

/* 0: none, 1: 256 colours, 2: 24-bit, as the terminal says */
static int colours(const struct hr_cli *cli)
{
    const char *ct = getenv("COLORTERM");

    if (!cli->color)
        return 0;
    if (ct != NULL && (strcmp(ct, "truecolor") == 0 ||
                       strcmp(ct, "24bit") == 0))
        return 2;
    return 1;
}

int hr_cmd_plot(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    struct hr_plot_args pa = { 0 };
    struct hr_err err = { { 0 } };
    const char *name = NULL;
    const char *bins = NULL;
    char *text = NULL;
    long long nb = 0;
    int rc;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--hist") == 0) {
            pa.hist = 1;
        } else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
            pa.svg = argv[++i];
        } else if (argv[i][0] != '-' && name == NULL) {
            name = argv[i];
        } else if (argv[i][0] != '-' && bins == NULL && pa.hist) {
            bins = argv[i];
        } else {
            hr_record_input_error(rec, "usage: plot [--hist] [NAME [BINS]] "
                                  "[--svg FILE]");
            return HR_CMD_ERR;
        }
    }
    if (bins != NULL && parse_count(bins, 100000, &nb) != 0) {
        hr_record_input_error(rec, "plot: BINS is a count from 1 to 100000, "
                              "not '%s'", bins);
        return HR_CMD_ERR;
    }
    pa.bins = nb;
    term_size(&pa.width, &pa.height);
    pa.color = colours(cli);
    rc = hr_session_plot(cli->s, name, &pa, &text, &err);
    if (rc == 0 && pa.svg != NULL)
        hr_record_note(rec, "wrote %s", pa.svg);
    return shown(rc, text, &err, rec);
}

int hr_cmd_save(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    struct hr_err err = { { 0 } };
    const char *path = argv[argc - 1];
    int n = argc - 2;
    int rc;

    rc = hr_session_save(cli->s, (const char *const *)argv + 1, n, path,
                         &err);
    if (rc != 0) {
        if (rc == HR_ENOENT || rc == HR_EINVAL)
            hr_record_input_error(rec, "%s", err.msg);
        else
            hr_record_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    if (n == 1)
        hr_record_note(rec, "saved %s to %s", argv[1], path);
    else
        hr_record_note(rec, "saved %d arrays to %s", n, path);
    return HR_CMD_OK;
}
