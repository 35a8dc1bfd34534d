/* wire.h - records and session state as the MPI job sends them to the
 * front end: one JSON object per line (cJSON)
 *
 * The engine's job (hotrun --engine, rank 0) answers each command with
 * lines of JSON: {"rec": RECORD} for each record the command made,
 * {"state": STATE} when the arrays or modules changed, and last
 * {"done": STATUS}.  RECORD carries every field of struct hr_record that
 * the reporter reads (more than the user's --json shows); STATE lists the
 * arrays (global shapes) and modules, for the front end's prompt,
 * completion, watch mode and restarts.  Ranks send rank 0 their records
 * in the same RECORD form.
 */
#ifndef HR_WIRE_H
#define HR_WIRE_H

/* Rank 0 ends its stderr of each answer (the ranks' task output) with this
 * line, written before the answer's "done": the front end shows that
 * output before the answer's last record although it comes by another
 * pipe. */
#define HR_WIRE_MARK "\036hotrun:end\036\n"

#include <stdint.h>
#include <time.h>

#include "libhotrun.h"
#include "record.h"

/* r as one JSON object (no newline).  Owned (free()); NULL on no memory. */
char *hr_wire_record(const struct hr_record *r);

/* Fills r (made by hr_record_init() with the command's own where and
 * argv) from the JSON object text.  Returns 0 or HR_EFORMAT. */
int hr_wire_parse_record(const char *text, struct hr_record *r);

/* ---- the session's state ---- */

struct hr_wire_array {
    char *name, *path, *how;        /* owned */
    struct hr_array view;           /* the whole array: global shape,
                                       data NULL */
    int is_default;
    double load_ms;
};

struct hr_wire_module {
    char *path, *realpath, *warnings;   /* owned (warnings may be NULL) */
    char **tasks;                   /* owned */
    int ntasks;
    double compile_ms;
    struct timespec compiled_at;
    uint64_t hash;
    int uses_libc;
};

struct hr_wire_state {
    struct hr_wire_array *arrays;   /* owned */
    int narrays;
    struct hr_wire_module *mods;    /* owned */
    int nmods;
};

/* The state of session s as one JSON object.  Owned; NULL on no memory. */
char *hr_wire_state(const struct hr_session *s);

/* Parses a state object into *st (freed first).  Returns 0 or
 * HR_EFORMAT. */
int hr_wire_parse_state(const char *text, struct hr_wire_state *st);

void hr_wire_state_free(struct hr_wire_state *st);

#endif
