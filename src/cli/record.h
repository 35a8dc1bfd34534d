/* record.h - what one command did, as the reporter renders it
 *
 * Every command from every front end (a typed line, a -c option, a line of
 * a stdin script or a batch list, a save in watch mode) goes through the
 * executor (exec.h), which hands its handler a record to fill and then
 * gives the record to the reporter: plain text on a terminal or a pipe,
 * or one JSON object per line (--json).  A record owns every string it
 * holds (hr_record_fini() frees them); `where` and `argv` are borrowed
 * from the executor for the command's length.
 */
#ifndef HR_RECORD_H
#define HR_RECORD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "text.h"

/* Where a command came from. */
struct hr_where {
    const char *source;         /* a script or list file ("<stdin>" for
                                   stdin), or NULL: typed or -c */
    int line;                   /* 1-based line in source, or 0 */
};

enum hr_rec_kind {
    HR_REC_PLAIN,               /* a command: text, a note, or nothing */
    HR_REC_RUN,                 /* a task ran (or failed to) */
    HR_REC_RELOAD               /* a file was compiled (or failed to) */
};

/* One rank's part of a run over MPI (hotrun --ranks N). */
struct hr_part {
    int ok;
    int has_result;
    double result;
    int result_kind;            /* enum hr_result_kind, as the record's */
    int64_t iresult;
    uint64_t uresult;
    double run_ms;              /* < 0: did not run */
    char *error;                /* owned, or NULL */
};

struct hr_record {
    /* set by the executor */
    const struct hr_where *where;   /* borrowed */
    int argc;
    char **argv;                /* borrowed: the command's words */
    const char *command;        /* borrowed, static: the command's name */
    enum hr_rec_kind kind;
    int ok;
    int input_error;            /* a usage or input error: exit status 2 */
    int quiet;                  /* watch mode's: not counted */

    /* what a reload or a run gave */
    char *file;                 /* owned: the task file */
    char *function;             /* owned: the task */
    int targc;                  /* the task's arguments (borrowed) */
    char **targv;
    int has_result;
    int result_kind;            /* enum hr_result_kind (libhotrun.h) */
    double result;              /* the value (integers converted) */
    int64_t iresult;            /* HR_RESULT_INT: exactly */
    uint64_t uresult;           /* HR_RESULT_UINT: exactly */
    int show_file;              /* text: "file: task = value" */
    char **outputs;             /* owned: names of the arrays it made */
    int noutputs;
    int tier;                   /* the code that ran: 1 or 2; 0: none */
    double compile_ms;          /* < 0: not compiled by this command */
    double run_ms;              /* < 0: did not run */
    char *timing;               /* owned: "(8.2 ms, 24 GB/s)" text */

    double bytes;               /* bytes the run read (every rank's) */
    double weight;              /* over MPI: elements this rank owns of
                                   the array the task ran on */
    int nranks;                 /* > 0: a run over MPI ranks */
    struct hr_part *parts;      /* owned: nranks parts, in rank order */

    char *error;                /* owned: why it failed, or NULL */
    char *note;                 /* owned: a quiet line ("reloaded ...") */
    char *warnings;             /* owned: compiler warnings */
    struct hr_text text;        /* owned: output of list, arrays, ... */
};

/* A fresh record for the command argv from where. */
void hr_record_init(struct hr_record *r, const struct hr_where *where,
                    int argc, char **argv);

/* Frees what r owns and makes it fresh again (same where/argv). */
void hr_record_fini(struct hr_record *r);

/* Sets r->error (replacing one) from a format.  Returns nothing: the
 * handler returns its own status. */
void hr_record_error(struct hr_record *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same, and marks it a usage or input error (exit status 2). */
void hr_record_input_error(struct hr_record *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets r->note from a format. */
void hr_record_note(struct hr_record *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees r's parts (a run over MPI ranks) and sets nranks to 0. */
void hr_record_parts_free(struct hr_record *r);

/* Sets an owned string field (*field) to a copy of s (NULL allowed). */
void hr_record_set(char **field, const char *s);

/* The result of a run as text: the value as Python would print it, an
 * integer exactly, "done" for a void task.  Into buf. */
void hr_record_result_text(const struct hr_record *r, char *buf,
                           size_t len);

/* Writes r as one JSON object and a newline to f.  Every record has the
 * keys source, line, command, file, function, args, ok, result, outputs,
 * bytes (what a run read: the arrays it took, got by name and made),
 * tier (1, or 2 for optimised code),
 * compile_ms, run_ms, error (null where they do not apply), output when
 * the command showed text, and ranks (each rank's rank, ok, result,
 * run_ms and error) for a run over MPI ranks.  The output is valid UTF-8 whatever the
 * input: a byte that is not part of valid UTF-8 is written as the escape
 * of the code point of the same value (\u00NN); NaN and infinities, which
 * JSON lacks, as null. */
void hr_record_json(const struct hr_record *r, FILE *f);

#endif
