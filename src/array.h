/* array.h - load array files as resident, read-only arrays
 *
 * A struct hr_resident holds one loaded array: the struct hr_array view that
 * tasks see, the memory behind it and what is known about where it came
 * from.  The data is never writable once loaded (PROT_READ), whichever way
 * it was loaded.
 *
 * Formats are told apart by content, never by extension: NumPy .npy, .npz
 * (a zip archive of .npy members), HDF5 (its signature at byte 0, 512,
 * 1024, ...), CSV/TSV text; a raw binary file needs a struct hr_raw_spec.
 *
 * dtype.h (dtypes, shapes, element access) and npy.h (the .npy format) are
 * included here so that callers of the array functions get all of them.
 */
#ifndef HR_ARRAY_H
#define HR_ARRAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hotrun.h"
#include "dtype.h"
#include "err.h"
#include "npy.h"
#include "array_shard.h"

/* enum hr_load_mode is public: libhotrun.h */

/* How CSV/TSV text is read. */
struct hr_csv_opts {
    int delimiter;          /* 0: sniffed; ' ' means runs of blanks */
    int dtype;              /* enum hr_dtype of the values; -1: float64 */
    int lenient;            /* a cell that is not a number becomes NaN */
};

struct hr_load_opts {
    enum hr_load_mode mode;
    const struct hr_raw_spec *raw;  /* NULL: the format is found by content */
    const struct hr_csv_opts *csv;  /* NULL: defaults (sniffed, float64) */
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
    dev_t dev;              /* device and inode of the file loaded */
    ino_t ino;
    int mapped;             /* view.data lies in a mapping of that file */
    int npy_version;        /* 1, 2 or 3; 0 for other formats */
    int swapped;            /* converted from big-endian */
    const char *how;        /* static: "mmap", "read", "read+swap", ... */
    const char *format;     /* static: "npy", "npz", "hdf5", "csv", "raw" */
    char *origin;           /* owned or NULL: the .npz member ("w.npy") or
                               HDF5 dataset ("/grp/w") it came from */
    char **columns;         /* owned (and each string) or NULL: the CSV
                               header's column names, ncolumns of them */
    int ncolumns;
    char **attrs;           /* owned (and each string) or NULL: HDF5
                               attributes as "name = value", nattrs */
    int nattrs;
};

/* The arrays one file gave (an .npz archive: one per member).  items and
 * each item are owned by whoever holds the list: hr_array_list_free()
 * frees both; a caller that keeps an item sets its slot to NULL first. */
struct hr_array_list {
    struct hr_resident **items;
    int n;
};

/* Loads every array that spec "FILE[:MEMBER]" names, finding the format
 * by content.  FILE is taken whole when such a file exists; otherwise the
 * text after the first ':' whose prefix is a regular file names a MEMBER:
 * an .npz member (with or without ".npy") or an HDF5 dataset path.
 *
 * Names: a .npy, CSV or raw file or a single HDF5 dataset gives one array
 * called name (NULL: FILE's base name without extension); an .npz gives
 * one array per member, "NAME.MEMBER"; one chosen member or dataset is
 * called name when given, else "FILE.MEMBER" (an HDF5 path's '/' become
 * '.').  An HDF5 file with several datasets and no MEMBER loads nothing:
 * HR_EAMBIG, and err lists the datasets after its first line.
 *
 * On success *out holds n >= 1 residents (see struct hr_array_list for
 * who frees what).  On failure *out is empty, nothing is left allocated
 * and err gets "FILE: what is wrong" (or "FILE:line:column: what" for
 * text).  Returns 0, HR_ENOENT, HR_EIO, HR_EFORMAT, HR_EUNSUPPORTED,
 * HR_EINVAL, HR_EAMBIG or HR_ENOMEM. */
int hr_array_load_all(const char *spec, const char *name,
                      const struct hr_load_opts *opts,
                      struct hr_array_list *out, struct hr_err *err);

/* Frees the residents left in l and its items array, and empties l;
 * accepts an empty list. */
void hr_array_list_free(struct hr_array_list *l);

/* Loads the one array that spec names, as hr_array_load_all() does; a
 * file or member that holds several is an error (HR_EAMBIG) naming how
 * to choose.  opts->raw set: path is a raw binary file.  On success *out
 * is owned by the caller (free with hr_array_free()).  On failure nothing
 * is left allocated and err gets one line "path: what is wrong". */
int hr_array_load(const char *path, const char *name,
                  const struct hr_load_opts *opts, struct hr_resident **out,
                  struct hr_err *err);

/* A resident array over the mapping map (map_len bytes, taken) that task
 * made: dtype, ndim sizes in shape, C order; the mapping becomes
 * read-only.  *out is owned (hr_array_free()).  Returns 0 or HR_ENOMEM
 * (the mapping is then still the caller's). */
int hr_array_made(const char *name, const char *task, int dtype, int ndim,
                  const int64_t *shape, void *map, size_t map_len,
                  struct hr_resident **out);

/* Frees r and unmaps its data; accepts NULL. */
void hr_array_free(struct hr_resident *r);

/* True when r's data is mapped from its file (not a copy); sets *dev and
 * *ino to that file's (what save's guard list wants). */
int hr_array_mapped_file(const struct hr_resident *r, dev_t *dev,
                         ino_t *ino);

/* True when addr lies inside r's data. */
int hr_array_contains(const struct hr_resident *r, uintptr_t addr);

/* Parses a --delimiter: one character, or "tab" / "\\t", "space" (runs of
 * blanks), "comma", "semicolon", "pipe".  Returns 0 or HR_EINVAL. */
int hr_csv_parse_delimiter(const char *s, int *out);

/* Index of the column called name in r's CSV header, or -1 when r has no
 * such column (or no header). */
int64_t hr_array_col_index(const struct hr_resident *r, const char *name);

#endif
