/* jit_link.c - link an object file (tier 2's, from gcc) into memory with
 * libtcc, against the host's symbols */
#include "jit.h"

#include <libtcc.h>
#include <string.h>
#include <sys/mman.h>

/* Collects what libtcc says while linking an object. */
static void on_link_diag(void *opaque, const char *msg)
{
    struct hr_err *err = opaque;

    if (strstr(msg, ": warning: ") != NULL)
        return;
    if (strncmp(msg, "tcc: ", 5) == 0)
        msg += 5;
    hr_err_append(err, "%s", msg);
}

int hr_jit_link(const char *obj_path, const struct hr_sym *syms,
                size_t nsyms, const char *const *names, int nnames,
                void **addrs, void **mem, size_t *len, struct hr_err *err)
{
    TCCState *s = tcc_new();
    void *block = MAP_FAILED;
    size_t i;
    int size = 0;
    int k;
    int rc = HR_ECOMPILE;

    if (s == NULL)
        return HR_ENOMEM;
    tcc_set_error_func(s, err, on_link_diag);
    /* -xb: an object, whatever its name (/proc/self/fd/N has no .o) */
    tcc_set_options(s, "-nostdlib -xb");
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    if (tcc_add_file(s, obj_path) != 0)
        goto out;
    for (i = 0; i < nsyms; i++)
        tcc_add_symbol(s, syms[i].name, syms[i].addr);
    size = tcc_relocate(s, NULL);
    if (size <= 0)
        goto out;
    block = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
        rc = HR_ENOMEM;
        goto out;
    }
    if (tcc_relocate(s, block) < 0)
        goto out;
    for (k = 0; k < nnames; k++)
        addrs[k] = tcc_get_symbol(s, names[k]);
    *mem = block;
    *len = (size_t)size;
    block = MAP_FAILED;
    rc = 0;
out:
    if (block != MAP_FAILED)
        munmap(block, (size_t)size);
    tcc_delete(s);
    return rc;
}
