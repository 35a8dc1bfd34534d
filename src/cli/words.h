/* words.h - split a command line into words, and join words back
 *
 * One syntax for every front end (prompt, stdin scripts, -c, batch lists,
 * watch arguments): words are separated by blanks (space, tab, CR, LF);
 * '...' quotes literally; "..." quotes with backslash escapes; a backslash
 * outside quotes escapes the next character; '#' at the start of a word,
 * outside quotes, starts a comment that runs to the end of the line (so an
 * apostrophe in a comment is fine).  A NUL byte inside the line is an error,
 * never a silent cut.
 *
 * hr_words_join() quotes so that hr_words_split() gives back exactly the
 * same words (Enter's replay of the last command relies on it).
 */
#ifndef HR_WORDS_H
#define HR_WORDS_H

#include <stddef.h>

#include "libhotrun.h"

/* Splits the len bytes of line into *argv (owned: free with
 * hr_words_free(); NULL-terminated).  Returns the word count (0 for a blank
 * or comment-only line), or HR_EINVAL (unclosed quote, NUL byte: err says
 * which, without a location) or HR_ENOMEM. */
int hr_words_split(const char *line, size_t len, char ***argv,
                   struct hr_err *err);

/* Frees what hr_words_split() made; accepts NULL. */
void hr_words_free(int argc, char **argv);

/* argv joined into one line that splits back into the same words.  Owned
 * by the caller (free()); NULL when out of memory. */
char *hr_words_join(int argc, char *const *argv);

#endif
