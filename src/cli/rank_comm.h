/* rank_comm.h - the few MPI operations the rank loop needs (rank_mpi.c is
 * the only file that includes mpi.h)
 *
 * Every wait polls with a growing back-off (20 us up to 5 ms) instead of
 * blocking in MPI: a blocking MPI call spins a core (27-56% measured),
 * a polled one costs a few per cent while the prompt waits.
 */
#ifndef HR_RANK_COMM_H
#define HR_RANK_COMM_H

#include <stddef.h>

/* MPI_Init; *rank and *size of MPI_COMM_WORLD.  Returns 0 or -1. */
int hr_comm_init(int *argc, char ***argv, int *rank, int *size);
void hr_comm_finalize(void);

/* Broadcasts a buffer from rank 0: there *buf and *len are given; on the
 * other ranks *buf gets a copy (owned, NUL-terminated) and *len its
 * length.  Returns 0 or -1. */
int hr_comm_bcast(char **buf, size_t *len);

/* A rank other than 0: sends status and len bytes to rank 0.  Returns 0
 * or -1. */
int hr_comm_send(int status, const char *buf, size_t len);

/* Rank 0: receives what every other rank sends with hr_comm_send() until
 * all have or expired(ud) returns nonzero.  For each rank r > 0 that
 * answered, got[r] is 1 and status[r], bufs[r] (owned, NUL-terminated)
 * are set.  Returns the number of ranks that did not answer. */
int hr_comm_collect(int n, int *got, int *status, char **bufs,
                    int (*expired)(void *ud), void *ud);

/* Every rank: part (len bytes) to rank 0, where parts[r] (owned, one byte
 * more than lens[r]) gets rank r's, its own included.  Returns 0, or -1
 * (also when expired(ud) says to stop waiting: the job is then broken). */
int hr_comm_gather(const void *part, size_t len, char **parts, size_t *lens,
                   int (*expired)(void *ud), void *ud);

/* Ends the whole job (MPI_Abort); does not return. */
void hr_comm_abort(int code) __attribute__((noreturn));

#endif
