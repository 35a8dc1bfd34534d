/* h5.h - HDF5 files, through libhdf5
 *
 * Every numeric type NumPy maps to (integers, IEEE half, single and
 * double, h5py's bool enum and complex compound; either byte order),
 * contiguous or chunked, filtered (gzip, shuffle...) or not.  A contiguous
 * unfiltered dataset goes through array.c's load mode straight from its
 * offset (mapped or read in one go); any other is read by libhdf5 into
 * fresh memory, a slab at a time with progress.  String, compound and
 * variable-length datasets are refused with the reason.
 */
#ifndef HR_H5_H
#define HR_H5_H

#include "loader.h"

/* Appends to out the dataset req->member names ("/grp/x" or "grp/x"), or
 * the file's only dataset, with format "hdf5", origin its path and attrs
 * its attributes as text.  With several datasets and no member: nothing
 * loaded, HR_EAMBIG, and err lists "  PATH  SHAPE  DTYPE" lines after its
 * first line.  Returns 0, HR_ENOENT, HR_EIO, HR_EFORMAT, HR_EUNSUPPORTED,
 * HR_EAMBIG or HR_ENOMEM. */
int hr_h5_load(const struct hr_load_req *req, struct hr_array_list *out,
               struct hr_err *err);

/* ---- h5type.c: types and attributes (for h5.c) ---- */

/* What an HDF5 datatype is to hotrun. */
struct hr_h5_type {
    int dtype;          /* enum hr_dtype, or -1: refused (why says why) */
    int big_endian;
    int packed;         /* the file's bytes are the array's bytes (maybe
                           swapped): can be mapped or copied as they are */
    char why[160];      /* "string dataset", ... when refused */
};

/* Maps the HDF5 datatype t (an hid_t) to a dtype, or says why not. */
void hr_h5_type(int64_t t, struct hr_h5_type *out);

/* A memory type that reads t's values as native (little-endian) numbers of
 * dtype: an hid_t to close with H5Tclose(), or -1. */
int64_t hr_h5_memtype(int64_t t, int dtype);

/* The attributes of object obj (an hid_t) as owned "name = value" strings
 * in *attrs (NULL when none) and their count in *n.  Returns 0 or
 * HR_ENOMEM. */
int hr_h5_attrs(int64_t obj, char ***attrs, int *n);

/* The innermost message on HDF5's error stack, lower-cased, in buf. */
const char *hr_h5_why(char *buf, size_t len);

#endif
