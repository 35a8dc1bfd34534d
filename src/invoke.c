/* invoke.c - call a task the way its signature says */
#include "invoke.h"

#include <string.h>

#include "sig.h"

static const struct hr_task *calling;

void hr_invoke_set(const struct hr_task *t)
{
    calling = t;
}

/* the task as a function of type T (const struct hr_array *) or T (void),
 * called */
#define CALL(T, t, a) (HR_SIG_TAKES_ARRAY((t)->sig) \
    ? ((T (*)(const struct hr_array *))(void (*)(void))(t)->fn)(a) \
    : ((T (*)(void))(void (*)(void))(t)->fn)())

double hr_invoke_task(const struct hr_array *a)
{
    const struct hr_task *t = calling;
    double d = 0;
    int64_t i = 0;
    uint64_t u = 0;
    int is_int = 0, is_uint = 0;

    switch (HR_SIG_RET(t->sig)) {
    case HR_RET_FLOAT:
        d = CALL(float, t, a);
        break;
    case HR_RET_VOID:
        if (HR_SIG_TAKES_ARRAY(t->sig))
            ((void (*)(const struct hr_array *))(void (*)(void))t->fn)(a);
        else
            ((void (*)(void))(void (*)(void))t->fn)();
        break;
    case HR_RET_BOOL:
        u = CALL(_Bool, t, a);
        is_uint = 1;
        break;
    case HR_RET_CHAR:
        i = CALL(char, t, a);
        is_int = 1;
        break;
    case HR_RET_SCHAR:
        i = CALL(signed char, t, a);
        is_int = 1;
        break;
    case HR_RET_UCHAR:
        u = CALL(unsigned char, t, a);
        is_uint = 1;
        break;
    case HR_RET_SHORT:
        i = CALL(short, t, a);
        is_int = 1;
        break;
    case HR_RET_USHORT:
        u = CALL(unsigned short, t, a);
        is_uint = 1;
        break;
    case HR_RET_INT:
        i = CALL(int, t, a);
        is_int = 1;
        break;
    case HR_RET_UINT:
        u = CALL(unsigned int, t, a);
        is_uint = 1;
        break;
    case HR_RET_LONG:
        i = CALL(long, t, a);
        is_int = 1;
        break;
    case HR_RET_ULONG:
        u = CALL(unsigned long, t, a);
        is_uint = 1;
        break;
    case HR_RET_LLONG:
        i = CALL(long long, t, a);
        is_int = 1;
        break;
    case HR_RET_ULLONG:
        u = CALL(unsigned long long, t, a);
        is_uint = 1;
        break;
    default:                    /* double */
        d = CALL(double, t, a);
        break;
    }
    if (is_int)
        memcpy(&d, &i, sizeof d);
    else if (is_uint)
        memcpy(&d, &u, sizeof d);
    return d;
}

void hr_invoke_value(int sig, double bits, struct hr_value *out)
{
    enum hr_ret r = HR_SIG_RET(sig);

    memset(out, 0, sizeof *out);
    switch (r) {
    case HR_RET_VOID:
        out->kind = HR_VALUE_VOID;
        break;
    case HR_RET_BOOL: case HR_RET_UCHAR: case HR_RET_USHORT:
    case HR_RET_UINT: case HR_RET_ULONG: case HR_RET_ULLONG:
        out->kind = HR_VALUE_UINT;
        memcpy(&out->u, &bits, sizeof out->u);
        out->f = (double)out->u;
        break;
    case HR_RET_CHAR: case HR_RET_SCHAR: case HR_RET_SHORT:
    case HR_RET_INT: case HR_RET_LONG: case HR_RET_LLONG:
        out->kind = HR_VALUE_INT;
        memcpy(&out->i, &bits, sizeof out->i);
        out->f = (double)out->i;
        break;
    default:
        out->kind = HR_VALUE_DOUBLE;
        out->f = bits;
        break;
    }
}
