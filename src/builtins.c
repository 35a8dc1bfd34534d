/* builtins.c - gcc builtins for TinyCC-compiled tasks, as host functions */
#include "builtins.h"

#include <stdint.h>
#include <string.h>

#include "hotrun.h"

int __hr_popcount(unsigned long long x)
{
    return __builtin_popcountll(x);
}

/* clz and ctz of 0: gcc leaves them undefined; these say the width */
int __hr_clz32(unsigned int x)
{
    return x != 0 ? __builtin_clz(x) : 32;
}

int __hr_clz64(unsigned long long x)
{
    return x != 0 ? __builtin_clzll(x) : 64;
}

int __hr_ctz32(unsigned int x)
{
    return x != 0 ? __builtin_ctz(x) : 32;
}

int __hr_ctz64(unsigned long long x)
{
    return x != 0 ? __builtin_ctzll(x) : 64;
}

int __hr_ffs64(unsigned long long x)
{
    return __builtin_ffsll((long long)x);
}

unsigned short __hr_bswap16(unsigned short x)
{
    return __builtin_bswap16(x);
}

unsigned int __hr_bswap32(unsigned int x)
{
    return __builtin_bswap32(x);
}

unsigned long long __hr_bswap64(unsigned long long x)
{
    return __builtin_bswap64(x);
}

static void bad_size(int size)
{
    hr_fail("atomic operation on a %d-byte object (1, 2, 4 or 8 bytes "
            "only)", size);
}

/* One read-modify-write of type T on p, op as in builtins.h. */
#define RMW(T, p, v, op, out)                                               \
    do {                                                                    \
        volatile T *q_ = (volatile T *)(p);                                 \
        T v_ = (T)(v);                                                      \
        switch (op) {                                                       \
        case 0: out = (long long)__atomic_fetch_add(q_, v_, 5); break;     \
        case 1: out = (long long)__atomic_fetch_sub(q_, v_, 5); break;     \
        case 2: out = (long long)__atomic_fetch_and(q_, v_, 5); break;     \
        case 3: out = (long long)__atomic_fetch_or(q_, v_, 5); break;      \
        case 4: out = (long long)__atomic_fetch_xor(q_, v_, 5); break;     \
        case 5: out = (long long)__atomic_fetch_nand(q_, v_, 5); break;    \
        case 8: out = (long long)__atomic_add_fetch(q_, v_, 5); break;     \
        case 9: out = (long long)__atomic_sub_fetch(q_, v_, 5); break;     \
        case 10: out = (long long)__atomic_and_fetch(q_, v_, 5); break;    \
        case 11: out = (long long)__atomic_or_fetch(q_, v_, 5); break;     \
        case 12: out = (long long)__atomic_xor_fetch(q_, v_, 5); break;    \
        case 13: out = (long long)__atomic_nand_fetch(q_, v_, 5); break;   \
        default: out = 0; break;                                            \
        }                                                                   \
    } while (0)

long long __hr_atomic_rmw(volatile void *p, long long v, int size, int op)
{
    long long out = 0;

    switch (size) {
    case 1: RMW(uint8_t, p, v, op, out); break;
    case 2: RMW(uint16_t, p, v, op, out); break;
    case 4: RMW(uint32_t, p, v, op, out); break;
    case 8: RMW(uint64_t, p, v, op, out); break;
    default: bad_size(size); break;
    }
    return out;
}

long long __hr_atomic_load(const volatile void *p, int size)
{
    switch (size) {
    case 1: return __atomic_load_n((const volatile uint8_t *)p, 5);
    case 2: return __atomic_load_n((const volatile uint16_t *)p, 5);
    case 4: return __atomic_load_n((const volatile uint32_t *)p, 5);
    case 8: return (long long)__atomic_load_n((const volatile uint64_t *)p,
                                              5);
    default: bad_size(size); return 0;
    }
}

void __hr_atomic_store(volatile void *p, long long v, int size)
{
    switch (size) {
    case 1: __atomic_store_n((volatile uint8_t *)p, (uint8_t)v, 5); break;
    case 2: __atomic_store_n((volatile uint16_t *)p, (uint16_t)v, 5); break;
    case 4: __atomic_store_n((volatile uint32_t *)p, (uint32_t)v, 5); break;
    case 8: __atomic_store_n((volatile uint64_t *)p, (uint64_t)v, 5); break;
    default: bad_size(size); break;
    }
}

long long __hr_atomic_xchg(volatile void *p, long long v, int size)
{
    switch (size) {
    case 1: return __atomic_exchange_n((volatile uint8_t *)p, (uint8_t)v, 5);
    case 2: return __atomic_exchange_n((volatile uint16_t *)p, (uint16_t)v,
                                       5);
    case 4: return __atomic_exchange_n((volatile uint32_t *)p, (uint32_t)v,
                                       5);
    case 8: return (long long)__atomic_exchange_n((volatile uint64_t *)p,
                                                  (uint64_t)v, 5);
    default: bad_size(size); return 0;
    }
}

#define CAS(T, p, e, d)                                                     \
    __atomic_compare_exchange((volatile T *)(p), (T *)(e),                  \
                              (T *)(uintptr_t)(d), 0, 5, 5)

int __hr_atomic_cas(volatile void *p, void *expected, const void *desired,
                    int size)
{
    switch (size) {
    case 1: return CAS(uint8_t, p, expected, desired);
    case 2: return CAS(uint16_t, p, expected, desired);
    case 4: return CAS(uint32_t, p, expected, desired);
    case 8: return CAS(uint64_t, p, expected, desired);
    default: bad_size(size); return 0;
    }
}

void __hr_atomic_generic(int op, volatile void *p, const void *val,
                         void *ret, int size)
{
    long long v = 0;
    long long old = 0;

    if (size != 1 && size != 2 && size != 4 && size != 8) {
        bad_size(size);
        return;
    }
    if (op != 0)
        memcpy(&v, val, (size_t)size);     /* little-endian: low bytes */
    if (op == 0)
        old = __hr_atomic_load(p, size);
    else if (op == 1)
        __hr_atomic_store(p, v, size);
    else
        old = __hr_atomic_xchg(p, v, size);
    if (op != 1)
        memcpy(ret, &old, (size_t)size);
}

void __hr_atomic_fence(void)
{
    __atomic_thread_fence(5);
}
