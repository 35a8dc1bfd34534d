/* cmd.c - the command table, its handlers, word splitting and dispatch */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tier2.h"
#include "tiercmd.h"
#include "watch.h"
#include "words.h"

#define MAX_RUNS 100000

static const struct hr_cmd commands[];

/* ---- commands ---- */

static void print_usage(const struct hr_ctx *ctx, const struct hr_cmd *c)
{
    hr_cmd_error(ctx, "usage: %s", c->usage);
}

static int cmd_help(struct hr_ctx *ctx, int argc, char **argv)
{
    const struct hr_cmd *c = NULL;

    if (argc == 2) {
        c = hr_cmd_lookup(argv[1]);
        if (c == NULL) {
            const char *near = hr_cmd_nearest(argv[1]);

            if (near != NULL)
                hr_cmd_error(ctx, "help: no command '%s' (did you mean "
                             "%s?)", argv[1], near);
            else
                hr_cmd_error(ctx, "help: no command '%s' (type 'help')",
                             argv[1]);
            return HR_CMD_ERR;
        }
        printf("usage: %s\n  %s\nexample:\n  %s\n", c->usage, c->summary,
               c->example);
        return HR_CMD_OK;
    }
    printf("commands (help COMMAND shows its usage and an example):\n");
    for (c = commands; c->name != NULL; c++)
        printf("  %-9s %s\n", c->name, c->summary);
    printf("  %-9s %s\n", "Enter", "on an empty line: repeat the last "
           "reload and run");
    printf("keys: Tab completes, Up and Ctrl-R search the history, Ctrl-C "
           "clears the line\n"
           "task files: #include \"hotrun.h\"; each non-static function\n"
           "  double NAME(const struct hr_array *a) is a task\n");
    return HR_CMD_OK;
}

static int cmd_load(struct hr_ctx *ctx, int argc, char **argv)
{
    struct hr_raw_spec raw = { 0 };
    struct hr_err err = { { 0 } };
    int have_dtype = 0, have_shape = 0;
    const char *spec = NULL;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc) {
            if (hr_dtype_parse(argv[++i], &raw.dtype, &raw.big_endian)) {
                hr_cmd_error(ctx, "load: unknown dtype '%s'", argv[i]);
                return HR_CMD_ERR;
            }
            have_dtype = 1;
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc) {
            if (hr_shape_parse(argv[++i], &raw)) {
                hr_cmd_error(ctx, "load: '%s' is not a shape like 5000x5000",
                             argv[i]);
                return HR_CMD_ERR;
            }
            have_shape = 1;
        } else if (strcmp(argv[i], "--order") == 0 && i + 1 < argc) {
            raw.fortran = argv[++i][0] == 'F' || argv[i][0] == 'f';
        } else if (spec == NULL && argv[i][0] != '-') {
            spec = argv[i];
        } else {
            print_usage(ctx, hr_cmd_lookup("load"));
            return HR_CMD_ERR;
        }
    }
    if (spec == NULL || have_dtype != have_shape) {
        print_usage(ctx, hr_cmd_lookup("load"));
        return HR_CMD_ERR;
    }
    if (hr_ctx_load(ctx, spec, have_dtype ? &raw : NULL, &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        ctx->input_errors++;
        return HR_CMD_ERR;
    }
    {
        const struct hr_resident *r = ctx->last_loaded;
        char shape[64], size[32], t[32];

        hr_shape_format(&r->view, shape, sizeof shape);
        hr_cmd_format_bytes((double)r->view.nbytes, size, sizeof size);
        hr_cmd_format_ms(ctx->last_load_ms, t, sizeof t);
        hr_cmd_note(ctx, "loaded %s: %s %s, %s, %s (%s)", r->name, shape,
                   hr_dtype_name(r->view.dtype), size, r->how, t);
    }
    return HR_CMD_OK;
}

static int cmd_arrays(struct hr_ctx *ctx, int argc, char **argv)
{
    int wname = 4, wshape = 5, whow = 6;    /* the headings' widths */
    int i;

    (void)argc;
    (void)argv;
    if (ctx->narrays == 0) {
        hr_cmd_note(ctx, "no arrays (load [NAME=]FILE)");
        return HR_CMD_OK;
    }
    /* columns as wide as their longest entry */
    for (i = 0; i < ctx->narrays; i++) {
        const struct hr_resident *r = ctx->arrays[i];
        char shape[HR_SHAPE_TXT];

        hr_shape_format(&r->view, shape, sizeof shape);
        if ((int)strlen(r->name) > wname)
            wname = (int)strlen(r->name);
        if ((int)strlen(shape) > wshape)
            wshape = (int)strlen(shape);
        if ((int)strlen(r->how) > whow)
            whow = (int)strlen(r->how);
    }
    printf("  %-*s  %-10s  %-*s  %12s  %-*s  %s\n", wname, "name", "dtype",
           wshape, "shape", "bytes", whow, "loaded", "file");
    for (i = 0; i < ctx->narrays; i++) {
        const struct hr_resident *r = ctx->arrays[i];
        char shape[HR_SHAPE_TXT];

        hr_shape_format(&r->view, shape, sizeof shape);
        printf("%c %-*s  %-10s  %-*s  %12lld  %-*s  %s%s\n",
               i == ctx->current ? '*' : ' ', wname, r->name,
               hr_dtype_name(r->view.dtype), wshape, shape,
               (long long)r->view.nbytes, whow, r->how, r->path,
               (r->view.flags & HR_C_CONTIGUOUS) || r->view.ndim < 2
                   ? "" : " (fortran order)");
    }
    return HR_CMD_OK;
}

static int cmd_use(struct hr_ctx *ctx, int argc, char **argv)
{
    struct hr_err err = { { 0 } };

    (void)argc;
    if (hr_ctx_use(ctx, argv[1], &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

static int remember(char **slot, int argc, char **argv)
{
    char *s = hr_words_join(argc, argv);

    if (s == NULL)
        return HR_ENOMEM;
    free(*slot);
    *slot = s;
    return 0;
}

static int cmd_reload(struct hr_ctx *ctx, int argc, char **argv)
{
    struct hr_err err = { { 0 } };
    struct hr_module *m = NULL;
    char line[1024];
    size_t len = 0;
    int i;

    (void)argc;
    free(ctx->last_reload);
    ctx->last_reload = strdup(argv[1]);
    if (hr_ctx_reload(ctx, argv[1], &m, &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        if (hr_ctx_module(ctx, argv[1]) != NULL)
            hr_cmd_error(ctx, "reload: %s did not compile; the last good "
                         "version stays loaded", argv[1]);
        return HR_CMD_ERR;
    }
    hr_cmd_print_warnings(ctx, m->warnings);
    line[0] = '\0';
    for (i = 0; i < m->ntasks && len + 2 < sizeof line; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%s",
                                i ? " " : "", m->tasks[i].name);
    {
        char t[32];

        hr_cmd_format_ms(m->compile_ms, t, sizeof t);
        hr_cmd_note(ctx, "reloaded %s: %s (%s)", m->path, line, t);
    }
    {   /* tier 2 (hook): "no compiler", said once */
        const char *notice = hr_tier2_notice(ctx->tier2);

        if (notice != NULL)
            hr_cmd_note(ctx, "%s", notice);
    }
    return HR_CMD_OK;
}

static int cmd_unload(struct hr_ctx *ctx, int argc, char **argv)
{
    struct hr_err err = { { 0 } };

    (void)argc;
    if (hr_ctx_unload(ctx, argv[1], &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* "min A / median B / max C over N runs, RATE" of n >= 2 times (sorted
 * here) */
static void format_runs(double *times, long n, double nbytes, char *buf,
                        size_t len)
{
    char lo[32], mid[32], hi[32], rate[32];

    qsort(times, (size_t)n, sizeof *times, cmp_double);
    hr_cmd_format_ms(times[0], lo, sizeof lo);
    hr_cmd_format_ms(times[n / 2], mid, sizeof mid);
    hr_cmd_format_ms(times[n - 1], hi, sizeof hi);
    hr_cmd_format_rate(nbytes, times[n / 2], rate, sizeof rate);
    snprintf(buf, len, "min %s / median %s / max %s over %ld runs, %s", lo,
             mid, hi, n, rate);
}

static int cmd_run(struct hr_ctx *ctx, int argc, char **argv)
{
    struct hr_err err = { { 0 } };
    const struct hr_module *mod = NULL;
    const struct hr_task *task = NULL;
    const struct hr_resident *arr = NULL;
    struct hr_result res = { 0 };
    double *times = NULL;
    long n = 1;
    long n1 = 0;                /* runs at tier 1, before any at tier 2 */
    int first = 1;
    int i;
    int rc = HR_CMD_ERR;
    char t[32], rate[32], timing[256];

    if (remember(&ctx->last_run, argc, argv) != 0)
        return HR_CMD_ERR;
    if (strcmp(argv[1], "-n") == 0) {
        char *end = NULL;

        if (argc < 4) {
            print_usage(ctx, hr_cmd_lookup("run"));
            return HR_CMD_ERR;
        }
        n = strtol(argv[2], &end, 10);
        if (*end != '\0' || n < 1 || n > MAX_RUNS) {
            hr_cmd_error(ctx, "run: -n wants a count from 1 to %d, not '%s'",
                         MAX_RUNS, argv[2]);
            return HR_CMD_ERR;
        }
        first = 3;
    }
    if (hr_ctx_find(ctx, argv[first], &mod, &task, &err) != 0) {
        hr_cmd_error(ctx, "%s", err.msg);
        return HR_CMD_ERR;
    }
    arr = hr_ctx_array(ctx, NULL);
    times = malloc((size_t)n * sizeof *times);
    if (times == NULL)
        return HR_CMD_ERR;
    for (i = 0; i < n; i++) {
        int e = hr_ctx_run(ctx, mod, task, arr, argc - first - 1,
                           argv + first + 1, &res, &err);

        if (e != 0) {
            /* the terminal echoed ^C where the cursor was */
            if (e == HR_EINTR && ctx->interactive && isatty(STDOUT_FILENO))
                hr_cmd_line_left_open();
            hr_cmd_error(ctx, "run: %s", err.msg);
            goto out;
        }
        times[i] = res.ms;
        n1 += mod->tier != 2;   /* tier 2 (hook): the code that ran */
    }
    if (arr == NULL)
        arr = hr_ctx_array(ctx, NULL);
    if (n == 1) {
        hr_cmd_format_ms(res.ms, t, sizeof t);
        hr_cmd_format_rate((double)arr->view.nbytes, res.ms, rate,
                           sizeof rate);
        snprintf(timing, sizeof timing, "%s, %s", t, rate);
    } else if (n1 == 0 || n1 == n) {
        format_runs(times, n, (double)arr->view.nbytes, timing,
                    sizeof timing);
    } else {
        /* tier 2 came in during the runs: each tier on its own */
        char t1[120], t2[120];

        format_runs(times, n1, (double)arr->view.nbytes, t1, sizeof t1);
        format_runs(times + n1, n - n1, (double)arr->view.nbytes, t2,
                    sizeof t2);
        snprintf(timing, sizeof timing, "tier 1: %s; %s: %s", t1,
                 hr_tier_word(mod), t2);
    }
    if (mod->tier == 2 && (n1 == 0 || n == 1)) {  /* tier 2 (hook) */
        size_t k = strlen(timing);

        snprintf(timing + k, sizeof timing - k, ", %s", hr_tier_word(mod));
    }
    hr_cmd_print_result(ctx, task->name, res.value, timing);
    rc = HR_CMD_OK;
out:
    free(times);
    return rc;
}

static int cmd_list(struct hr_ctx *ctx, int argc, char **argv)
{
    int i, j;

    (void)argc;
    (void)argv;
    hr_tier2_poll(ctx->tier2);      /* tier 2 (hook): what has come in */
    if (ctx->nmods == 0) {
        hr_cmd_note(ctx, "no modules (reload FILE)");
        return HR_CMD_OK;
    }
    for (i = 0; i < ctx->nmods; i++) {
        const struct hr_module *m = ctx->mods[i];
        struct tm tm;
        char when[32], t[32], tier[128];

        localtime_r(&m->compiled_at.tv_sec, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        hr_cmd_format_ms(m->compile_ms, t, sizeof t);
        hr_tier_describe(m, tier, sizeof tier);    /* tier 2 (hook) */
        printf("%s  (compiled %s in %s%s; %s)\n", m->path, when, t,
               m->uses_libc_fallback ? ", names from libc" : "", tier);
        for (j = 0; j < m->ntasks; j++)
            printf("  %s\n", m->tasks[j].name);
    }
    return HR_CMD_OK;
}

static int cmd_timeout(struct hr_ctx *ctx, int argc, char **argv)
{
    char *end = NULL;
    double v;

    if (argc == 1) {
        if (ctx->timeout_s > 0)
            printf("timeout %g s\n", ctx->timeout_s);
        else
            printf("timeout off\n");
        return HR_CMD_OK;
    }
    if (strcmp(argv[1], "off") == 0 || strcmp(argv[1], "0") == 0) {
        ctx->timeout_s = 0;
        return HR_CMD_OK;
    }
    v = strtod(argv[1], &end);
    if (end == argv[1] || *end != '\0' || !(v > 0) || v > 1e9) {
        hr_cmd_error(ctx, "timeout: '%s' is not a number of seconds or off",
                     argv[1]);
        return HR_CMD_ERR;
    }
    ctx->timeout_s = v;
    return HR_CMD_OK;
}

static int cmd_isolate(struct hr_ctx *ctx, int argc, char **argv)
{
    if (argc == 1) {
        printf("isolate %s\n", ctx->isolate ? "on" : "off");
        return HR_CMD_OK;
    }
    if (strcmp(argv[1], "on") == 0) {
        ctx->isolate = 1;
    } else if (strcmp(argv[1], "off") == 0) {
        ctx->isolate = 0;
    } else {
        hr_cmd_error(ctx, "isolate: '%s' is not on or off", argv[1]);
        return HR_CMD_ERR;
    }
    return HR_CMD_OK;
}

static int cmd_checksum(struct hr_ctx *ctx, int argc, char **argv)
{
    const struct hr_resident *r = hr_ctx_array(ctx, argc > 1 ? argv[1]
                                                             : NULL);

    if (r == NULL) {
        hr_cmd_error(ctx, "checksum: no array %s%s", argc > 1 ? argv[1] : "",
                     argc > 1 ? "" : "is loaded");
        return HR_CMD_ERR;
    }
    printf("%s %016llx\n", r->name,
           (unsigned long long)hr_ctx_checksum(r));
    return HR_CMD_OK;
}

static int cmd_quit(struct hr_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return HR_CMD_QUIT;
}

static const struct hr_cmd commands[] = {
    { "reload", cmd_reload, 2, "reload FILE",
      "compile a task file in memory, replacing its last version",
      "reload tasks/demo.c", HR_ARG_FILE },
    { "run", cmd_run, -2, "run [-n N] [FILE:]TASK [ARGS...]",
      "run a task on the default array (-n N: min/median/max of N runs)",
      "run -n 10 demo.c:some_task", HR_ARG_TASK },
    { "list", cmd_list, 1, "list",
      "show the loaded modules, their tasks and when they were compiled",
      "list", HR_ARG_NONE },
    { "unload", cmd_unload, 2, "unload FILE",
      "forget the module compiled from a task file", "unload tasks/demo.c",
      HR_ARG_FILE },
    { "load", cmd_load, -2,
      "load [NAME=]FILE [--dtype T --shape S [--order C|F]]",
      "load an array: .npy, or raw binary with --dtype and --shape",
      "load prices=data/prices.npy", HR_ARG_FILE },
    { "arrays", cmd_arrays, 1, "arrays",
      "show the resident arrays (* marks the default)", "arrays",
      HR_ARG_NONE },
    { "use", cmd_use, 2, "use NAME", "make the array NAME the default",
      "use prices", HR_ARG_ARRAY },
    { "checksum", cmd_checksum, -1, "checksum [NAME]",
      "checksum of an array's bytes (shows the data is intact)",
      "checksum demo", HR_ARG_ARRAY },
    { "timeout", cmd_timeout, -1, "timeout [SEC|off]",
      "stop runs that take longer than SEC seconds (off: no limit)",
      "timeout 5", HR_ARG_WORD },
    { "isolate", cmd_isolate, -1, "isolate [on|off]",
      "run tasks in a forked child, so a crash cannot touch the session",
      "isolate on", HR_ARG_WORD },
    { "watch", hr_watch_cmd, -1, "watch [FILE [TASK [ARGS...]]]",
      "rerun a file's tasks (or one task) on every save; alone: list",
      "watch tasks/demo.c some_task", HR_ARG_FILE },
    { "unwatch", hr_unwatch_cmd, -1, "unwatch [FILE]",
      "stop watching FILE (every file when none is given)",
      "unwatch tasks/demo.c", HR_ARG_FILE },
    { "tier", hr_tier_cmd, -1, "tier [auto|wait|off|fast|exact|-v]",
      "optimised code (tier 2): show, wait, off, fast math, the log",
      "tier wait", HR_ARG_WORD },
    { "help", cmd_help, -1, "help [COMMAND]",
      "list the commands, or show one's usage and an example",
      "help run", HR_ARG_COMMAND },
    { "quit", cmd_quit, 1, "quit", "leave hotrun (also Ctrl-D)", "quit",
      HR_ARG_NONE },
    { NULL, NULL, 0, NULL, NULL, NULL, HR_ARG_NONE }
};

const struct hr_cmd *hr_cmd_table(void)
{
    return commands;
}

const struct hr_cmd *hr_cmd_lookup(const char *name)
{
    const struct hr_cmd *c;

    if (strcmp(name, "exit") == 0)
        name = "quit";
    for (c = commands; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* Levenshtein distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
    int row[64];
    int la = (int)strlen(a), lb = (int)strlen(b);
    int i, j;

    if (la > 62 || lb > 62)
        return 99;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        int prev = row[0];

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);

            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *hr_cmd_nearest(const char *name)
{
    const struct hr_cmd *c;
    const char *best = NULL;
    int bestd = 3;

    for (c = commands; c->name != NULL; c++) {
        int d = distance(name, c->name);

        if (strncmp(name, c->name, strlen(name)) == 0 && strlen(name) >= 2)
            d = 1;
        if (d < bestd) {
            bestd = d;
            best = c->name;
        }
    }
    return best;
}

int hr_cmd_execv(struct hr_ctx *ctx, int argc, char **argv)
{
    const struct hr_cmd *c = hr_cmd_lookup(argv[0]);
    int rc;

    hr_cmd_fresh_line();
    if (c == NULL) {
        const char *near = hr_cmd_nearest(argv[0]);

        if (near != NULL)
            hr_cmd_error(ctx, "%s: unknown command (did you mean %s?)",
                         argv[0], near);
        else
            hr_cmd_error(ctx, "%s: unknown command (type 'help')", argv[0]);
        ctx->failures++;
        ctx->input_errors++;
        return HR_CMD_ERR;
    }
    if ((c->arity > 0 && argc != c->arity) ||
        (c->arity < 0 && argc < -c->arity)) {
        print_usage(ctx, c);
        ctx->failures++;
        ctx->input_errors++;
        return HR_CMD_ERR;
    }
    rc = c->fn(ctx, argc, argv);
    fflush(stdout);
    if (rc == HR_CMD_ERR)
        ctx->failures++;
    return rc;
}

int hr_cmd_exec(struct hr_ctx *ctx, const char *line)
{
    struct hr_err err = { { 0 } };
    char **argv = NULL;
    int argc = hr_words_split(line, strlen(line), &argv, &err);
    int rc;

    if (argc < 0) {
        hr_cmd_error(ctx, "%s", argc == HR_EINVAL ? err.msg
                                                  : "out of memory");
        ctx->failures++;
        ctx->input_errors++;
        return HR_CMD_ERR;
    }
    if (argc == 0) {
        hr_words_free(argc, argv);
        return HR_CMD_OK;
    }
    rc = hr_cmd_execv(ctx, argc, argv);
    hr_words_free(argc, argv);
    return rc;
}
