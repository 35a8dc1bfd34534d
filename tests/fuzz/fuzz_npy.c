/* fuzz_npy.c - libFuzzer target: the .npy loader on any bytes
 *
 * The input is written to an anonymous memory file and loaded as a .npy
 * file, mapped and copied; a load that succeeds is read element by
 * element.  Whatever the bytes, the loader must return an error code with
 * a message or a usable array: never crash, hang, leak or read outside
 * what it mapped.  The header parser is also fed the bytes directly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "npyhdr.h"

static void load(const char *path, enum hr_load_mode mode)
{
    struct hr_load_opts lo = { 0 };
    struct hr_resident *r = NULL;
    struct hr_err err = { { 0 } };
    volatile double sum = 0;
    int64_t i;

    lo.mode = mode;
    if (hr_array_load(path, "f", &lo, &r, &err) != 0) {
        if (err.msg[0] == '\0')
            __builtin_trap();           /* every failure says why */
        return;
    }
    for (i = 0; i < r->view.size && i < (1 << 16); i++)
        sum += hr_array_at(&r->view, i);
    if (r->view.size > 0)
        sum += hr_array_at(&r->view, r->view.size - 1);
    if (sum != sum && r->view.dtype == HR_BOOL)
        __builtin_trap();               /* a bool is never NaN */
    hr_array_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hr_npyhdr h;
    struct hr_err err = { { 0 } };
    char path[64];
    int fd = memfd_create("fuzz.npy", MFD_CLOEXEC);

    hr_npyhdr_parse("f", (const char *)data, size, &h, &err);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        load(path, HR_LOAD_MMAP);
        load(path, HR_LOAD_READ);
    }
    close(fd);
    return 0;
}
