/* ctok.h - C source text as tokens with their line and column
 *
 * A light tokenizer for looking at task files, not for compiling them:
 * identifiers and numbers, string and character literals, and single
 * punctuation characters; comments and preprocessor lines (continued
 * lines included) are skipped.  Used to point at columns in compile
 * errors (diag.c) and to find a file's function definitions (sig.c).
 */
#ifndef HR_CTOK_H
#define HR_CTOK_H

#include <stddef.h>

struct hr_tok {
    size_t off;                 /* the token is text[off, off + len) */
    size_t len;
    int line;                   /* 1-based */
    int col;                    /* 1-based, in bytes */
};

struct hr_toks {
    struct hr_tok *v;           /* owned */
    int n;
};

/* Splits text[0..len) into *out (owned: free with hr_ctok_free()).
 * Returns 0 or HR_ENOMEM. */
int hr_ctok_split(const char *text, size_t len, struct hr_toks *out);

void hr_ctok_free(struct hr_toks *t);

/* Is token k of text exactly the wlen bytes of word? */
int hr_ctok_is(const char *text, const struct hr_tok *k, const char *word,
               size_t wlen);

#endif
