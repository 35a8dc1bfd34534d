/* csvfile.h - CSV/TSV text as a 2-d array, on every core
 *
 * The delimiter is sniffed from the first lines (',', tab, ';', '|', else
 * runs of blanks) unless given; a first row that is not all numbers is the
 * header, its names kept as the array's column names.  Values are float64
 * (or the dtype asked for): empty cells and NA spellings are NaN; quoted
 * fields, CRLF, a UTF-8 byte-order mark and '#' comment lines are read;
 * every row must have as many cells as the first.  Numbers are read exactly
 * as NumPy's loadtxt reads them (correctly rounded).
 *
 * Plain lines (no quote character) take a fused split-and-convert fast
 * path; lines with quotes and the header go through libcsv, which knows
 * the quoting rules (RFC 4180).  A big file is cut at line starts into
 * chunks parsed in parallel on hotrun's pool: a first pass counts each
 * chunk's rows (and follows quotes, whose parity decides where records
 * begin), a second converts straight into the array.
 */
#ifndef HR_CSVFILE_H
#define HR_CSVFILE_H

#include "loader.h"

/* Appends the file req->path as one rows x columns array (format "csv",
 * columns the header's names or NULL).  Errors: "PATH:LINE:COLUMN: what"
 * for a bad cell, "PATH:LINE: what" for a bad row, "PATH: what" else.
 * Returns 0, HR_EFORMAT, HR_EINVAL (an option that cannot apply), HR_EIO
 * or HR_ENOMEM. */
int hr_csv_load(const struct hr_load_req *req, struct hr_array_list *out,
                struct hr_err *err);

#endif
