/* test_progress.c - the progress bar: drawn on a terminal only, erased */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

/* what is waiting on fd, without blocking */
static size_t drain(int fd, char *buf, size_t len)
{
    struct pollfd p = { fd, POLLIN, 0 };
    size_t n = 0;

    while (n + 1 < len && poll(&p, 1, 10) > 0) {
        ssize_t r = read(fd, buf + n, len - 1 - n);

        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return n;
}

static void test_progress_draws_and_erases_on_a_terminal(void **state)
{
    struct hr_progress *p = NULL;
    char out[1024];
    struct timespec t0, t1;
    int master, slave;

    (void)state;
    unsetenv("HOTRUN_NO_PROGRESS");
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    p = hr_progress_new(slave);
    assert_non_null(p);
    hr_progress_label(p, "loading");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hr_progress_update(p, 50, 100);
    drain(master, out, sizeof out);
    assert_non_null(strstr(out, "loading ["));
    assert_non_null(strstr(out, " 50%"));
    /* rate-limited: an update right after draws nothing (checked only
     * when the machine let "right after" be well inside 100 ms) */
    hr_progress_update(p, 51, 100);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000
        < 80)
        assert_int_equal(drain(master, out, sizeof out), 0);
    else
        drain(master, out, sizeof out);
    /* the last one always draws */
    hr_progress_update(p, 100, 100);
    drain(master, out, sizeof out);
    assert_non_null(strstr(out, "100%"));
    hr_progress_done(p);
    drain(master, out, sizeof out);
    assert_string_equal(out, "\r\033[K");
    hr_progress_free(p);
    close(master);
    close(slave);
}

static void test_progress_is_silent_off_a_terminal(void **state)
{
    struct hr_progress *p = NULL;
    char out[256];
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    p = hr_progress_new(fds[1]);
    hr_progress_update(p, 1, 2);
    hr_progress_done(p);
    hr_progress_free(p);
    close(fds[1]);
    assert_int_equal(drain(fds[0], out, sizeof out), 0);
    close(fds[0]);
    hr_progress_update(NULL, 1, 2);     /* NULL is accepted */
    hr_progress_done(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_draws_and_erases_on_a_terminal),
        cmocka_unit_test(test_progress_is_silent_off_a_terminal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
