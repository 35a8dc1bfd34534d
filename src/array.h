/* array.h - load .npy and raw binary files as resident, read-only arrays
 *
 * A struct hr_resident holds one loaded array: the struct hr_array view that
 * tasks see, plus the mapping behind it.  The data is never writable once
 * loaded (PROT_READ), whichever way it was loaded.
 *
 * dtype.h (dtypes, shapes, element access) and npy.h (the .npy format) are
 * included here so that callers of the array functions get all of them.
 */
#ifndef HR_ARRAY_H
#define HR_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "dtype.h"
#include "err.h"
#include "npy.h"
#include "array_shard.h"

/* enum hr_load_mode is public: libhotrun.h */

struct hr_load_opts {
    enum hr_load_mode mode;
    const struct hr_raw_spec *raw;  /* NULL: the file is .npy */
    /* Called now and then while copying (HR_LOAD_READ); may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *progress_ud;
    /* NULL: the whole array; else this rank's slab (array_shard.h) */
    const struct hr_shard *shard;
};

struct hr_resident {
    struct hr_array view;   /* what tasks see; view.name is name below */
    char *name;             /* owned */
    char *path;             /* owned, as given */
    void *map;              /* the mapping holding the data, or NULL */
    size_t map_len;
    int npy_version;        /* 1, 2 or 3; 0 for raw files */
    int swapped;            /* converted from big-endian */
    const char *how;        /* static: "mmap", "read" or "read+swap" */
};

/* Loads path under name.  On success *out is owned by the caller (free with
 * hr_array_free()).  On failure nothing is left allocated and err gets one
 * line "path: what is wrong".  Returns 0, HR_ENOENT, HR_EIO, HR_EFORMAT,
 * HR_EUNSUPPORTED or HR_ENOMEM. */
int hr_array_load(const char *path, const char *name,
                  const struct hr_load_opts *opts, struct hr_resident **out,
                  struct hr_err *err);

/* Frees r and unmaps its data; accepts NULL. */
void hr_array_free(struct hr_resident *r);

/* True when addr lies inside r's data. */
int hr_array_contains(const struct hr_resident *r, uintptr_t addr);

#endif
