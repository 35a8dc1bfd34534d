/* progress.h - a progress bar on a terminal, for long tasks and loads
 *
 * Drawn on the descriptor given at creation only when it is a terminal,
 * at most ten times a second, and erased by hr_progress_done().  Safe to
 * update from several threads (updates that find it busy are dropped).
 */
#ifndef HR_PROGRESS_H
#define HR_PROGRESS_H

#include <stdint.h>

struct hr_progress;

/* Owned by the caller: free with hr_progress_free().  NULL on no memory
 * (every function accepts NULL and then does nothing). */
struct hr_progress *hr_progress_new(int fd);
void hr_progress_free(struct hr_progress *p);

/* Text before the bar (copied); NULL for none. */
void hr_progress_label(struct hr_progress *p, const char *label);

/* done of total units; ud is the struct hr_progress (callback form). */
void hr_progress_update(void *ud, int64_t done, int64_t total);

/* Erases the bar if one is drawn and starts over. */
void hr_progress_done(struct hr_progress *p);

#endif
