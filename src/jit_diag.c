/* jit_diag.c - what the compiler says during one compile */
#include "jit_diag.h"

#include <stdlib.h>
#include <string.h>

#include "jit_tcc.h"

static void add_warning(struct hr_jit_diag *d, const char *msg)
{
    size_t n = strlen(msg);
    char *w = NULL;

    if (d->wlen + n + 2 > HR_JIT_DIAG_WARN_MAX)
        return;
    w = realloc(d->warnings, d->wlen + n + 2);
    if (w == NULL)
        return;
    d->warnings = w;
    memcpy(w + d->wlen, msg, n);
    d->wlen += n;
    w[d->wlen++] = '\n';
    w[d->wlen] = '\0';
}

/* libtcc reports "tcc: error: undefined symbol 'x'" without a location. */
static int take_undefined(struct hr_jit_diag *d, const char *msg)
{
    const char *p = strstr(msg, "undefined symbol '");
    const char *q = NULL;

    if (p == NULL)
        return 0;
    p += strlen("undefined symbol '");
    q = strchr(p, '\'');
    if (q == NULL || d->nundef == HR_JIT_DIAG_MAX_UNDEF)
        return 0;
    d->undef[d->nundef] = strndup(p, (size_t)(q - p));
    if (d->undef[d->nundef] != NULL)
        d->nundef++;
    return 1;
}

void hr_jit_diag_on(void *opaque, const char *msg)
{
    struct hr_jit_diag *d = opaque;
    const char *why = hr_tcc_sandbox_note();
    const char *full = strstr(msg, "error: memory full");

    if (strstr(msg, ": warning: ") != NULL) {
        add_warning(d, msg);
        return;
    }
    d->nerrors++;
    if (take_undefined(d, msg))
        return;
    if (strncmp(msg, "tcc: ", 5) == 0)
        msg += 5;
    if (full != NULL && why != NULL) {
        /* the sandbox refused: say why, where the compiler was */
        hr_err_append(d->err, "%.*serror: %s", (int)(full - msg), msg,
                      why);
        return;
    }
    hr_err_append(d->err, "%s", msg);
}

void hr_jit_diag_restart(struct hr_jit_diag *d)
{
    free(d->warnings);
    d->warnings = NULL;
    d->wlen = 0;
    d->nerrors = 0;
}

void hr_jit_diag_clear(struct hr_jit_diag *d)
{
    int i;

    for (i = 0; i < d->nundef; i++)
        free(d->undef[i]);
    d->nundef = 0;
    hr_jit_diag_restart(d);
}
