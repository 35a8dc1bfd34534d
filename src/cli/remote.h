/* remote.h - hotrun --ranks N: the session lives in an MPI job; this
 * process stays the front end (terminal, readline, watch mode, Ctrl-C)
 *
 * The front end starts `LAUNCHER -n N [--hostfile H] hotrun --engine` in a
 * session of its own (setsid), its stdin a socket and its stdout and
 * stderr pipes of ours, and talks to rank 0 (rank.h): each command the
 * executor would run goes to the job as one line (reload and do send the
 * task file's text and the local headers it includes first), and the
 * records that come back (wire.h) go through the normal reporter.  help,
 * quit, watch and unwatch stay local.  The job's stderr (task output,
 * MPI's messages) is passed on.  Ctrl-C while a command runs sends SIGUSR1
 * to the launcher, which forwards it to every rank; a second one ends the
 * job.  A job that dies is reported, started again, and given back its
 * arrays, settings and modules.
 */
#ifndef HR_REMOTE_H
#define HR_REMOTE_H

#include "cli.h"
#include "wire.h"

struct hr_remote_opts {
    int nranks;
    const char *hostfile;           /* may be NULL */
    const char *launcher;           /* words: "mpirun --oversubscribe" */
    long halo;
    int load;                       /* enum hr_load_mode on every rank */
};

/* Starts the job for cli (cli->remote is set on success).  Returns 0, or
 * HR_EIO / HR_EINVAL with err saying why (the launcher's last words). */
int hr_remote_open(struct hr_cli *cli, const struct hr_remote_opts *o,
                   struct hr_err *err);

/* Ends the job (end of input for rank 0, then SIGTERM, then SIGKILL) and
 * frees r; accepts NULL. */
void hr_remote_close(struct hr_remote *r);

/* Does the command stay in the front end? */
int hr_remote_is_local(const char *name);

/* Runs the command argv in the job, filling rec (and emitting earlier
 * records of the command through the executor).  Returns HR_CMD_*. */
int hr_remote_exec(struct hr_cli *cli, int argc, char **argv,
                   struct hr_record *rec);

/* Runs argv in the job without reporting: 0, or HR_EFAIL with err holding
 * the error (start-up loads and settings). */
int hr_remote_quiet(struct hr_cli *cli, int argc, char **argv,
                    struct hr_err *err);

/* What the front end knows of the job's session (borrowed until the
 * next command). */
const struct hr_wire_state *hr_remote_state(const struct hr_remote *r);

/* Ranks of the job. */
int hr_remote_nranks(const struct hr_remote *r);

#endif
