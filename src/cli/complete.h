/* complete.h - what the word at the cursor can become (Tab at the prompt)
 *
 * Completion by context, without readline: command names first, then per
 * command file paths, task names (and FILE:TASK forms), array names,
 * command names, load options and settings.  repl.c hands the candidates
 * to readline.
 */
#ifndef HR_COMPLETE_H
#define HR_COMPLETE_H

#include "cli.h"

/* What a completion gives. */
struct hr_completion {
    char **words;           /* owned: the candidates that start with the
                               word at hand, NULL-terminated */
    int nwords;
    int files;              /* the word is a file name: let readline
                               complete paths instead */
    int no_space;           /* the one candidate is not a whole word yet
                               ("demo.c:"): no space after it */
};

/* Completes the word text that follows before (the line up to the start
 * of that word, possibly ending in an opening quote).  Returns 0, or
 * HR_ENOMEM; free with hr_completion_free(). */
int hr_complete(const struct hr_cli *cli, const char *before,
                const char *text, struct hr_completion *out);

void hr_completion_free(struct hr_completion *c);

#endif
