/* err.c - status names and message formatting */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hr_err_set(struct hr_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void hr_err_append(struct hr_err *err, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    if (err == NULL)
        return;
    len = strlen(err->msg);
    if (len > 0 && len + 1 < sizeof err->msg)
        err->msg[len++] = '\n';
    if (len >= sizeof err->msg - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg + len, sizeof err->msg - len, fmt, ap);
    va_end(ap);
}

const char *hr_strerror(int code)
{
    switch (code) {
    case HR_OK: return "ok";
    case HR_ENOMEM: return "out of memory";
    case HR_ENOENT: return "not found";
    case HR_EIO: return "i/o error";
    case HR_EFORMAT: return "bad file format";
    case HR_EINVAL: return "invalid argument";
    case HR_ECOMPILE: return "compile error";
    case HR_EAMBIG: return "ambiguous name";
    case HR_ECRASH: return "crash";
    case HR_EFAIL: return "task failed";
    case HR_ETIMEOUT: return "timeout";
    case HR_EINTR: return "interrupted";
    case HR_EEXIT: return "task called exit";
    case HR_EUNSUPPORTED: return "unsupported";
    case HR_ECANCEL: return "cancelled";
    }
    return "unknown error";
}
