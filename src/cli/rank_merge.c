/* rank_merge.c - one answer from the answers of N ranks */
#include "rank_merge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

void hr_rank_reply_free(struct hr_rank_reply *r)
{
    int i;

    for (i = 0; i < r->nrecs; i++)
        hr_record_fini(&r->recs[i]);
    free(r->recs);
    r->recs = NULL;
    r->nrecs = 0;
}

/* Copies what src holds into dst (a fresh record with the same words). */
static void copy_record(struct hr_record *dst, const struct hr_record *src)
{
    hr_record_init(dst, src->where, src->argc, src->argv);
    dst->command = src->command;
    dst->kind = src->kind;
    dst->ok = src->ok;
    dst->input_error = src->input_error;
    dst->quiet = src->quiet;
    hr_record_set(&dst->file, src->file);
    hr_record_set(&dst->function, src->function);
    dst->targc = src->targc;
    dst->targv = src->targv;
    dst->has_result = src->has_result;
    dst->result = src->result;
    dst->result_kind = src->result_kind;
    dst->iresult = src->iresult;
    dst->uresult = src->uresult;
    dst->show_file = src->show_file;
    dst->compile_ms = src->compile_ms;
    dst->run_ms = src->run_ms;
    hr_record_set(&dst->timing, src->timing);
    dst->bytes = src->bytes;
    dst->weight = src->weight;
    hr_record_set(&dst->error, src->error);
    hr_record_set(&dst->note, src->note);
    hr_record_set(&dst->warnings, src->warnings);
    if (src->text.len > 0)
        hr_text_add(&dst->text, src->text.s, src->text.len);
}

/* Rank r's record i, or NULL. */
static const struct hr_record *rec_of(const struct hr_rank_reply *rp, int r,
                                      int i)
{
    if (!rp[r].answered || i >= rp[r].nrecs)
        return NULL;
    return &rp[r].recs[i];
}

/* "run: x" -> "x": the merged line says "run: " once. */
static const char *strip_cmd(const char *msg, const char *cmd)
{
    size_t n = cmd != NULL ? strlen(cmd) : 0;

    if (msg == NULL)
        return "failed";
    if (n > 0 && strncmp(msg, cmd, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        return msg + n + 2;
    return msg;
}

/* Errors of the failing ranks into m: once when all ranks failed alike,
 * else one line per failing rank; ranks that did not answer say so. */
static void merge_errors(struct hr_record *m, int n,
                         const struct hr_rank_reply *rp, int i)
{
    const struct hr_record *first = NULL;
    const char *cmd = m->command != NULL ? m->command
                      : m->argv != NULL ? m->argv[0] : NULL;
    struct hr_text t = HR_TEXT_INIT;
    int alike = 1, failed = 0, input = 0;
    int r;

    for (r = 0; r < n; r++) {
        const struct hr_record *x = rec_of(rp, r, i);

        if (x == NULL && !rp[r].answered) {
            failed++;
            alike = 0;
        }
        if (x == NULL || x->ok)
            continue;
        failed++;
        input |= x->input_error;
        if (first == NULL)
            first = x;
        else if (strcmp(first->error != NULL ? first->error : "",
                        x->error != NULL ? x->error : "") != 0)
            alike = 0;
    }
    for (r = 0; r < n; r++)
        alike &= rec_of(rp, r, i) != NULL;
    if (failed == 0)
        return;
    m->ok = 0;
    m->input_error = input;
    if (alike && failed == n) {
        hr_record_set(&m->error, first->error);
        return;
    }
    for (r = 0; r < n; r++) {
        const struct hr_record *x = rec_of(rp, r, i);

        if (x != NULL && x->ok)
            continue;
        hr_text_printf(&t, "%s%s: failed on rank %d/%d: %s",
                       t.len > 0 ? "\n" : "", cmd != NULL ? cmd : "command",
                       r, n, x != NULL ? strip_cmd(x->error, cmd)
                       : rp[r].answered ? "no answer for this record"
                                        : "no answer");
    }
    free(m->error);
    m->error = t.s;
}

/* Combines integer results of one kind (HR_RESULT_INT or _UINT) as kind
 * (HR_SUM, ...) says, exactly, over the ranks with weight (all when none
 * has any).  Returns 0, or -1 when the combine is not an integer one
 * (HR_MEAN, a fold of the task's own) or overflows: then doubles do it. */
static int combine_ints(struct hr_record *m, int how, int n,
                        const double *w)
{
    int any = 0, first = 1;
    int64_t i = 0;
    uint64_t u = 0;
    int r;

    for (r = 0; r < n; r++)
        any |= w[r] > 0;
    if (how != HR_SUM && how != HR_PROD && how != HR_MIN && how != HR_MAX &&
        how != HR_FIRST && how != HR_LAST)
        return -1;
    for (r = 0; r < n; r++) {
        const struct hr_part *p = &m->parts[r];
        int bad = 0;

        if (any && w[r] <= 0)
            continue;
        if (first || how == HR_LAST) {
            i = p->iresult;
            u = p->uresult;
        } else if (how == HR_SUM) {
            bad = m->result_kind == HR_RESULT_INT
                  ? __builtin_add_overflow(i, p->iresult, &i)
                  : __builtin_add_overflow(u, p->uresult, &u);
        } else if (how == HR_PROD) {
            bad = m->result_kind == HR_RESULT_INT
                  ? __builtin_mul_overflow(i, p->iresult, &i)
                  : __builtin_mul_overflow(u, p->uresult, &u);
        } else if (how == HR_MIN) {
            i = p->iresult < i ? p->iresult : i;
            u = p->uresult < u ? p->uresult : u;
        } else if (how == HR_MAX) {
            i = p->iresult > i ? p->iresult : i;
            u = p->uresult > u ? p->uresult : u;
        }
        if (bad)
            return -1;
        first = 0;
    }
    m->iresult = i;
    m->uresult = u;
    m->result = m->result_kind == HR_RESULT_INT ? (double)i : (double)u;
    m->has_result = 1;
    return 0;
}

/* A run's parts, time and combined value. */
static void merge_run(struct hr_session *s, struct hr_record *m, int n,
                      const struct hr_rank_reply *rp, int i)
{
    struct hr_err err = { { 0 } };
    double *v = calloc((size_t)n, sizeof *v);
    double *w = calloc((size_t)n, sizeof *w);
    double slow = -1;
    char spec[4096], timing[512];
    int all_ok = 1, slowest = 0;
    int mod = -1, task = -1;
    int r;

    m->parts = calloc((size_t)n, sizeof *m->parts);
    if (v == NULL || w == NULL || m->parts == NULL) {
        free(v);
        free(w);
        hr_record_error(m, "run: out of memory");
        return;
    }
    m->nranks = n;
    m->bytes = 0;
    for (r = 0; r < n; r++) {
        const struct hr_record *x = rec_of(rp, r, i);
        struct hr_part *p = &m->parts[r];

        p->run_ms = -1;
        if (x == NULL) {
            p->ok = 0;
            hr_record_set(&p->error, rp[r].answered ? "no answer for this "
                          "record" : "no answer");
            all_ok = 0;
            continue;
        }
        p->ok = x->ok;
        p->has_result = x->has_result;
        p->result = x->result;
        p->result_kind = x->result_kind;
        p->iresult = x->iresult;
        p->uresult = x->uresult;
        p->run_ms = x->run_ms;
        hr_record_set(&p->error, x->error);
        all_ok &= x->ok && x->has_result;
        v[r] = x->result;
        w[r] = x->weight;
        m->bytes += x->bytes;
        if (x->run_ms > slow) {
            slow = x->run_ms;
            slowest = r;
        }
    }
    m->run_ms = slow;
    m->has_result = 0;
    if (!all_ok) {
        merge_errors(m, n, rp, i);
        goto out;
    }
    if (rec_of(rp, slowest, i)->timing != NULL) {
        snprintf(timing, sizeof timing, "%s, slowest of %d ranks",
                 rec_of(rp, slowest, i)->timing, n);
        hr_record_set(&m->timing, timing);
    }
    /* a void task: done on every rank, nothing to combine */
    if (m->parts[0].result_kind == HR_RESULT_VOID) {
        m->has_result = 1;
        m->result_kind = HR_RESULT_VOID;
        goto out;
    }
    snprintf(spec, sizeof spec, "%s:%s", m->file != NULL ? m->file : "",
             m->function != NULL ? m->function : "");
    if (hr_session_find_task(s, m->file != NULL ? spec : m->function, &mod,
                             &task, &err) != 0 ||
        hr_session_task_combine(s, mod, task) == 0)
        goto out;               /* says nothing: the parts are the answer */
    m->result_kind = m->parts[0].result_kind;
    if ((m->result_kind == HR_RESULT_INT ||
         m->result_kind == HR_RESULT_UINT) &&
        combine_ints(m, hr_session_task_combine(s, mod, task), n, w) == 0)
        goto out;
    m->result_kind = HR_RESULT_DOUBLE;
    r = hr_session_combine(s, mod, task, n, v, w, &m->result, &err);
    if (r != 0) {
        hr_record_error(m, "run: combining the ranks' results: %s",
                        strip_cmd(err.msg, "run"));
        goto out;
    }
    m->has_result = 1;
out:
    free(v);
    free(w);
}

/* checksum: each rank's own shard has its own sum: all of them, in rank
 * order. */
static void merge_texts(struct hr_record *m, int n,
                        const struct hr_rank_reply *rp, int i)
{
    struct hr_text t = HR_TEXT_INIT;
    int r;

    for (r = 0; r < n; r++) {
        const struct hr_record *x = rec_of(rp, r, i);

        if (x != NULL && x->text.len > 0)
            hr_text_printf(&t, "rank %d/%d: %s", r, n, x->text.s);
    }
    hr_text_free(&m->text);
    m->text = t;
}

int hr_rank_merge(struct hr_session *s, int n,
                  const struct hr_rank_reply *rp, struct hr_record **out,
                  int *nout)
{
    struct hr_record *m = NULL;
    int most = 0, status = HR_CMD_OK;
    int i, r;

    for (r = 0; r < n; r++) {
        if (!rp[r].answered)
            continue;
        if (rp[r].nrecs > most)
            most = rp[r].nrecs;
        if (rp[r].status == HR_CMD_QUIT)
            status = HR_CMD_QUIT;
        else if (rp[r].status != HR_CMD_OK && status != HR_CMD_QUIT)
            status = HR_CMD_ERR;
    }
    *out = NULL;
    *nout = 0;
    m = calloc((size_t)(most > 0 ? most : 1), sizeof *m);
    if (m == NULL)
        return HR_CMD_ERR;
    for (i = 0; i < most; i++) {
        const struct hr_record *base = NULL;

        for (r = 0; r < n && base == NULL; r++)
            base = rec_of(rp, r, i);
        copy_record(&m[i], base);
        if (base->kind == HR_REC_RUN && n > 1)
            merge_run(s, &m[i], n, rp, i);
        else
            merge_errors(&m[i], n, rp, i);
        if (m[i].ok && n > 1 && base->argv != NULL &&
            strcmp(base->argv[0], "checksum") == 0)
            merge_texts(&m[i], n, rp, i);
    }
    *out = m;
    *nout = most;
    return status;
}
