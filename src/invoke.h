/* invoke.h - call a task the way its signature says
 *
 * The guard calls every task through one function type, double
 * (*)(const struct hr_array *).  A task may return float, an integer type
 * or void, and may take (void): calling it through the wrong type reads
 * garbage (a float's bits as a double, an int64_t in the wrong register).
 * hr_invoke_task() is the function the guard calls: it calls the task set
 * by hr_invoke_set() through its own type and hands the value back as the
 * bits of a double, which cross a fork (--isolate) unchanged;
 * hr_invoke_value() turns them back into the value.  One run at a time.
 */
#ifndef HR_INVOKE_H
#define HR_INVOKE_H

#include <stdint.h>

#include "hotrun.h"
#include "jit.h"

enum hr_value_kind {
    HR_VALUE_DOUBLE,            /* double or float */
    HR_VALUE_INT,               /* a signed integer type */
    HR_VALUE_UINT,              /* an unsigned integer type or _Bool */
    HR_VALUE_VOID               /* nothing */
};

struct hr_value {
    int kind;                   /* enum hr_value_kind */
    double f;                   /* the value as a double (all kinds) */
    int64_t i;                  /* HR_VALUE_INT */
    uint64_t u;                 /* HR_VALUE_UINT */
};

/* Makes t (borrowed until the run ends) the task hr_invoke_task() calls. */
void hr_invoke_set(const struct hr_task *t);

/* Calls the task set, as its signature says, with a (or nothing). */
double hr_invoke_task(const struct hr_array *a);

/* The value of a task of signature sig from what hr_invoke_task()
 * returned. */
void hr_invoke_value(int sig, double bits, struct hr_value *out);

#endif
