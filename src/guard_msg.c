/* guard_msg.c - the one-line messages of guarded runs that did not return
 *
 * Names signals from the numbers in an event; never installs, blocks or
 * sends one (that is guard.c's alone).
 */
#include "guard_msg.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static void where(const struct hr_run_event *r,
                  const struct hr_guard_opts *o, int full, char *buf,
                  size_t len)
{
    buf[0] = '\0';
    if (full && o->locate != NULL)
        o->locate(o->ud, r->pc, buf, len);
    if (buf[0] == '\0')
        snprintf(buf, len, "0x%lx%s", (unsigned long)r->pc,
                 full ? " (outside task code)" : "");
}

static void describe_crash(const struct hr_run_event *r, const char *task,
                           const struct hr_guard_opts *o, int full,
                           struct hr_err *err)
{
    char at[512];
    const char *arr = NULL;
    const char *verb = "access";
    const char *note = "";

    where(r, o, full, at, sizeof at);
    if (full && o->array_at != NULL &&
        (r->sig == SIGSEGV || r->sig == SIGBUS))
        arr = o->array_at(o->ud, r->addr);
    if (r->access == HR_ACCESS_READ)
        verb = "read";
    else if (r->access == HR_ACCESS_WRITE)
        verb = "write";
    else if (r->access == HR_ACCESS_EXEC)
        verb = "call";
    switch (r->sig) {
    case SIGSEGV:
        if (r->overflow) {
            hr_err_set(err, "stack overflow in %s (unbounded recursion?)",
                       task);
            return;
        }
        if (arr != NULL && r->access != HR_ACCESS_READ) {
            hr_err_set(err, "write into resident array '%s' in %s at %s: "
                       "the arrays are read-only", arr, task, at);
            return;
        }
        if (r->addr < 4096)
            note = " (null pointer)";
        else if (r->code == SEGV_MAPERR)
            note = " (not mapped)";
        else if (r->code == SEGV_ACCERR)
            note = r->access == HR_ACCESS_WRITE ? " (read-only memory)" :
                   " (no access)";
        hr_err_set(err, "segfault in %s at %s: %s of address 0x%lx%s", task,
                   at, verb, (unsigned long)r->addr, note);
        return;
    case SIGBUS:
        hr_err_set(err, "bus error in %s at %s: %s of address 0x%lx%s%s%s%s",
                   task, at, verb, (unsigned long)r->addr,
                   arr != NULL ? " in resident array '" : "",
                   arr != NULL ? arr : "", arr != NULL ? "'" : "",
                   r->code == BUS_ADRERR ?
                   " (past the end of a mapped file?)" : "");
        return;
    case SIGFPE:
        hr_err_set(err, "%s in %s at %s",
                   r->code == FPE_INTDIV ? "division by zero" :
                   r->code == FPE_INTOVF ? "integer overflow" :
                   "floating-point exception", task, at);
        return;
    case SIGILL:
        hr_err_set(err, "illegal instruction in %s at %s", task, at);
        return;
    case SIGTRAP:
        hr_err_set(err, "trap (breakpoint) in %s at %s", task, at);
        return;
    case SIGABRT:
        hr_err_set(err, "abort in %s (abort() or a failed assert)", task);
        return;
    }
    hr_err_set(err, "signal %d in %s at %s", r->sig, task, at);
}

void hr_guard_msg_describe(const struct hr_run_event *r, const char *task,
                           const struct hr_guard_opts *o, int full,
                           double timeout_s, double elapsed,
                           struct hr_err *err)
{
    switch (r->rc) {
    case HR_ECRASH:
        describe_crash(r, task, o, full, err);
        if (r->nested || !full)
            hr_err_append(err, "(a second fault while reporting it: "
                          "no details)");
        else if (r->worker)
            hr_err_append(err, "(in a hr_parallel_for worker thread)");
        /* keep it one line */
        if (err != NULL) {
            char *nl = strchr(err->msg, '\n');

            if (nl != NULL)
                *nl = ' ';
        }
        return;
    case HR_EFAIL:
        hr_err_set(err, "%s", r->msg[0] != '\0' ? r->msg : "task failed");
        return;
    case HR_EEXIT:
        hr_err_set(err, "%s called exit(%d): a task cannot end hotrun; the "
                   "session goes on", task, r->status);
        return;
    case HR_ETIMEOUT:
        hr_err_set(err, "timeout: %s ran past %g s", task, timeout_s);
        return;
    case HR_EINTR:
        hr_err_set(err, "interrupted (ctrl-c) in %s after %.1f s", task,
                   elapsed);
        return;
    case HR_ECANCEL:
        hr_err_set(err, "cancelled: %s stopped after %.1f s", task,
                   elapsed);
        return;
    }
    hr_err_set(err, "%s: %s", task, hr_strerror(r->rc));
}

void hr_guard_msg_host(const struct hr_run_event *r, const char *what,
                       struct hr_err *err)
{
    const char *verb = r->access == HR_ACCESS_WRITE ? "writing" : "reading";

    switch (r->rc == HR_ECRASH ? r->sig : 0) {
    case SIGBUS:
        hr_err_set(err, "%s: bus error %s address 0x%lx%s", what, verb,
                   (unsigned long)r->addr, r->code == BUS_ADRERR ?
                   " (past the end of a mapped file: did it shrink?)" : "");
        return;
    case SIGSEGV:
        hr_err_set(err, "%s: segfault %s address 0x%lx%s", what, verb,
                   (unsigned long)r->addr, r->overflow ?
                   " (stack overflow)" : "");
        return;
    case 0:
        hr_err_set(err, "%s: %s", what, hr_strerror(r->rc));
        return;
    }
    hr_err_set(err, "%s: signal %d at 0x%lx", what, r->sig,
               (unsigned long)r->pc);
}

void hr_guard_msg_note(struct hr_err *err, const char *note)
{
    size_t len;

    if (err == NULL)
        return;
    len = strlen(err->msg);
    snprintf(err->msg + len, sizeof err->msg - len, "; %s", note);
}
