/* guard_stdio.c - release the stdio locks a dead task call left held */
#include "guard_stdio.h"

#include <pthread.h>
#include <stdio.h>

static void *probe(void *arg)
{
    FILE *f = arg;

    if (ftrylockfile(f) != 0)
        return arg;
    funlockfile(f);
    return NULL;
}

static int locked_elsewhere(FILE *f)
{
    pthread_t t;
    void *res = NULL;

    if (pthread_create(&t, NULL, probe, f) != 0)
        return 0;
    pthread_join(t, &res);
    return res != NULL;
}

void hr_guard_stdio_repair(void)
{
    FILE *files[3];
    int i;
    int n;

    files[0] = stdin;
    files[1] = stdout;
    files[2] = stderr;
    for (i = 0; i < 3; i++) {
        for (n = 0; n < 16 && locked_elsewhere(files[i]); n++)
            funlockfile(files[i]);
    }
}
