/* array.h - load .npy and raw binary files as resident, read-only arrays
 *
 * A struct hr_resident holds one loaded array: the struct hr_array view that
 * tasks see, plus the mapping behind it.  The data is never writable once
 * loaded (PROT_READ), whichever way it was loaded.
 */
#ifndef HR_ARRAY_H
#define HR_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "hotrun.h"
#include "err.h"

enum hr_load_mode {
    HR_LOAD_MMAP,   /* zero-copy read-only mapping of the file (default) */
    HR_LOAD_READ    /* private copy read into memory (huge pages advised) */
};

/* Layout of a raw binary file, given by --dtype and --shape. */
struct hr_raw_spec {
    int dtype;                      /* enum hr_dtype */
    int big_endian;                 /* file is big-endian ('>' prefix) */
    int ndim;
    int64_t shape[HR_MAX_NDIM];
    int fortran;                    /* column-major file */
};

struct hr_load_opts {
    enum hr_load_mode mode;
    const struct hr_raw_spec *raw;  /* NULL: the file is .npy */
    /* Called now and then while copying (HR_LOAD_READ); may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *progress_ud;
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

/* Parses a dtype as NumPy spells it: "float64", "f8", "<f8", ">i4", "u1",
 * "bool", "double", "complex128"...  Sets *dtype and *big_endian (1 for a
 * '>' prefix).  Returns 0 or HR_EINVAL. */
int hr_dtype_parse(const char *s, int *dtype, int *big_endian);

/* Bytes per element of a dtype. */
int hr_dtype_size(int dtype);

/* Short name for display: "f64", "i32", "bool", "c128"... */
const char *hr_dtype_short(int dtype);

/* Parses "5000x5000", "5000,5000" or "100" into spec->ndim and
 * spec->shape.  Returns 0 or HR_EINVAL. */
int hr_shape_parse(const char *s, struct hr_raw_spec *spec);

/* Formats the shape as "5000x5000" ("scalar" for 0-d) into buf. */
void hr_shape_format(const struct hr_array *a, char *buf, size_t len);

/* Element i of a in C order as double (the task function hr_at()). */
double hr_array_at(const struct hr_array *a, int64_t i);

/* True when addr lies inside r's data. */
int hr_array_contains(const struct hr_resident *r, uintptr_t addr);

/* Writes a C-order float64 array of the given shape to path as .npy
 * version 1.0, atomically (temp file + rename).  Used by --demo and tests. */
int hr_npy_write_f64(const char *path, const double *data, int ndim,
                     const int64_t *shape, struct hr_err *err);

#endif
