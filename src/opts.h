/* opts.h - the command line */
#ifndef HR_OPTS_H
#define HR_OPTS_H

#include "array.h"
#include "err.h"

struct hr_opts {
    char **arrays;          /* borrowed from argv: "[NAME=]FILE" */
    int narrays;
    char **tasks;           /* owned array, borrowed strings: -t FILE */
    int ntasks;
    char **cmds;            /* owned array, borrowed strings: -c CMD */
    int ncmds;
    char **watches;         /* owned array, borrowed strings: FILE[:FN] */
    int nwatches;
    const char *batch;      /* --batch LIST, or NULL */
    int json;               /* --json */
    int demo;               /* --demo */
    int quiet;              /* -q */
    int isolate;            /* --isolate */
    double timeout_s;       /* --timeout SEC, 0 none */
    enum hr_load_mode load; /* --load=auto|copy|mmap */
    int have_raw;           /* --dtype given */
    struct hr_raw_spec raw; /* --dtype, --shape, --order */
    int have_shape;
    int help;               /* --help printed: exit 0 */
    int version;            /* --version printed: exit 0 */
};

/* Parses argv into opts (strings borrowed from argv).  Returns 0, or
 * HR_EINVAL with err set ("hotrun: ..."); opts->help/version when one of
 * those was asked for (the caller prints and exits 0). */
int hr_opts_parse(int argc, char **argv, struct hr_opts *opts,
                  struct hr_err *err);

/* Frees what hr_opts_parse() allocated; accepts a zeroed opts. */
void hr_opts_free(struct hr_opts *opts);

/* The text of hotrun --help. */
const char *hr_opts_usage(void);

#endif
