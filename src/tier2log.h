/* tier2log.h - the log of tier-2 compiles that `tier -v` shows
 *
 * Private to tier2.c.  A bounded text: whole lines "HH:MM:SS.mmm PATH:
 * what", the oldest dropped first past 64 kB.  The log owns its text.
 */
#ifndef HR_TIER2LOG_H
#define HR_TIER2LOG_H

#include <stddef.h>

struct hr_tier2log {
    char *text;                 /* owned, NUL-terminated, or NULL */
    size_t len;
};

/* Appends "HH:MM:SS.mmm PATH: msg" (local time, now). */
void hr_tier2log_add(struct hr_tier2log *l, const char *path,
                     const char *msg);

/* Appends what the file fd holds from its start (a compiler's messages,
 * at most 2 kB), each line indented by four spaces. */
void hr_tier2log_output(struct hr_tier2log *l, int fd);

/* The text (borrowed until the next call on l): "" when empty. */
const char *hr_tier2log_text(const struct hr_tier2log *l);

/* Frees the text; l can be used again. */
void hr_tier2log_free(struct hr_tier2log *l);

#endif
