/* guard_relay.c - another signal that stops the current run as Ctrl-C
 * does: mpirun forwards SIGUSR1 to every rank of a job */
#include "libhotrun.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

static pthread_t main_thread;
static volatile sig_atomic_t stops;

/* The guard owns SIGINT (a stop during a run, a self-pipe byte between
 * runs); this handler only passes the signal on to the thread that runs
 * tasks, which never blocks SIGINT (pool workers do). */
static void relay(int sig)
{
    int saved = errno;

    (void)sig;
    stops++;
    pthread_kill(main_thread, SIGINT);
    errno = saved;
}

int hr_stop_on_signal(int sig)
{
    struct sigaction sa;

    if (sig <= 0 || sig >= NSIG || sig == SIGINT || sig == SIGKILL ||
        sig == SIGSTOP)
        return HR_EINVAL;
    main_thread = pthread_self();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = relay;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL) == 0 ? 0 : HR_EINVAL;
}

unsigned hr_stop_count(void)
{
    return (unsigned)stops;
}
