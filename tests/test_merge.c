/* test_merge.c - rank 0's merge of N ranks' records and the combines */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "libhotrun.h"
#include "cmd.h"
#include "rank_merge.h"
#include "wire.h"

#define TASKS HR_FIXTURES "/mpi_tasks.c"

static struct hr_session *s;
static char *argv_run[] = { "run", "total", NULL };

static int setup(void **state)
{
    struct hr_err err;

    (void)state;
    if (hr_session_open(NULL, &s) != 0)
        return -1;
    return hr_session_reload(s, TASKS, NULL, &err);
}

static int teardown(void **state)
{
    (void)state;
    hr_session_close(s);
    return 0;
}

/* Rank r's reply: one run record of task with value v (or error). */
static void run_reply(struct hr_rank_reply *rp, const char *task, double v,
                      double weight, const char *error)
{
    struct hr_record *rec = calloc(1, sizeof *rec);

    assert_non_null(rec);
    hr_record_init(rec, NULL, 2, argv_run);
    rec->command = "run";
    rec->kind = HR_REC_RUN;
    hr_record_set(&rec->file, TASKS);
    hr_record_set(&rec->function, task);
    rec->run_ms = 1;
    rec->weight = weight;
    if (error != NULL) {
        hr_record_error(rec, "%s", error);
    } else {
        rec->has_result = 1;
        rec->result = v;
    }
    rp->answered = 1;
    rp->status = error != NULL ? HR_CMD_ERR : HR_CMD_OK;
    rp->recs = rec;
    rp->nrecs = 1;
}

static struct hr_record *merge(int n, struct hr_rank_reply *rp, int *st)
{
    struct hr_record *m = NULL;
    int nm = 0, r;

    *st = hr_rank_merge(s, n, rp, &m, &nm);
    for (r = 0; r < n; r++)
        hr_rank_reply_free(&rp[r]);
    assert_int_equal(nm, 1);
    return m;
}

static void done(struct hr_record *m)
{
    hr_record_fini(m);
    free(m);
}

static void test_merge_sum_combines_in_rank_order(void **state)
{
    struct hr_rank_reply rp[3] = { { 0 } };
    struct hr_record *m = NULL;
    int st;

    (void)state;
    run_reply(&rp[0], "total", 1e16, 5, NULL);
    run_reply(&rp[1], "total", 1, 5, NULL);
    run_reply(&rp[2], "total", -1e16, 5, NULL);
    m = merge(3, rp, &st);
    assert_int_equal(st, HR_CMD_OK);
    assert_true(m->ok && m->has_result);
    /* (1e16 + 1) - 1e16 in rank order: 0 (1 is lost), every time */
    assert_true(m->result == 0.0);
    assert_int_equal(m->nranks, 3);
    assert_true(m->parts[1].result == 1.0);
    done(m);
}

static void test_merge_task_saying_nothing_gives_parts_only(void **state)
{
    struct hr_rank_reply rp[2] = { { 0 } };
    struct hr_record *m = NULL;
    int st;

    (void)state;
    run_reply(&rp[0], "rows", 4, 8, NULL);
    run_reply(&rp[1], "rows", 3, 6, NULL);
    m = merge(2, rp, &st);
    assert_true(m->ok);
    assert_false(m->has_result);
    assert_int_equal(m->nranks, 2);
    assert_true(m->parts[0].result == 4.0 && m->parts[1].result == 3.0);
    done(m);
}

static void test_merge_names_the_failing_rank(void **state)
{
    struct hr_rank_reply rp[4] = { { 0 } };
    struct hr_record *m = NULL;
    int st;

    (void)state;
    run_reply(&rp[0], "total", 1, 1, NULL);
    run_reply(&rp[1], "total", 1, 1, NULL);
    run_reply(&rp[2], "total", 1, 1, NULL);
    run_reply(&rp[3], "total", 0, 1, "run: segfault in total at x");
    m = merge(4, rp, &st);
    assert_int_equal(st, HR_CMD_ERR);
    assert_false(m->ok);
    assert_false(m->has_result);
    assert_string_equal(m->error, "run: failed on rank 3/4: segfault in "
                        "total at x");
    done(m);
}

static void test_merge_one_error_of_every_rank_is_shown_once(void **state)
{
    struct hr_rank_reply rp[3] = { { 0 } };
    struct hr_record *m = NULL;
    int st, r;

    (void)state;
    for (r = 0; r < 3; r++)
        run_reply(&rp[r], "nosuch", 0, 1, "run: no task 'nosuch'");
    m = merge(3, rp, &st);
    assert_string_equal(m->error, "run: no task 'nosuch'");
    done(m);
}

static void test_merge_rank_without_answer_fails_the_run(void **state)
{
    struct hr_rank_reply rp[2] = { { 0 } };
    struct hr_record *m = NULL;
    int st;

    (void)state;
    run_reply(&rp[0], "total", 1, 1, NULL);
    m = merge(2, rp, &st);
    assert_false(m->ok);
    assert_string_equal(m->error, "run: failed on rank 1/2: no answer");
    done(m);
}

static double combine(const char *task, int n, const double *v,
                      const double *w, int *rc)
{
    struct hr_err err;
    double out = 0;
    int m = -1, t = -1;

    assert_int_equal(hr_session_find_task(s, task, &m, &t, &err), 0);
    *rc = hr_session_combine(s, m, t, n, v, w, &out, &err);
    return out;
}

static void test_combine_every_kind(void **state)
{
    const double v[4] = { 3, -2, 5, NAN };
    const double w[4] = { 1, 2, 1, 0 };     /* rank 3 owns nothing */
    int rc;

    (void)state;
    assert_true(combine("total", 4, v, w, &rc) == 6.0 && rc == 0);
    assert_true(combine("smallest", 4, v, w, &rc) == -2.0);
    assert_true(combine("largest", 4, v, w, &rc) == 5.0);
    assert_true(combine("product", 4, v, w, &rc) == -30.0);
    assert_true(combine("first_rank", 4, v, w, &rc) == 3.0);
    assert_true(combine("last_rank", 4, v, w, &rc) == 5.0);
    /* weighted by what each rank owns: (3 - 4 + 5) / 4 */
    assert_true(combine("average", 4, v, w, &rc) == 1.0);
    /* the task's own fold: squares__combine adds */
    assert_true(combine("squares", 4, v, w, &rc) == 6.0 && rc == 0);
    combine("rows", 4, v, w, &rc);
    assert_int_equal(rc, HR_ENOENT);
}

static void test_combine_functions_and_objects_are_not_tasks(void **state)
{
    struct hr_module_info info;
    int t;

    (void)state;
    assert_int_equal(hr_session_module_info(s, 0, &info), 0);
    for (t = 0; t < info.ntasks; t++) {
        const char *name = hr_session_task_name(s, 0, t);

        assert_null(strstr(name, "combine"));
    }
    assert_int_equal(hr_session_task_combine(s, 0, 0), HR_SUM);
}

static void test_wire_record_round_trips(void **state)
{
    struct hr_record a, b;
    char *w = NULL;

    (void)state;
    hr_record_init(&a, NULL, 2, argv_run);
    a.kind = HR_REC_RUN;
    a.ok = 1;
    a.has_result = 1;
    a.result = NAN;
    hr_record_set(&a.function, "total");
    hr_record_set(&a.note, "line\nbreak \"quoted\"");
    a.nranks = 2;
    a.parts = calloc(2, sizeof *a.parts);
    assert_non_null(a.parts);
    a.parts[1].result = 0.1;
    a.parts[1].ok = 1;
    w = hr_wire_record(&a);
    assert_non_null(w);
    assert_null(strchr(w, '\n'));
    hr_record_init(&b, NULL, 2, argv_run);
    assert_int_equal(hr_wire_parse_record(w, &b), 0);
    assert_true(isnan(b.result));
    assert_string_equal(b.note, "line\nbreak \"quoted\"");
    assert_int_equal(b.nranks, 2);
    assert_true(b.parts[1].result == 0.1);
    free(w);
    hr_record_fini(&a);
    hr_record_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_sum_combines_in_rank_order),
        cmocka_unit_test(test_merge_task_saying_nothing_gives_parts_only),
        cmocka_unit_test(test_merge_names_the_failing_rank),
        cmocka_unit_test(test_merge_one_error_of_every_rank_is_shown_once),
        cmocka_unit_test(test_merge_rank_without_answer_fails_the_run),
        cmocka_unit_test(test_combine_every_kind),
        cmocka_unit_test(test_combine_functions_and_objects_are_not_tasks),
        cmocka_unit_test(test_wire_record_round_trips),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
