/* rank.h - hotrun --engine: one rank of the MPI job behind --ranks N
 *
 * Rank 0 reads the front end's requests on stdin: optional file blobs
 * (".task LEN REALPATH" or ".file LEN REALPATH", a newline, LEN bytes, a
 * newline: a task file and the local headers it includes) and one command
 * line in the script syntax.  It broadcasts each request; every rank runs
 * the command through the one executor on its own shard, compiling task
 * files from the blobs, and sends its records to rank 0, which merges them
 * (rank_merge.h) and answers on stdout in the wire form (wire.h).  End of
 * input is quit.
 */
#ifndef HR_RANK_H
#define HR_RANK_H

#include "opts.h"

/* Runs this process as one rank until quit.  Returns the exit status. */
int hr_rank_main(int argc, char **argv, const struct hr_opts *opts);

#endif
