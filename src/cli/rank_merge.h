/* rank_merge.h - one answer from the answers of N ranks (rank 0, MPI job)
 *
 * Every rank runs the same command on its own shard and makes the same
 * records; rank 0 merges them record by record, in rank order.  A run's
 * merged record holds each rank's part (status, value, time) and, when
 * every rank succeeded and the task says how (HR_COMBINE or
 * NAME__combine), the combined value; a task that says nothing gets no
 * combined value, and one that failed on some ranks gets "failed on rank
 * r/N: ..." for each.  Any other record is rank 0's, unless ranks
 * disagree: an error every rank gave alike is shown once, otherwise once
 * per failing rank.  No MPI here: unit-tested on its own.
 */
#ifndef HR_RANK_MERGE_H
#define HR_RANK_MERGE_H

#include "libhotrun.h"
#include "record.h"

/* What one rank answered: its records (owned) and the command's status
 * (HR_CMD_*), or answered 0 for a rank that did not answer. */
struct hr_rank_reply {
    int answered;
    int status;
    struct hr_record *recs;     /* owned: hr_rank_reply_free() */
    int nrecs;
};

/* Merges replies[0..n) into *out (nout records; owned: free each with
 * hr_record_fini() and the array with free()).  s is rank 0's session:
 * it knows how each task combines.  Returns the merged status. */
int hr_rank_merge(struct hr_session *s, int n,
                  const struct hr_rank_reply *replies,
                  struct hr_record **out, int *nout);

void hr_rank_reply_free(struct hr_rank_reply *r);

#endif
