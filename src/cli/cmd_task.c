/* cmd_task.c - commands on task files and runs: reload, run, do, list,
 * unload, and the run settings timeout and isolate */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canceller.h"
#include "out.h"
#include "watch.h"
#include "words.h"

#define MAX_RUNS 100000

/* Is err's code one a user's input causes (exit status 2)? */
static int input_code(int rc)
{
    return rc == HR_ENOENT || rc == HR_EINVAL || rc == HR_EIO ||
           rc == HR_EAMBIG;
}

/* Compiles path into rec (a reload record); *m gets the module's index.
 * Returns HR_CMD_OK or HR_CMD_ERR. */
static int reload_into(struct hr_cli *cli, const char *path, int *m,
                       struct hr_record *rec)
{
    struct hr_module_info info;
    struct hr_err err = { { 0 } };
    struct hr_text names = HR_TEXT_INIT;
    char t[32];
    int rc;
    int i;

    rec->kind = HR_REC_RELOAD;
    hr_record_set(&rec->file, path);
    rc = hr_session_reload(cli->s, path, m, &err);
    if (rc != 0) {
        if (input_code(rc))
            hr_record_input_error(rec, "%s", err.msg);
        else if (hr_session_find_module(cli->s, path) >= 0)
            hr_record_error(rec, "%s\nreload: %s did not compile; the last "
                            "good version stays loaded", err.msg, path);
        else
            hr_record_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    hr_session_module_info(cli->s, *m, &info);
    rec->compile_ms = info.compile_ms;
    hr_record_set(&rec->warnings, info.warnings);
    for (i = 0; i < info.ntasks; i++)
        hr_text_printf(&names, "%s%s", i ? " " : "",
                       hr_session_task_name(cli->s, *m, i));
    hr_out_format_ms(info.compile_ms, t, sizeof t);
    hr_record_note(rec, "reloaded %s: %s (%s)", info.path,
                   names.s != NULL ? names.s : "", t);
    hr_text_free(&names);
    return HR_CMD_OK;
}

int hr_cmd_reload(struct hr_cli *cli, int argc, char **argv,
                  struct hr_record *rec)
{
    int m = -1;

    (void)argc;
    hr_record_set(&cli->last_reload, argv[1]);
    return reload_into(cli, argv[1], &m, rec);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* "made row_means (5000 float64), hist (50 int64)" */
static void note_made(struct hr_record *rec, const struct hr_run_result *res)
{
    struct hr_text t = HR_TEXT_INIT;
    int i;

    for (i = 0; i < res->noutputs; i++)
        hr_text_printf(&t, "%s%s", i > 0 ? ", " : "", res->outputs[i]);
    hr_record_note(rec, "%s made %s", rec->function != NULL ? rec->function
                                                            : "the task",
                   t.s != NULL ? t.s : "");
    hr_text_free(&t);
}

/* "run: arguments not used by f: 7 x" (a typo, or one too many) */
static void note_unused(struct hr_record *rec, int n, char **args)
{
    struct hr_text t = HR_TEXT_INIT;
    char *w = hr_words_join(n, args);

    hr_text_printf(&t, "run: %s did not use the argument%s %s",
                   rec->function != NULL ? rec->function : "the task",
                   n > 1 ? "s" : "", w != NULL ? w : "");
    free(w);
    hr_record_set(&rec->warnings, t.s);
    hr_text_free(&t);
}

/* "min A / median B / max C over N runs, RATE" of n >= 2 times (sorted
 * here) */
static void format_runs(double *times, long n, double nbytes, char *buf,
                        size_t len)
{
    char lo[32], mid[32], hi[32], rate[32];

    qsort(times, (size_t)n, sizeof *times, cmp_double);
    hr_out_format_ms(times[0], lo, sizeof lo);
    hr_out_format_ms(times[n / 2], mid, sizeof mid);
    hr_out_format_ms(times[n - 1], hi, sizeof hi);
    hr_out_format_rate(nbytes, times[n / 2], rate, sizeof rate);
    snprintf(buf, len, "min %s / median %s / max %s over %ld runs, %s", lo,
             mid, hi, n, rate);
}

/* Runs spec n times with args into rec (a run record). */
static int run_into(struct hr_cli *cli, const char *spec, long n, int argc,
                    char **argv, struct hr_record *rec)
{
    struct hr_module_info info;
    struct hr_run_result res = { 0 };
    struct hr_err err = { { 0 } };
    double *times = NULL;
    char t[32], rate[32], timing[384];
    long n1 = 0;                /* runs at tier 1, before any at tier 2 */
    struct hr_canceller *stopper = NULL;
    int m = -1, k = -1;
    int rc;
    long i;

    rec->kind = HR_REC_RUN;
    rec->targc = argc;
    rec->targv = argv;
    rc = hr_session_find_task(cli->s, spec, &m, &k, &err);
    if (rc != 0) {
        hr_task_spec(spec, &(size_t){ 0 }, &spec);
        hr_record_set(&rec->function, spec);
        hr_record_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    hr_session_module_info(cli->s, m, &info);
    hr_record_set(&rec->file, info.path);
    hr_record_set(&rec->function, hr_session_task_name(cli->s, m, k));
    times = malloc((size_t)n * sizeof *times);
    if (times == NULL) {
        hr_record_error(rec, "run: out of memory");
        return HR_CMD_ERR;
    }
    /* watch mode: a save while it runs stops it (then the watch reruns) */
    stopper = hr_watch_canceller(cli);
    for (i = 0; i < n; i++) {
        rc = hr_session_run(cli->s, spec, argc, argv, &res, &err);
        if (rc != 0)
            break;
        times[i] = res.ms;
        n1 += res.tier != 2;
    }
    hr_canceller_stop(stopper);
    if (rc != 0) {
        /* the terminal echoed ^C where the cursor was */
        if (rc == HR_EINTR && cli->interactive && isatty(STDOUT_FILENO))
            hr_out_line_left_open();
        if (rc == HR_ENOENT)
            hr_record_error(rec, "%s", err.msg);
        else
            hr_record_error(rec, "run: %s", err.msg);
        rec->run_ms = res.ms;
        free(times);
        return HR_CMD_ERR;
    }
    if (n == 1) {
        hr_out_format_ms(res.ms, t, sizeof t);
        hr_out_format_rate(res.bytes, res.ms, rate, sizeof rate);
        snprintf(timing, sizeof timing, "%s, %s", t, rate);
    } else if (n1 == 0 || n1 == n) {
        format_runs(times, n, res.bytes, timing, sizeof timing);
    } else {
        /* tier 2 came in during the runs: each tier on its own */
        char t1[160], t2[160];

        format_runs(times, n1, res.bytes, t1, sizeof t1);
        format_runs(times + n1, n - n1, res.bytes, t2, sizeof t2);
        snprintf(timing, sizeof timing, "tier 1: %s; %s: %s", t1,
                 hr_cmd_tier_word(res.tier, res.tier_fast), t2);
    }
    if (res.tier == 2 && (n1 == 0 || n == 1)) {
        size_t len = strlen(timing);

        snprintf(timing + len, sizeof timing - len, ", %s",
                 hr_cmd_tier_word(res.tier, res.tier_fast));
    }
    rec->tier = res.tier;
    if (res.noutputs > 0) {
        rec->outputs = calloc((size_t)res.noutputs, sizeof *rec->outputs);
        for (i = 0; rec->outputs != NULL && i < res.noutputs; i++) {
            rec->outputs[i] = strdup(res.outputs[i]);
            rec->noutputs += rec->outputs[i] != NULL;
        }
        note_made(rec, &res);
    }
    if (res.unused_from >= 0 && res.unused_from < argc)
        note_unused(rec, argc - res.unused_from, argv + res.unused_from);
    rec->has_result = 1;
    rec->result_kind = res.kind;
    rec->result = res.value;
    rec->iresult = res.ivalue;
    rec->uresult = res.uvalue;
    rec->bytes = res.bytes;
    rec->run_ms = n == 1 ? res.ms : times[n / 2];
    hr_record_set(&rec->timing, timing);
    free(times);
    return HR_CMD_OK;
}

int hr_cmd_run(struct hr_cli *cli, int argc, char **argv,
               struct hr_record *rec)
{
    long n = 1;
    int first = 1;

    free(cli->last_run);
    cli->last_run = hr_words_join(argc, argv);
    if (strcmp(argv[1], "-n") == 0) {
        char *end = NULL;

        if (argc < 4) {
            hr_record_input_error(rec, "usage: run [-n N] [FILE:]TASK "
                                  "[ARGS...]");
            return HR_CMD_ERR;
        }
        n = strtol(argv[2], &end, 10);
        if (*end != '\0' || n < 1 || n > MAX_RUNS) {
            hr_record_input_error(rec, "run: -n wants a count from 1 to %d, "
                                  "not '%s'", MAX_RUNS, argv[2]);
            return HR_CMD_ERR;
        }
        first = 3;
    }
    return run_into(cli, argv[first], n, argc - first - 1,
                    argv + first + 1, rec);
}

/* "FILE:TASK" for task t of module m, owned. */
static char *task_spec(const struct hr_cli *cli, int m, const char *task)
{
    struct hr_module_info info;
    char *spec = NULL;

    hr_session_module_info(cli->s, m, &info);
    if (asprintf(&spec, "%s:%s", info.realpath, task) < 0)
        return NULL;
    return spec;
}

int hr_cmd_do(struct hr_cli *cli, int argc, char **argv,
              struct hr_record *rec)
{
    const char *want = argc > 2 ? argv[2] : NULL;
    struct hr_module_info info;
    double compile_ms;
    int failed = 0;
    int m = -1;
    int i;

    if (reload_into(cli, argv[1], &m, rec) != HR_CMD_OK) {
        rec->kind = HR_REC_RUN;
        hr_record_set(&rec->function, want);
        return HR_CMD_ERR;
    }
    hr_session_module_info(cli->s, m, &info);
    compile_ms = info.compile_ms;
    hr_record_fini(rec);
    for (i = 0; i < info.ntasks; i++) {
        const char *name = hr_session_task_name(cli->s, m, i);
        char *spec = NULL;

        if (want != NULL && strcmp(want, name) != 0)
            continue;
        spec = task_spec(cli, m, name);
        if (spec == NULL) {
            hr_record_error(rec, "do: out of memory");
            return HR_CMD_ERR;
        }
        failed |= run_into(cli, spec, 1, want != NULL ? argc - 3 : 0,
                           argv + 3, rec) != HR_CMD_OK;
        free(spec);
        rec->show_file = 1;
        rec->compile_ms = compile_ms;
        hr_record_set(&rec->file, argv[1]);
        /* the compiler's warnings come with the first result */
        hr_record_set(&rec->warnings, info.warnings);
        info.warnings = NULL;
        if (want != NULL)
            return failed ? HR_CMD_ERR : HR_CMD_OK;
        hr_exec_emit(cli, rec);
    }
    if (want != NULL) {
        rec->kind = HR_REC_RUN;
        rec->compile_ms = compile_ms;
        hr_record_set(&rec->file, argv[1]);
        hr_record_set(&rec->function, want);
        hr_record_error(rec, "do: no task '%s' in %s", want, argv[1]);
        return HR_CMD_ERR;
    }
    return failed ? HR_CMD_ERR : HR_CMD_OK;
}

int hr_cmd_list(struct hr_cli *cli, int argc, char **argv,
                struct hr_record *rec)
{
    int n = hr_session_nmodules(cli->s);
    int i, j;

    (void)argc;
    (void)argv;
    hr_session_service(cli->s);     /* what tier 2 has brought in */
    if (n == 0) {
        hr_record_note(rec, "no modules (reload FILE)");
        return HR_CMD_OK;
    }
    for (i = 0; i < n; i++) {
        struct hr_module_info info;
        struct tm tm;
        char when[32], t[32], tier[160];

        hr_session_module_info(cli->s, i, &info);
        localtime_r(&info.compiled_at.tv_sec, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        hr_out_format_ms(info.compile_ms, t, sizeof t);
        hr_cmd_tier_describe(&info, tier, sizeof tier);
        hr_text_printf(&rec->text, "%s  (compiled %s in %s%s; %s)\n",
                       info.path, when, t,
                       info.uses_libc ? ", names from libc" : "", tier);
        for (j = 0; j < info.ntasks; j++)
            hr_text_printf(&rec->text, "  %s\n",
                           hr_session_task_name(cli->s, i, j));
    }
    return HR_CMD_OK;
}

int hr_cmd_unload(struct hr_cli *cli, int argc, char **argv,
                  struct hr_record *rec)
{
    struct hr_err err = { { 0 } };

    (void)argc;
    if (hr_session_unload(cli->s, argv[1], &err) != 0) {
        hr_record_input_error(rec, "%s", err.msg);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

int hr_cmd_timeout(struct hr_cli *cli, int argc, char **argv,
                   struct hr_record *rec)
{
    char *end = NULL;
    double v;

    if (argc > 2) {
        hr_record_input_error(rec, "usage: timeout [SEC|off]");
        return HR_CMD_ERR;
    }
    if (argc == 1) {
        if (hr_session_timeout(cli->s) > 0)
            hr_text_printf(&rec->text, "timeout %g s\n",
                           hr_session_timeout(cli->s));
        else
            hr_text_printf(&rec->text, "timeout off\n");
        return HR_CMD_OK;
    }
    if (strcmp(argv[1], "off") == 0) {
        hr_session_set_timeout(cli->s, 0);
        return HR_CMD_OK;
    }
    v = strtod(argv[1], &end);
    if (end == argv[1] || *end != '\0' || !(v >= 0) ||
        hr_session_set_timeout(cli->s, v) != 0) {
        hr_record_input_error(rec, "timeout: '%s' is not a number of "
                              "seconds or off", argv[1]);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

int hr_cmd_isolate(struct hr_cli *cli, int argc, char **argv,
                   struct hr_record *rec)
{
    if (argc > 2) {
        hr_record_input_error(rec, "usage: isolate [on|off]");
        return HR_CMD_ERR;
    }
    if (argc == 1) {
        hr_text_printf(&rec->text, "isolate %s\n",
                       hr_session_isolate(cli->s) ? "on" : "off");
        return HR_CMD_OK;
    }
    if (strcmp(argv[1], "on") == 0) {
        hr_session_set_isolate(cli->s, 1);
    } else if (strcmp(argv[1], "off") == 0) {
        hr_session_set_isolate(cli->s, 0);
    } else {
        hr_record_input_error(rec, "isolate: '%s' is not on or off",
                              argv[1]);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}
