/* api.c - the host side of hotrun.h: views, arguments, progress, bindings */
#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "builtins.h"
#include "guard.h"
#include "pool.h"
#include "run.h"
#include "tasklibc.h"
#include "runout.h"
#include "taskmem.h"

/* TinyCC's runtime (libtcc1.a, linked into hotrun): conversions between
 * 64-bit integers and floating point, va_arg and alloca.  Declared under
 * their assembler names so that no C declaration of ours clashes. */
extern char tcc_fixunsdfdi[] __asm__("__fixunsdfdi");
extern char tcc_fixunssfdi[] __asm__("__fixunssfdi");
extern char tcc_fixunsxfdi[] __asm__("__fixunsxfdi");
extern char tcc_fixdfdi[] __asm__("__fixdfdi");
extern char tcc_fixsfdi[] __asm__("__fixsfdi");
extern char tcc_fixxfdi[] __asm__("__fixxfdi");
extern char tcc_floatundidf[] __asm__("__floatundidf");
extern char tcc_floatundisf[] __asm__("__floatundisf");
extern char tcc_floatundixf[] __asm__("__floatundixf");
extern char tcc_va_arg[] __asm__("__va_arg");
extern char tcc_alloca[] __asm__("alloca");

/* ---- arrays ---- */

double hr_at(const struct hr_array *a, int64_t i)
{
    if (a == NULL)
        hr_fail("hr_at: no array (NULL)");
    if (i < 0 || i >= a->size)
        hr_fail("hr_at: index %lld out of range for '%s' of %lld elements",
                (long long)i, a->name, (long long)a->size);
    return hr_array_at(a, i);
}

static const void *view(const struct hr_array *a, int dtype, const char *fn)
{
    if (a == NULL)
        hr_fail("%s: no array (NULL)", fn);
    if (a->dtype != dtype)
        hr_fail("%s: array '%s' is %s, not %s (use hr_at() or the matching "
                "view)", fn, a->name, hr_dtype_name(a->dtype),
                hr_dtype_name(dtype));
    if (!(a->flags & HR_C_CONTIGUOUS))
        hr_fail("%s: array '%s' is not C-contiguous (Fortran order or "
                "strided); index it with a->strides or hr_at()", fn,
                a->name);
    return a->data;
}

const double *hr_f64(const struct hr_array *a)
{
    return view(a, HR_FLOAT64, "hr_f64");
}

const float *hr_f32(const struct hr_array *a)
{
    return view(a, HR_FLOAT32, "hr_f32");
}

const int8_t *hr_i8(const struct hr_array *a)
{
    return view(a, HR_INT8, "hr_i8");
}

const int16_t *hr_i16(const struct hr_array *a)
{
    return view(a, HR_INT16, "hr_i16");
}

const int32_t *hr_i32(const struct hr_array *a)
{
    return view(a, HR_INT32, "hr_i32");
}

const int64_t *hr_i64(const struct hr_array *a)
{
    return view(a, HR_INT64, "hr_i64");
}

const uint8_t *hr_u8(const struct hr_array *a)
{
    return view(a, HR_UINT8, "hr_u8");
}

const uint16_t *hr_u16(const struct hr_array *a)
{
    return view(a, HR_UINT16, "hr_u16");
}

const uint32_t *hr_u32(const struct hr_array *a)
{
    return view(a, HR_UINT32, "hr_u32");
}

const uint64_t *hr_u64(const struct hr_array *a)
{
    return view(a, HR_UINT64, "hr_u64");
}

const bool *hr_bool(const struct hr_array *a)
{
    return view(a, HR_BOOL, "hr_bool");
}

const struct hr_array *hr_array_get(const char *name)
{
    struct hr_run *run = hr_run_current();

    if (run == NULL || run->lookup == NULL || name == NULL)
        return NULL;
    return run->lookup(run->ud, name);
}

int64_t hr_col_index(const struct hr_array *a, const char *name)
{
    struct hr_run *run = hr_run_current();
    const struct hr_resident *r = NULL;

    if (run == NULL || run->resident == NULL || a == NULL || name == NULL)
        return -1;
    r = run->resident(run->ud, a);
    return hr_array_col_index(r, name);
}

/* ---- arguments ---- */

int hr_nargs(void)
{
    struct hr_run *run = hr_run_current();

    if (run != NULL && run->out != NULL)
        run->out->nargs_asked = 1;      /* it may read them all */
    return run != NULL ? run->argc : 0;
}

static const char *arg(int i)
{
    struct hr_run *run = hr_run_current();

    if (run == NULL || i < 0)
        return NULL;
    if (run->out != NULL)
        hr_runout_arg(run->out, i);
    if (i >= run->argc)
        return NULL;
    return run->argv[i];
}

/* ---- arrays a task makes, blocks it keeps ---- */

void *hr_new(const char *name, int dtype, int ndim, const int64_t *shape)
{
    struct hr_run *run = hr_run_current();
    char why[256];
    void *p = NULL;

    if (run == NULL || run->out == NULL)
        return NULL;            /* outside a run: nothing to make */
    if (name == NULL || strlen(name) >= HR_RUNOUT_NAME ||
        !hr_name_valid(name, strlen(name))) {
        hr_fail("hr_new: '%s' is not an array name (letters, digits, _ "
                "- .)", name != NULL ? name : "(null)");
        return NULL;
    }
    p = hr_runout_array(run->out, name, dtype, ndim, shape, why, sizeof why);
    if (p == NULL)
        hr_fail("hr_new: %s: %s", name, why);
    return p;
}

void *hr_new_like(const char *name, const struct hr_array *a)
{
    if (a == NULL) {
        hr_fail("hr_new_like: %s: no array to copy the shape of (NULL)",
                name != NULL ? name : "(null)");
        return NULL;
    }
    return hr_new(name, a->dtype, a->ndim, a->shape);
}

#define NEW(fn, type, dtype) \
    type *fn(const char *name, int ndim, const int64_t *shape) \
    { \
        return hr_new(name, dtype, ndim, shape); \
    }

NEW(hr_new_f64, double, HR_FLOAT64)
NEW(hr_new_f32, float, HR_FLOAT32)
NEW(hr_new_i8, int8_t, HR_INT8)
NEW(hr_new_i16, int16_t, HR_INT16)
NEW(hr_new_i32, int32_t, HR_INT32)
NEW(hr_new_i64, int64_t, HR_INT64)
NEW(hr_new_u8, uint8_t, HR_UINT8)
NEW(hr_new_u16, uint16_t, HR_UINT16)
NEW(hr_new_u32, uint32_t, HR_UINT32)
NEW(hr_new_u64, uint64_t, HR_UINT64)
NEW(hr_new_bool, bool, HR_BOOL)

void *hr_keep(const char *key, size_t nbytes)
{
    struct hr_run *run = hr_run_current();
    char why[256];
    void *p = NULL;

    if (run == NULL || run->keep == NULL)
        return NULL;
    if (key == NULL || *key == '\0' || strlen(key) >= HR_RUNOUT_NAME) {
        hr_fail("hr_keep: a key is a name of 1 to %d characters",
                HR_RUNOUT_NAME - 1);
        return NULL;
    }
    p = run->keep(run->ud, key, nbytes, why, sizeof why);
    if (p == NULL)
        hr_fail("hr_keep: %s: %s", key, why);
    return p;
}

double hr_arg_f64(int i, double dflt)
{
    const char *s = arg(i);
    char *end = NULL;
    double v;

    if (s == NULL)
        return dflt;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0')
        hr_fail("argument %d: '%s' is not a number", i + 1, s);
    return v;
}

int64_t hr_arg_i64(int i, int64_t dflt)
{
    const char *s = arg(i);
    char *end = NULL;
    long long v;

    if (s == NULL)
        return dflt;
    errno = 0;
    v = strtoll(s, &end, 0);
    if (end == s || *end != '\0')
        hr_fail("argument %d: '%s' is not an integer", i + 1, s);
    if (errno == ERANGE)
        hr_fail("argument %d: '%s' is out of range", i + 1, s);
    return (int64_t)v;
}

const char *hr_arg_str(int i, const char *dflt)
{
    const char *s = arg(i);

    return s != NULL ? s : dflt;
}

/* ---- the run ---- */

void hr_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt != NULL ? fmt : "(null)", ap);
    va_end(ap);
    hr_guard_fail(msg);
    /* outside a guarded run (a kernel called from a test): carry on */
}

void hr_progress(int64_t done, int64_t total)
{
    struct hr_run *run = hr_run_current();

    if (run != NULL && run->progress != NULL)
        run->progress(run->ud, done, total);
    hr_guard_checkpoint();  /* the bar's lock is released: a safe point */
}

/* hotrun.h's isnan(), isinf() and isfinite() for tasks: functions, since
 * glibc's are macros */
static int task_isnan(double x)
{
    return x != x;
}

static int task_isinf(double x)
{
    return x == x && x - x != x - x;
}

static int task_isfinite(double x)
{
    return x - x == x - x;
}

/* ---- the binding table ---- */

#define SYM(name) { #name, (const void *)&name }
#define AS(name, fn) { name, (const void *)&fn }

static const struct hr_sym symbols[] = {
    /* hotrun.h */
    SYM(hr_at), SYM(hr_f64), SYM(hr_f32), SYM(hr_i8), SYM(hr_i16),
    SYM(hr_i32), SYM(hr_i64), SYM(hr_u8), SYM(hr_u16), SYM(hr_u32),
    SYM(hr_u64), SYM(hr_bool), SYM(hr_array_get), SYM(hr_col_index), SYM(hr_rows),
    SYM(hr_new), SYM(hr_new_like), SYM(hr_new_f64), SYM(hr_new_f32),
    SYM(hr_new_i8), SYM(hr_new_i16), SYM(hr_new_i32), SYM(hr_new_i64),
    SYM(hr_new_u8), SYM(hr_new_u16), SYM(hr_new_u32), SYM(hr_new_u64),
    SYM(hr_new_bool), SYM(hr_keep),
    SYM(hr_cols), SYM(hr_dtype_name), SYM(hr_nargs), SYM(hr_arg_f64),
    SYM(hr_arg_i64), SYM(hr_arg_str), SYM(hr_fail), SYM(hr_progress),
    SYM(hr_parallel_for), SYM(hr_nthreads),
    SYM(hr_sum), SYM(hr_sumsq), SYM(hr_dot), SYM(hr_min), SYM(hr_max),
    SYM(hr_mean), SYM(hr_var), SYM(hr_histogram), SYM(hr_row_sums),
    SYM(hr_col_sums), SYM(hr_row_means), SYM(hr_col_means),
    SYM(hr_row_mins), SYM(hr_row_maxs), SYM(hr_col_mins), SYM(hr_col_maxs),

    /* what a task must not do to the host, redirected */
    AS("exit", hr_guard_exit), AS("_exit", hr_guard_exit),
    AS("_Exit", hr_guard_exit),
    AS("__assert_fail", hr_guard_assert_fail),
    AS("malloc", hr_task_malloc), AS("calloc", hr_task_calloc),
    AS("realloc", hr_task_realloc), AS("free", hr_task_free),
    AS("strdup", hr_task_strdup),
    AS("isnan", task_isnan), AS("isinf", task_isinf),
    AS("isfinite", task_isfinite),

    /* stdio: output and input end a stopped run after the call */
    SYM(stdin), SYM(stdout), SYM(stderr),
    AS("printf", hr_task_printf), AS("fprintf", hr_task_fprintf),
    SYM(sprintf), SYM(snprintf), AS("vprintf", hr_task_vprintf),
    AS("vfprintf", hr_task_vfprintf), SYM(vsnprintf), SYM(sscanf),
    AS("fscanf", hr_task_fscanf), AS("puts", hr_task_puts),
    AS("putchar", hr_task_putchar), AS("fputs", hr_task_fputs),
    AS("fputc", hr_task_fputc), AS("fflush", hr_task_fflush), SYM(fopen),
    SYM(fclose), AS("fread", hr_task_fread), AS("fwrite", hr_task_fwrite),
    AS("fgets", hr_task_fgets), AS("fgetc", hr_task_fgetc),
    AS("perror", hr_task_perror),
    /* outside hotrun.h (tasks that include system headers): the calls
     * that block, so that a stop ends them at once */
    AS("getc", hr_task_fgetc), AS("putc", hr_task_fputc),
    AS("getchar", hr_task_getchar), AS("scanf", hr_task_scanf),
    AS("getline", hr_task_getline), AS("sleep", hr_task_sleep),
    AS("usleep", hr_task_usleep), AS("nanosleep", hr_task_nanosleep),
    AS("clock_nanosleep", hr_task_clock_nanosleep),
    AS("pause", hr_task_pause), AS("read", hr_task_read),
    AS("write", hr_task_write), AS("poll", hr_task_poll),
    AS("select", hr_task_select),

    /* stdlib */
    SYM(qsort), SYM(bsearch), SYM(abs), SYM(labs), SYM(llabs), SYM(atoi),
    SYM(atol), SYM(atof), SYM(strtod), SYM(strtof), SYM(strtol),
    SYM(strtoll), SYM(strtoul), SYM(strtoull), SYM(getenv), SYM(rand),
    SYM(srand), SYM(abort),

    /* string */
    SYM(memcpy), SYM(memmove), SYM(memset), SYM(memcmp), SYM(memchr),
    SYM(strlen), SYM(strcmp), SYM(strncmp), SYM(strcpy), SYM(strncpy),
    SYM(strcat), SYM(strncat), SYM(strchr), SYM(strrchr), SYM(strstr),
    SYM(strspn), SYM(strcspn), SYM(strerror),

    /* math */
    SYM(sqrt), SYM(cbrt), SYM(exp), SYM(exp2), SYM(expm1), SYM(log),
    SYM(log2), SYM(log10), SYM(log1p), SYM(pow), SYM(sin), SYM(cos),
    SYM(tan), SYM(asin), SYM(acos), SYM(atan), SYM(atan2), SYM(sinh),
    SYM(cosh), SYM(tanh), SYM(asinh), SYM(acosh), SYM(atanh), SYM(fabs),
    SYM(floor), SYM(ceil), SYM(round), SYM(trunc), SYM(rint), SYM(lround),
    SYM(lrint), SYM(fmod), SYM(remainder), SYM(fmin), SYM(fmax), SYM(fma),
    SYM(hypot), SYM(erf), SYM(erfc), SYM(tgamma), SYM(lgamma),
    SYM(copysign), SYM(nextafter), SYM(ldexp), SYM(frexp), SYM(modf),
    SYM(sqrtf), SYM(expf), SYM(logf), SYM(powf), SYM(sinf), SYM(cosf),
    SYM(tanhf), SYM(fabsf), SYM(floorf), SYM(ceilf), SYM(roundf),
    SYM(fminf), SYM(fmaxf),

    /* gcc builtins under TinyCC (hotrun.h) */
    SYM(__hr_popcount), SYM(__hr_clz32), SYM(__hr_clz64), SYM(__hr_ctz32),
    SYM(__hr_ctz64), SYM(__hr_ffs64), SYM(__hr_bswap16), SYM(__hr_bswap32),
    SYM(__hr_bswap64), SYM(__hr_atomic_rmw), SYM(__hr_atomic_load),
    SYM(__hr_atomic_store), SYM(__hr_atomic_xchg), SYM(__hr_atomic_cas),
    SYM(__hr_atomic_generic), SYM(__hr_atomic_fence),

    /* what gcc (tier 2) makes of sin(x) and cos(x) together, and of a
     * popcount on a machine without the instruction (libgcc's helper,
     * the same function as ours) */
    SYM(sincos), SYM(sincosf), AS("__popcountdi2", __hr_popcount),

    /* TinyCC runtime */
    AS("__fixunsdfdi", tcc_fixunsdfdi), AS("__fixunssfdi", tcc_fixunssfdi),
    AS("__fixunsxfdi", tcc_fixunsxfdi), AS("__fixdfdi", tcc_fixdfdi),
    AS("__fixsfdi", tcc_fixsfdi), AS("__fixxfdi", tcc_fixxfdi),
    AS("__floatundidf", tcc_floatundidf), AS("__floatundisf", tcc_floatundisf),
    AS("__floatundixf", tcc_floatundixf), AS("__va_arg", tcc_va_arg),
    AS("alloca", tcc_alloca),
};

const struct hr_sym *hr_api_symbols(size_t *n)
{
    *n = sizeof symbols / sizeof symbols[0];
    return symbols;
}
