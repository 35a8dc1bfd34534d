/* save.h - write an array as a .npy file that np.load reads bit-exactly
 *
 * The file is what np.save writes for the same array, byte for byte: the
 * header dict {'descr', 'fortran_order', 'shape'} with NumPy's spacing and
 * its 21-column growth padding, padded to a multiple of 64 bytes, version
 * 1.0 (2.0 only if the header passes 65535 bytes, as NumPy decides); then
 * the data.  Layout, as np.save chooses it: a C-contiguous array is
 * written as it lies (fortran_order False); a Fortran-contiguous one is
 * written as it lies too, with fortran_order True (no transposing copy);
 * any other view (strided, reversed) is gathered in C order in 1 MiB
 * pieces.  Every dtype, 0-d and empty arrays included.
 *
 * The write is atomic (atomic.h): a temporary file in the same folder,
 * the whole content, fsync, rename, fsync of the folder; a failure leaves
 * neither a temporary file nor a half-written destination, and an older
 * file of that name stays as it was.
 *
 * It refuses to replace the file a resident array is mapped from: the
 * caller lists those files by device and inode (a hard link or another
 * spelling of the path is the same file; a copy is not).
 *
 * The array and the guard list are borrowed for the call.
 */
#ifndef HR_SAVE_H
#define HR_SAVE_H

#include <sys/types.h>

#include "hotrun.h"
#include "err.h"
#include "text.h"

/* A file that must not be replaced, and the array that maps it. */
struct hr_save_guard {
    dev_t dev;
    ino_t ino;
    const char *name;   /* borrowed: the array's name, for the message */
};

/* Writes a to path.  Returns 0; HR_EINVAL when a is not a sound array or
 * path is a guarded file ("PATH: array 'x' is mapped from this file;
 * save to another name"); HR_EIO (cannot create, write, sync or rename:
 * err says which) or HR_ENOMEM. */
int hr_save_npy(const struct hr_array *a, const char *path,
                const struct hr_save_guard *guards, int nguards,
                struct hr_err *err);

/* The preamble and header NumPy writes for a with the given fortran_order,
 * appended to t (which then ends at the data's offset).  Returns the
 * version (1 or 2), or HR_EINVAL for an unsound array, HR_ENOMEM. */
int hr_save_header(const struct hr_array *a, int fortran, struct hr_text *t);

#endif
