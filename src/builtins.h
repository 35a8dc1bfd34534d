/* builtins.h - the host side of hotrun.h's "GCC builtins under TinyCC"
 *
 * Task code compiled by TinyCC (tier 1) calls these through macros named
 * like gcc's builtins (__builtin_popcount, __atomic_fetch_add, ...); tier 2
 * (gcc) uses the real builtins.  Each computes what the gcc builtin does.
 * Atomics work on 1-, 2-, 4- or 8-byte objects; any other size stops the
 * run (hr_fail()).  Pointers are borrowed for the call.  Bound into every
 * module by api.c.
 */
#ifndef HR_BUILTINS_H
#define HR_BUILTINS_H

int __hr_popcount(unsigned long long x);
int __hr_clz32(unsigned int x);
int __hr_clz64(unsigned long long x);
int __hr_ctz32(unsigned int x);
int __hr_ctz64(unsigned long long x);
int __hr_ffs64(unsigned long long x);
unsigned short __hr_bswap16(unsigned short x);
unsigned int __hr_bswap32(unsigned int x);
unsigned long long __hr_bswap64(unsigned long long x);

/* op 0..5: fetch_add, sub, and, or, xor, nand (returns the old value);
 * op 8..13: the same returning the new value.  v is converted to the
 * object's size; the result is the value widened from it. */
long long __hr_atomic_rmw(volatile void *p, long long v, int size, int op);
long long __hr_atomic_load(const volatile void *p, int size);
void __hr_atomic_store(volatile void *p, long long v, int size);
long long __hr_atomic_xchg(volatile void *p, long long v, int size);

/* Compare and swap of size bytes: *p == *expected ? *p = *desired, 1 :
 * (*expected = *p, 0). */
int __hr_atomic_cas(volatile void *p, void *expected, const void *desired,
                    int size);

/* The generic forms: op 0 load *p into *ret, 1 store *val into *p, 2
 * exchange (*ret gets the old value). */
void __hr_atomic_generic(int op, volatile void *p, const void *val,
                         void *ret, int size);

void __hr_atomic_fence(void);

#endif
