/* opts.h - the command line */
#ifndef HR_OPTS_H
#define HR_OPTS_H

#include "libhotrun.h"

struct hr_opts {
    char **arrays;          /* owned array, borrowed strings: [NAME=]FILE */
    int narrays;
    char **tasks;           /* owned array, borrowed strings: -t FILE */
    int ntasks;
    char **cmds;            /* owned array, borrowed strings: -c CMD */
    int ncmds;
    char **watches;         /* owned array, borrowed strings:
                               "FILE[:TASK] [ARGS...]" */
    int nwatches;
    const char *batch;      /* --batch LIST, or NULL */
    int json;               /* --json */
    int demo;               /* --demo */
    int demo_path;          /* --demo-path: print it and exit */
    int quiet;              /* -q */
    int isolate;            /* --isolate */
    double timeout_s;       /* --timeout SEC, 0 none */
    enum hr_load_mode load; /* --load=auto|copy|mmap */
    struct hr_load_args raw; /* --dtype, --shape, --order (raw
                               set), --delimiter, --lenient */
    const char *dtype_s;    /* the load options as given (for the job) */
    const char *shape_s;
    const char *order_s;
    const char *delimiter_s;
    int ranks;              /* --ranks N: run the session in an MPI job */
    const char *hostfile;   /* --hostfile H, or NULL */
    const char *launcher;   /* --launcher 'CMD ARGS', or NULL: mpirun */
    long halo;              /* --halo K */
    int engine;             /* --engine: be one rank of such a job */
    int tier;               /* --tier=auto|wait|off: enum hr_tier_mode,
                               or -1 (HOTRUN_TIER, else auto) */
    int help;               /* --help: print usage, exit 0 */
    int version;            /* --version: print it, exit 0 */
};

/* Parses argv into opts (strings borrowed from argv).  Options may come
 * anywhere (GNU style); "--" ends them.  Returns 0, or HR_EINVAL with err
 * set ("hotrun: ..."). */
int hr_opts_parse(int argc, char **argv, struct hr_opts *opts,
                  struct hr_err *err);

/* Frees what hr_opts_parse() allocated; accepts a zeroed opts. */
void hr_opts_free(struct hr_opts *opts);

/* The text of hotrun --help. */
const char *hr_opts_usage(void);

#endif
