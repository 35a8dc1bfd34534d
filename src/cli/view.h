/* view.h - what the front ends know of the session: the local one, or
 * the MPI job's as its last answer described it (hotrun --ranks N)
 *
 * The prompt, completion, the banner and watch mode ask these instead of
 * the session, so that they work the same over an MPI job.  Same
 * contracts as the libhotrun.h functions of the same names; strings and
 * views are borrowed until the next command.
 */
#ifndef HR_VIEW_H
#define HR_VIEW_H

#include "cli.h"

int hr_view_narrays(const struct hr_cli *cli);
int hr_view_find_array(const struct hr_cli *cli, const char *name);
int hr_view_array_info(const struct hr_cli *cli, int i,
                       struct hr_array_info *out);
int hr_view_nmodules(const struct hr_cli *cli);
int hr_view_find_module(const struct hr_cli *cli, const char *path);
int hr_view_module_info(const struct hr_cli *cli, int i,
                        struct hr_module_info *out);
const char *hr_view_task_name(const struct hr_cli *cli, int m, int t);
int hr_view_module_matches(const struct hr_cli *cli, int m,
                           const char *file, size_t n);

#endif
