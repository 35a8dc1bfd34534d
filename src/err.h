/* err.h - status codes and error messages shared by every module
 *
 * Functions return 0 on success or a negative HR_E* code, and put the
 * detail in an optional struct hr_err ("file:line: what" or "cmd: what",
 * lower case, no trailing period).
 */
#ifndef HR_ERR_H
#define HR_ERR_H

enum {
    HR_OK = 0,
    HR_ENOMEM = -1,     /* out of memory */
    HR_ENOENT = -2,     /* no such file, array, module or task */
    HR_EIO = -3,        /* read or map failed */
    HR_EFORMAT = -4,    /* malformed input file */
    HR_EINVAL = -5,     /* bad argument from the user */
    HR_ECOMPILE = -6,   /* task file did not compile or link */
    HR_EAMBIG = -7,     /* a task name defined by two modules */
    HR_ECRASH = -8,     /* task died on a signal */
    HR_EFAIL = -9,      /* task called hr_fail() or failed an assert */
    HR_ETIMEOUT = -10,  /* task ran past its time limit */
    HR_EINTR = -11,     /* task interrupted by the user (Ctrl-C) */
    HR_EEXIT = -12,     /* task called exit() */
    HR_EUNSUPPORTED = -13, /* valid input hotrun does not handle */
    HR_ECANCEL = -14    /* run stopped because the host asked (watch) */
};

#define HR_ERR_MAX 4096

struct hr_err {
    char msg[HR_ERR_MAX];
};

/* Sets err->msg from a printf format; err may be NULL. Returns nothing so
 * that callers keep their own status code. */
void hr_err_set(struct hr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a line to err->msg (separated by a newline when not empty). */
void hr_err_append(struct hr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Static name of a status code, e.g. "compile error". */
const char *hr_strerror(int code);

#endif
