/* fuzz_words.c - libFuzzer target: the word splitter and its round trip
 *
 * 1. Any bytes split without crashing, into words or one error.
 * 2. The words of a line that splits, joined and split again, are the
 *    same words (Enter replays the last run this way).
 * 3. Any list of words (the input cut at NUL bytes) joined and split is
 *    the same list: a word holding blanks, quotes, '#' or a newline
 *    comes back as one word.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

static void round_trip(int argc, char **argv)
{
    char **again = NULL;
    char *line = hr_words_join(argc, argv);
    int n;
    int i;

    if (line == NULL)
        return;
    n = hr_words_split(line, strlen(line), &again, NULL);
    if (n != argc)
        __builtin_trap();
    for (i = 0; i < n; i++) {
        if (strcmp(again[i], argv[i]) != 0)
            __builtin_trap();
    }
    hr_words_free(n, again);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **argv = NULL;
    char *copy = NULL;
    char *words[64];
    int argc = hr_words_split((const char *)data, size, &argv, NULL);
    size_t i, start = 0;
    int n = 0;

    if (argc > 0)
        round_trip(argc, argv);
    if (argc >= 0)
        hr_words_free(argc, argv);
    /* the input as NUL-separated words */
    copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (i = 0; i <= size && n < 64; i++) {
        if (copy[i] == '\0') {
            words[n++] = copy + start;
            start = i + 1;
        }
    }
    round_trip(n, words);
    free(copy);
    return 0;
}
