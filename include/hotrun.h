/* hotrun.h - the contract between hotrun and the task files it compiles
 *
 * A task file is plain C.  Every non-static function it defines is a task of
 * the form
 *
 *     double NAME(const struct hr_array *a);
 *
 * and is run on the default array by `run NAME [ARGS...]`.  Static functions
 * are helpers.  The arrays are resident in the hotrun process and read-only:
 * tasks get const views, never ownership.
 *
 * Two tiers.  `reload` compiles the file with TinyCC in well under a
 * millisecond (tier 1); hotrun then compiles the same text with gcc -O2 in
 * the background (tier 2) and switches the module's tasks to that code
 * between two runs, never during one.  Both give the same results: gcc
 * keeps the source's order of floating-point operations and never fuses
 * a*b+c into an fma.  A file that holds the line
 *
 *     #pragma hotrun fast_math
 *
 * lets tier 2 reorder its arithmetic (vectorised sums and the rest of
 * -ffast-math, but NaN and infinities still work), so its results may
 * differ in the last bits from tier 1's.  A module's static variables
 * start over at the switch, as at a reload.
 *
 * Compiled by hotrun, this header is self-contained: it declares the common
 * parts of the C library (stdio, stdlib, string, math) itself and the host
 * binds them, so a task that includes only hotrun.h compiles in a fraction of
 * a millisecond with TinyCC (tier 1), and the optimising compiler of tier 2
 * (gcc, run by hotrun with -DHOTRUN_PRELUDE) parses no glibc header either.
 * Tasks may still include system headers, before or after this one.
 * Compiled by another compiler outside hotrun (a plain `gcc task.c`), it
 * includes the system headers.
 *
 * GCC builtins that TinyCC lacks (__builtin_popcount, clz, ctz, parity,
 * ffs, bswap; the __sync_* and __atomic_* families) are provided under
 * TinyCC as macros over host functions, so a task compiles the same in
 * both tiers; see "GCC builtins under TinyCC" below.
 */
#ifndef HOTRUN_H
#define HOTRUN_H

#define HOTRUN_VERSION "0.1.0"

#include <stddef.h>
#include <stdarg.h>

#if defined(__TINYC__) || defined(HOTRUN_PRELUDE)
/* ---- the C library subset bound by the host (no glibc headers parsed) ---- */
#ifndef __bool_true_false_are_defined
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif

#ifndef INT8_MIN
#define INT8_MIN (-128)
#define INT16_MIN (-32767-1)
#define INT32_MIN (-2147483647-1)
#define INT64_MIN (-__INT64_C(9223372036854775807)-1)
#define INT8_MAX (127)
#define INT16_MAX (32767)
#define INT32_MAX (2147483647)
#define INT64_MAX (__INT64_C(9223372036854775807))
#define UINT8_MAX (255)
#define UINT16_MAX (65535)
#define UINT32_MAX (4294967295U)
#define UINT64_MAX (__UINT64_C(18446744073709551615))
#endif
#ifndef __INT64_C
#define __INT64_C(c) c ## L
#define __UINT64_C(c) c ## UL
#endif

#ifndef __TINYC__
/* what TinyCC's own <stddef.h> declares, from the compiler's predefined
 * types (glibc's, so a later <stdint.h> or <stdlib.h> repeats them) */
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __PTRDIFF_TYPE__ ssize_t;
#undef alloca
#define alloca(size) __builtin_alloca (size)
#endif

/* NAN as TinyCC makes it (the x86 default NaN, sign bit set) for both
 * tiers, so that printf("%f", NAN) says "-nan" in both; the rest spelled
 * as glibc spells them for this compiler, so that <math.h> included after
 * hotrun.h redefines nothing */
#ifndef NAN
#define NAN (0.0f / 0.0f)
#endif
#ifdef __TINYC__
#ifndef HUGE_VALF
#define HUGE_VALF 1e10000f
#endif
#ifndef INFINITY
#define INFINITY HUGE_VALF
#endif
#ifndef HUGE_VAL
#define HUGE_VAL 1e10000
#endif
#else
#ifndef HUGE_VALF
#define HUGE_VALF (__builtin_huge_valf ())
#endif
#ifndef INFINITY
#define INFINITY (__builtin_inff ())
#endif
#ifndef HUGE_VAL
#define HUGE_VAL (__builtin_huge_val ())
#endif
#endif
#ifndef M_PI
#define M_E 2.7182818284590452354
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_PI 3.14159265358979323846
#define M_PI_2 1.57079632679489661923
#define M_SQRT2 1.41421356237309504880
#endif
/* functions, not macros: a macro would break the declarations of a
 * <math.h> included after hotrun.h (which then makes them macros) */
#ifndef isnan
int isnan(double x);
#endif
#ifndef isinf
int isinf(double x);
#endif
#ifndef isfinite
int isfinite(double x);
#endif
#ifndef EOF
#define EOF (-1)
#endif
#ifndef RAND_MAX
#define RAND_MAX 2147483647
#endif
#ifndef assert
#define assert(e) ((e) ? (void)0 : \
    __assert_fail(#e, __FILE__, __LINE__, __func__))
#define _ASSERT_H 1     /* a later <assert.h> replaces ours quietly */
#endif
void __assert_fail(const char *expr, const char *file, unsigned int line,
                   const char *func);

typedef struct _IO_FILE FILE;
extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

/* stdio */
int printf(const char *fmt, ...);
int fprintf(FILE *f, const char *fmt, ...);
int sprintf(char *buf, const char *fmt, ...);
int snprintf(char *buf, size_t n, const char *fmt, ...);
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int sscanf(const char *s, const char *fmt, ...);
int fscanf(FILE *f, const char *fmt, ...);
int puts(const char *s);
int putchar(int c);
int fputs(const char *s, FILE *f);
int fputc(int c, FILE *f);
int fflush(FILE *f);
FILE *fopen(const char *path, const char *mode);
int fclose(FILE *f);
size_t fread(void *p, size_t size, size_t n, FILE *f);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
char *fgets(char *s, int n, FILE *f);
int fgetc(FILE *f);
void perror(const char *s);

/* stdlib */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
void qsort(void *base, size_t n, size_t size,
           int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));
int abs(int x);
long labs(long x);
long long llabs(long long x);
int atoi(const char *s);
long atol(const char *s);
double atof(const char *s);
double strtod(const char *s, char **end);
float strtof(const char *s, char **end);
long strtol(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
char *getenv(const char *name);
int rand(void);
void srand(unsigned int seed);
void exit(int status);
void _exit(int status);
void abort(void);

/* string */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *p, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *p, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *s, const char *sub);
char *strdup(const char *s);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strerror(int err);

/* math */
double sqrt(double x);
double cbrt(double x);
double exp(double x);
double exp2(double x);
double expm1(double x);
double log(double x);
double log2(double x);
double log10(double x);
double log1p(double x);
double pow(double x, double y);
double sin(double x);
double cos(double x);
double tan(double x);
double asin(double x);
double acos(double x);
double atan(double x);
double atan2(double y, double x);
double sinh(double x);
double cosh(double x);
double tanh(double x);
double asinh(double x);
double acosh(double x);
double atanh(double x);
double fabs(double x);
double floor(double x);
double ceil(double x);
double round(double x);
double trunc(double x);
double rint(double x);
long lround(double x);
long lrint(double x);
double fmod(double x, double y);
double remainder(double x, double y);
double fmin(double x, double y);
double fmax(double x, double y);
double fma(double x, double y, double z);
double hypot(double x, double y);
double erf(double x);
double erfc(double x);
double tgamma(double x);
double lgamma(double x);
double copysign(double x, double y);
double nextafter(double x, double y);
double ldexp(double x, int e);
double frexp(double x, int *e);
double modf(double x, double *ip);
float sqrtf(float x);
float expf(float x);
float logf(float x);
float powf(float x, float y);
float sinf(float x);
float cosf(float x);
float tanhf(float x);
float fabsf(float x);
float floorf(float x);
float ceilf(float x);
float roundf(float x);
float fminf(float x, float y);
float fmaxf(float x, float y);
#else
/* ---- any other compiler: the real system headers ---- */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

#ifdef __TINYC__
/* ---- GCC builtins under TinyCC ----
 * TinyCC 0.9.27 lacks these; here they are macros over host functions
 * with gcc's meaning (a call each, where tier 2 has an instruction), so
 * that a task compiles, and computes the same, in both tiers.
 *   bits: __builtin_popcount, clz, ctz, ffs, parity (plain: unsigned int;
 *     l and ll: 64 bits; clz and ctz of 0 are undefined, as in gcc),
 *     __builtin_bswap16/32/64;
 *   hints that do nothing here: __builtin_unreachable, __builtin_prefetch,
 *     __builtin_assume_aligned;
 *   __builtin_isnan/isinf/isfinite, __builtin_inf/huge_val/nan (+ f);
 *   atomics for reductions from hr_parallel_for workers, on 1-, 2-, 4-
 *     and 8-byte integers and pointers: the __sync_* family (without the
 *     optional variable list) and the __atomic_* family, _n and generic
 *     forms; every order is sequentially consistent, as gcc allows.
 * The __ATOMIC_* order names are defined as gcc predefines them. */
#ifndef __ATOMIC_RELAXED
#define __ATOMIC_RELAXED 0
#define __ATOMIC_CONSUME 1
#define __ATOMIC_ACQUIRE 2
#define __ATOMIC_RELEASE 3
#define __ATOMIC_ACQ_REL 4
#define __ATOMIC_SEQ_CST 5
#endif
int __hr_popcount(unsigned long long x);
int __hr_clz32(unsigned int x);
int __hr_clz64(unsigned long long x);
int __hr_ctz32(unsigned int x);
int __hr_ctz64(unsigned long long x);
int __hr_ffs64(unsigned long long x);
unsigned short __hr_bswap16(unsigned short x);
unsigned int __hr_bswap32(unsigned int x);
unsigned long long __hr_bswap64(unsigned long long x);
long long __hr_atomic_rmw(volatile void *p, long long v, int size, int op);
long long __hr_atomic_load(const volatile void *p, int size);
void __hr_atomic_store(volatile void *p, long long v, int size);
long long __hr_atomic_xchg(volatile void *p, long long v, int size);
int __hr_atomic_cas(volatile void *p, void *expected, const void *desired,
                    int size);
void __hr_atomic_generic(int op, volatile void *p, const void *val,
                         void *ret, int size);
void __hr_atomic_fence(void);

#define __builtin_popcount(x) __hr_popcount((unsigned int)(x))
#define __builtin_popcountl(x) __hr_popcount((unsigned long)(x))
#define __builtin_popcountll(x) __hr_popcount((unsigned long long)(x))
#define __builtin_parity(x) (__hr_popcount((unsigned int)(x)) & 1)
#define __builtin_parityl(x) (__hr_popcount((unsigned long)(x)) & 1)
#define __builtin_parityll(x) (__hr_popcount((unsigned long long)(x)) & 1)
#define __builtin_clz(x) __hr_clz32((unsigned int)(x))
#define __builtin_clzl(x) __hr_clz64((unsigned long)(x))
#define __builtin_clzll(x) __hr_clz64((unsigned long long)(x))
#define __builtin_ctz(x) __hr_ctz32((unsigned int)(x))
#define __builtin_ctzl(x) __hr_ctz64((unsigned long)(x))
#define __builtin_ctzll(x) __hr_ctz64((unsigned long long)(x))
#define __builtin_ffs(x) __hr_ffs64((unsigned int)(x))
#define __builtin_ffsl(x) __hr_ffs64((unsigned long)(x))
#define __builtin_ffsll(x) __hr_ffs64((unsigned long long)(x))
#define __builtin_bswap16(x) __hr_bswap16((unsigned short)(x))
#define __builtin_bswap32(x) __hr_bswap32((unsigned int)(x))
#define __builtin_bswap64(x) __hr_bswap64((unsigned long long)(x))
#define __builtin_unreachable() ((void)0)
#define __builtin_prefetch(...) ((void)0)
#define __builtin_assume_aligned(p, ...) ((void *)(p))
#define __builtin_isnan(x) isnan(x)
#define __builtin_isinf(x) isinf(x)
#define __builtin_isfinite(x) isfinite(x)
#define __builtin_inf() 1e10000
#define __builtin_inff() 1e10000f
#define __builtin_huge_val() 1e10000
#define __builtin_huge_valf() 1e10000f
#define __builtin_nan(s) (0.0 / 0.0)
#define __builtin_nanf(s) (0.0f / 0.0f)

#define __HR_RMW(p, v, op) ((__typeof__(*(p)))__hr_atomic_rmw((p), \
    (long long)(v), (int)sizeof *(p), (op)))
#define __atomic_fetch_add(p, v, o) __HR_RMW(p, v, 0)
#define __atomic_fetch_sub(p, v, o) __HR_RMW(p, v, 1)
#define __atomic_fetch_and(p, v, o) __HR_RMW(p, v, 2)
#define __atomic_fetch_or(p, v, o) __HR_RMW(p, v, 3)
#define __atomic_fetch_xor(p, v, o) __HR_RMW(p, v, 4)
#define __atomic_fetch_nand(p, v, o) __HR_RMW(p, v, 5)
#define __atomic_add_fetch(p, v, o) __HR_RMW(p, v, 8)
#define __atomic_sub_fetch(p, v, o) __HR_RMW(p, v, 9)
#define __atomic_and_fetch(p, v, o) __HR_RMW(p, v, 10)
#define __atomic_or_fetch(p, v, o) __HR_RMW(p, v, 11)
#define __atomic_xor_fetch(p, v, o) __HR_RMW(p, v, 12)
#define __atomic_nand_fetch(p, v, o) __HR_RMW(p, v, 13)
#define __sync_fetch_and_add(p, v) __HR_RMW(p, v, 0)
#define __sync_fetch_and_sub(p, v) __HR_RMW(p, v, 1)
#define __sync_fetch_and_and(p, v) __HR_RMW(p, v, 2)
#define __sync_fetch_and_or(p, v) __HR_RMW(p, v, 3)
#define __sync_fetch_and_xor(p, v) __HR_RMW(p, v, 4)
#define __sync_fetch_and_nand(p, v) __HR_RMW(p, v, 5)
#define __sync_add_and_fetch(p, v) __HR_RMW(p, v, 8)
#define __sync_sub_and_fetch(p, v) __HR_RMW(p, v, 9)
#define __sync_and_and_fetch(p, v) __HR_RMW(p, v, 10)
#define __sync_or_and_fetch(p, v) __HR_RMW(p, v, 11)
#define __sync_xor_and_fetch(p, v) __HR_RMW(p, v, 12)
#define __sync_nand_and_fetch(p, v) __HR_RMW(p, v, 13)
#define __atomic_load_n(p, o) ((__typeof__(*(p)))__hr_atomic_load((p), \
    (int)sizeof *(p)))
#define __atomic_store_n(p, v, o) __hr_atomic_store((p), (long long)(v), \
    (int)sizeof *(p))
#define __atomic_exchange_n(p, v, o) ((__typeof__(*(p)))__hr_atomic_xchg( \
    (p), (long long)(v), (int)sizeof *(p)))
#define __atomic_compare_exchange_n(p, e, d, weak, s, f) \
    ({ __typeof__(*(p)) __hr_d = (d); \
       __hr_atomic_cas((p), (e), &__hr_d, (int)sizeof *(p)); })
#define __atomic_compare_exchange(p, e, d, weak, s, f) \
    __hr_atomic_cas((p), (e), (d), (int)sizeof *(p))
#define __atomic_load(p, r, o) __hr_atomic_generic(0, (p), 0, (r), \
    (int)sizeof *(p))
#define __atomic_store(p, v, o) __hr_atomic_generic(1, (p), (v), 0, \
    (int)sizeof *(p))
#define __atomic_exchange(p, v, r, o) __hr_atomic_generic(2, (p), (v), (r), \
    (int)sizeof *(p))
#define __atomic_test_and_set(p, o) (__hr_atomic_xchg((p), 1, 1) != 0)
#define __atomic_clear(p, o) __hr_atomic_store((p), 0, 1)
#define __atomic_thread_fence(o) __hr_atomic_fence()
#define __atomic_signal_fence(o) __hr_atomic_fence()
#define __atomic_always_lock_free(n, p) \
    ((n) == 1 || (n) == 2 || (n) == 4 || (n) == 8)
#define __atomic_is_lock_free(n, p) __atomic_always_lock_free(n, p)
#define __sync_bool_compare_and_swap(p, o, n) \
    ({ __typeof__(*(p)) __hr_o = (o), __hr_n = (n); \
       __hr_atomic_cas((p), &__hr_o, &__hr_n, (int)sizeof *(p)); })
#define __sync_val_compare_and_swap(p, o, n) \
    ({ __typeof__(*(p)) __hr_o = (o), __hr_n = (n); \
       __hr_atomic_cas((p), &__hr_o, &__hr_n, (int)sizeof *(p)); __hr_o; })
#define __sync_lock_test_and_set(p, v) ((__typeof__(*(p)))__hr_atomic_xchg( \
    (p), (long long)(v), (int)sizeof *(p)))
#define __sync_lock_release(p) __hr_atomic_store((p), 0, (int)sizeof *(p))
#define __sync_synchronize() __hr_atomic_fence()
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Built into libhotrun, these functions stay visible to code that links
 * the library (a task built by another compiler and loaded by a program
 * of the user's); task files never see this. */
#if defined(HR_BUILDING_LIB) && defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- resident arrays ---- */

/* Element types, as NumPy names them. */
enum hr_dtype {
    HR_BOOL, HR_INT8, HR_INT16, HR_INT32, HR_INT64,
    HR_UINT8, HR_UINT16, HR_UINT32, HR_UINT64,
    HR_FLOAT16, HR_FLOAT32, HR_FLOAT64, HR_COMPLEX64, HR_COMPLEX128,
    HR_NDTYPES
};

#define HR_MAX_NDIM 64

/* Layout flags of struct hr_array.flags. */
#define HR_C_CONTIGUOUS 1   /* row-major, no gaps */
#define HR_F_CONTIGUOUS 2   /* column-major (Fortran order), no gaps */

/* A resident array: a read-only view that the task borrows for the run. */
struct hr_array {
    const void *data;           /* first element; never writable */
    int dtype;                  /* enum hr_dtype, native byte order */
    int ndim;                   /* 0 for a scalar */
    int64_t shape[HR_MAX_NDIM]; /* elements along each axis */
    int64_t strides[HR_MAX_NDIM]; /* bytes between neighbours on each axis */
    int64_t size;               /* number of elements */
    int64_t itemsize;           /* bytes per element */
    int64_t nbytes;             /* size * itemsize */
    int flags;                  /* HR_C_CONTIGUOUS | HR_F_CONTIGUOUS */
    const char *name;           /* the name given at load, e.g. "demo" */

    /* ---- where this view lies in the whole array (hotrun --ranks N) ----
     * Over MPI each rank holds a shard: a slab of the array's slowest axis
     * (axis 0 in C order, the last axis in Fortran order), the first
     * n % N ranks one row more; shape[] above is the shard's.  In a
     * single process the view is the whole array: rank 0 of 1, offsets 0,
     * global_shape equal to shape, no halo. */
    int64_t global_shape[HR_MAX_NDIM]; /* shape of the whole array */
    int64_t offset[HR_MAX_NDIM];    /* global index of this view's first
                                       element on each axis */
    int split_axis;             /* the axis split over ranks; -1: none (a
                                   0-d array, held whole by every rank) */
    int64_t halo_before;        /* slabs at the start of split_axis that
                                   belong to the previous rank (--halo K) */
    int64_t halo_after;         /* slabs at its end from the next rank */
    int rank;                   /* this process's rank, 0 .. nranks-1 */
    int nranks;                 /* ranks the array is split over */
};

/* The part of a that this rank owns: a without its halo slabs (a itself
 * when there is no halo).  Reduce over this to count each element once
 * over all ranks; read the halo through a for stencils. */
static inline struct hr_array hr_owned(const struct hr_array *a)
{
    struct hr_array o = *a;
    int64_t n, slab;
    int k = a->split_axis;

    if (k < 0 || k >= a->ndim || (a->halo_before == 0 && a->halo_after == 0))
        return o;
    n = a->shape[k];
    slab = n > 0 ? a->nbytes / n : 0;
    o.data = (const char *)a->data + a->halo_before * a->strides[k];
    o.shape[k] = n - a->halo_before - a->halo_after;
    o.offset[k] = a->offset[k] + a->halo_before;
    o.size = n > 0 ? a->size / n * o.shape[k] : 0;
    o.nbytes = slab * o.shape[k];
    o.halo_before = o.halo_after = 0;
    return o;
}

/* Element i of a, counted in C (row-major) order, converted to double.
 * Works for every dtype and layout; complex gives the real part. */
double hr_at(const struct hr_array *a, int64_t i);

/* Typed views: a pointer to the elements when a has that dtype and is
 * C-contiguous; otherwise the run stops with a message naming both. */
const double *hr_f64(const struct hr_array *a);
const float *hr_f32(const struct hr_array *a);
const int8_t *hr_i8(const struct hr_array *a);
const int16_t *hr_i16(const struct hr_array *a);
const int32_t *hr_i32(const struct hr_array *a);
const int64_t *hr_i64(const struct hr_array *a);
const uint8_t *hr_u8(const struct hr_array *a);
const uint16_t *hr_u16(const struct hr_array *a);
const uint32_t *hr_u32(const struct hr_array *a);
const uint64_t *hr_u64(const struct hr_array *a);
const bool *hr_bool(const struct hr_array *a);

/* Another resident array by name; NULL when there is none. */
const struct hr_array *hr_array_get(const char *name);

/* Index of the column called name in a's header (an array loaded from a
 * CSV/TSV file with a header row: `hr_at(a, row * hr_cols(a) + j)` with
 * j = hr_col_index(a, "price")), or -1 when a has no such column or no
 * header.  a is a view hotrun gave (a task's argument or hr_array_get()). */
int64_t hr_col_index(const struct hr_array *a, const char *name);

/* Rows and columns of a 2-d array (a 1-d array is one row). */
int64_t hr_rows(const struct hr_array *a);
int64_t hr_cols(const struct hr_array *a);

/* Name of a dtype ("float64", ...). */
const char *hr_dtype_name(int dtype);

/* ---- arrays a task makes ----
 *
 * hr_new() makes a zeroed, writable, C-ordered array of dtype and shape
 * (ndim sizes) that the session owns, on 2 MiB pages like loaded arrays,
 * and returns its first element.  When the run succeeds the array becomes
 * resident under its name (read-only, like every other; replacing an
 * array of that name): the next task gets it with hr_array_get(name), and
 * `show`, `stats`, `plot`, `save` and `use` see it.  When the run fails,
 * crashes, is stopped or times out, none of the arrays it made appear and
 * nothing resident changes.  A run makes at most 64; a name that is not
 * one (letters, digits, _ - .), a name made twice in one run, or no
 * memory stops the run with a message.
 *
 *     int64_t n[1] = { hr_rows(a) };
 *     double *means = hr_new_f64("row_means", 1, n);
 *     hr_row_means(a, means);
 */
void *hr_new(const char *name, int dtype, int ndim, const int64_t *shape);
double *hr_new_f64(const char *name, int ndim, const int64_t *shape);
float *hr_new_f32(const char *name, int ndim, const int64_t *shape);
int8_t *hr_new_i8(const char *name, int ndim, const int64_t *shape);
int16_t *hr_new_i16(const char *name, int ndim, const int64_t *shape);
int32_t *hr_new_i32(const char *name, int ndim, const int64_t *shape);
int64_t *hr_new_i64(const char *name, int ndim, const int64_t *shape);
uint8_t *hr_new_u8(const char *name, int ndim, const int64_t *shape);
uint16_t *hr_new_u16(const char *name, int ndim, const int64_t *shape);
uint32_t *hr_new_u32(const char *name, int ndim, const int64_t *shape);
uint64_t *hr_new_u64(const char *name, int ndim, const int64_t *shape);
bool *hr_new_bool(const char *name, int ndim, const int64_t *shape);

/* An array like a (its dtype and shape, in C order), zeroed. */
void *hr_new_like(const char *name, const struct hr_array *a);

/* ---- state that survives reloads ----
 *
 * A module's static variables start over at each reload (and when the
 * optimised code takes over).  hr_keep() gives a zeroed block of nbytes
 * that the session owns and keeps across runs and reloads, for caches and
 * precomputed indexes: the same key and size give the same block (with
 * what was written into it); another size gives a fresh zeroed block (and
 * a notice).  `keeps` lists them, `forget KEY` frees one.
 *
 *     struct index *ix = hr_keep("index", sizeof *ix);
 *     if (!ix->built)
 *         build_index(ix, a);
 */
void *hr_keep(const char *key, size_t nbytes);

/* ---- the run ---- */

/* Arguments after the task name: `run NAME 0.5 10 text`. Index from 0.
 * The default is returned when argument i is absent; an argument that is
 * present but not a number stops the run with a message. */
int hr_nargs(void);
double hr_arg_f64(int i, double dflt);
int64_t hr_arg_i64(int i, int64_t dflt);
const char *hr_arg_str(int i, const char *dflt);

/* Stopping.  Ctrl-C, `timeout SEC` or the host (watch mode, when the file
 * changes again) may stop a run at any moment; it is then reported as
 * stopped, never with the value the task returns.  The task is ended while
 * it runs its own code, or in the next call it makes into hotrun, after
 * that call returned: hr_progress, hr_parallel_for (between chunks), the
 * kernels (between blocks), malloc/calloc/realloc, printf and the other
 * stdio output, and the calls that can block - sleep, usleep, nanosleep,
 * read, write, fread, fgets, fgetc, getchar, scanf, fscanf, getline,
 * poll, select, pause - which a stop interrupts at once (they return
 * early or with EINTR).  Code the task runs inside another C library
 * function (a qsort comparator) may be ended there. */

/* Stop this run with a message (printf format); the session goes on. */
void hr_fail(const char *fmt, ...);

/* Report progress of a long task: drawn as a bar on a terminal. */
void hr_progress(int64_t done, int64_t total);

/* Run fn(ctx, begin, end) over [0, n) in chunks on hotrun's thread pool
 * (one thread per core, the caller included).  Returns when all chunks are
 * done.  fn must only write to memory it owns per chunk. */
void hr_parallel_for(int64_t n, void (*fn)(void *ctx, int64_t begin,
                     int64_t end), void *ctx);

/* Number of threads hr_parallel_for uses. */
int hr_nthreads(void);

/* ---- native kernels: vectorised, multi-threaded, any dtype and layout ---- */

double hr_sum(const struct hr_array *a);
double hr_sumsq(const struct hr_array *a);
double hr_dot(const struct hr_array *a, const struct hr_array *b);
double hr_min(const struct hr_array *a);  /* NaN for an empty array */
double hr_max(const struct hr_array *a);
double hr_mean(const struct hr_array *a);
double hr_var(const struct hr_array *a);  /* population variance (ddof 0) */

/* counts[nbins] gets how many elements fall in [lo, hi) split evenly; the
 * last bin includes hi; values outside are not counted.  Returns the
 * number counted. */
int64_t hr_histogram(const struct hr_array *a, double lo, double hi,
                     int64_t nbins, int64_t *counts);

/* Reductions of a 2-d array along one axis (a 1-d array is one row):
 * out has hr_rows(a) entries for the row forms, hr_cols(a) for columns. */
void hr_row_sums(const struct hr_array *a, double *out);
void hr_col_sums(const struct hr_array *a, double *out);
void hr_row_means(const struct hr_array *a, double *out);
void hr_col_means(const struct hr_array *a, double *out);
void hr_row_mins(const struct hr_array *a, double *out);
void hr_row_maxs(const struct hr_array *a, double *out);
void hr_col_mins(const struct hr_array *a, double *out);
void hr_col_maxs(const struct hr_array *a, double *out);

/* ---- combining the parts of a run over MPI ranks ----
 *
 * With hotrun --ranks N every rank runs the task on its own shard, and
 * rank 0 combines their results in rank order (so a floating-point result
 * is the same every time).  A task says how, in its file:
 *
 *     HR_COMBINE(total, HR_SUM);       after or before double total(...)
 *
 * or with a function of its own, NAME__combine, that folds two values:
 *
 *     double total__combine(double acc, double v) { return acc + v; }
 *
 * (acc is the fold so far, v the next rank's value).  Neither is a task.
 * A task that says nothing gets its per-rank values shown and no combined
 * number.  Ranks whose shard of the default array is empty (more ranks
 * than rows) do not take part in the combine.  Native kernels (hr_sum...)
 * return the rank's own part: the task's HR_COMBINE decides.  In a single
 * process the task's result is shown as it is. */
enum hr_combine_kind {
    HR_SUM = 1,     /* v0 + v1 + ... */
    HR_PROD,        /* v0 * v1 * ... */
    HR_MIN,         /* the smallest (NaN if any is NaN) */
    HR_MAX,         /* the largest (NaN if any is NaN) */
    HR_MEAN,        /* mean weighted by the elements each rank owns: the
                       global mean when each rank returns its shard's */
    HR_FIRST,       /* the first rank's value (all ranks agree) */
    HR_LAST,        /* the last rank's value */
    HR_COMBINE_NKINDS
};

/* Declares how task's per-rank results combine: a non-static const object
 * with a reserved name (hr__combine_TASK) that hotrun reads after
 * compiling; it is not a task. */
#define HR_COMBINE(task, kind) const int hr__combine_##task = (kind)

#if defined(HR_BUILDING_LIB) && defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* HOTRUN_H */
