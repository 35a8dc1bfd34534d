/* array.h - load array files as resident, read-only arrays
 *
 * A struct hr_resident holds one loaded array: the struct hr_array view that
 * tasks see, the memory behind it and what is known about where it came
 * from.  The data is never writable once loaded (PROT_READ), whichever way
 * it was loaded:
 *   copy  into anonymous memory of its own, on 2 MiB pages when the kernel
 *         gives them: later changes to the file cannot reach it;
 *   mmap  the file's own pages, mapped: a change to the file changes the
 *         array (hr_array_changed() tells), a shorter file faults.
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
#include <time.h>

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
    /* Called from the loading thread after each piece it copies, and last
     * with done == total (copies only); may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *progress_ud;
    /* NULL: the whole array; else this rank's slab (array_shard.h) */
    const struct hr_shard *shard;
    /* Memory available for a copy, in bytes; 0: ask the kernel
     * (hr_sysmem_available()).  Auto copies up to half of it. */
    int64_t mem_available;
    int threads;                    /* copying threads; 0: one a core, <= 4 */
};

/* What a file was when it was loaded: which file, which version. */
struct hr_file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
    nlink_t nlink;          /* explains a new ctime: renamed over, removed */
};

struct hr_resident {
    struct hr_array view;   /* what tasks see; view.name is name below */
    char *name;             /* owned */
    char *path;             /* owned, as given */
    void *map;              /* the memory holding the data, or NULL */
    size_t map_len;
    int mapped;             /* view.data lies in a mapping of its file;
                             * 0: memory of its own (it never changes) */
    int npy_version;        /* 1, 2 or 3; 0 for other formats */
    int swapped;            /* converted from big-endian */
    int huge;               /* a copy of 2 MiB or more: 1 all on 2 MiB
                             * pages, 0 not (note says why); -1 otherwise */
    int fd;                 /* mapped: the file, kept open to watch; or -1 */
    struct hr_file_id id;   /* the file as it was loaded */
    off_t data_end;         /* mapped: the file offset just past the data */
    char how[48];           /* "copy", "copy+swap", "mmap", "copy, 4 KiB
                             * pages", "inflate", "parse", "made"... */
    char note[512];         /* "" or one line the user should see after the
                             * load: "NAME: why it is not what they may
                             * expect" (not on huge pages, mapped because
                             * big) */
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

/* What hr_array_changed() finds. */
enum hr_array_change {
    HR_ARRAY_SAME = 0,      /* the file is as loaded */
    HR_ARRAY_STALE = 1,     /* the path now holds another file, or none,
                             * or a copy's file was rewritten: the array
                             * is unchanged, the file is newer */
    HR_ARRAY_CHANGED = 2    /* a mapped array's own file was written or
                             * truncated: its data is not what was loaded
                             * (reading past a new, shorter end faults) */
};

/* Loads the one array that spec names, as hr_array_load_all() does (a
 * file or member that holds several is an error, HR_EAMBIG, naming how to
 * choose; opts->raw set: path is a raw binary file).  opts->mode (opts may
 * be NULL: auto):
 *   HR_LOAD_AUTO  copy when the data is at most half of the memory
 *                 available now (hr_sysmem_available(), or
 *                 opts->mem_available), else map (r->note says so);
 *   HR_LOAD_COPY  copy; refused (HR_ENOMEM) when it is more than all the
 *                 memory available;
 *   HR_LOAD_MMAP  map.
 * Big-endian or unaligned data is always copied (converted to native
 * order).  A copy is made on 2 MiB pages; r->huge says whether the kernel
 * gave them, r->how and r->note say so when it did not.  A file that
 * changes while it is being copied is an error.  On success *out is owned
 * by the caller (free with hr_array_free()); r->note, when not empty, is a
 * line the caller should show.  On failure nothing is left allocated and
 * err gets one line "path: what is wrong".  Returns 0, HR_ENOENT, HR_EIO,
 * HR_EFORMAT, HR_EINVAL, HR_EUNSUPPORTED, HR_EAMBIG or HR_ENOMEM. */
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

/* Has r's file changed since the load?  Cheap enough before every run: an
 * fstat() of a mapped array's file and a stat() of the path, comparing
 * device, inode, size, mtime and ctime with r->id (a new ctime with a new
 * link count is a rename or removal, not a write).  A write within the
 * same clock tick as the load that keeps the size is not seen (the
 * kernel's file times are that coarse).  Returns an enum
 * hr_array_change; when not HR_ARRAY_SAME, why (may be NULL) gets one line
 * naming the array: "demo: /data/demo.npy was rewritten since it was
 * loaded (200000128 -> 8128 bytes): the mapped data changed; load it
 * again".  A copy never changes: at most it is HR_ARRAY_STALE. */
int hr_array_changed(const struct hr_resident *r, char *why, size_t len);

/* True when r is mapped and its file is now shorter than the data: reading
 * the part past the new end would fault (SIGBUS).  One fstat(). */
int hr_array_truncated(const struct hr_resident *r);

/* Frees r, unmaps its data and closes its file; accepts NULL. */
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
