/* test_words.c - one word syntax for prompt, scripts and lists */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "words.h"

static int split(const char *line, char ***argv, struct hr_err *err)
{
    return hr_words_split(line, strlen(line), argv, err);
}

static void test_words_split_quotes_and_escapes(void **state)
{
    struct hr_err err = { { 0 } };
    char **argv = NULL;
    int argc;

    (void)state;
    argc = split("  run  'a b'  \"c \\\"d\\\"\" e\\ f  ", &argv, &err);
    assert_int_equal(argc, 4);
    assert_string_equal(argv[0], "run");
    assert_string_equal(argv[1], "a b");
    assert_string_equal(argv[2], "c \"d\"");
    assert_string_equal(argv[3], "e f");
    assert_null(argv[4]);
    hr_words_free(argc, argv);
    argc = split("", &argv, &err);
    assert_int_equal(argc, 0);
    hr_words_free(argc, argv);
    argc = split("run \"unclosed", &argv, &err);
    assert_int_equal(argc, HR_EINVAL);
    assert_null(argv);
    assert_non_null(strstr(err.msg, "unclosed"));
}

/* examples/batch.txt ended with "unclosed ' quote" because of the
 * apostrophe in a comment */
static void test_words_comment_may_hold_quotes(void **state)
{
    struct hr_err err = { { 0 } };
    char **argv = NULL;
    int argc;

    (void)state;
    argc = split("# don't panic", &argv, &err);
    assert_int_equal(argc, 0);
    hr_words_free(argc, argv);
    argc = split("run t 1 # it's the \"first\" one", &argv, &err);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[2], "1");
    hr_words_free(argc, argv);
    /* inside a word or in quotes '#' is an ordinary character */
    argc = split("run a#b '#c' \"#d\"", &argv, &err);
    assert_int_equal(argc, 4);
    assert_string_equal(argv[1], "a#b");
    assert_string_equal(argv[2], "#c");
    assert_string_equal(argv[3], "#d");
    hr_words_free(argc, argv);
}

/* a NUL byte used to cut the line silently */
static void test_words_nul_byte_is_an_error(void **state)
{
    struct hr_err err = { { 0 } };
    char **argv = NULL;
    const char line[] = "run t\0 rest";

    (void)state;
    assert_int_equal(hr_words_split(line, sizeof line - 1, &argv, &err),
                     HR_EINVAL);
    assert_non_null(strstr(err.msg, "NUL"));
}

/* Enter replays the last command from its joined words: a word holding a
 * newline used to come back as two words */
static void test_words_join_round_trips(void **state)
{
    char *const cases[][4] = {
        { "run", "a\nb", "", "x y" },
        { "#x", "'", "\"", "\\" },
        { "a\tb", "c\rd", "#", "e#f" },
        { "\\\"", "it's", "\"quoted\"", "\\\n" },
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct hr_err err = { { 0 } };
        char **argv = NULL;
        char *line = hr_words_join(4, cases[k]);
        int argc;
        int i;

        assert_non_null(line);
        argc = split(line, &argv, &err);
        assert_int_equal(argc, 4);
        for (i = 0; i < 4; i++)
            assert_string_equal(argv[i], cases[k][i]);
        hr_words_free(argc, argv);
        free(line);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_split_quotes_and_escapes),
        cmocka_unit_test(test_words_comment_may_hold_quotes),
        cmocka_unit_test(test_words_nul_byte_is_an_error),
        cmocka_unit_test(test_words_join_round_trips),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
