/* remote_job.h - the front end's side of an MPI job, shared by remote.c
 * (the protocol, restarts) and remote_job.c (the process itself)
 */
#ifndef HR_REMOTE_JOB_H
#define HR_REMOTE_JOB_H

#include <sys/types.h>

#include "remote.h"

struct kept {                   /* a command replayed after a restart */
    char *key;                  /* "load NAME", "timeout", ... */
    char *line;                 /* the command's words, joined */
};

struct hr_remote {
    struct hr_remote_opts o;
    char *launcher;             /* owned copy of o.launcher */
    char *hostfile;
    char exe[4096];
    pid_t pid;                  /* the launcher, leader of its session */
    int in;                     /* socket: rank 0's stdin */
    int out, err;               /* pipes: the job's stdout, stderr */
    struct hr_text buf;         /* stdout not yet split into lines */
    size_t held;                /* stderr bytes that may start a mark */
    char hold[16];
    unsigned marks;             /* end marks seen on stderr */
    unsigned answers;           /* answers (done lines) seen on stdout */
    int json;                   /* task output to stderr (--json) */
    struct hr_wire_state state;
    struct kept *kept;
    int nkept;
    int restarting;
    int fatal;                  /* rank 0 is ending the job */
};

/* What to do with each record of a command. */

/* Milliseconds on CLOCK_MONOTONIC. */
double hr_remote_now_ms(void);

/* Starts the launcher for r (its own session; stdin a socket, stdout and
 * stderr pipes).  Returns 0, or -1 with err. */
int hr_remote_spawn(struct hr_remote *r, struct hr_err *err);

/* Passes on what the job wrote to stderr so far, counting (and leaving
 * out) the end marks in r->marks. */
void hr_remote_pass_err(struct hr_remote *r);

/* Waits up to ms for the launcher to end: 1 when it has (*status), else
 * 0. */
int hr_remote_reap(struct hr_remote *r, int ms, int *status);

/* How the launcher ended, in words, into buf. */
void hr_remote_describe(int status, char *buf, size_t len);

/* Ends the job (end of input, SIGTERM, SIGKILL to its session) and
 * closes our ends; *status gets how it ended. */
void hr_remote_stop(struct hr_remote *r, int *status);

/* Writes n bytes to rank 0's stdin.  Returns 0 or -1 (the job is gone). */
int hr_remote_send_all(struct hr_remote *r, const char *p, size_t n);

/* Sends the task file path and the local headers it includes as blobs
 * (rank.h).  Returns 0 or -1. */
int hr_remote_send_sources(struct hr_cli *cli, const char *path);

#endif
