/* array.h - load .npy and raw binary files as resident, read-only arrays
 *
 * A struct hr_resident holds one loaded array: the struct hr_array view that
 * tasks see, plus the memory behind it.  The data is never writable once
 * loaded (PROT_READ), whichever way it was loaded:
 *   copy  into anonymous memory of its own, on 2 MiB pages when the kernel
 *         gives them: later changes to the file cannot reach it;
 *   mmap  the file's own pages, mapped: a change to the file changes the
 *         array (hr_array_changed() tells), a shorter file faults.
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

enum hr_load_mode {
    HR_LOAD_AUTO,   /* copy when it fits comfortably, else mmap (default) */
    HR_LOAD_COPY,   /* a private copy on 2 MiB pages */
    HR_LOAD_MMAP,   /* a read-only mapping of the file */
    HR_LOAD_READ = HR_LOAD_COPY     /* the old name of copy */
};

struct hr_load_opts {
    enum hr_load_mode mode;
    const struct hr_raw_spec *raw;  /* NULL: the file is .npy */
    /* Called from the loading thread after each piece it copies, and last
     * with done == total (copies only); may be NULL. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *progress_ud;
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
    int npy_version;        /* 1, 2 or 3; 0 for raw files */
    int swapped;            /* converted from big-endian */
    int copied;             /* a private copy (it never changes); 0: the
                             * file's pages are mapped */
    int huge;               /* a copy of 2 MiB or more: 1 all on 2 MiB
                             * pages, 0 not (note says why); -1 otherwise */
    int fd;                 /* mapped: the file, kept open to watch; or -1 */
    struct hr_file_id id;   /* the file as it was loaded */
    char how[48];           /* "copy", "copy+swap", "mmap", "copy, 4 KiB
                             * pages"... */
    char note[512];         /* "" or one line the user should see after the
                             * load: "NAME: why it is not what they may
                             * expect" (not on huge pages, mapped because
                             * big) */
};

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

/* Loads path under name.  opts->mode (opts may be NULL: auto):
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
 * HR_EFORMAT, HR_EINVAL, HR_EUNSUPPORTED or HR_ENOMEM. */
int hr_array_load(const char *path, const char *name,
                  const struct hr_load_opts *opts, struct hr_resident **out,
                  struct hr_err *err);

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

/* Frees r, unmaps its data and closes its file; accepts NULL. */
void hr_array_free(struct hr_resident *r);

/* True when addr lies inside r's data. */
int hr_array_contains(const struct hr_resident *r, uintptr_t addr);

#endif
