/* rank_mpi.c - the rank loop's MPI operations: broadcast, send, collect,
 * each waited for with a polled back-off (the standard's calls only, so
 * that Open MPI and MPICH both work) */
#include "rank_comm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#define TAG_HEAD 101
#define TAG_BODY 102
#define TAG_PART 103
#define BACKOFF_MIN_NS 20000L
#define BACKOFF_MAX_NS 5000000L

static void nap(long *ns)
{
    struct timespec t = { 0, *ns };

    nanosleep(&t, NULL);
    *ns = *ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : *ns * 2;
}

/* Waits for req without spinning; gives up (-1) once expired(ud) says so
 * (expired NULL: never).  Returns 0 or -1. */
static int wait_until(MPI_Request *req, int (*expired)(void *ud), void *ud)
{
    long ns = BACKOFF_MIN_NS;
    int done = 0;

    for (;;) {
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        if (done)
            return 0;
        if (expired != NULL && expired(ud))
            return -1;
        nap(&ns);
    }
}

static int wait_polled(MPI_Request *req)
{
    return wait_until(req, NULL, NULL);
}

int hr_comm_init(int *argc, char ***argv, int *rank, int *size)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return -1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void hr_comm_finalize(void)
{
    MPI_Finalize();
}

int hr_comm_bcast(char **buf, size_t *len)
{
    MPI_Request req;
    int64_t n = 0, at;
    int rank = 0;
    char *p = NULL;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
        n = (int64_t)*len;
    /* the non-blocking form on every rank: collectives of the two kinds
     * do not match each other */
    if (MPI_Ibcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD, &req) !=
        MPI_SUCCESS || wait_polled(&req) != 0)
        return -1;
    if (rank == 0) {
        p = *buf;
    } else {
        p = malloc((size_t)n + 1);
        if (p == NULL)
            return -1;
        p[n] = '\0';
    }
    /* the body in pieces that fit an int count */
    for (at = 0; at < n;) {
        int k = n - at > (1 << 30) ? 1 << 30 : (int)(n - at);

        if (MPI_Ibcast(p + at, k, MPI_CHAR, 0, MPI_COMM_WORLD, &req) !=
            MPI_SUCCESS || wait_polled(&req) != 0) {
            if (rank != 0)
                free(p);
            return -1;
        }
        at += k;
    }
    if (rank != 0) {
        *buf = p;
        *len = (size_t)n;
    }
    return 0;
}

int hr_comm_send(int status, const char *buf, size_t len)
{
    MPI_Request req[2];
    int64_t head[2] = { status, (int64_t)len };
    long ns = BACKOFF_MIN_NS;
    int done = 0;

    if (len > (size_t)INT32_MAX)
        return -1;
    if (MPI_Isend(head, 2, MPI_INT64_T, 0, TAG_HEAD, MPI_COMM_WORLD,
                  &req[0]) != MPI_SUCCESS ||
        MPI_Isend(buf, (int)len, MPI_CHAR, 0, TAG_BODY, MPI_COMM_WORLD,
                  &req[1]) != MPI_SUCCESS)
        return -1;
    for (;;) {
        if (MPI_Testall(2, req, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS)
            return -1;
        if (done)
            return 0;
        nap(&ns);
    }
}

int hr_comm_collect(int n, int *got, int *status, char **bufs,
                    int (*expired)(void *ud), void *ud)
{
    MPI_Request *req = calloc((size_t)n, sizeof *req);
    int64_t (*head)[2] = calloc((size_t)n, sizeof *head);
    long ns = BACKOFF_MIN_NS;
    int left = n - 1;
    int r;

    if (req == NULL || head == NULL) {
        free(req);
        free(head);
        return n - 1;
    }
    for (r = 1; r < n; r++) {
        got[r] = 0;
        MPI_Irecv(head[r], 2, MPI_INT64_T, r, TAG_HEAD, MPI_COMM_WORLD,
                  &req[r]);
    }
    while (left > 0) {
        int progress = 0;

        for (r = 1; r < n; r++) {
            int done = 0;
            char *p = NULL;

            if (got[r] || req[r] == MPI_REQUEST_NULL)
                continue;
            MPI_Test(&req[r], &done, MPI_STATUS_IGNORE);
            if (!done)
                continue;
            /* the body was sent right behind the head */
            p = malloc((size_t)head[r][1] + 1);
            if (p == NULL)
                hr_comm_abort(12);
            MPI_Recv(p, (int)head[r][1], MPI_CHAR, r, TAG_BODY,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            p[head[r][1]] = '\0';
            bufs[r] = p;
            status[r] = (int)head[r][0];
            got[r] = 1;
            left--;
            progress = 1;
        }
        if (left == 0)
            break;
        if (progress)
            ns = BACKOFF_MIN_NS;
        else if (expired != NULL && expired(ud))
            break;
        else
            nap(&ns);
    }
    /* a rank that did not answer: its receive stays posted into head,
     * which is kept for it (the caller ends the job) */
    if (left == 0) {
        free(req);
        free(head);
    }
    return left;
}

/* len bytes to rank 0 under tag, in pieces that fit an int count. */
static int send_pieces(const char *buf, size_t len, int tag,
                       int (*expired)(void *ud), void *ud)
{
    MPI_Request req;
    int64_t n = (int64_t)len;
    size_t at = 0;

    if (MPI_Isend(&n, 1, MPI_INT64_T, 0, tag, MPI_COMM_WORLD, &req) !=
        MPI_SUCCESS || wait_until(&req, expired, ud) != 0)
        return -1;
    while (at < len) {
        int k = len - at > (1u << 30) ? 1 << 30 : (int)(len - at);

        if (MPI_Isend(buf + at, k, MPI_CHAR, 0, tag, MPI_COMM_WORLD,
                      &req) != MPI_SUCCESS ||
            wait_until(&req, expired, ud) != 0)
            return -1;
        at += (size_t)k;
    }
    return 0;
}

/* What send_pieces() sent from rank r: an owned buffer in *buf. */
static int recv_pieces(int r, int tag, char **buf, size_t *len,
                       int (*expired)(void *ud), void *ud)
{
    MPI_Request req;
    int64_t n = 0;
    size_t at = 0;
    char *p = NULL;

    if (MPI_Irecv(&n, 1, MPI_INT64_T, r, tag, MPI_COMM_WORLD, &req) !=
        MPI_SUCCESS || wait_until(&req, expired, ud) != 0 || n < 0)
        return -1;
    p = malloc((size_t)n + 1);
    if (p == NULL)
        return -1;
    while (at < (size_t)n) {
        int k = (size_t)n - at > (1u << 30) ? 1 << 30 : (int)((size_t)n - at);

        if (MPI_Irecv(p + at, k, MPI_CHAR, r, tag, MPI_COMM_WORLD, &req) !=
            MPI_SUCCESS || wait_until(&req, expired, ud) != 0) {
            free(p);
            return -1;
        }
        at += (size_t)k;
    }
    *buf = p;
    *len = (size_t)n;
    return 0;
}

int hr_comm_gather(const void *part, size_t len, char **parts, size_t *lens,
                   int (*expired)(void *ud), void *ud)
{
    int rank = 0, size = 1;
    int r;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank != 0)
        return send_pieces(part, len, TAG_PART, expired, ud);
    parts[0] = malloc(len + 1);
    if (parts[0] == NULL)
        return -1;
    memcpy(parts[0], part, len);
    lens[0] = len;
    for (r = 1; r < size; r++) {
        if (recv_pieces(r, TAG_PART, &parts[r], &lens[r], expired, ud) != 0)
            return -1;
    }
    return 0;
}

void hr_comm_abort(int code)
{
    MPI_Abort(MPI_COMM_WORLD, code);
    abort();
}
