/* rank.c - hotrun --engine: one rank of the MPI job behind --ranks N */
#include "rank.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "fileio.h"
#include "out.h"
#include "rank_comm.h"
#include "rank_merge.h"
#include "wire.h"
#include "words.h"

#define GRACE_S 3.0     /* how long past rank 0 the others may take after a
                           time limit or a stop */

struct blob {
    char *path;                 /* borrowed from the request buffer */
    const char *text;
    size_t len;
    int task;
};

struct rank {
    struct hr_cli *cli;
    int rank, size;
    char *root;                 /* owned: where blobs become files */
    struct blob *blobs;         /* owned array over the request buffer */
    int nblobs;
    char *taskdir;              /* owned: the task blob's folder */
    char **wires;               /* owned: this command's records */
    int nwires;
    char *state;                /* owned: the state last sent */
    double collect_t0;
    double timeout;
    int timed;                  /* the command runs tasks */
    int after_run;              /* the last command ran tasks */
    int run_failed;             /* and failed here */
    unsigned stops;             /* hr_stop_count() at the command */
    double stop_t0;
};

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- records: collected instead of reported ---- */

static void sink(void *ud, const struct hr_record *r)
{
    struct rank *k = ud;
    char **grown = realloc(k->wires, (size_t)(k->nwires + 1) *
                           sizeof *grown);
    struct hr_record copy = *r;

    if (grown == NULL)
        return;
    k->wires = grown;
    /* the weight of a run: what this rank owns of the default array */
    if (r->kind == HR_REC_RUN) {
        struct hr_array_info a;

        if (hr_session_array_info(k->cli->s,
                                  hr_session_find_array(k->cli->s, NULL),
                                  &a) == 0)
            copy.weight = (double)hr_array_owned(a.view);
    }
    k->wires[k->nwires] = hr_wire_record(&copy);
    if (k->wires[k->nwires] != NULL)
        k->nwires++;
}

static void wires_free(struct rank *k)
{
    int i;

    for (i = 0; i < k->nwires; i++)
        free(k->wires[i]);
    free(k->wires);
    k->wires = NULL;
    k->nwires = 0;
}

/* ---- task files from the front end ---- */

static int source(void *ud, const char *path, struct hr_source *out)
{
    struct rank *k = ud;
    int i;

    (void)path;
    for (i = 0; i < k->nblobs; i++) {
        if (!k->blobs[i].task)
            continue;
        out->text = k->blobs[i].text;
        out->len = k->blobs[i].len;
        out->realpath = k->blobs[i].path;
        out->dir = k->taskdir;
        return 0;
    }
    return 1;
}

/* Writes blob b under the rank's root at its own absolute path, so that
 * the task's #include "..." lines find it as they would on the front
 * end's machine. */
static void put_blob(struct rank *k, const struct blob *b)
{
    char *path = NULL;
    int fd;

    if (k->root == NULL || asprintf(&path, "%s%s", k->root, b->path) < 0)
        return;
    hr_fileio_mkdirs(path, 0700);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        hr_fileio_write_full(fd, b->text, b->len);
        close(fd);
    }
    free(path);
}

/* Splits the request buf into blobs and the command line (*line, *n). */
static void parse_request(struct rank *k, char *buf, size_t len,
                          char **line, size_t *n)
{
    size_t at = 0;
    int i;

    free(k->blobs);
    k->blobs = NULL;
    k->nblobs = 0;
    free(k->taskdir);
    k->taskdir = NULL;
    while (at < len && (strncmp(buf + at, ".task ", 6) == 0 ||
                        strncmp(buf + at, ".file ", 6) == 0)) {
        char *nl = memchr(buf + at, '\n', len - at);
        char *end = NULL;
        struct blob b;
        struct blob *grown = NULL;
        unsigned long long blen;

        if (nl == NULL)
            break;
        *nl = '\0';
        b.task = buf[at + 1] == 't';
        blen = strtoull(buf + at + 6, &end, 10);
        b.path = end + 1;
        b.text = nl + 1;
        b.len = (size_t)blen;
        if (*end != ' ' || b.len > len - (size_t)(nl + 1 - buf))
            break;
        at = (size_t)(nl + 1 - buf) + b.len + 1;
        grown = realloc(k->blobs, (size_t)(k->nblobs + 1) * sizeof *grown);
        if (grown == NULL)
            break;
        k->blobs = grown;
        k->blobs[k->nblobs++] = b;
    }
    if (at > len)
        at = len;
    *line = buf + at;
    *n = len - at;
    for (i = 0; i < k->nblobs; i++) {
        if (!k->blobs[i].task) {
            put_blob(k, &k->blobs[i]);
        } else if (k->root != NULL) {
            const char *slash = strrchr(k->blobs[i].path, '/');
            size_t dlen = slash != NULL ? (size_t)(slash - k->blobs[i].path)
                                        : 0;

            if (asprintf(&k->taskdir, "%s%.*s", k->root, (int)dlen,
                         k->blobs[i].path) < 0)
                k->taskdir = NULL;
        }
    }
}

/* ---- rank 0: reading the front end's requests ---- */

/* Appends what fd gives up to and including the next newline to t.
 * Returns 0, or -1 at end of input with nothing read. */
static int read_line(FILE *in, struct hr_text *t)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, in);

    if (n > 0)
        hr_text_add(t, line, (size_t)n);
    free(line);
    return n > 0 ? 0 : -1;
}

/* One request from the front end into t (blobs and the command line). */
static void read_request(FILE *in, struct hr_text *t)
{
    for (;;) {
        size_t start = t->len;
        unsigned long long blen;
        char *buf = NULL;

        if (read_line(in, t) != 0) {
            t->len = start;
            hr_text_add(t, "quit\n", 5);
            return;
        }
        if (strncmp(t->s + start, ".task ", 6) != 0 &&
            strncmp(t->s + start, ".file ", 6) != 0)
            return;
        blen = strtoull(t->s + start + 6, NULL, 10);
        buf = malloc((size_t)blen + 1);
        if (buf == NULL || fread(buf, 1, (size_t)blen + 1, in) !=
                           (size_t)blen + 1) {
            free(buf);
            t->len = start;
            hr_text_add(t, "quit\n", 5);
            return;
        }
        hr_text_add(t, buf, (size_t)blen + 1);
        free(buf);
    }
}

/* ---- rank 0: waiting for the others ---- */

static int expired(void *ud)
{
    struct rank *k = ud;
    double t = now_s();

    if (hr_stop_count() != k->stops) {
        if (k->stop_t0 == 0)
            k->stop_t0 = t;
        if (t - k->stop_t0 > GRACE_S)
            return 1;
    }
    return k->timed && k->timeout > 0 &&
           t - k->collect_t0 > k->timeout + GRACE_S;
}

/* Rank 0, before each "done": task output first, then the mark. */
static void end_output(void)
{
    fflush(stdout);
    fflush(stderr);
    hr_fileio_write_full(STDERR_FILENO, HR_WIRE_MARK,
                         sizeof HR_WIRE_MARK - 1);
}

static void say(const char *kind, const char *json)
{
    FILE *f = hr_out_json();

    fprintf(f, "{\"%s\": %s}\n", kind, json);
}

/* Splits a rank's newline-joined records into reply (argv: the
 * command's words on rank 0). */
static void decode(char *buf, int argc, char **argv,
                   struct hr_rank_reply *reply)
{
    char *save = NULL;
    char *one = strtok_r(buf, "\n", &save);

    while (one != NULL) {
        struct hr_record *grown = realloc(reply->recs, (size_t)(reply->nrecs
                                          + 1) * sizeof *grown);

        if (grown == NULL)
            return;
        reply->recs = grown;
        hr_record_init(&reply->recs[reply->nrecs], NULL, argc, argv);
        reply->recs[reply->nrecs].command = argv[0];
        hr_wire_parse_record(one, &reply->recs[reply->nrecs]);
        reply->nrecs++;
        one = strtok_r(NULL, "\n", &save);
    }
}

static char *join_wires(const struct rank *k)
{
    struct hr_text t = HR_TEXT_INIT;
    int i;

    for (i = 0; i < k->nwires; i++) {
        hr_text_add(&t, k->wires[i], strlen(k->wires[i]));
        hr_text_add(&t, "\n", 1);
    }
    return t.s != NULL ? t.s : strdup("");
}

/* Some ranks did not answer: the command's last record says so (rank 0
 * ends the job after it).  Returns the status. */
static int stopped_answering(struct rank *k, const int *got, int missing,
                             int argc, char **argv, struct hr_record **m,
                             int *nm)
{
    struct hr_text who = HR_TEXT_INIT;
    struct hr_record *last = NULL;
    char *had = NULL;
    int r;

    for (r = 1; r < k->size; r++) {
        if (!got[r])
            hr_text_printf(&who, "%s%d", who.len ? ", " : "", r);
    }
    if (*nm == 0) {
        free(*m);
        *m = calloc(1, sizeof **m);
        if (*m == NULL)
            hr_comm_abort(12);
        hr_record_init(*m, NULL, argc, argv);
        *nm = 1;
    }
    last = &(*m)[*nm - 1];
    had = last->error != NULL && !last->ok ? strdup(last->error) : NULL;
    hr_record_error(last, "%s%s%s: rank%s %s of %d stopped answering "
                    "(nothing %.1f s after rank 0 was done); ending the MPI "
                    "job", had != NULL ? had : "", had != NULL ? "\n" : "",
                    argv[0], missing > 1 ? "s" : "", who.s, k->size,
                    now_s() - k->collect_t0);
    last->has_result = 0;
    free(had);
    hr_text_free(&who);
    return HR_CMD_ERR;
}

/* Rank 0 after its own part: the others' answers, merged, to stdout. */
static void answer(struct rank *k, int status, int argc, char **argv)
{
    struct hr_rank_reply *rp = calloc((size_t)k->size, sizeof *rp);
    int *got = calloc((size_t)k->size, sizeof *got);
    int *st = calloc((size_t)k->size, sizeof *st);
    char **bufs = calloc((size_t)k->size, sizeof *bufs);
    char *mine = join_wires(k);
    struct hr_record *m = NULL;
    char *state = NULL;
    int nm = 0, missing;
    int i, r;

    if (rp == NULL || got == NULL || st == NULL || bufs == NULL ||
        mine == NULL)
        hr_comm_abort(12);
    k->collect_t0 = now_s();
    missing = hr_comm_collect(k->size, got, st, bufs, expired, k);
    rp[0].answered = 1;
    rp[0].status = status;
    decode(mine, argc, argv, &rp[0]);
    for (r = 1; r < k->size; r++) {
        rp[r].answered = got[r];
        rp[r].status = st[r];
        if (got[r])
            decode(bufs[r], argc, argv, &rp[r]);
    }
    status = hr_rank_merge(k->cli->s, k->size, rp, &m, &nm);
    if (missing > 0)
        status = stopped_answering(k, got, missing, argc, argv, &m, &nm);
    for (i = 0; i < nm; i++) {
        char *w = hr_wire_record(&m[i]);

        if (w != NULL)
            say("rec", w);
        free(w);
        hr_record_fini(&m[i]);
    }
    if (missing > 0) {
        end_output();
        say("done", "1, \"fatal\": true");
        fflush(hr_out_json());
        hr_comm_abort(3);
    }
    state = hr_wire_state(k->cli->s);
    if (state != NULL && (k->state == NULL || strcmp(state, k->state) != 0))
    {
        say("state", state);
        free(k->state);
        k->state = state;
        state = NULL;
    }
    free(state);
    end_output();
    fprintf(hr_out_json(), "{\"done\": %d}\n", status);
    fflush(hr_out_json());
    for (r = 0; r < k->size; r++) {
        hr_rank_reply_free(&rp[r]);
        free(bufs[r]);
    }
    free(m);
    free(rp);
    free(got);
    free(st);
    free(bufs);
    free(mine);
}

/* ---- the session's gather (show, stats, plot, save of split arrays) ---- */

/* Nothing a rank does for show, stats, plot or save blocks for long: a
 * rank that does not come is broken, and a stop (Ctrl-C) ends the wait
 * after GRACE_S, as for a run. */
static int gather_parts(void *ud, const void *part, size_t len, char **parts,
                        size_t *lens)
{
    return hr_comm_gather(part, len, parts, lens, expired, ud);
}

static int bcast_buf(void *ud, char **buf, size_t *len)
{
    (void)ud;
    return hr_comm_bcast(buf, len);
}

/* ---- the loop ---- */

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int one_command(struct rank *k, char *buf, size_t len)
{
    char *line = NULL;
    size_t n = 0;
    char **argv = NULL;
    struct hr_err err = { { 0 } };
    int argc;
    int rc = HR_CMD_ERR;

    parse_request(k, buf, len, &line, &n);
    argc = hr_words_split(line, n, &argv, &err);
    hr_sigint_take();           /* a stop that came between commands */
    k->stops = hr_stop_count();
    k->stop_t0 = 0;
    k->timeout = hr_session_timeout(k->cli->s);
    /* what the last run made: kept, split or dropped alike on every rank
     * (a wait that only a stop ends: no run's time limit) */
    k->timed = 0;
    if (k->after_run && hr_session_settle_made(k->cli->s, k->run_failed,
                                               &err) != 0)
        hr_comm_abort(6);
    k->after_run = 0;
    if (argc > 0) {
        k->timed = strcmp(argv[0], "run") == 0 || strcmp(argv[0], "do") == 0;
        rc = hr_exec_argv(k->cli, argc, argv, NULL, 0);
        k->after_run = k->timed;
        k->run_failed = rc != HR_CMD_OK;
    } else {
        struct hr_record rec;

        hr_record_init(&rec, NULL, 0, NULL);
        hr_record_input_error(&rec, "%s", argc < 0 ? err.msg :
                              "engine: empty command");
        hr_exec_emit(k->cli, &rec);
        hr_record_fini(&rec);
        argc = 0;
    }
    if (k->rank == 0) {
        char *none[1] = { "?" };

        answer(k, rc, argc > 0 ? argc : 1, argc > 0 ? argv : none);
    } else {
        char *all = join_wires(k);

        fflush(NULL);           /* its task output before its answer */
        if (all == NULL || hr_comm_send(rc, all, strlen(all)) != 0)
            hr_comm_abort(5);
        free(all);
    }
    wires_free(k);
    hr_words_free(argc, argv);
    return rc;
}

int hr_rank_main(int argc, char **argv, const struct hr_opts *opts)
{
    struct rank k;
    struct hr_text req = HR_TEXT_INIT;
    char tmpl[4096];
    const char *tmp = getenv("TMPDIR");
    int rc = 0;

    memset(&k, 0, sizeof k);
    if (hr_comm_init(&argc, &argv, &k.rank, &k.size) != 0) {
        fprintf(stderr, "hotrun --engine: MPI_Init failed\n");
        return 2;
    }
    if (hr_cli_open(1, 0, 0, &k.cli) != 0)
        hr_comm_abort(12);
    k.cli->sink = sink;
    k.cli->sink_ud = &k;
    hr_session_set_load_mode(k.cli->s, opts->load);
    hr_session_set_shard(k.cli->s, k.rank, k.size, opts->halo);
    hr_session_set_source(k.cli->s, source, &k);
    {
        struct hr_gather g = { gather_parts, bcast_buf, &k };

        hr_session_set_gather(k.cli->s, &g);
    }
    hr_sigint_fd();
    hr_stop_on_signal(SIGUSR1);
    snprintf(tmpl, sizeof tmpl, "%s/hotrun-rank%d-XXXXXX",
             tmp != NULL && *tmp == '/' ? tmp : "/tmp", k.rank);
    k.root = mkdtemp(tmpl) != NULL ? strdup(tmpl) : NULL;
    if (k.rank == 0) {
        /* hello: the front end waits for this before its first command */
        end_output();
        fprintf(hr_out_json(), "{\"done\": 0, \"ranks\": %d}\n", k.size);
        fflush(hr_out_json());
    }
    for (;;) {
        char *buf = NULL;
        size_t len = 0;
        int st;

        if (k.rank == 0) {
            req.len = 0;
            read_request(stdin, &req);
            buf = req.s;
            len = req.len;
        }
        if (hr_comm_bcast(&buf, &len) != 0) {
            rc = 2;
            break;
        }
        st = one_command(&k, buf, len);
        if (k.rank != 0)
            free(buf);
        if (st == HR_CMD_QUIT)
            break;
    }
    hr_text_free(&req);
    if (k.root != NULL)
        nftw(k.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(k.root);
    free(k.blobs);
    free(k.taskdir);
    free(k.state);
    hr_cli_close(k.cli);
    hr_comm_finalize();
    return rc;
}
