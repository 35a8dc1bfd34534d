/* report.h - the reporter: records rendered as text or JSON lines
 *
 * Text (the default): a run's result line on stdout, notes dim on stdout,
 * a command's text as it is, warnings and errors on stderr; an error from
 * a script or list line without a location of its own gets
 * "SOURCE:LINE: " in front.  JSON (--json): each record is one JSON
 * object on its own line on stdout and nothing else goes there (task
 * output goes to stderr, see out.h); warnings and notices stay text on
 * stderr.
 */
#ifndef HR_REPORT_H
#define HR_REPORT_H

#include "cli.h"

/* Renders r as cli's mode says. */
void hr_report(const struct hr_cli *cli, const struct hr_record *r);

/* A notice from the engine (a one-line text): dim on stdout, or on stderr
 * in JSON mode. */
void hr_report_notice(const struct hr_cli *cli, const char *text);

#endif
