/* opts.c - parse the command line */
#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: hotrun [OPTIONS] [NAME=]FILE... [OPTIONS]\n"
"\n"
"Keep arrays resident in memory and run C task files over them, recompiled\n"
"in memory (libtcc) in milliseconds on every reload.\n"
"\n"
"Each FILE (.npy, .npz, HDF5 or CSV/TSV, told apart by content; raw binary\n"
"with --dtype/--shape; FILE:MEMBER picks one array of an .npz or HDF5\n"
"file) is loaded once; the first is the default array passed to tasks.\n"
"With a terminal on stdin hotrun opens a prompt; otherwise it reads\n"
"commands from stdin.  Options may come before or after the files; --\n"
"ends the options.\n"
"\n"
"options:\n"
"  -t, --task FILE        reload the task file FILE at start (repeatable)\n"
"  -c, --command CMD      run the prompt command CMD at start (repeatable)\n"
"  -b, --batch LIST       run each 'FILE [FUNCTION [ARGS...]]' line of LIST\n"
"                         and exit (relative paths: from LIST's folder)\n"
"      --json             one JSON object per line on stdout for every\n"
"                         command and run (batch lists, scripts, -c);\n"
"                         task output goes to stderr\n"
"  -w, --watch 'FILE[:TASK] [ARGS...]'\n"
"                         rerun FILE's tasks (or TASK with ARGS) on every\n"
"                         save\n"
"      --load=MODE        auto (default: copy when at most half the free\n"
"                         memory, else mmap), copy (a private copy on 2 MiB\n"
"                         pages; 'read' is the same) or mmap (the file's\n"
"                         pages, read-only: a change to the file shows)\n"
"      --dtype TYPE       raw binary files: element type (float64, <i4, u1..)\n"
"      --shape SHAPE      raw binary files: shape, e.g. 5000x5000\n"
"      --order C|F        raw binary files: row-major (C, default) or\n"
"                         column-major (F)\n"
"      --delimiter C      CSV/TSV files: the delimiter (default: sniffed;\n"
"                         tab, space: runs of blanks)\n"
"      --lenient          CSV/TSV files: a cell that is not a number is NaN\n"
"                         (--dtype alone: the CSV values' dtype)\n"
"      --timeout SEC      stop a task that runs longer than SEC seconds\n"
"      --isolate          run each task in a forked child process\n"
"      --tier=MODE        optimised code (gcc -O2 in the background):\n"
"                         auto (default: switch when ready), wait (runs\n"
"                         wait for it), off (libtcc's code only)\n"
"      --demo             make (once) and load the 5000x5000 float64 demo\n"
"                         array, load tasks/demo.c and open the prompt\n"
"      --demo-path        make the demo array (once), print its path, exit\n"
"  -q, --quiet            no start-up banner\n"
"\n"
"more than one machine (MPI):\n"
"      --ranks N          run the session in an MPI job of N ranks, each\n"
"                         holding a slab of every array; this process\n"
"                         stays the front end\n"
"      --hostfile H       the machines, as the launcher reads them\n"
"      --launcher 'CMD'   how to start the job (default: mpirun, or\n"
"                         $HOTRUN_LAUNCHER), e.g. 'mpirun --oversubscribe'\n"
"      --halo K           each rank also holds K rows of its neighbours\n"
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
"  HOTRUN_TIER            auto, wait or off: --tier's default\n"
"  HOTRUN_CC              the optimising compiler (default gcc)\n"
"  XDG_CACHE_HOME         where --demo caches its array (~/.cache/hotrun)\n"
"  HOTRUN_LAUNCHER        the default --launcher\n"
"\n"
"exit status: 0 success, 1 a task or compile failed, 2 usage or input "
"error\n"
"(at the prompt: of the last line typed)\n";

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
    OPT_ISOLATE, OPT_DEMO, OPT_DEMO_PATH, OPT_DELIMITER, OPT_LENIENT,
    OPT_RANKS, OPT_HOSTFILE, OPT_LAUNCHER, OPT_HALO, OPT_ENGINE, OPT_TIER
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
    { "demo-path", no_argument, NULL, OPT_DEMO_PATH },
    { "delimiter", required_argument, NULL, OPT_DELIMITER },
    { "lenient", no_argument, NULL, OPT_LENIENT },
    { "ranks", required_argument, NULL, OPT_RANKS },
    { "hostfile", required_argument, NULL, OPT_HOSTFILE },
    { "launcher", required_argument, NULL, OPT_LAUNCHER },
    { "halo", required_argument, NULL, OPT_HALO },
    { "engine", no_argument, NULL, OPT_ENGINE },
    { "tier", required_argument, NULL, OPT_TIER },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

/* A whole number in [lo, hi] for option name. */
static int parse_count(const char *name, const char *s, long lo, long hi,
                       long *out, struct hr_err *err)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v < lo || v > hi) {
        hr_err_set(err, "hotrun: --%s: '%s' is not a whole number from %ld "
                   "to %ld", name, s, lo, hi);
        return HR_EINVAL;
    }
    *out = v;
    return 0;
}

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
    int have_dtype = 0, have_shape = 0;
    int c;
    int rc = 0;

    memset(opts, 0, sizeof *opts);
    opts->load = HR_LOAD_AUTO;
    opts->tier = -1;
    optind = 1;
    opterr = 0;
    while (rc == 0) {
        /* "-" first: files stay in order among the options */
        c = getopt_long(argc, argv, "-t:c:b:w:qhV", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 1:
            rc = push(&opts->arrays, &opts->narrays, optarg);
            break;
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
            rc = hr_load_args_dtype(&opts->raw, optarg);
            opts->dtype_s = optarg;
            if (rc != 0)
                hr_err_set(err, "hotrun: --dtype: unknown dtype '%s' (try "
                           "float64, float32, int32, uint8, <f8, >i4...)",
                           optarg);
            have_dtype = 1;
            break;
        case OPT_SHAPE:
            rc = hr_load_args_shape(&opts->raw, optarg);
            opts->shape_s = optarg;
            if (rc != 0)
                hr_err_set(err, "hotrun: --shape: '%s' is not a shape like "
                           "5000x5000", optarg);
            have_shape = 1;
            break;
        case OPT_ORDER:
            opts->order_s = optarg;
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
        case OPT_DEMO_PATH:
            opts->demo_path = 1;
            break;
        case OPT_DELIMITER:
            rc = hr_load_args_delimiter(&opts->raw, optarg);
            opts->delimiter_s = optarg;
            if (rc != 0)
                hr_err_set(err, "hotrun: --delimiter wants one character "
                           "(or tab, space), not '%s'", optarg);
            break;
        case OPT_LENIENT:
            opts->raw.lenient = 1;
            break;
        case OPT_RANKS: {
            long n = 0;

            rc = parse_count("ranks", optarg, 1, 100000, &n, err);
            opts->ranks = (int)n;
            break;
        }
        case OPT_HOSTFILE:
            opts->hostfile = optarg;
            break;
        case OPT_LAUNCHER:
            opts->launcher = optarg;
            break;
        case OPT_HALO:
            rc = parse_count("halo", optarg, 0, 1L << 40, &opts->halo, err);
            break;
        case OPT_TIER:
            opts->tier = strcmp(optarg, "auto") == 0 ? HR_TIER_AUTO
                       : strcmp(optarg, "wait") == 0 ? HR_TIER_WAIT
                       : strcmp(optarg, "off") == 0 ? HR_TIER_OFF : -2;
            if (opts->tier == -2) {
                hr_err_set(err, "hotrun: --tier: '%s' is not auto, wait or "
                           "off", optarg);
                rc = HR_EINVAL;
            }
            break;
        case OPT_ENGINE:
            opts->engine = 1;
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
    /* what getopt left after "--" */
    for (; optind < argc && rc == 0; optind++)
        rc = push(&opts->arrays, &opts->narrays, argv[optind]);
    if (rc != 0)
        return rc;
    if (have_shape && !have_dtype) {
        hr_err_set(err, "hotrun: --shape needs --dtype (raw binary files)");
        return HR_EINVAL;
    }
    /* --dtype with --shape: raw files; alone: the type of CSV values */
    opts->raw.raw = have_shape;
    opts->raw.csv_dtype_set = have_dtype && !have_shape;
    opts->raw.csv_dtype = opts->raw.dtype;
    if ((opts->hostfile != NULL || opts->launcher != NULL ||
         opts->halo > 0) && opts->ranks == 0 && !opts->engine) {
        hr_err_set(err, "hotrun: --hostfile, --launcher and --halo go with "
                   "--ranks N");
        return HR_EINVAL;
    }
    return 0;
}

void hr_opts_free(struct hr_opts *opts)
{
    free(opts->arrays);
    free(opts->tasks);
    free(opts->cmds);
    free(opts->watches);
    opts->arrays = opts->tasks = opts->cmds = opts->watches = NULL;
}
