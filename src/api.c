/* api.c - the host side of hotrun.h: run state, views, arguments, bindings */
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

static const struct hr_run_env *run;    /* the run in progress, or NULL */

void hr_api_begin(const struct hr_run_env *env)
{
    run = env;
}

void hr_api_end(void)
{
    run = NULL;
}

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
    if (run == NULL || run->lookup == NULL || name == NULL)
        return NULL;
    return run->lookup(run->ud, name);
}

/* ---- arguments ---- */

int hr_nargs(void)
{
    return run != NULL ? run->argc : 0;
}

static const char *arg(int i)
{
    if (run == NULL || i < 0 || i >= run->argc)
        return NULL;
    return run->argv[i];
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
    if (run != NULL && run->progress != NULL)
        run->progress(run->ud, done, total);
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
    SYM(hr_u64), SYM(hr_bool), SYM(hr_array_get), SYM(hr_rows),
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

    /* stdio */
    SYM(stdin), SYM(stdout), SYM(stderr),
    SYM(printf), SYM(fprintf), SYM(sprintf), SYM(snprintf), SYM(vprintf),
    SYM(vfprintf), SYM(vsnprintf), SYM(sscanf), SYM(fscanf), SYM(puts),
    SYM(putchar), SYM(fputs), SYM(fputc), SYM(fflush), SYM(fopen),
    SYM(fclose), SYM(fread), SYM(fwrite), SYM(fgets), SYM(fgetc),
    SYM(perror),

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
