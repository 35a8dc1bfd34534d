/* diag.h - compile errors a C programmer recognises
 *
 * TinyCC reports "file:line: error: what" with no column, the line of the
 * token it was looking at (so a missing ';' is reported on the next
 * line), and undefined symbols with no line at all.  These functions turn
 * such messages into what gcc and clang print: "file:line:col: error:
 * what", then the source line and a caret under the column.  A missing
 * ';' points just after the previous token; an undefined symbol points at
 * the first line that uses it; where the column cannot be told, the caret
 * goes under the first token of the reported line.  Lines that name no
 * readable file are left as they are.
 */
#ifndef HR_DIAG_H
#define HR_DIAG_H

#include "err.h"

/* The messages in text (one per line) with locations fixed and source
 * lines and carets added.  Owned by the caller (free()); NULL when text is
 * NULL or memory ran out. */
char *hr_diag_annotate(const char *text);

/* The same, in place, for err->msg; when the result does not fit, whole
 * messages at the end are dropped. */
void hr_diag_explain(struct hr_err *err);

#endif
