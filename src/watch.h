/* watch.h - rerun task files when they are saved (inotify, or polling)
 *
 * The watch list lives in ctx->watch (owned by the context; freed with
 * hr_watch_free()).  Front ends poll hr_watch_fd() alongside their input
 * and call hr_watch_service() when it is readable or hr_watch_timeout_ms()
 * has passed; the service reloads and reruns what changed and prints the
 * results through the command module.
 */
#ifndef HR_WATCH_H
#define HR_WATCH_H

#include "ctx.h"

/* The `watch` and `unwatch` commands (see the command table). */
int hr_watch_cmd(struct hr_ctx *ctx, int argc, char **argv);
int hr_unwatch_cmd(struct hr_ctx *ctx, int argc, char **argv);

/* Adds a watch from the command line form "FILE[:FUNCTION]".  Returns 0 or
 * an HR_E* code (the error was printed). */
int hr_watch_add_spec(struct hr_ctx *ctx, const char *spec);

/* Descriptor to poll for input, or -1 when nothing is watched. */
int hr_watch_fd(const struct hr_ctx *ctx);

/* Milliseconds until hr_watch_service() is due anyway (settling a save,
 * polling fallback), or -1 for no deadline. */
int hr_watch_timeout_ms(const struct hr_ctx *ctx);

/* Handles pending events: reloads and reruns saved files.  Returns the
 * number of reloads it made. */
int hr_watch_service(struct hr_ctx *ctx);

/* Reads what the watched folders reported and settles it without
 * printing.  Returns how many files hr_watch_service() would now act on
 * (reruns and notices); 0 means it would print nothing, so a prompt need
 * not clear the typed line. */
int hr_watch_pending(struct hr_ctx *ctx);

/* Nonzero while anything is watched. */
int hr_watch_active(const struct hr_ctx *ctx);

void hr_watch_free(struct hr_watch *w);

#endif
