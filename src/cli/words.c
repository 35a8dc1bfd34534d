/* words.c - split a command line into words, and join words back */
#include "words.h"

#include <stdlib.h>
#include <string.h>

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void hr_words_free(int argc, char **argv)
{
    int i;

    if (argv == NULL)
        return;
    for (i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

int hr_words_split(const char *line, size_t n, char ***out,
                   struct hr_err *err)
{
    char **argv = NULL;
    char *word = NULL;
    size_t i = 0;
    int argc = 0;
    int rc = HR_ENOMEM;

    *out = NULL;
    if (memchr(line, '\0', n) != NULL) {
        hr_err_set(err, "NUL byte in line");
        return HR_EINVAL;
    }
    argv = calloc(n / 2 + 2, sizeof *argv);
    word = malloc(n + 1);
    if (argv == NULL || word == NULL)
        goto fail;
    for (;;) {
        size_t len = 0;
        char quote = 0;

        while (i < n && blank(line[i]))
            i++;
        if (i == n || line[i] == '#')
            break;
        while (i < n && (quote || !blank(line[i]))) {
            char c = line[i];

            if (quote && c == quote) {
                quote = 0;
            } else if (!quote && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == '\\' && quote != '\'' && i + 1 < n) {
                word[len++] = line[++i];
            } else {
                word[len++] = c;
            }
            i++;
        }
        if (quote) {
            hr_err_set(err, "unclosed %c quote", quote);
            rc = HR_EINVAL;
            goto fail;
        }
        argv[argc] = malloc(len + 1);
        if (argv[argc] == NULL)
            goto fail;
        memcpy(argv[argc], word, len);
        argv[argc][len] = '\0';
        argc++;
    }
    free(word);
    *out = argv;
    return argc;
fail:
    free(word);
    hr_words_free(argc, argv);
    return rc;
}

/* Does w need quotes to come back as one word? */
static int needs_quotes(const char *w)
{
    return *w == '\0' || *w == '#' || strpbrk(w, " \t\r\n'\"\\") != NULL;
}

char *hr_words_join(int argc, char *const *argv)
{
    size_t len = 1;
    char *s = NULL;
    char *e = NULL;
    int i;

    for (i = 0; i < argc; i++)
        len += strlen(argv[i]) * 2 + 3;
    s = malloc(len);
    if (s == NULL)
        return NULL;
    e = s;
    for (i = 0; i < argc; i++) {
        const char *w = argv[i];
        int q = needs_quotes(w);

        if (i > 0)
            *e++ = ' ';
        if (q)
            *e++ = '"';
        for (; *w != '\0'; w++) {
            if (q && (*w == '"' || *w == '\\'))
                *e++ = '\\';
            *e++ = *w;
        }
        if (q)
            *e++ = '"';
    }
    *e = '\0';
    return s;
}
