/* test_cmd.c - command parsing, dispatch and result formatting */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "out.h"

static void test_cmd_lookup_and_nearest(void **state)
{
    const struct hr_cmd *c = NULL;

    (void)state;
    assert_non_null(hr_cmd_lookup("reload"));
    assert_ptr_equal(hr_cmd_lookup("exit"), hr_cmd_lookup("quit"));
    assert_null(hr_cmd_lookup("rn"));
    assert_string_equal(hr_cmd_nearest("rn"), "run");
    assert_string_equal(hr_cmd_nearest("relaod"), "reload");
    assert_string_equal(hr_cmd_nearest("arays"), "arrays");
    assert_null(hr_cmd_nearest("xyzzyplugh"));
    /* every row is complete: usage, summary and example for help */
    for (c = hr_cmd_table(); c->name != NULL; c++) {
        assert_non_null(c->fn);
        assert_true(c->arity != 0);
        assert_true(strncmp(c->usage, c->name, strlen(c->name)) == 0);
        assert_true(strlen(c->summary) > 10);
        assert_true(strncmp(c->example, c->name, strlen(c->name)) == 0);
    }
}

static void test_cmd_format_value_round_trips(void **state)
{
    const double v[] = { 0.1, 1.0 / 3, 12500398.074390922, 1e300, -2.5e-8,
                         42.0, 0.0, 123456789012345678.0 };
    char buf[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        hr_out_format_value(v[i], buf, sizeof buf);
        assert_true(strtod(buf, NULL) == v[i]);
    }
    hr_out_format_value(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");        /* shortest, like repr() */
    hr_out_format_value(42.0, buf, sizeof buf);
    assert_string_equal(buf, "42.0");
    hr_out_format_value(0.0 / 0.0, buf, sizeof buf);
    assert_string_equal(buf, "nan");
    hr_out_format_value(-1.0 / 0.0, buf, sizeof buf);
    assert_string_equal(buf, "-inf");
}

static void test_cmd_format_ms_units(void **state)
{
    char buf[32];

    (void)state;
    hr_out_format_ms(0.412, buf, sizeof buf);
    assert_string_equal(buf, "412 us");
    hr_out_format_ms(4.3141, buf, sizeof buf);
    assert_string_equal(buf, "4.31 ms");
    hr_out_format_ms(87.25, buf, sizeof buf);
    assert_string_equal(buf, "87.2 ms");
    hr_out_format_ms(2310, buf, sizeof buf);
    assert_string_equal(buf, "2.31 s");
}

/* runs line with stdout and stderr sent to files; returns the status */
static int exec_captured(struct hr_cli *cli, const char *line, char *out,
                         char *err, size_t len)
{
    FILE *o = tmpfile(), *e = tmpfile();
    int so = dup(1), se = dup(2);
    int rc;
    size_t n;

    fflush(stdout);
    fflush(stderr);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    rc = hr_exec_line(cli, line, strlen(line), NULL, 0);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    rewind(o);
    rewind(e);
    n = fread(out, 1, len - 1, o);
    out[n] = '\0';
    n = fread(err, 1, len - 1, e);
    err[n] = '\0';
    fclose(o);
    fclose(e);
    return rc;
}

static void test_cmd_exec_prints_usage_on_bad_arity(void **state)
{
    struct hr_cli *cli = NULL;
    char out[4096], err[4096];

    (void)state;
    assert_int_equal(hr_cli_open(0, 0, 0, &cli), 0);
    assert_int_equal(exec_captured(cli, "reload", out, err, sizeof out),
                     HR_CMD_ERR);
    assert_non_null(strstr(err, "usage: reload FILE"));
    assert_int_equal(exec_captured(cli, "use a b", out, err, sizeof out),
                     HR_CMD_ERR);
    assert_non_null(strstr(err, "usage: use NAME"));
    assert_int_equal(cli->failures, 2);
    assert_int_equal(cli->input_errors, 2);
    hr_cli_close(cli);
}

static void test_cmd_exec_unknown_command_suggests(void **state)
{
    struct hr_cli *cli = NULL;
    char out[4096], err[4096];

    (void)state;
    assert_int_equal(hr_cli_open(0, 0, 0, &cli), 0);
    assert_int_equal(exec_captured(cli, "lsit", out, err, sizeof out),
                     HR_CMD_ERR);
    assert_non_null(strstr(err, "did you mean list?"));
    assert_int_equal(exec_captured(cli, "   # just a comment", out, err,
                                   sizeof out), HR_CMD_OK);
    assert_int_equal(exec_captured(cli, "", out, err, sizeof out),
                     HR_CMD_OK);
    assert_int_equal(exec_captured(cli, "quit", out, err, sizeof out),
                     HR_CMD_QUIT);
    assert_int_equal(cli->failures, 1);
    hr_cli_close(cli);
}

static void test_cmd_help_lists_every_command(void **state)
{
    struct hr_cli *cli = NULL;
    const struct hr_cmd *c = NULL;
    char out[8192], err[4096];

    (void)state;
    assert_int_equal(hr_cli_open(0, 0, 0, &cli), 0);
    assert_int_equal(exec_captured(cli, "help", out, err, sizeof out),
                     HR_CMD_OK);
    for (c = hr_cmd_table(); c->name != NULL; c++)
        assert_non_null(strstr(out, c->name));
    assert_int_equal(exec_captured(cli, "help run", out, err, sizeof out),
                     HR_CMD_OK);
    assert_non_null(strstr(out, "usage: run"));
    assert_non_null(strstr(out, "example"));
    assert_int_equal(exec_captured(cli, "help rnu", out, err, sizeof out),
                     HR_CMD_ERR);
    assert_non_null(strstr(err, "did you mean run?"));
    hr_cli_close(cli);
}

static void test_cmd_run_without_modules_says_what_to_do(void **state)
{
    struct hr_cli *cli = NULL;
    char out[4096], err[4096];

    (void)state;
    assert_int_equal(hr_cli_open(0, 0, 0, &cli), 0);
    assert_int_equal(exec_captured(cli, "run sum", out, err, sizeof out),
                     HR_CMD_ERR);
    assert_non_null(strstr(err, "no task file is loaded"));
    assert_int_equal(exec_captured(cli, "run -n 0 sum", out, err,
                                   sizeof out), HR_CMD_ERR);
    assert_non_null(strstr(err, "-n"));
    assert_int_equal(exec_captured(cli, "timeout soon", out, err,
                                   sizeof out), HR_CMD_ERR);
    assert_int_equal(exec_captured(cli, "timeout 2.5", out, err,
                                   sizeof out), HR_CMD_OK);
    assert_true(hr_session_timeout(cli->s) == 2.5);
    assert_int_equal(exec_captured(cli, "isolate maybe", out, err,
                                   sizeof out), HR_CMD_ERR);
    assert_int_equal(exec_captured(cli, "isolate on", out, err, sizeof out),
                     HR_CMD_OK);
    assert_true(hr_session_isolate(cli->s));
    hr_cli_close(cli);
}

/* a line that does not split makes a record without words: its JSON has
 * empty args (found by fuzz_list: argv + 1 on a NULL argv) */
static void test_cmd_record_of_an_unsplit_line_is_json(void **state)
{
    struct hr_where where = { "list.txt", 3 };
    struct hr_record rec;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(f);
    hr_record_init(&rec, &where, 0, NULL);
    hr_record_input_error(&rec, "unclosed ' quote");
    hr_record_json(&rec, f);
    fclose(f);
    assert_non_null(strstr(text, "\"line\": 3"));
    assert_non_null(strstr(text, "\"args\": []"));
    assert_non_null(strstr(text, "\"ok\": false"));
    assert_non_null(strstr(text, "\"error\": \"unclosed ' quote\""));
    free(text);
    hr_record_fini(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_lookup_and_nearest),
        cmocka_unit_test(test_cmd_format_value_round_trips),
        cmocka_unit_test(test_cmd_format_ms_units),
        cmocka_unit_test(test_cmd_exec_prints_usage_on_bad_arity),
        cmocka_unit_test(test_cmd_exec_unknown_command_suggests),
        cmocka_unit_test(test_cmd_help_lists_every_command),
        cmocka_unit_test(test_cmd_run_without_modules_says_what_to_do),
        cmocka_unit_test(test_cmd_record_of_an_unsplit_line_is_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
