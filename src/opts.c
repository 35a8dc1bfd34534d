/* opts.c - parse the command line */
#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: hotrun [OPTIONS] [NAME=]FILE...\n"
"\n"
"Keep arrays resident in memory and run C task files over them, recompiled\n"
"in memory (libtcc) in milliseconds on every reload.\n"
"\n"
"Each FILE is a NumPy .npy file (or raw binary with --dtype/--shape) loaded\n"
"once; the first is the default array passed to tasks.  With a terminal on\n"
"stdin hotrun opens a prompt; otherwise it reads commands from stdin.\n"
"\n"
"options:\n"
"  -t, --task FILE        reload the task file FILE at start (repeatable)\n"
"  -c, --command CMD      run the prompt command CMD at start (repeatable)\n"
"  -b, --batch LIST       run each 'FILE [FUNCTION [ARGS...]]' line of LIST\n"
"                         and exit (relative paths: from LIST's folder)\n"
"      --json             with --batch: one JSON object per run\n"
"  -w, --watch FILE[:FN]  rerun FILE's tasks (or FN) on every save\n"
"      --load=MODE        auto (default: copy when at most half the free\n"
"                         memory, else mmap), copy (a private copy on 2 MiB\n"
"                         pages; 'read' is the same) or mmap (the file's\n"
"                         pages, read-only: a change to the file shows)\n"
"      --dtype TYPE       raw binary files: element type (float64, <i4, u1..)\n"
"      --shape SHAPE      raw binary files: shape, e.g. 5000x5000\n"
"      --order C|F        raw binary files: row-major (C, default) or\n"
"                         column-major (F)\n"
"      --timeout SEC      stop a task that runs longer than SEC seconds\n"
"      --isolate          run each task in a forked child process\n"
"      --demo             make (once) and load the 5000x5000 float64 demo\n"
"                         array, load tasks/demo.c and open the prompt\n"
"  -q, --quiet            no start-up banner\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"commands (at the prompt, in scripts on stdin, with -c): type 'help'.\n"
"\n"
"environment:\n"
"  NO_COLOR               no colours (also off when stdout is not a terminal)\n"
"  HOTRUN_HISTORY         history file (default: $XDG_STATE_HOME/hotrun/\n"
"                         history, ~/.local/state/hotrun/history)\n"
"  HOTRUN_WATCH_POLL=1    watch by polling instead of inotify\n"
"  XDG_CACHE_HOME         where --demo caches its array (~/.cache/hotrun)\n"
"\n"
"exit status: 0 success, 1 a task or compile failed, 2 usage or input "
"error\n";

const char *hr_opts_usage(void)
{
    return usage;
}

static int push(char ***list, int *n, char *s)
{
    char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);

    if (l == NULL)
        return HR_ENOMEM;
    l[(*n)++] = s;
    *list = l;
    return 0;
}

enum {
    OPT_JSON = 256, OPT_LOAD, OPT_DTYPE, OPT_SHAPE, OPT_ORDER, OPT_TIMEOUT,
    OPT_ISOLATE, OPT_DEMO
};

static const struct option longopts[] = {
    { "task", required_argument, NULL, 't' },
    { "command", required_argument, NULL, 'c' },
    { "batch", required_argument, NULL, 'b' },
    { "json", no_argument, NULL, OPT_JSON },
    { "watch", required_argument, NULL, 'w' },
    { "load", required_argument, NULL, OPT_LOAD },
    { "dtype", required_argument, NULL, OPT_DTYPE },
    { "shape", required_argument, NULL, OPT_SHAPE },
    { "order", required_argument, NULL, OPT_ORDER },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "isolate", no_argument, NULL, OPT_ISOLATE },
    { "demo", no_argument, NULL, OPT_DEMO },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

static int parse_timeout(const char *s, double *out, struct hr_err *err)
{
    char *end = NULL;
    double v = strtod(s, &end);

    if (end == s || *end != '\0' || !(v >= 0) || v > 1e9) {
        hr_err_set(err, "hotrun: --timeout: '%s' is not a number of seconds",
                   s);
        return HR_EINVAL;
    }
    *out = v;
    return 0;
}

int hr_opts_parse(int argc, char **argv, struct hr_opts *opts,
                  struct hr_err *err)
{
    int c;
    int rc = 0;

    memset(opts, 0, sizeof *opts);
    opts->load = HR_LOAD_AUTO;
    optind = 1;
    opterr = 0;
    while (rc == 0) {
        c = getopt_long(argc, argv, "+t:c:b:w:qhV", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 't':
            rc = push(&opts->tasks, &opts->ntasks, optarg);
            break;
        case 'c':
            rc = push(&opts->cmds, &opts->ncmds, optarg);
            break;
        case 'w':
            rc = push(&opts->watches, &opts->nwatches, optarg);
            break;
        case 'b':
            opts->batch = optarg;
            break;
        case OPT_JSON:
            opts->json = 1;
            break;
        case OPT_LOAD:
            if (strcmp(optarg, "auto") == 0) {
                opts->load = HR_LOAD_AUTO;
            } else if (strcmp(optarg, "mmap") == 0) {
                opts->load = HR_LOAD_MMAP;
            } else if (strcmp(optarg, "copy") == 0 ||
                       strcmp(optarg, "read") == 0) {
                opts->load = HR_LOAD_COPY;
            } else {
                hr_err_set(err, "hotrun: --load: '%s' is not auto, copy or "
                           "mmap", optarg);
                rc = HR_EINVAL;
            }
            break;
        case OPT_DTYPE:
            rc = hr_dtype_parse(optarg, &opts->raw.dtype,
                                &opts->raw.big_endian);
            if (rc != 0)
                hr_err_set(err, "hotrun: --dtype: unknown dtype '%s' (try "
                           "float64, float32, int32, uint8, <f8, >i4...)",
                           optarg);
            opts->have_raw = 1;
            break;
        case OPT_SHAPE:
            rc = hr_shape_parse(optarg, &opts->raw);
            if (rc != 0)
                hr_err_set(err, "hotrun: --shape: '%s' is not a shape like "
                           "5000x5000", optarg);
            opts->have_shape = 1;
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "C") == 0 || strcmp(optarg, "c") == 0) {
                opts->raw.fortran = 0;
            } else if (strcmp(optarg, "F") == 0 || strcmp(optarg, "f") == 0) {
                opts->raw.fortran = 1;
            } else {
                hr_err_set(err, "hotrun: --order: '%s' is not C or F",
                           optarg);
                rc = HR_EINVAL;
            }
            break;
        case OPT_TIMEOUT:
            rc = parse_timeout(optarg, &opts->timeout_s, err);
            break;
        case OPT_ISOLATE:
            opts->isolate = 1;
            break;
        case OPT_DEMO:
            opts->demo = 1;
            break;
        case 'q':
            opts->quiet = 1;
            break;
        case 'h':
            opts->help = 1;
            return 0;
        case 'V':
            opts->version = 1;
            return 0;
        default:
            if (optopt != 0 && optopt < 256)
                hr_err_set(err, "hotrun: option -%c needs an argument or "
                           "does not exist (see hotrun --help)", optopt);
            else
                hr_err_set(err, "hotrun: unknown option '%s' (see hotrun "
                           "--help)", argv[optind - 1]);
            rc = HR_EINVAL;
        }
    }
    if (rc != 0)
        return rc;
    if (opts->have_raw != opts->have_shape) {
        hr_err_set(err, "hotrun: raw binary files need both --dtype and "
                   "--shape");
        return HR_EINVAL;
    }
    if (opts->json && opts->batch == NULL) {
        hr_err_set(err, "hotrun: --json goes with --batch");
        return HR_EINVAL;
    }
    opts->arrays = argv + optind;
    opts->narrays = argc - optind;
    return 0;
}

void hr_opts_free(struct hr_opts *opts)
{
    free(opts->tasks);
    free(opts->cmds);
    free(opts->watches);
    opts->tasks = opts->cmds = opts->watches = NULL;
}
