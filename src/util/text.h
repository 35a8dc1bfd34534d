/* text.h - a growable text buffer that engine modules write into
 *
 * The engine formats (show, stats, plot, svg) into a struct hr_text and
 * never prints; the caller prints t->s, writes it to a file, or drops it.
 * Running out of memory is sticky: the first failed append sets t->oom,
 * later appends do nothing, and the caller checks once at the end
 * (hr_text_ok()), so formatting code needs no error path per line.
 *
 * Ownership: the struct is the caller's (usually on the stack, zeroed with
 * HR_TEXT_INIT or memset); t->s is owned by the struct and freed with
 * hr_text_free().  t->s is always NUL-terminated once anything was added
 * (NULL before), and t->len excludes the NUL.
 */
#ifndef HR_TEXT_H
#define HR_TEXT_H

#include <stddef.h>

struct hr_text {
    char *s;        /* owned; NUL-terminated; NULL until the first append */
    size_t len;     /* bytes in s, not counting the NUL */
    size_t cap;     /* bytes allocated for s */
    int oom;        /* an append failed: s holds what came before it */
};

#define HR_TEXT_INIT { NULL, 0, 0, 0 }

/* Appends n bytes of s (which may hold NULs). */
void hr_text_add(struct hr_text *t, const char *s, size_t n);

/* Appends the NUL-terminated string s. */
void hr_text_puts(struct hr_text *t, const char *s);

/* Appends n copies of the string s (a space, or a multi-byte character). */
void hr_text_repeat(struct hr_text *t, const char *s, size_t n);

/* Appends printf-formatted text. */
void hr_text_printf(struct hr_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Cuts the text back to its first len bytes (len <= t->len). */
void hr_text_truncate(struct hr_text *t, size_t len);

/* 0 when every append succeeded, else HR_ENOMEM. */
int hr_text_ok(const struct hr_text *t);

/* Frees t->s and zeroes t; accepts NULL. */
void hr_text_free(struct hr_text *t);

#endif
