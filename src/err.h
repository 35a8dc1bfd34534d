/* err.h - status codes and error messages shared by every module
 *
 * Functions return 0 on success or a negative HR_E* code, and put the
 * detail in an optional struct hr_err ("file:line: what" or "cmd: what",
 * lower case, no trailing period).  The codes, struct hr_err and its
 * functions are part of the public API (libhotrun.h).
 */
#ifndef HR_ERR_H
#define HR_ERR_H

#include "libhotrun.h"

#endif
