/* srcscan.c - a lexical look at a task file before it is compiled */
#include "srcscan.h"

#include <string.h>

/* Where a literal or comment that starts at p ends (the first byte after
 * it); counts the newlines it holds into *line. */
static size_t skip_quoted(const char *s, size_t len, size_t p, char q,
                          int *line)
{
    p++;
    while (p < len && s[p] != q && s[p] != '\n') {
        if (s[p] == '\\' && p + 1 < len) {
            if (s[p + 1] == '\n')
                (*line)++;
            p++;
        }
        p++;
    }
    return p < len && s[p] == q ? p + 1 : p;
}

static size_t skip_block_comment(const char *s, size_t len, size_t p,
                                 int *line)
{
    p += 2;
    while (p + 1 < len && !(s[p] == '*' && s[p + 1] == '/')) {
        if (s[p] == '\n')
            (*line)++;
        p++;
    }
    return p + 1 < len ? p + 2 : len;
}

int hr_srcscan_check(const char *path, const char *src, size_t len,
                     int max_depth, struct hr_err *err)
{
    const char *nul = memchr(src, '\0', len);
    int depth = 0;
    int line = 1;
    size_t p = 0;

    if (nul != NULL) {
        for (p = 0; p < (size_t)(nul - src); p++)
            line += src[p] == '\n';
        hr_err_set(err, "%s:%d: error: a NUL byte: not C source text",
                   path, line);
        return HR_ECOMPILE;
    }
    while (p < len) {
        char c = src[p];

        if (c == '"' || c == '\'') {
            p = skip_quoted(src, len, p, c, &line);
            continue;
        }
        if (c == '/' && p + 1 < len && src[p + 1] == '*') {
            p = skip_block_comment(src, len, p, &line);
            continue;
        }
        if (c == '/' && p + 1 < len && src[p + 1] == '/') {
            while (p < len && src[p] != '\n')
                p++;
            continue;
        }
        if (c == '\n') {
            line++;
        } else if (c == '(' || c == '[' || c == '{') {
            if (++depth > max_depth) {
                hr_err_set(err, "%s:%d: error: brackets nested deeper than "
                           "%d levels", path, line, max_depth);
                return HR_ECOMPILE;
            }
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            depth--;
        }
        p++;
    }
    return 0;
}
