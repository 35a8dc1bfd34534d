/* loader.h - what the format loaders (npz, HDF5, CSV) share with array.c
 *
 * array.c owns how a resident array's memory is made: a loader either
 * describes where a file's numbers lie (struct hr_layout) and lets array.c
 * map or copy them in the load mode in force (hr_loader_data), or asks it
 * for writable memory (hr_loader_alloc), fills it and seals it read-only
 * (hr_loader_seal).  So a change of load mode or of how memory is made
 * applies to every format.  Nothing here prints; residents made here are
 * owned by the caller (hr_array_free()).
 */
#ifndef HR_LOADER_H
#define HR_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "array.h"
#include "layout.h"

/* struct hr_layout (where and what an array's numbers are in a file):
 * layout.h */

/* The usual loader entry: what a format's loader gets.  spec names the
 * file and optionally one member; see hr_array_load_all(). */
struct hr_load_req {
    const char *path;           /* the file */
    const char *member;         /* NULL: every array (or the only one) */
    const char *name;           /* NAME given with NAME=, or NULL */
    const struct hr_load_opts *opts;    /* never NULL */
    int fd;                     /* open on path, borrowed */
    int64_t fsize;
};

/* Opens path read-only (a regular file).  On success *fd is owned by the
 * caller (close it); on failure it is -1 and err says why.  Returns 0,
 * HR_ENOENT or HR_EIO. */
int hr_loader_open(const char *path, int *fd, int64_t *size,
                   struct hr_err *err);

/* Loads a .npy file, or a raw binary one when opts->raw is set: the
 * single-array loader of array.c.  Same contract as hr_array_load(). */
int hr_loader_npy_raw(const char *path, const char *name,
                      const struct hr_load_opts *opts,
                      struct hr_resident **out, struct hr_err *err);

/* The layout of a .npy stream (at an offset of a file, or from a header
 * already read): hr_layout_npy(), hr_layout_header() in layout.h. */

/* A resident for lay's array with no data yet: name copied (NULL: the
 * base name of path without extension), path copied.  *out is owned. */
int hr_loader_new(const char *path, const char *name,
                  const struct hr_layout *lay, struct hr_resident **out,
                  struct hr_err *err);

/* Maps or copies the lay->nbytes bytes at lay->offset of fd into r, as
 * opts->mode says, converting big-endian numbers; sets r->how. */
int hr_loader_data(const char *what, int fd, const struct hr_layout *lay,
                   const struct hr_load_opts *opts, struct hr_resident *r,
                   struct hr_err *err);

/* Gives r writable memory for its r->view.nbytes bytes in *buf (borrowed:
 * r owns it; NULL for an empty array).  Fill it, then hr_loader_seal(). */
int hr_loader_alloc(const char *what, struct hr_resident *r, void **buf,
                    struct hr_err *err);

/* Byte-swaps the filled memory first when swap (a big-endian source),
 * makes it read-only and points r->view.data at it. */
int hr_loader_seal(const char *what, struct hr_resident *r, int swap,
                   struct hr_err *err);

/* Address space for at least max bytes, writable, of which only the
 * pages written take memory (for a loader that learns the size as it
 * goes): owned, *map_len its length; give it to hr_loader_adopt() or free
 * it with hr_loader_unreserve().  NULL with err on failure. */
void *hr_loader_reserve(const char *what, size_t max, size_t *map_len,
                        struct hr_err *err);
void hr_loader_unreserve(void *map, size_t map_len);

/* Makes the first r->view.nbytes bytes of a reservation r's data: frees
 * the rest, seals it read-only.  Takes map (r owns it, even on error). */
int hr_loader_adopt(const char *what, struct hr_resident *r, void *map,
                    size_t map_len, struct hr_err *err);

/* Byte-swaps n bytes of dtype numbers in place (a complex: each half). */
void hr_loader_swap(void *p, size_t n, int dtype);

/* The base name of path without its extension; owned (NULL: no memory). */
char *hr_loader_default_name(const char *path);

/* Records which file, which version st is (the file a resident came from,
 * for hr_array_changed()). */
void hr_loader_file_id(const struct stat *st, struct hr_file_id *id);

/* True when st is the version of the file id recorded: same size, mtime
 * and ctime (a new ctime with a new link count is a rename or removal, not
 * a write). */
int hr_loader_same_version(const struct hr_file_id *id, const struct stat *st);

/* Frees n strings and the array holding them; accepts NULL. */
void hr_loader_free_strings(char **s, int n);

/* Appends r to l; takes r (freed on failure).  Returns 0 or HR_ENOMEM. */
int hr_array_list_push(struct hr_array_list *l, struct hr_resident *r);

/* "A.B": an owned string, or NULL with no memory. */
char *hr_loader_join_name(const char *a, const char *b);

#endif
