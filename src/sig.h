/* sig.h - what a task file's functions return and take
 *
 * hotrun knows each function's real signature, so that it calls a task
 * the way it was written and never reads garbage from a float or an
 * int64_t returned where a double was expected.  TinyCC does not tell
 * types through its API, so the compiler is asked: for every non-static
 * function a scan of the source finds, a probe is compiled with the file,
 *
 *     const int __hr_sig_NAME = _Generic(&NAME, double (*)(const struct
 *         hr_array *): CODE, ..., default: 0);
 *
 * and its value read after linking.  A task is a function of the forms
 * hotrun.h lists: taking (const struct hr_array *) or (void), returning
 * double, float, void or any integer type (typedefs included: they are the
 * same types).
 */
#ifndef HR_SIG_H
#define HR_SIG_H

#include <stddef.h>

/* The return types a task may have: each a distinct C type. */
enum hr_ret {
    HR_RET_NONE = 0,            /* not a task */
    HR_RET_DOUBLE, HR_RET_FLOAT, HR_RET_VOID, HR_RET_BOOL,
    HR_RET_CHAR, HR_RET_SCHAR, HR_RET_UCHAR, HR_RET_SHORT, HR_RET_USHORT,
    HR_RET_INT, HR_RET_UINT, HR_RET_LONG, HR_RET_ULONG, HR_RET_LLONG,
    HR_RET_ULLONG,
    HR_NRETS
};

/* A probe's value: ret * 2 + 1 when the task takes the array, ret * 2 when
 * it takes (void); 0 for any other function. */
#define HR_SIG_CODE(ret, takes_array) ((ret) * 2 + ((takes_array) ? 1 : 0))
#define HR_SIG_RET(code) ((enum hr_ret)((code) / 2))
#define HR_SIG_TAKES_ARRAY(code) ((code) % 2)

/* A non-static function defined at file scope, as the source writes it. */
struct hr_sig_fn {
    char *name;                 /* owned */
    char *decl;                 /* owned: "int helper(int x)", blanks
                                   collapsed */
    int line;
};

/* Finds the non-static function definitions of text[0..len).  *out is
 * owned (free with hr_sig_free(*out, *n)).  Returns 0 or HR_ENOMEM. */
int hr_sig_scan(const char *text, size_t len, struct hr_sig_fn **out,
                int *n);

void hr_sig_free(struct hr_sig_fn *f, int n);

/* The probes for fns[0..n), one per line, to be compiled after the file's
 * own text.  Owned by the caller (free()); NULL when out of memory. */
char *hr_sig_probes(const struct hr_sig_fn *fns, int n);

/* The probe's symbol name for a function into buf. */
void hr_sig_symbol(const char *name, char *buf, size_t len);

/* The C spelling of a return type ("int64_t" is "long" here). */
const char *hr_sig_ret_name(enum hr_ret r);

/* The forms a task may have, for messages. */
#define HR_SIG_FORMS "double, float, an integer type or void NAME(const " \
    "struct hr_array *a), or the same with (void)"

#endif
