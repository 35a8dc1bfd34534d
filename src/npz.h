/* npz.h - NumPy .npz archives (zip files of .npy members), through zlib's
 * minizip
 *
 * A stored (uncompressed) member is mapped or copied straight from its
 * offset in the archive, through array.c's load mode; a deflated one is
 * inflated into fresh memory, with progress.  Every dtype, order and
 * version that .npy loading accepts works inside an .npz.
 */
#ifndef HR_NPZ_H
#define HR_NPZ_H

#include "loader.h"

/* Appends to out one resident per .npy member of the archive req->path
 * (only req->member when set: with or without ".npy"), named as
 * hr_array_load_all() says, with format "npz" and origin the member name.
 * Members that are not .npy files are skipped; an archive with none is an
 * error.  On failure err gets "PATH: what" or "PATH:MEMBER: what".
 * Returns 0, HR_ENOENT, HR_EIO, HR_EFORMAT, HR_EUNSUPPORTED or HR_ENOMEM
 * (out may then hold what was loaded before: the caller frees it). */
int hr_npz_load(const struct hr_load_req *req, struct hr_array_list *out,
                struct hr_err *err);

/* Writes the n arrays to path as an .npz archive that np.load reads:
 * member names[i] + ".npy" holds arrays[i] (a C- or Fortran-contiguous
 * view), stored, or deflated when compress (np.savez_compressed), in zip64
 * form as NumPy writes.  Written to a temporary file renamed into place.
 * Returns 0, HR_EINVAL, HR_EIO or HR_ENOMEM with err. */
int hr_npz_write(const char *path, const struct hr_array *const *arrays,
                 const char *const *names, int n, int compress,
                 struct hr_err *err);

#endif
