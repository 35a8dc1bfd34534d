/* batch.h - the non-interactive front ends: batch lists and stdin scripts */
#ifndef HR_BATCH_H
#define HR_BATCH_H

#include <stdio.h>

#include "ctx.h"

/* Runs each "FILE [FUNCTION [ARGS...]]" line of the list file path:
 * reload FILE (relative to the list's folder), then run FUNCTION or every
 * task of the file.  One failed line does not stop the others.  Prints
 * results (JSON lines when ctx->json).  Returns 0 when every run passed,
 * 1 when one failed, 2 when the list could not be read. */
int hr_batch_list(struct hr_ctx *ctx, const char *path);

/* Runs the commands read from in (a script on stdin), with no prompt.
 * Returns 0 when every command passed, 1 when a task or compile failed,
 * 2 when a command was unknown or malformed. */
int hr_batch_script(struct hr_ctx *ctx, FILE *in);

#endif
